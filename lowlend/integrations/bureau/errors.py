"""Errors of the credit-bureau adapters, with stable codes like every domain error.

The lending service maps them without parsing messages: :class:`BureauUnavailable` is worth
retrying later (``retryable``), :class:`BureauRejected` and :class:`BureauBadResponse` are not.
Their ``code`` has a message in :mod:`lowlend.services.message_tables.bureau`.

>>> err = BureauRejected(401, "signature_invalid")
>>> (err.code, err.status, err.retryable)
('bureau_rejected', 401, False)
>>> str(BureauBadResponse("accounts", "missing"))
'accounts: bureau_bad_response (key=accounts, reason=missing)'
"""

from __future__ import annotations

from typing import ClassVar

from lowlend.domain.errors import DomainError

__all__ = [
    "BureauBadResponse",
    "BureauError",
    "BureauRejected",
    "BureauSettingsError",
    "BureauUnavailable",
]


class BureauError(DomainError):
    """Base class of the adapter errors."""

    retryable: ClassVar[bool] = False


class BureauUnavailable(BureauError):
    """Timeout, connection failure, 5xx or 429 after every retry: try again later.

    :param reason: what the last attempt ran into (``timeout``, ``http_500``, …).
    :param attempts: how many attempts were made.
    """

    retryable: ClassVar[bool] = True

    def __init__(self, reason: str, attempts: int = 1) -> None:
        super().__init__("bureau_unavailable", None, reason=reason, attempts=attempts)
        self.reason = reason
        self.attempts = attempts


class BureauRejected(BureauError):
    """The bureau refused the request (4xx: signature, consent, subject, conflict).

    :param status: the HTTP status (``0`` when there was none, e.g. an in-process sandbox).
    :param reason: the bureau's error code, e.g. ``signature_invalid``.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__("bureau_rejected", None, status=status, reason=reason)
        self.status = status
        self.reason = reason


class BureauBadResponse(BureauError):
    """The answer is not a valid, authentic report (garbage, bad signature, missing key).

    :param key: the payload key path at fault, ``$`` for the whole body, ``signature``.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__("bureau_bad_response", key, key=key, reason=reason)
        self.key = key
        self.reason = reason


class BureauSettingsError(BureauError, ValueError):
    """A bureau setting is missing or not valid (raised when the adapter is built)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__("bureau_settings_invalid", key, key=key, reason=reason)
