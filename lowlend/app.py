"""The application factory: :func:`create_app`.

Nothing happens at import time. ``create_app`` loads the top-level ``config.py``
defaults, applies the override, checks the secrets, binds the unbound extensions
(``db``, Flask-AppBuilder, Flask-Babel through FAB, Celery) to a new Flask app and
returns it. Several apps can be built in one process (tests do).

``create_app`` does **not** touch the database (``FAB_CREATE_DB`` defaults to
``False`` here): the schema is created by ``lowlend demo`` / ``lowlend run`` (see
:mod:`lowlend.web.bootstrap`) or by the Alembic migrations, so the app can start
— and ``/health`` can report 503 — while the database is down.

The web layer reaches the persistence layer only through this factory and
:mod:`lowlend.web.composition` (the composition root), which puts the app's
:class:`~lowlend.web.backend.WebBackend` in ``app.extensions``.

Hook points for the other layers (looked up at boot):

* ``lowlend.services.registry_provider`` — current SpecRegistry + version counter,
  see :mod:`lowlend.web.registry_hooks`;
* ``lowlend.web.registration.REGISTRARS`` — the ``register(appbuilder, registry, backend)``
  of each part of the admin, called at boot.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask, request

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULTS_FILE = PACKAGE_DIR.parent / "config.py"

SECRET_KEY_FILE = "secret_key"
MASTER_KEY_FILE = "master_key"


class ConfigurationError(RuntimeError):
    """The configuration cannot produce a working application (message says why)."""


# -- configuration -------------------------------------------------------------------
def _as_config(config: object | Mapping[str, Any] | str | os.PathLike[str] | None) -> Config:
    override = Config(str(PACKAGE_DIR))
    if config is None:
        return override
    if isinstance(config, Mapping):
        override.update(config)
    elif isinstance(config, (str, os.PathLike)) and str(config).endswith(".py"):
        override.from_pyfile(str(config))
    else:
        override.from_object(config)  # an object, or an import path string
    return override


def load_config(config: object | Mapping[str, Any] | str | None = None) -> Config:
    """``config.py`` defaults, then ``config`` (mapping, object, import path or .py file)."""
    cfg = Config(str(PACKAGE_DIR))
    if DEFAULTS_FILE.is_file():
        cfg.from_pyfile(str(DEFAULTS_FILE))
    override = _as_config(config)
    cfg.update(override)

    # Keep derived defaults consistent when only INSTANCE_DIR is overridden.
    instance_dir = Path(cfg.get("INSTANCE_DIR") or (PACKAGE_DIR.parent / "instance")).resolve()
    cfg["INSTANCE_DIR"] = instance_dir
    if (
        "INSTANCE_DIR" in override
        and "SQLALCHEMY_DATABASE_URI" not in override
        and not os.environ.get("LOWLEND_DATABASE_URL")
    ):
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_dir / 'lowlend.db'}"
    cfg["LOWLEND_DEMO"] = bool(cfg.get("LOWLEND_DEMO"))
    return cfg


def _persisted_secret(path: Path, make: Any) -> str:
    """Read a secret from ``path``, or create it there (mode 0600) on first use."""
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = str(make())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def _ensure_secrets(cfg: Config) -> None:
    instance_dir = Path(cfg["INSTANCE_DIR"])
    demo = cfg["LOWLEND_DEMO"]
    if not cfg.get("SECRET_KEY"):
        if not demo:
            raise ConfigurationError(
                "LOWLEND_SECRET_KEY is not set. Outside demo mode lowlend needs a secret key: "
                "export LOWLEND_SECRET_KEY=<long random string> "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))'), "
                "or run the demo (lowlend run / lowlend demo / LOWLEND_DEMO=1), "
                "which generates one in the instance directory."
            )
        cfg["SECRET_KEY"] = _persisted_secret(
            instance_dir / SECRET_KEY_FILE, lambda: secrets.token_hex(32)
        )
    if not cfg.get("MASTER_KEY"):
        if demo:
            # Fernet-compatible: url-safe base64 of 32 random bytes.
            cfg["MASTER_KEY"] = _persisted_secret(
                instance_dir / MASTER_KEY_FILE,
                lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"),
            )
        else:
            raise ConfigurationError(
                "LOWLEND_MASTER_KEY is not set. Outside demo mode lowlend needs the master key "
                "that encrypts personal data and attachments: export LOWLEND_MASTER_KEY=<key> "
                "(e.g. python -c 'import base64, secrets; "
                "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'); keep it "
                "safe and back it up — data encrypted under it cannot be read without it."
            )


# -- the factory ---------------------------------------------------------------------
def create_app(config: object | Mapping[str, Any] | None = None) -> Flask:
    """Build a lowlend Flask application.

    ``config`` overrides the ``config.py`` defaults: a mapping, an object (its
    UPPERCASE attributes), an import path or a ``.py`` file path.
    """
    from flask_appbuilder import AppBuilder
    from flask_migrate import Migrate

    from lowlend.persistence.db import db
    from lowlend.persistence.migrate import MIGRATIONS_DIR
    from lowlend.tasks.celery_app import make_celery
    from lowlend.web import (
        composition,
        csrf,
        health,
        login_security,
        permission_sync,
        registration,
        registry_hooks,
        request_limits,
        security_headers,
    )
    from lowlend.web.i18n import install_domain

    cfg = load_config(config)
    _ensure_secrets(cfg)

    app = Flask(
        "lowlend",
        instance_path=str(cfg["INSTANCE_DIR"]),
        template_folder="web/templates",
        static_folder="web/static",
        static_url_path="/static/lowlend",
    )
    app.config.update(cfg)
    app.config.setdefault("FAB_SECURITY_MANAGER_CLASS", "lowlend.web.security.LowlendSecurityManager")
    app.config.setdefault("FAB_INDEX_VIEW", "lowlend.web.views.LowlendIndexView")
    app.config.setdefault("FAB_MENU", "lowlend.web.menu.RegistryMenu")
    app.config.setdefault("FAB_CREATE_DB", False)  # no DB access at boot; see module doc
    app.config.setdefault("FAB_BASE_TEMPLATE", "appbuilder/baselayout.html")

    db.init_app(app)
    backend = composition.install(app)  # the web layer's view of the persistence layer
    Migrate(app, db, directory=str(MIGRATIONS_DIR))  # `flask db upgrade` = `lowlend db upgrade`
    security_headers.init_app(app)  # CSP, HSTS, frame/sniff/referrer headers, HTTPS cookies
    request_limits.init_app(app)  # 413 over MAX_CONTENT_LENGTH, before anything reads a body
    csrf.init_app(app)  # before the views: FAB exempts its REST APIs as they register
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        login_security.init_app(app)  # sessions/JWTs revoked on logout and password change
        install_domain(app)
        health.init_app(app)
        registry_hooks.install(app)
        permission_sync.init_app(app)  # a newly published version's permissions, per worker
        registration.register_views(appbuilder, backend)
    make_celery(app)

    @app.before_request
    def _lowlend_refresh_registry() -> None:
        endpoint = request.endpoint or ""
        if endpoint == health.HEALTH_ENDPOINT or endpoint.endswith("static"):
            return
        registry_hooks.refresh_if_stale()

    return app
