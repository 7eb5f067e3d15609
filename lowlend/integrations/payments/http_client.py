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

import http.client
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
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

__all__ = ["HttpGateway"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class _Retry(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A gateway that redirects is misconfigured: surface the 3xx instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpGateway:
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
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
            raise GatewaySettingsError("url", "must be https:// (http:// only for 127.0.0.1)")
        if not host:
            raise GatewaySettingsError("url", "has no host")
        if not key_id or not secret:
            raise GatewaySettingsError("key_id" if not key_id else "secret", "required")
        if not timeout > 0 or retries < 0 or backoff < 0:
            raise GatewaySettingsError("timeout", "timeout > 0, retries and backoff >= 0")
        self.url = url.rstrip("/")
        base = parts.path.rstrip("/")
        self.query_url = urlunsplit(parts._replace(path=base + "/query"))
        self.key_id = key_id
        self._secret = secret
        self._callback_secret = callback_secret or secret
        self.notify_url = notify_url or None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_skew = max_skew
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._clock = clock
        self.name = host
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if host in LOOPBACK_HOSTS:  # never send a loopback call through an environment proxy
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

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
        attempts = self.retries + 1
        reason = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                payload = self._attempt(url, order_id, body)
            except _Retry as exc:
                reason = exc.reason
                continue
            return result_from_payload(payload, order_id)
        raise GatewayUnavailable(reason, attempts)

    def _attempt(self, url: str, order_id: str, body: bytes) -> object:
        """One signed POST; the decoded, authenticated payload."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        message = signing.request_message("POST", path, timestamp, nonce, order_id, body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            signing.HEADER_KEY_ID: self.key_id,
            signing.HEADER_TIMESTAMP: timestamp,
            signing.HEADER_NONCE: nonce,
            signing.HEADER_ORDER_ID: order_id,
            signing.HEADER_SIGNATURE: signing.sign(self._secret, message),
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                answer = response.read(self.max_response_bytes + 1)
                reply_id, reply_stamp, reply_signature = (
                    response.headers.get(name) or ""
                    for name in (
                        signing.HEADER_ORDER_ID,
                        signing.HEADER_TIMESTAMP,
                        signing.HEADER_SIGNATURE,
                    )
                )
        except urllib.error.HTTPError as exc:
            with exc:
                status = exc.code
                error_body = exc.read(4096)
            if status >= 500 or status == 429:
                raise _Retry(f"http_{status}") from None
            raise GatewayRejected(status, _error_code(error_body, exc.reason)) from None
        except TimeoutError:
            raise _Retry("timeout") from None
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, TimeoutError)
            raise _Retry("timeout" if timed_out else f"connection: {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retry(f"connection: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise GatewayRejected(status, f"http_{status}")
        if len(answer) > self.max_response_bytes:
            raise GatewayBadResponse("$", "too large")
        expected = signing.response_message(status, order_id, nonce, reply_stamp, answer)
        if reply_id != order_id or not signing.verify(self._secret, expected, reply_signature):
            raise GatewayBadResponse("signature", "response signature invalid")
        if not signing.is_fresh(reply_stamp, now=self._clock(), max_skew=self.max_skew):
            raise GatewayBadResponse("signature", "response timestamp stale")
        return decode_json(answer)


def _encode(data: Mapping[str, object]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _error_code(body: bytes, fallback: object) -> str:
    """The gateway's ``{"error": code}``, else the HTTP reason phrase."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return str(fallback)
