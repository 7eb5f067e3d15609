"""Default configuration for lowlend (Flask / Flask-AppBuilder settings).

Every value can be overridden through the environment variables documented in
``README.md`` and ``../docs/operations.md``. Nothing here has side effects: the
module only defines names, so tests can build many apps with other values.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

INSTANCE_DIR = Path(os.environ.get("LOWLEND_INSTANCE_DIR", BASE_DIR / "instance")).resolve()
CONFIG_DIR = Path(os.environ.get("LOWLEND_CONFIG_DIR", BASE_DIR / "product_configs")).resolve()
NOTIFICATION_TEMPLATES_DIR = BASE_DIR / "notification_templates"

SQLALCHEMY_DATABASE_URI = os.environ.get(
    "LOWLEND_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lowlend.db'}"
)
SQLALCHEMY_TRACK_MODIFICATIONS = False

# Celery: with no broker, tasks run in-process (eager) — the embedded default.
CELERY_BROKER_URL = os.environ.get("LOWLEND_BROKER_URL") or None

# Demo mode generates the secrets; outside demo mode they are required (see create_app).
SECRET_KEY = os.environ.get("LOWLEND_SECRET_KEY")
MASTER_KEY = os.environ.get("LOWLEND_MASTER_KEY")
# Key of the identity-number hashes (the blind index); unset = derived from the master key
# (demo mode: the demo data set's public pepper).
LOWLEND_ID_PEPPER = os.environ.get("LOWLEND_ID_PEPPER") or None
LOWLEND_DEMO = os.environ.get("LOWLEND_DEMO", "0") == "1"

# Attachments of file fields: directory (default <INSTANCE_DIR>/attachments), bytes per file,
# allowed extensions → content type (None: lowlend.services.attachments.DEFAULT_TYPES).
LOWLEND_ATTACHMENT_DIR = os.environ.get("LOWLEND_ATTACHMENT_DIR") or None
LOWLEND_ATTACHMENT_MAX_SIZE = int(
    os.environ.get("LOWLEND_ATTACHMENT_MAX_SIZE", str(10 * 1024 * 1024))
)
LOWLEND_ATTACHMENT_TYPES = None

CSRF_ENABLED = True
WTF_CSRF_ENABLED = True
# Session cookies are not sent on cross-site POSTs (a second line of defence besides the
# CSRF tokens, e.g. for the multipart upload API); HttpOnly is Flask's default.
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SAMESITE = "Lax"

# Security headers, HTTPS, request size and sign-in protection (docs/security.md).
# LOWLEND_HTTPS=1: the site is served over HTTPS (directly or by a TLS proxy): cookies
# get Secure, generated URLs https. LOWLEND_TRUSTED_PROXIES: proxies in front (nginx: 1)
# whose X-Forwarded-For / X-Forwarded-Proto are believed (client address, https).
LOWLEND_HTTPS = os.environ.get("LOWLEND_HTTPS", "0") == "1"
LOWLEND_TRUSTED_PROXIES = int(os.environ.get("LOWLEND_TRUSTED_PROXIES", "0"))
# Strict-Transport-Security on HTTPS answers; unset = on, except in demo mode and tests.
LOWLEND_HSTS = (
    None if os.environ.get("LOWLEND_HSTS") is None else os.environ["LOWLEND_HSTS"] == "1"
)
LOWLEND_HSTS_MAX_AGE = int(os.environ.get("LOWLEND_HSTS_MAX_AGE", str(365 * 24 * 3600)))
# Largest request in bytes (413 above it); room for the OCR API's two 10 MiB photos.
MAX_CONTENT_LENGTH = int(os.environ.get("LOWLEND_MAX_REQUEST_BYTES", str(25 * 1024 * 1024)))
# Failed sign-ins per user name and address / per address (Flask-Limiter syntax; empty =
# off), account lockout after that many consecutive failures (0 = never) for that long.
LOWLEND_LOGIN_RATE_LIMIT = os.environ.get("LOWLEND_LOGIN_RATE_LIMIT", "5 per 15 minutes")
LOWLEND_LOGIN_ADDRESS_RATE_LIMIT = os.environ.get(
    "LOWLEND_LOGIN_ADDRESS_RATE_LIMIT", "50 per 15 minutes"
)
LOWLEND_LOGIN_LOCKOUT_THRESHOLD = int(os.environ.get("LOWLEND_LOGIN_LOCKOUT_THRESHOLD", "10"))
LOWLEND_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOWLEND_LOGIN_LOCKOUT_SECONDS", "900"))
# Counters of the sign-in throttle: Redis when set (else the broker if it is Redis, else
# the memory of each process).
LOWLEND_REDIS_URL = os.environ.get("LOWLEND_REDIS_URL") or None

# Flask-AppBuilder
APP_NAME = "lowlend"
APP_THEME = ""
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "admin"
AUTH_ROLE_PUBLIC = "Public"
FAB_API_SWAGGER_UI = True
FAB_ADD_SECURITY_API = True
# Permissions are synced from roles.yaml after each publish, once, not by every worker.
FAB_UPDATE_PERMS = False

# i18n: lowlend's own catalogue lives in the top-level translations/ folder.
BABEL_DEFAULT_LOCALE = "zh_CN"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
LANGUAGES = {
    "zh_CN": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}

# The lender named on loan contracts (借款合同); the contract PDF needs a CJK font
# (LOWLEND_CJK_FONT or a Debian font package, see docs/operations.md).
LOWLEND_LENDER_NAME = os.environ.get("LOWLEND_LENDER_NAME", "低贷小额贷款有限公司")
LOWLEND_LENDER_ADDRESS = os.environ.get("LOWLEND_LENDER_ADDRESS", "江西省南昌市红谷滩区")
LOWLEND_LENDER_LICENCE = os.environ.get("LOWLEND_LENDER_LICENCE", "")
LOWLEND_CONTRACT_PDF = os.environ.get("LOWLEND_CONTRACT_PDF", "1") == "1"
# Credit bureau: "sandbox" (local, deterministic) or "http" (LOWLEND_BUREAU_URL, ...).
LOWLEND_BUREAU = os.environ.get("LOWLEND_BUREAU", "sandbox")
