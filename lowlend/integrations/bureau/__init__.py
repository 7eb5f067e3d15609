"""Credit-bureau (征信) adapters behind the :class:`CreditBureau` port.

The lending service holds a :class:`CreditBureau` (built once by :func:`bureau_from_settings`)
and calls ``bureau.pull(request, monthly_income)`` with a
:class:`~lowlend.domain.credit_report.BureauRequest`; it gets a
:class:`~lowlend.domain.credit_report.CreditReport` or one of :class:`BureauUnavailable`
(retry later), :class:`BureauRejected`, :class:`BureauBadResponse`.

Implementations: :class:`HttpBureau` (signed HTTPS, retries), :class:`SandboxBureau`
(deterministic, in process, test IDs in :data:`SANDBOX_IDS`) and
:class:`SandboxBureauServer` (the sandbox over local HTTP, for the HTTP adapter's tests).
"""

from __future__ import annotations

from lowlend.integrations.bureau.errors import (
    BureauBadResponse,
    BureauError,
    BureauRejected,
    BureauSettingsError,
    BureauUnavailable,
)
from lowlend.integrations.bureau.factory import bureau_from_settings
from lowlend.integrations.bureau.http_client import HttpBureau
from lowlend.integrations.bureau.port import CreditBureau
from lowlend.integrations.bureau.sandbox import SANDBOX_IDS, SandboxBureau
from lowlend.integrations.bureau.sandbox_server import SandboxBureauServer

__all__ = [
    "SANDBOX_IDS",
    "BureauBadResponse",
    "BureauError",
    "BureauRejected",
    "BureauSettingsError",
    "BureauUnavailable",
    "CreditBureau",
    "HttpBureau",
    "SandboxBureau",
    "SandboxBureauServer",
    "bureau_from_settings",
]
