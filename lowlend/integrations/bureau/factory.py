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

from collections.abc import Mapping

from lowlend.integrations.bureau.errors import BureauSettingsError
from lowlend.integrations.bureau.http_client import HttpBureau
from lowlend.integrations.bureau.port import CreditBureau
from lowlend.integrations.bureau.sandbox import SandboxBureau
from lowlend.integrations.signed_http.settings import SettingsReader

__all__ = ["bureau_from_settings"]


def bureau_from_settings(settings: Mapping[str, str]) -> CreditBureau:
    """The :class:`~.port.CreditBureau` the settings choose (table above).

    :raises BureauSettingsError: a missing or invalid setting, naming it.
    """
    read = SettingsReader(settings, BureauSettingsError)
    kind = read.text("LOWLEND_BUREAU", "sandbox").lower()
    if kind == "sandbox":
        return SandboxBureau(name=read.text("LOWLEND_BUREAU_NAME", "sandbox"))
    if kind != "http":
        raise BureauSettingsError("LOWLEND_BUREAU", f"{kind} is not sandbox or http")
    url = read.text("LOWLEND_BUREAU_URL")
    key_id = read.text("LOWLEND_BUREAU_KEY_ID")
    secret = read.text("LOWLEND_BUREAU_SECRET")
    retries = read.whole_number("LOWLEND_BUREAU_RETRIES", "2", 0, 10)
    timeout = read.number("LOWLEND_BUREAU_TIMEOUT", "10", 0.001, 600)
    backoff = read.number("LOWLEND_BUREAU_BACKOFF", "0.5", 0, 60)
    name = read.text("LOWLEND_BUREAU_NAME", "") or None
    try:
        return HttpBureau(
            url, key_id, secret, timeout=timeout, retries=retries, backoff=backoff, name=name
        )
    except BureauSettingsError as exc:  # the adapter names its parameter: name the setting
        key = f"LOWLEND_BUREAU_{(exc.field or 'url').upper()}"
        raise BureauSettingsError(key, str(exc.params.get("reason", ""))) from None
