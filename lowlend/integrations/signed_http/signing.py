"""HMAC-SHA256 signing of requests and responses, shared by the signed HTTP adapters.

A request signature is ``hex(HMAC-SHA256(secret, canonical))`` over::

    <METHOD> \\n <path?query> \\n <timestamp> \\n <nonce> \\n <idempotency key> \\n sha256hex(body)

and a response signature over::

    <status> \\n <idempotency key> \\n <request nonce> \\n <timestamp> \\n sha256hex(body)

Each protocol names its headers with a :class:`SignedHeaders`.

>>> message = request_message("post", "/v1/x", "1700000000", "n1", "k1", b"{}")
>>> message.split(b"\\n")[:5]
[b'POST', b'/v1/x', b'1700000000', b'n1', b'k1']
>>> sig = sign("s3cret", message)
>>> verify("s3cret", message, sig.upper()), verify("other", message, sig), verify("s3cret", message, None)
(True, False, False)
>>> is_fresh("1700000000", now=1700000100.0, max_skew=300.0), is_fresh("-1", now=0.0, max_skew=9.0)
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

__all__ = [
    "SignedHeaders",
    "body_digest",
    "is_fresh",
    "request_message",
    "response_message",
    "sign",
    "verify",
]


@dataclass(frozen=True)
class SignedHeaders:
    """The header names one signed protocol uses.

    :param key_id: carries the client's key id.
    :param timestamp: carries the Unix-seconds timestamp (requests and responses).
    :param nonce: carries the request's single-use nonce.
    :param idempotency_key: carries the idempotency key (request id, order id …), echoed back.
    :param signature: carries the hex HMAC-SHA256 signature (requests and responses).
    """

    key_id: str
    timestamp: str
    nonce: str
    idempotency_key: str
    signature: str


def body_digest(body: bytes) -> str:
    """Hex SHA-256 of ``body``, the body's part of every canonical message.

    :param body: the raw request or response body.
    :returns: 64 lowercase hex digits.
    """
    return hashlib.sha256(body).hexdigest()


def request_message(
    method: str, path: str, timestamp: str, nonce: str, idempotency_key: str, body: bytes
) -> bytes:
    """The canonical bytes a request signature covers.

    :param method: the HTTP method (upper-cased here).
    :param path: the request path with its ``?query``, if any.
    :param timestamp: the request's Unix-seconds timestamp, as sent.
    :param nonce: the request's nonce, as sent.
    :param idempotency_key: the request's idempotency key, as sent.
    :param body: the raw request body.
    """
    parts = (method.upper(), path, timestamp, nonce, idempotency_key, body_digest(body))
    return "\n".join(parts).encode()


def response_message(
    status: int, idempotency_key: str, nonce: str, timestamp: str, body: bytes
) -> bytes:
    """The canonical bytes a response signature covers.

    :param status: the HTTP status of the response.
    :param idempotency_key: the idempotency key of the request answered.
    :param nonce: the nonce of the request *attempt* answered.
    :param timestamp: the response's Unix-seconds timestamp, as sent.
    :param body: the raw response body.
    """
    return "\n".join((str(status), idempotency_key, nonce, timestamp, body_digest(body))).encode()


def sign(secret: str, message: bytes) -> str:
    """Hex HMAC-SHA256 of ``message`` with ``secret``.

    :param secret: the shared secret (UTF-8 encoded).
    :param message: the canonical message.
    """
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(secret: str, message: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is the signature of ``message`` (constant-time comparison).

    :param secret: the shared secret.
    :param message: the canonical message.
    :param signature: the hex signature received (case and surrounding space ignored), if any.
    """
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, message), signature.strip().lower())


def is_fresh(timestamp: str | None, *, now: float, max_skew: float) -> bool:
    """Whether ``timestamp`` (Unix seconds) is within ``max_skew`` seconds of ``now``.

    :param timestamp: the timestamp received; anything but ASCII digits is not fresh.
    :param now: the current Unix time.
    :param max_skew: the accepted difference, in seconds.
    """
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    return abs(int(timestamp) - now) <= max_skew
