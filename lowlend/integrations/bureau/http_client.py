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
import json
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import NoReturn
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
from lowlend.integrations.signed_http.client import Failures, SignedJsonClient

__all__ = ["HttpBureau"]


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HttpBureau(SignedJsonClient):
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

    signed_headers = signing.HEADERS
    failures = Failures(
        settings=BureauSettingsError,
        rejected=BureauRejected,
        bad_response=BureauBadResponse,
        unavailable=BureauUnavailable,
    )

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
        super().__init__(
            url, key_id, secret, timeout=timeout, retries=retries, backoff=backoff,
            max_skew=max_skew, max_response_bytes=max_response_bytes, sleep=sleep, clock=clock,
        )
        parts = urlsplit(url)
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.name = name or self.host
        self._now = now

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
        payload = _decode(self.post(self.url, request_id, body))
        return build_report(self.name, request, request_id, payload, monthly_income, self._now())


def _decode(answer: bytes) -> object:
    """The authenticated answer as JSON (numbers as :class:`~decimal.Decimal`)."""
    try:
        return json.loads(answer.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise BureauBadResponse("$", "not JSON") from None
