"""A retrying client for signed JSON POSTs (standard library only, :mod:`urllib.request`).

:meth:`SignedJsonClient.post` signs the body (:mod:`.signing`) and tries ``1 + retries``
times on a timeout, a connection failure, a 5xx or a 429, sleeping ``backoff × 2ⁿ`` seconds
between attempts. **Every attempt carries the same idempotency key and body** but a fresh
timestamp and nonce. Other 4xx (and redirects, never followed) are rejections; a 2xx that is
too large or whose signature or timestamp does not hold is a bad response — neither is
retried. Each adapter subclasses the client and names its headers and its error classes.
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lowlend.integrations.signed_http import signing
from lowlend.integrations.signed_http.signing import SignedHeaders

__all__ = ["LOOPBACK_HOSTS", "Failures", "SignedJsonClient", "error_code"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Failures:
    """The adapter's errors, built from the arguments below.

    :param settings: ``(parameter, reason)`` — a constructor argument is not valid.
    :param rejected: ``(status, reason)`` — a 4xx, redirect or other non-2xx answer.
    :param bad_response: ``(key, reason)`` — a 2xx answer that is not acceptable.
    :param unavailable: ``(reason, attempts)`` — every attempt failed in a retryable way.
    """

    settings: Callable[[str, str], Exception]
    rejected: Callable[[int, str], Exception]
    bad_response: Callable[[str, str], Exception]
    unavailable: Callable[[str, int], Exception]


class _Retry(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A server that redirects is misconfigured: surface the 3xx instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def error_code(body: bytes, fallback: object) -> str:
    """The server's ``{"error": code}``, else ``fallback`` (the HTTP reason phrase).

    :param body: the body of an error answer.
    :param fallback: what to name the error when the body does not.

    >>> error_code(b'{"error": "order_not_found"}', "Not Found"), error_code(b"<html>", "Gone")
    ('order_not_found', 'Gone')
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return str(fallback)


class SignedJsonClient:
    """Signed JSON POSTs with retries and verified answers; adapters subclass it.

    Subclasses set :attr:`signed_headers` and :attr:`failures`.

    :param url: the endpoint, ``https://…`` (``http://`` only for a loopback host).
    :param key_id: the key id sent with every request.
    :param secret: the shared HMAC-SHA256 secret of requests and responses.
    :param timeout: seconds per attempt for connecting and for each read.
    :param retries: further attempts after the first on retryable failures.
    :param backoff: seconds before the first retry, doubled for each next one.
    :param max_skew: accepted clock difference of response timestamps, in seconds.
    :param max_response_bytes: larger answers are refused.
    :param sleep: waits between attempts (tests pass a recorder).
    :param clock: Unix time, for the request timestamps and the response check.
    :raises Exception: ``failures.settings`` naming the parameter at fault (``url``,
        ``key_id``, ``secret``, ``timeout``).
    """

    signed_headers: ClassVar[SignedHeaders]
    failures: ClassVar[Failures]

    def __init__(
        self,
        url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        max_skew: float,
        max_response_bytes: int,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        settings_error = self.failures.settings
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
            raise settings_error("url", "must be https:// (http:// only for 127.0.0.1)")
        if not host:
            raise settings_error("url", "has no host")
        if not key_id or not secret:
            raise settings_error("key_id" if not key_id else "secret", "required")
        if not timeout > 0 or retries < 0 or backoff < 0:
            raise settings_error("timeout", "timeout > 0, retries and backoff >= 0")
        self.url = url
        self.host = host
        self.key_id = key_id
        self._secret = secret
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_skew = max_skew
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._clock = clock
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if host in LOOPBACK_HOSTS:  # never send a loopback call through an environment proxy
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def post(self, url: str, idempotency_key: str, body: bytes) -> bytes:
        """POST ``body`` to ``url``, retrying; the authenticated answer's body.

        :param url: the endpoint (on the host given to the constructor).
        :param idempotency_key: sent with every attempt; the answer must echo it.
        :param body: the JSON body, sent unchanged with every attempt.
        :raises Exception: ``failures.unavailable`` after the last retryable failure,
            ``failures.rejected`` or ``failures.bad_response`` at once.
        """
        attempts = self.retries + 1
        reason = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                return self._attempt(url, idempotency_key, body)
            except _Retry as exc:
                reason = exc.reason
        raise self.failures.unavailable(reason, attempts)

    def _attempt(self, url: str, idempotency_key: str, body: bytes) -> bytes:
        """One signed POST; the authenticated answer's body."""
        names, failures = self.signed_headers, self.failures
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        message = signing.request_message("POST", path, timestamp, nonce, idempotency_key, body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            names.key_id: self.key_id,
            names.timestamp: timestamp,
            names.nonce: nonce,
            names.idempotency_key: idempotency_key,
            names.signature: signing.sign(self._secret, message),
        }
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                answer: bytes = response.read(self.max_response_bytes + 1)
                reply_key, reply_stamp, reply_signature = (
                    response.headers.get(name) or ""
                    for name in (names.idempotency_key, names.timestamp, names.signature)
                )
        except urllib.error.HTTPError as exc:
            with exc:
                status = exc.code
                error_body = exc.read(4096)
            if status >= 500 or status == 429:
                raise _Retry(f"http_{status}") from None
            raise failures.rejected(status, error_code(error_body, exc.reason)) from None
        except TimeoutError:
            raise _Retry("timeout") from None
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, TimeoutError)
            raise _Retry("timeout" if timed_out else f"connection: {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retry(f"connection: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise failures.rejected(status, f"http_{status}")
        if len(answer) > self.max_response_bytes:
            raise failures.bad_response("$", "too large")
        expected = signing.response_message(status, idempotency_key, nonce, reply_stamp, answer)
        if reply_key != idempotency_key or not signing.verify(
            self._secret, expected, reply_signature
        ):
            raise failures.bad_response("signature", "response signature invalid")
        if not signing.is_fresh(reply_stamp, now=self._clock(), max_skew=self.max_skew):
            raise failures.bad_response("signature", "response timestamp stale")
        return answer
