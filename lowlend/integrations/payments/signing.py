"""The signed protocol between the HTTP adapter, the payment gateway and its callbacks.

Requests are ``POST <endpoint>`` with a JSON body and the headers ``X-Pay-Key-Id``,
``X-Pay-Timestamp`` (Unix seconds), ``X-Pay-Nonce``, ``X-Pay-Order-Id`` and
``X-Pay-Signature`` = ``hex(HMAC-SHA256(secret, canonical))`` over::

    POST \\n <path?query> \\n <timestamp> \\n <nonce> \\n <order id> \\n sha256hex(body)

The gateway refuses a timestamp outside ±``max_skew`` seconds and a nonce seen before. The
order id is the idempotency key: every attempt (retries too) has a fresh timestamp and nonce
but the same order id, and the gateway answers a repeated order with its stored result.

Responses carry ``X-Pay-Order-Id``, ``X-Pay-Timestamp`` and ``X-Pay-Signature`` over::

    <status> \\n <order id> \\n <request nonce> \\n <timestamp> \\n sha256hex(body)

so an answer is bound to the attempt it answers. Callbacks (the gateway's asynchronous
notices) are ``POST <notify url>`` signed with the *callback* secret over::

    CALLBACK \\n <timestamp> \\n <nonce> \\n sha256hex(body)

with the headers ``X-Pay-Timestamp``, ``X-Pay-Nonce`` and ``X-Pay-Signature``.

>>> sig = sign("s3cret", callback_message("1700000000", "n1", b"{}"))
>>> verify("s3cret", callback_message("1700000000", "n1", b"{}"), sig)
True
>>> verify("other", callback_message("1700000000", "n1", b"{}"), sig), verify("s3cret", b"", None)
(False, False)
>>> is_fresh("1700000000", now=1700000100.0, max_skew=300.0), is_fresh("-1", now=0.0, max_skew=9.0)
(True, False)
"""

from __future__ import annotations

from lowlend.integrations.signed_http.signing import (
    SignedHeaders,
    body_digest,
    is_fresh,
    request_message,
    response_message,
    sign,
    verify,
)

__all__ = [
    "HEADERS",
    "HEADER_KEY_ID",
    "HEADER_NONCE",
    "HEADER_ORDER_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "callback_message",
    "is_fresh",
    "request_message",
    "response_message",
    "sign",
    "verify",
]

HEADER_KEY_ID = "X-Pay-Key-Id"
HEADER_TIMESTAMP = "X-Pay-Timestamp"
HEADER_NONCE = "X-Pay-Nonce"
HEADER_ORDER_ID = "X-Pay-Order-Id"
HEADER_SIGNATURE = "X-Pay-Signature"

HEADERS = SignedHeaders(
    key_id=HEADER_KEY_ID,
    timestamp=HEADER_TIMESTAMP,
    nonce=HEADER_NONCE,
    idempotency_key=HEADER_ORDER_ID,
    signature=HEADER_SIGNATURE,
)


def callback_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """The canonical bytes a callback signature covers."""
    return "\n".join(("CALLBACK", timestamp, nonce, body_digest(body))).encode()
