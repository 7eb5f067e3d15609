"""Choose the payment gateway from settings (environment variables or the app config).

===================================  ============================================  ==========
setting                              meaning                                       default
===================================  ============================================  ==========
``LOWLEND_GATEWAY``                  ``sandbox`` (in process) or ``http``          ``sandbox``
``LOWLEND_GATEWAY_URL``              ``https://…/v1/payments`` (``http://`` only   required
                                     for 127.0.0.1)
``LOWLEND_GATEWAY_KEY_ID``           key id sent with every request                required
``LOWLEND_GATEWAY_SECRET``           shared HMAC-SHA256 secret                     required
``LOWLEND_GATEWAY_CALLBACK_SECRET``  secret of the callbacks' signatures           the secret
``LOWLEND_GATEWAY_NOTIFY_URL``       where the gateway POSTs callbacks             none
``LOWLEND_GATEWAY_TIMEOUT``          seconds per attempt                           ``10``
``LOWLEND_GATEWAY_RETRIES``          further attempts on timeout / 5xx / 429       ``2``
``LOWLEND_GATEWAY_BACKOFF``          seconds before the first retry, doubled       ``0.5``
===================================  ============================================  ==========

>>> gateway_from_settings({}).name
'sandbox'
>>> gateway_from_settings({"LOWLEND_GATEWAY": "http", "LOWLEND_GATEWAY_URL": "https://pay.example/v1/payments"})
Traceback (most recent call last):
...
lowlend.integrations.payments.errors.GatewaySettingsError: LOWLEND_GATEWAY_KEY_ID: gateway_settings_invalid (key=LOWLEND_GATEWAY_KEY_ID, reason=required)
"""

from __future__ import annotations

from collections.abc import Mapping

from lowlend.integrations.payments.errors import GatewaySettingsError
from lowlend.integrations.payments.http_client import HttpGateway
from lowlend.integrations.payments.port import PaymentGateway
from lowlend.integrations.payments.sandbox import SandboxGateway
from lowlend.integrations.signed_http.settings import SettingsReader

__all__ = ["gateway_from_settings"]


def gateway_from_settings(settings: Mapping[str, str]) -> PaymentGateway:
    """The :class:`~.port.PaymentGateway` the settings choose (table above).

    :raises GatewaySettingsError: a missing or invalid setting, naming it.
    """
    read = SettingsReader(settings, GatewaySettingsError)
    kind = read.text("LOWLEND_GATEWAY", "sandbox").lower()
    callback_secret = read.text("LOWLEND_GATEWAY_CALLBACK_SECRET", "") or None
    if kind == "sandbox":
        if callback_secret is None:
            return SandboxGateway()
        return SandboxGateway(callback_secret=callback_secret)
    if kind != "http":
        raise GatewaySettingsError("LOWLEND_GATEWAY", f"{kind} is not sandbox or http")
    url = read.text("LOWLEND_GATEWAY_URL")
    key_id = read.text("LOWLEND_GATEWAY_KEY_ID")
    secret = read.text("LOWLEND_GATEWAY_SECRET")
    retries = read.whole_number("LOWLEND_GATEWAY_RETRIES", "2", 0, 10)
    timeout = read.number("LOWLEND_GATEWAY_TIMEOUT", "10", 0.001, 600)
    backoff = read.number("LOWLEND_GATEWAY_BACKOFF", "0.5", 0, 60)
    notify_url = read.text("LOWLEND_GATEWAY_NOTIFY_URL", "") or None
    try:
        return HttpGateway(
            url, key_id, secret, callback_secret=callback_secret, notify_url=notify_url,
            timeout=timeout, retries=retries, backoff=backoff,
        )
    except GatewaySettingsError as exc:  # the adapter names its parameter: name the setting
        key = f"LOWLEND_GATEWAY_{(exc.field or 'url').upper()}"
        raise GatewaySettingsError(key, str(exc.params.get("reason", ""))) from None
