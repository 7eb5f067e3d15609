"""Choose the credit bureau from settings (environment variables or the app config).

=========================  =====================================================  ==========
setting                    meaning                                                default
=========================  =====================================================  ==========
``LOWLEND_BUREAU``         ``sandbox`` (in process, test IDs) or ``http``         ``sandbox``
``LOWLEND_BUREAU_URL``     endpoint, ``https://…`` (``http://`` only 127.0.0.1)   required
``LOWLEND_BUREAU_KEY_ID``  key id sent with every request                         required
``LOWLEND_BUREAU_SECRET``  shared HMAC-SHA256 secret                              required
``LOWLEND_BUREAU_TIMEOUT`` seconds per attempt                                    ``10``
``LOWLEND_BUREAU_RETRIES`` further attempts on timeout / 5xx / 429                ``2``
``LOWLEND_BUREAU_BACKOFF`` seconds before the first retry, doubled after          ``0.5``
``LOWLEND_BUREAU_NAME``    bureau name written on reports                         URL host
=========================  =====================================================  ==========

>>> bureau_from_settings({}).name
'sandbox'
>>> bureau_from_settings({"LOWLEND_BUREAU": "http", "LOWLEND_BUREAU_URL": "https://bureau.example/v1/credit-reports"})
Traceback (most recent call last):
...
lowlend.integrations.bureau.errors.BureauSettingsError: LOWLEND_BUREAU_KEY_ID: bureau_settings_invalid (key=LOWLEND_BUREAU_KEY_ID, reason=required)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from lowlend.integrations.bureau.errors import BureauSettingsError
from lowlend.integrations.bureau.http_client import HttpBureau
from lowlend.integrations.bureau.port import CreditBureau
from lowlend.integrations.bureau.sandbox import SandboxBureau

__all__ = ["bureau_from_settings"]


def _text(settings: Mapping[str, str], key: str, default: str | None = None) -> str:
    value = str(settings.get(key) or "").strip()
    if value:
        return value
    if default is None:
        raise BureauSettingsError(key, "required")
    return default


def _number(settings: Mapping[str, str], key: str, default: str, low: float, high: float) -> float:
    raw = _text(settings, key, default)
    try:
        value = float(raw)
    except ValueError:
        raise BureauSettingsError(key, f"not a number: {raw}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BureauSettingsError(key, f"not between {low:g} and {high:g}")
    return value


def bureau_from_settings(settings: Mapping[str, str]) -> CreditBureau:
    """The :class:`~.port.CreditBureau` the settings choose (table above).

    :raises BureauSettingsError: a missing or invalid setting, naming it.
    """
    kind = _text(settings, "LOWLEND_BUREAU", "sandbox").lower()
    if kind == "sandbox":
        return SandboxBureau(name=_text(settings, "LOWLEND_BUREAU_NAME", "sandbox"))
    if kind != "http":
        raise BureauSettingsError("LOWLEND_BUREAU", f"{kind} is not sandbox or http")
    url = _text(settings, "LOWLEND_BUREAU_URL")
    key_id = _text(settings, "LOWLEND_BUREAU_KEY_ID")
    secret = _text(settings, "LOWLEND_BUREAU_SECRET")
    retries = _number(settings, "LOWLEND_BUREAU_RETRIES", "2", 0, 10)
    if retries != int(retries):
        raise BureauSettingsError("LOWLEND_BUREAU_RETRIES", "not a whole number")
    timeout = _number(settings, "LOWLEND_BUREAU_TIMEOUT", "10", 0.001, 600)
    backoff = _number(settings, "LOWLEND_BUREAU_BACKOFF", "0.5", 0, 60)
    name = _text(settings, "LOWLEND_BUREAU_NAME", "") or None
    try:
        return HttpBureau(
            url, key_id, secret, timeout=timeout, retries=int(retries), backoff=backoff, name=name
        )
    except BureauSettingsError as exc:  # the adapter names its parameter: name the setting
        key = f"LOWLEND_BUREAU_{(exc.field or 'url').upper()}"
        raise BureauSettingsError(key, str(exc.params.get("reason", ""))) from None
