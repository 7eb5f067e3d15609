"""Errors of the payment gateway adapters, with stable codes like every domain error.

:class:`GatewayUnavailable` is ``retryable``: the outcome of a submit is unknown, so the
caller retries **the same order** (same order id) later or queries it — never a new order.
:class:`GatewayRejected`, :class:`GatewayBadResponse` and :class:`CallbackSignatureError` are
not retryable. Their ``code`` has a message in :mod:`lowlend.services.message_tables.payments`.

>>> err = GatewayRejected(409, "order_id_conflict")
>>> (err.code, err.status, err.reason, err.retryable)
('gateway_rejected', 409, 'order_id_conflict', False)
>>> GatewayUnavailable("timeout", 3).retryable
True
"""

from __future__ import annotations

from typing import ClassVar

from lowlend.domain.errors import DomainError

__all__ = [
    "CallbackSignatureError",
    "GatewayBadResponse",
    "GatewayError",
    "GatewayRejected",
    "GatewaySettingsError",
    "GatewayUnavailable",
]


class GatewayError(DomainError):
    """Base class of the adapter errors."""

    retryable: ClassVar[bool] = False


class GatewayUnavailable(GatewayError):
    """Timeout, connection failure, 5xx or 429 after every retry: the outcome is unknown.

    :param reason: what the last attempt ran into (``timeout``, ``http_500``, …).
    :param attempts: how many attempts were made.
    """

    retryable: ClassVar[bool] = True

    def __init__(self, reason: str, attempts: int = 1) -> None:
        super().__init__("gateway_unavailable", None, reason=reason, attempts=attempts)
        self.reason = reason
        self.attempts = attempts


class GatewayRejected(GatewayError):
    """The gateway refused the request (4xx): signature, conflict, unknown order, bad input.

    :param status: the HTTP status (``0`` for the in-process sandbox).
    :param reason: the gateway's error code, e.g. ``order_id_conflict``, ``order_not_found``.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__("gateway_rejected", None, status=status, reason=reason)
        self.status = status
        self.reason = reason


class GatewayBadResponse(GatewayError):
    """The answer is not a valid, authentic result (garbage, bad signature, missing key).

    :param key: the payload key at fault, ``$`` for the whole body, ``signature``.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__("gateway_bad_response", key, key=key, reason=reason)
        self.key = key
        self.reason = reason


class CallbackSignatureError(GatewayError):
    """A callback whose signature is missing, wrong or stale: refuse it (HTTP 401).

    :param reason: ``signature_missing``, ``signature_invalid`` or ``stale_timestamp``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__("gateway_callback_signature_invalid", None, reason=reason)
        self.reason = reason


class GatewaySettingsError(GatewayError, ValueError):
    """A gateway setting is missing or not valid (raised when the adapter is built)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__("gateway_settings_invalid", key, key=key, reason=reason)
