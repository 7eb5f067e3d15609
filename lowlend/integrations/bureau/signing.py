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

from lowlend.integrations.signed_http.signing import (
    SignedHeaders,
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

HEADERS = SignedHeaders(
    key_id=HEADER_KEY_ID,
    timestamp=HEADER_TIMESTAMP,
    nonce=HEADER_NONCE,
    idempotency_key=HEADER_REQUEST_ID,
    signature=HEADER_SIGNATURE,
)
