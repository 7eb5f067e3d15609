"""The HTTP credit-bureau adapter: signed requests, retries with backoff, verified answers.

Standard library only (:mod:`urllib.request`). One :meth:`HttpBureau.pull` sends one JSON
request (protocol in :mod:`.signing`) and tries ``1 + retries`` times on a timeout, a
connection failure, a 5xx or a 429, sleeping ``backoff × 2ⁿ`` seconds between attempts; every
attempt reuses the request id, so the bureau answers a retry with the same report instead of
a second pull. Other 4xx (and redirects) raise :class:`BureauRejected`; a 2xx whose signature,
timestamp or payload does not hold raises :class:`BureauBadResponse` — neither is retried.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn
from urllib.parse import urlsplit

from lowlend.domain.credit_report import BureauRequest, CreditReport
from lowlend.integrations.bureau import signing
from lowlend.integrations.bureau.errors import (
    BureauBadResponse,
    BureauRejected,
    BureauSettingsError,
    BureauUnavailable,
)
from lowlend.integrations.bureau.port import build_report, check_income

__all__ = ["HttpBureau"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class _Retry(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A bureau that redirects is misconfigured: surface the 3xx instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HttpBureau:
    """A credit bureau reached over HTTP(S) (implements :class:`~.port.CreditBureau`).

    :param url: the endpoint, ``https://…`` (``http://`` only for a loopback host).
    :param key_id: the key id sent with every request.
    :param secret: the shared HMAC-SHA256 secret.
    :param timeout: seconds per attempt for connecting and for each read.
    :param retries: further attempts after the first on retryable failures.
    :param backoff: seconds before the first retry, doubled for each next one.
    :param name: the bureau name written on the reports (default: the URL's host).
    :param max_skew: accepted clock difference of response timestamps, in seconds.
    :param max_response_bytes: larger answers are refused.
    :param sleep: waits between attempts (tests pass a recorder).
    :param clock: Unix time, for the request timestamps and the response check.
    :param now: the aware date-time written as the report's ``pulled_at``.
    """

    def __init__(
        self,
        url: str,
        key_id: str,
        secret: str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        name: str | None = None,
        max_skew: float = 300.0,
        max_response_bytes: int = 5 * 1024 * 1024,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK_HOSTS):
            raise BureauSettingsError("url", "must be https:// (http:// only for 127.0.0.1)")
        if not host:
            raise BureauSettingsError("url", "has no host")
        if not key_id or not secret:
            raise BureauSettingsError("key_id" if not key_id else "secret", "required")
        if not timeout > 0 or retries < 0 or backoff < 0:
            raise BureauSettingsError("timeout", "timeout > 0, retries and backoff >= 0")
        self.url = url
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.key_id = key_id
        self._secret = secret
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.name = name or host
        self.max_skew = max_skew
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._clock = clock
        self._now = now
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if host in LOOPBACK_HOSTS:  # never send a loopback call through an environment proxy
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"HttpBureau({self.url!r}, key_id={self.key_id!r}, name={self.name!r})"

    def pull(self, request: BureauRequest, monthly_income: Decimal | None) -> CreditReport:
        """Pull a report (see :class:`~.port.CreditBureau` for the errors)."""
        check_income(monthly_income)
        request_id = request.idempotency_key or uuid.uuid4().hex
        body = json.dumps(
            {
                "request_id": request_id,
                "id_type": request.id_type,
                "id_number": request.id_number,
                "name": request.name,
                "purpose": request.purpose,
                "consent": {
                    "consent_id": request.consent.consent_id,
                    "consent_date": request.consent.consent_date.isoformat(),
                },
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")
        attempts = self.retries + 1
        reason = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                payload = self._attempt(request_id, body)
            except _Retry as exc:
                reason = exc.reason
                continue
            return build_report(self.name, request, request_id, payload, monthly_income, self._now())
        raise BureauUnavailable(reason, attempts)

    def _attempt(self, request_id: str, body: bytes) -> object:
        """One signed POST; the decoded, authenticated payload."""
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        message = signing.request_message("POST", self.path, timestamp, nonce, request_id, body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            signing.HEADER_KEY_ID: self.key_id,
            signing.HEADER_TIMESTAMP: timestamp,
            signing.HEADER_NONCE: nonce,
            signing.HEADER_REQUEST_ID: request_id,
            signing.HEADER_SIGNATURE: signing.sign(self._secret, message),
        }
        http_request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(http_request, timeout=self.timeout) as response:
                status = int(response.status)
                answer = response.read(self.max_response_bytes + 1)
                reply_id, reply_stamp, reply_signature = (
                    response.headers.get(name) or ""
                    for name in (
                        signing.HEADER_REQUEST_ID,
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
            raise BureauRejected(status, _error_code(error_body, exc.reason)) from None
        except TimeoutError:
            raise _Retry("timeout") from None
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, TimeoutError)
            raise _Retry("timeout" if timed_out else f"connection: {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retry(f"connection: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise BureauRejected(status, f"http_{status}")
        if len(answer) > self.max_response_bytes:
            raise BureauBadResponse("$", "too large")
        expected = signing.response_message(status, request_id, nonce, reply_stamp, answer)
        if reply_id != request_id or not signing.verify(self._secret, expected, reply_signature):
            raise BureauBadResponse("signature", "response signature invalid")
        if not signing.is_fresh(reply_stamp, now=self._clock(), max_skew=self.max_skew):
            raise BureauBadResponse("signature", "response timestamp stale")
        try:
            return json.loads(
                answer.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse_constant
            )
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise BureauBadResponse("$", "not JSON") from None


def _error_code(body: bytes, fallback: object) -> str:
    """The bureau's ``{"error": code}``, else the HTTP reason phrase."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return str(fallback)
