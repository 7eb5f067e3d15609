"""The HTTP adapter against the sandbox bureau server on 127.0.0.1, over real sockets."""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lowlend.domain.credit_report import BureauRequest, Consent
from lowlend.integrations.bureau import (
    SANDBOX_IDS,
    BureauBadResponse,
    BureauRejected,
    BureauSettingsError,
    BureauUnavailable,
    CreditBureau,
    HttpBureau,
    SandboxBureau,
    SandboxBureauServer,
    signing,
)

KEY_ID, SECRET = "lender-1", "s3cret-for-tests"
NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxBureauServer]:
    with SandboxBureauServer(KEY_ID, SECRET, slow_seconds=3.0) as running:
        yield running


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def bureau(server: SandboxBureauServer, *, url: str = "", key_id: str = KEY_ID,
           secret: str = SECRET, **kw: Any) -> HttpBureau:
    options: dict[str, Any] = {"timeout": 0.2, "retries": 2, "backoff": 0.01, "now": lambda: NOW}
    return HttpBureau(url or server.url, key_id, secret, **{**options, **kw})


def request(case_or_number: str, key: str | None = None) -> BureauRequest:
    number = SANDBOX_IDS.get(case_or_number, case_or_number)
    return BureauRequest("resident_id", number, "张三", "loan_application",
                         Consent("AUTH-1", dt.date(2026, 11, 20)),
                         idempotency_key=key or uuid.uuid4().hex)


def test_http_bureau_is_a_credit_bureau(server: SandboxBureauServer) -> None:
    assert isinstance(bureau(server), CreditBureau)


@pytest.mark.parametrize("case", ["clean", "overdue_45", "blacklisted", "many_queries", "no_file"])
def test_success_gives_the_sandbox_facts(server: SandboxBureauServer, case: str) -> None:
    sleeps = Sleeps()
    req = request(case)
    report = bureau(server, sleep=sleeps).pull(req, Decimal("10000.00"))
    expected = SandboxBureau().pull(req, Decimal("10000.00"))
    assert report.facts == expected.facts
    assert report.request_id == req.idempotency_key
    assert report.bureau == "127.0.0.1"
    assert report.pulled_at == NOW
    assert server.attempts(req.idempotency_key) == 1
    assert sleeps == []


def test_a_request_id_is_generated_when_none_is_given(server: SandboxBureauServer) -> None:
    req = BureauRequest("resident_id", SANDBOX_IDS["clean"], "张三", "loan_application",
                        Consent("AUTH-1", dt.date(2026, 11, 20)))
    report = bureau(server).pull(req, None)
    assert len(report.request_id) == 32
    assert server.attempts(report.request_id) == 1


def test_same_request_id_returns_the_same_report(server: SandboxBureauServer) -> None:
    req = request("clean")
    first = bureau(server).pull(req, None)
    second = bureau(server).pull(req, None)
    assert second.report_id == first.report_id
    assert second.payload == first.payload
    assert server.attempts(req.idempotency_key) == 2


def test_same_request_id_for_another_subject_is_a_conflict(server: SandboxBureauServer) -> None:
    key = uuid.uuid4().hex
    bureau(server).pull(request("clean", key), None)
    with pytest.raises(BureauRejected) as info:
        bureau(server).pull(request("overdue_45", key), None)
    assert (info.value.status, info.value.reason) == (409, "request_id_conflict")


def test_timeout_is_unavailable_after_the_configured_retries(server: SandboxBureauServer) -> None:
    sleeps = Sleeps()
    req = request("slow")
    started = time.monotonic()
    with pytest.raises(BureauUnavailable) as info:
        bureau(server, retries=2, backoff=0.05, sleep=sleeps).pull(req, None)
    assert time.monotonic() - started < 2.0  # 3 attempts of 0.2 s, not the server's 3 s
    assert (info.value.reason, info.value.attempts) == ("timeout", 3)
    assert info.value.retryable and info.value.code == "bureau_unavailable"
    assert server.attempts(req.idempotency_key) == 3
    assert sleeps == [0.05, 0.1]


def test_500_then_success_retries_with_the_same_request_id(server: SandboxBureauServer) -> None:
    sleeps = Sleeps()
    req = request("error_once")
    report = bureau(server, retries=2, sleep=sleeps).pull(req, None)
    assert report.facts.score == 780
    assert server.attempts(req.idempotency_key) == 2
    assert sleeps == [0.01]


def test_500_without_retries_is_unavailable(server: SandboxBureauServer) -> None:
    req = request("error_once")
    with pytest.raises(BureauUnavailable) as info:
        bureau(server, retries=0).pull(req, None)
    assert (info.value.reason, info.value.attempts) == ("http_500", 1)
    assert server.attempts(req.idempotency_key) == 1


def test_always_500_is_unavailable(server: SandboxBureauServer) -> None:
    req = request("error_always")
    with pytest.raises(BureauUnavailable) as info:
        bureau(server, retries=1).pull(req, None)
    assert (info.value.reason, info.value.attempts) == ("http_500", 2)
    assert server.attempts(req.idempotency_key) == 2


