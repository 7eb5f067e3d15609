"""Payment gateway (放款 / 代扣) adapters behind the :class:`PaymentGateway` port.

The lending service holds a :class:`PaymentGateway` (built once by
:func:`gateway_from_settings`) and calls ``gateway.submit(order)`` with a
:class:`~lowlend.domain.payments.PaymentOrder` whose ``order_id`` it chose and stored first;
it gets a :class:`~lowlend.domain.payments.PaymentResult` (possibly ``pending``) or one of
:class:`GatewayUnavailable` (outcome unknown: retry the same order later or query it),
:class:`GatewayRejected`, :class:`GatewayBadResponse`. The gateway's callbacks go through
``gateway.verify_callback(headers, body)`` (:class:`CallbackSignatureError` → answer 401) and
:func:`~lowlend.domain.payments.apply_callback`.

Implementations: :class:`HttpGateway` (signed HTTPS, retries that reuse the order id),
:class:`SandboxGateway` (a tiny bank with balances, in process, test cards in
:data:`SANDBOX_CARDS`) and :class:`SandboxGatewayServer` (the sandbox over local HTTP, with
real callbacks; :class:`CallbackInbox` collects them).
"""

from __future__ import annotations

from lowlend.integrations.payments.errors import (
    CallbackSignatureError,
    GatewayBadResponse,
    GatewayError,
    GatewayRejected,
    GatewaySettingsError,
    GatewayUnavailable,
)
from lowlend.integrations.payments.factory import gateway_from_settings
from lowlend.integrations.payments.http_client import HttpGateway
from lowlend.integrations.payments.port import CallbackDelivery, PaymentGateway
from lowlend.integrations.payments.sandbox import (
    FUNDING,
    SANDBOX_CARDS,
    Movement,
    SandboxBank,
    SandboxGateway,
)
from lowlend.integrations.payments.sandbox_server import CallbackInbox, SandboxGatewayServer

__all__ = [
    "FUNDING",
    "SANDBOX_CARDS",
    "CallbackDelivery",
    "CallbackInbox",
    "CallbackSignatureError",
    "GatewayBadResponse",
    "GatewayError",
    "GatewayRejected",
    "GatewaySettingsError",
    "GatewayUnavailable",
    "HttpGateway",
    "Movement",
    "PaymentGateway",
    "SandboxBank",
    "SandboxGateway",
    "SandboxGatewayServer",
    "gateway_from_settings",
]
