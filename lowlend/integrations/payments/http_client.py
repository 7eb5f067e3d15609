"""The HTTP payment gateway adapter: signed requests, retries with backoff, verified answers.

Standard library only (:mod:`urllib.request`). :meth:`HttpGateway.submit` POSTs the order
(protocol in :mod:`.signing`, payload in :mod:`.port`) and tries ``1 + retries`` times on a
timeout, a connection failure, a 5xx or a 429, sleeping ``backoff × 2ⁿ`` seconds between
attempts. **Every attempt carries the same order id and body**, so the gateway answers a retry
with the stored result and a retry never pays twice. When every attempt fails the outcome is
unknown: :class:`GatewayUnavailable` tells the caller to retry the same order or query it.
Other 4xx (and redirects) raise :class:`GatewayRejected`; a 2xx whose signature, timestamp or
payload does not hold raises :class:`GatewayBadResponse` — neither is retried.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

from lowlend.domain.payments import PaymentCallback, PaymentOrder, PaymentResult
from lowlend.integrations.payments import signing
from lowlend.integrations.payments.errors import (
    GatewayBadResponse,
    GatewayRejected,
    GatewaySettingsError,
    GatewayUnavailable,
)
from lowlend.integrations.payments.port import (
    callback_from_request,
    decode_json,
    order_payload,
    result_from_payload,
)
from lowlend.integrations.signed_http.client import Failures, SignedJsonClient

__all__ = ["HttpGateway"]


class HttpGateway(SignedJsonClient):
    """A payment gateway reached over HTTP(S) (implements :class:`~.port.PaymentGateway`).

    :param url: the payments endpoint, ``https://…/v1/payments`` (``http://`` only for a
        loopback host); queries go to ``<url>/query``.
    :param key_id: the key id sent with every request.
    :param secret: the shared HMAC-SHA256 secret of requests and responses.
    :param callback_secret: the secret callbacks are signed with (default: ``secret``).
    :param notify_url: where the gateway POSTs callbacks (sent with every order), if any.
    :param timeout: seconds per attempt for connecting and for each read.
    :param retries: further attempts after the first on retryable failures.
    :param backoff: seconds before the first retry, doubled for each next one.
    :param max_skew: accepted clock difference of response and callback timestamps, seconds.
    :param max_response_bytes: larger answers are refused.
    :param sleep: waits between attempts (tests pass a recorder).
    :param clock: Unix time, for timestamps and their checks.
    """

    signed_headers = signing.HEADERS
    failures = Failures(
        settings=GatewaySettingsError,
        rejected=GatewayRejected,
        bad_response=GatewayBadResponse,
        unavailable=GatewayUnavailable,
    )

    def __init__(
        self,
        url: str,
        key_id: str,
        secret: str,
        *,
        callback_secret: str | None = None,
        notify_url: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        max_skew: float = 300.0,
        max_response_bytes: int = 1024 * 1024,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            url, key_id, secret, timeout=timeout, retries=retries, backoff=backoff,
            max_skew=max_skew, max_response_bytes=max_response_bytes, sleep=sleep, clock=clock,
        )
        parts = urlsplit(url)
        self.url = url.rstrip("/")
        base = parts.path.rstrip("/")
        self.query_url = urlunsplit(parts._replace(path=base + "/query"))
        self._callback_secret = callback_secret or secret
        self.notify_url = notify_url or None
        self.name = self.host

    def __repr__(self) -> str:
        return f"HttpGateway({self.url!r}, key_id={self.key_id!r})"

    def submit(self, order: PaymentOrder) -> PaymentResult:
        """Submit the order (see :class:`~.port.PaymentGateway` for the errors)."""
        body = _encode(order_payload(order, self.notify_url))
        result = self._call(self.url, order.order_id, body)
        if result.amount != order.amount or result.currency != order.currency:
            raise GatewayBadResponse("amount", "not the submitted amount")
        return result

    def query(self, order_id: str) -> PaymentResult:
        """The current result of the order (404 → :class:`GatewayRejected`)."""
        return self._call(self.query_url, order_id, _encode({"order_id": order_id}))

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> PaymentCallback:
        """Check and read a callback (see :func:`~.port.callback_from_request`)."""
        return callback_from_request(self._callback_secret, headers, body,
                                     now=self._clock(), max_skew=self.max_skew)

    def _call(self, url: str, order_id: str, body: bytes) -> PaymentResult:
        return result_from_payload(decode_json(self.post(url, order_id, body)), order_id)


def _encode(data: Mapping[str, object]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
