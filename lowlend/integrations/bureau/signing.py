"""The signed request/response protocol between the HTTP adapter and a bureau gateway.

A request is ``POST <endpoint>`` with a JSON body and the headers below; its signature is
``hex(HMAC-SHA256(secret, canonical))`` over::

    POST \\n <path?query> \\n <timestamp> \\n <nonce> \\n <request id> \\n sha256hex(body)

The timestamp is Unix seconds; the server refuses it outside ±``max_skew`` seconds and
refuses a nonce seen before (replay). The request id is the idempotency key: the same id with
the same body returns the same report, with another body ``409``. Every attempt (retries too)
has a fresh timestamp and nonce but the same request id.

The response carries ``X-Bureau-Request-Id``, ``X-Bureau-Timestamp`` and
``X-Bureau-Signature`` over::

    <status> \\n <request id> \\n <request nonce> \\n <timestamp> \\n sha256hex(body)

so an answer is bound to the attempt it answers and cannot be replayed for another.

>>> sig = sign("s3cret", request_message("POST", "/v1/credit-reports", "1700000000", "n1", "r1", b"{}"))
>>> verify("s3cret", request_message("POST", "/v1/credit-reports", "1700000000", "n1", "r1", b"{}"), sig)
True
>>> verify("other", request_message("POST", "/v1/credit-reports", "1700000000", "n1", "r1", b"{}"), sig)
False
>>> is_fresh("1700000000", now=1700000100.0, max_skew=300.0), is_fresh("x", now=0.0, max_skew=1.0)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "HEADER_KEY_ID",
    "HEADER_NONCE",
    "HEADER_REQUEST_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "is_fresh",
    "request_message",
    "response_message",
    "sign",
    "verify",
]

HEADER_KEY_ID = "X-Bureau-Key-Id"
HEADER_TIMESTAMP = "X-Bureau-Timestamp"
HEADER_NONCE = "X-Bureau-Nonce"
HEADER_REQUEST_ID = "X-Bureau-Request-Id"
HEADER_SIGNATURE = "X-Bureau-Signature"


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def request_message(
    method: str, path: str, timestamp: str, nonce: str, request_id: str, body: bytes
) -> bytes:
    """The canonical bytes a request signature covers."""
    return "\n".join((method.upper(), path, timestamp, nonce, request_id, _digest(body))).encode()


def response_message(status: int, request_id: str, nonce: str, timestamp: str, body: bytes) -> bytes:
    """The canonical bytes a response signature covers."""
    return "\n".join((str(status), request_id, nonce, timestamp, _digest(body))).encode()


def sign(secret: str, message: bytes) -> str:
    """Hex HMAC-SHA256 of ``message`` with ``secret``."""
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, message: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is the signature of ``message`` (constant-time comparison)."""
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, message), signature.strip().lower())


def is_fresh(timestamp: str | None, *, now: float, max_skew: float) -> bool:
    """Whether ``timestamp`` (Unix seconds) is within ``max_skew`` seconds of ``now``."""
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    return abs(int(timestamp) - now) <= max_skew