@pytest.mark.parametrize(
    ("case", "key", "reason"),
    [
        ("garbage", "$", "not JSON"),
        ("bad_signature", "signature", "response signature invalid"),
        ("missing_key", "accounts", "missing"),
    ],
)
def test_bad_answers_are_refused_without_retrying(
    server: SandboxBureauServer, case: str, key: str, reason: str
) -> None:
    sleeps = Sleeps()
    req = request(case)
    with pytest.raises(BureauBadResponse) as info:
        bureau(server, sleep=sleeps).pull(req, None)
    assert (info.value.key, info.value.reason) == (key, reason)
    assert info.value.code == "bureau_bad_response"
    assert server.attempts(req.idempotency_key) == 1
    assert sleeps == []


def test_a_rejected_subject(server: SandboxBureauServer) -> None:
    with pytest.raises(BureauRejected) as info:
        bureau(server).pull(request("rejected"), None)
    assert (info.value.status, info.value.reason, info.value.code) == (
        422, "subject_rejected", "bureau_rejected")


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"secret": "not-the-secret"}, "signature_invalid"),
        ({"key_id": "someone-else"}, "unknown_key"),
        ({"clock": lambda: time.time() - 3600}, "stale_timestamp"),
    ],
)
def test_the_server_refuses_a_badly_signed_request(
    server: SandboxBureauServer, options: dict[str, Any], reason: str
) -> None:
    sleeps = Sleeps()
    req = request("clean")
    with pytest.raises(BureauRejected) as info:
        bureau(server, sleep=sleeps, **options).pull(req, None)
    assert (info.value.status, info.value.reason) == (401, reason)
    assert server.attempts(req.idempotency_key) == 0
    assert sleeps == []


def _raw_post(server: SandboxBureauServer, body: bytes, nonce: str, signed_body: bytes | None = None) -> int:
    request_id = uuid.uuid4().hex
    timestamp = str(int(time.time()))
    path = "/v1/credit-reports"
    message = signing.request_message("POST", path, timestamp, nonce, request_id,
                                      body if signed_body is None else signed_body)
    http_request = urllib.request.Request(server.url, data=body, method="POST", headers={
        signing.HEADER_KEY_ID: KEY_ID, signing.HEADER_TIMESTAMP: timestamp,
        signing.HEADER_NONCE: nonce, signing.HEADER_REQUEST_ID: request_id,
        signing.HEADER_SIGNATURE: signing.sign(SECRET, message),
    })
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(http_request, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code)


def test_the_server_refuses_a_replayed_nonce_and_a_tampered_body(server: SandboxBureauServer) -> None:
    nonce = uuid.uuid4().hex
    assert _raw_post(server, b"{}", nonce) == 400  # authenticated, but not a report request
    assert _raw_post(server, b"{}", nonce) == 401  # same nonce again
    assert _raw_post(server, b'{"a": 2}', uuid.uuid4().hex, signed_body=b'{"a": 1}') == 401


def test_a_stale_response_is_refused(server: SandboxBureauServer) -> None:
    # the server accepts a request 200 s ahead (its window is 300 s), the client allows 100 s
    ahead = bureau(server, clock=lambda: time.time() + 200, max_skew=100)
    with pytest.raises(BureauBadResponse) as info:
        ahead.pull(request("clean"), None)
    assert (info.value.key, info.value.reason) == ("signature", "response timestamp stale")


def test_an_unknown_path_is_rejected(server: SandboxBureauServer) -> None:
    with pytest.raises(BureauRejected) as info:
        bureau(server, url=server.url.replace("credit-reports", "nothing")).pull(request("clean"), None)
    assert (info.value.status, info.value.reason) == (404, "not_found")


def test_connection_refused_is_unavailable() -> None:
    with SandboxBureauServer(KEY_ID, SECRET) as gone:
        url = gone.url
    sleeps = Sleeps()
    with pytest.raises(BureauUnavailable) as info:
        HttpBureau(url, KEY_ID, SECRET, timeout=0.2, retries=1, backoff=0.01, sleep=sleeps).pull(
            request("clean"), None)
    assert info.value.attempts == 2
    assert info.value.reason.startswith("connection")
    assert sleeps == [0.01]


def test_a_loopback_bureau_ignores_environment_proxies(
    server: SandboxBureauServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert bureau(server).pull(request("clean"), None).facts.score == 780


@pytest.mark.parametrize(
    ("url", "key_id", "secret", "field"),
    [
        ("http://bureau.example/v1/credit-reports", "k", "s", "url"),  # cleartext to a remote host
        ("ftp://127.0.0.1/x", "k", "s", "url"),
        ("https:///v1", "k", "s", "url"),
        ("https://bureau.example/v1", "", "s", "key_id"),
        ("https://bureau.example/v1", "k", "", "secret"),
    ],
)
def test_bad_adapter_settings(url: str, key_id: str, secret: str, field: str) -> None:
    with pytest.raises(BureauSettingsError) as info:
        HttpBureau(url, key_id, secret)
    assert info.value.field == field


def test_the_secret_is_not_in_the_repr(server: SandboxBureauServer) -> None:
    assert SECRET not in repr(bureau(server))
