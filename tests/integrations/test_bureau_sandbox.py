"""The in-process sandbox bureau: documented test IDs, determinism, behaviour cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lowlend.domain.credit_report import BureauDataError, BureauRequest, Consent
from lowlend.integrations.bureau import (
    SANDBOX_IDS,
    BureauBadResponse,
    BureauRejected,
    BureauUnavailable,
    CreditBureau,
    SandboxBureau,
)
from lowlend.integrations.bureau.sandbox import sandbox_case, sandbox_payload

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)


def request(id_number: str, key: str = "") -> BureauRequest:
    return BureauRequest("resident_id", id_number, "张三", "loan_application",
                         Consent("AUTH-1", dt.date(2026, 11, 20)), idempotency_key=key)


def pull(id_number: str, income: str | None = "10000.00", now: dt.datetime = NOW):
    return SandboxBureau(clock=lambda: now).pull(request(id_number), None if income is None else Decimal(income))


def test_sandbox_is_a_credit_bureau() -> None:
    assert isinstance(SandboxBureau(), CreditBureau)


def test_test_ids_are_valid_resident_ids() -> None:
    from lowlend.domain.identity import parse_resident_id

    for number in SANDBOX_IDS.values():
        assert parse_resident_id(number).number == number
    assert len(set(SANDBOX_IDS.values())) == len(SANDBOX_IDS)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("clean", {"has_file": True, "score": 780, "overdue_accounts": 0, "max_dpd_24m": 0,
                   "queries_3m": 1, "queries_6m": 1, "outstanding_debt": 28920000,
                   "monthly_debt_service": 272000, "debt_to_income_bp": 2720, "blacklist_hits": 0}),
        ("overdue_45", {"has_file": True, "score": 590, "overdue_accounts": 1, "max_dpd_24m": 45,
                        "queries_3m": 2, "queries_6m": 2, "outstanding_debt": 2300000,
                        "monthly_debt_service": 200000, "debt_to_income_bp": 2000,
                        "blacklist_hits": 0}),
        ("blacklisted", {"has_file": True, "score": 520, "overdue_accounts": 0, "max_dpd_24m": 0,
                         "queries_3m": 1, "queries_6m": 1, "outstanding_debt": 120000,
                         "monthly_debt_service": 12000, "debt_to_income_bp": 120,
                         "blacklist_hits": 1}),
        ("many_queries", {"has_file": True, "score": 640, "overdue_accounts": 0, "max_dpd_24m": 0,
                          "queries_3m": 9, "queries_6m": 14, "outstanding_debt": 800000,
                          "monthly_debt_service": 80000, "debt_to_income_bp": 800,
                          "blacklist_hits": 0}),
        ("no_file", {"has_file": False, "score": 0, "overdue_accounts": 0, "max_dpd_24m": 0,
                     "queries_3m": 0, "queries_6m": 0, "outstanding_debt": 0,
                     "monthly_debt_service": 0, "debt_to_income_bp": 0, "blacklist_hits": 0}),
    ],
)
def test_documented_test_ids(case: str, expected: dict[str, object]) -> None:
    report = pull(SANDBOX_IDS[case])
    assert report.facts.as_expression_values() == expected
    assert report.bureau == "sandbox"
    assert report.pulled_at == NOW
    assert report.payload["subject"]["id_number"] == SANDBOX_IDS[case]


@pytest.mark.parametrize("day", [dt.date(2026, 1, 31), dt.date(2026, 3, 1), dt.date(2027, 12, 31)])
@pytest.mark.parametrize("case", ["clean", "overdue_45", "blacklisted", "many_queries", "no_file"])
def test_facts_do_not_depend_on_the_day(case: str, day: dt.date) -> None:
    now = dt.datetime.combine(day, dt.time(12), dt.UTC)
    assert pull(SANDBOX_IDS[case], now=now).facts == pull(SANDBOX_IDS[case]).facts


def test_same_request_same_payload() -> None:
    first = sandbox_payload(request(SANDBOX_IDS["clean"]), "req-1", NOW)
    assert sandbox_payload(request(SANDBOX_IDS["clean"]), "req-1", NOW) == first
    assert sandbox_payload(request(SANDBOX_IDS["clean"]), "req-2", NOW)["report_id"] != first["report_id"]
    bureau = SandboxBureau(clock=lambda: NOW)
    one = bureau.pull(request(SANDBOX_IDS["clean"], key="K1"), None)
    assert bureau.pull(request(SANDBOX_IDS["clean"], key="K1"), None) == one
    assert one.request_id == "K1"


def _resident_id(seq: int) -> str:
    base = f"32010219850615{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base + "10X98765432"[sum(int(c) * w for c, w in zip(base, weights, strict=True)) % 11]


def test_other_ids_give_valid_deterministic_varied_reports() -> None:
    numbers = [_resident_id(seq) for seq in range(40)]
    assert not any(sandbox_case(n) for n in numbers)
    facts = [pull(n).facts for n in numbers]
    assert facts == [pull(n, now=NOW + dt.timedelta(days=200)).facts for n in numbers]
    assert len({f.score for f in facts}) > 10
    assert len({f.queries_3m for f in facts}) > 2
    assert all(f.has_file and f.overdue_accounts == 0 and f.blacklist_hits == 0 for f in facts)


@pytest.mark.parametrize(
    ("case", "error", "detail"),
    [
        ("slow", BureauUnavailable, "timeout"),
        ("error_always", BureauUnavailable, "http_500"),
        ("rejected", BureauRejected, "subject_rejected"),
        ("garbage", BureauBadResponse, "$"),
        ("bad_signature", BureauBadResponse, "signature"),
        ("missing_key", BureauBadResponse, "accounts"),
    ],
)
def test_behaviour_ids_raise_the_adapter_errors(case: str, error: type[Exception], detail: str) -> None:
    with pytest.raises(error) as info:
        pull(SANDBOX_IDS[case])
    exc = info.value
    assert detail in (getattr(exc, "reason", ""), getattr(exc, "key", ""))


def test_error_once_answers_in_process() -> None:
    assert pull(SANDBOX_IDS["error_once"]).facts.score == 780


def test_bad_income_is_refused_before_pulling() -> None:
    with pytest.raises(BureauDataError) as info:
        pull(SANDBOX_IDS["clean"], income="-1")
    assert info.value.code == "bureau_income_invalid"


def test_errors_carry_stable_codes_and_retryability() -> None:
    assert BureauUnavailable("timeout", 3).code == "bureau_unavailable"
    assert BureauUnavailable.retryable and not BureauRejected.retryable
    assert not BureauBadResponse.retryable
    assert BureauBadResponse("accounts", "missing").field == "accounts"
