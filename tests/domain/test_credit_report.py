"""Credit reports: consented requests, strict payload parsing, facts, DTI and the reuse window."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from lowlend.domain.credit_report import (
    DTI_CAP_BP,
    BureauDataError,
    BureauFacts,
    BureauRequest,
    Consent,
    CreditReport,
    facts_from_payload,
    is_reusable,
)

UTC = dt.UTC
CONSENT = Consent("AUTH-2026-0001", dt.date(2026, 11, 20))


def account(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "account_id": "A1", "type": "loan", "institution": "某银行", "opened_on": "2024-03-01",
        "status": "normal", "balance": "10000.00", "monthly_payment": "1000.00",
        "overdue_days": 0, "overdue_amount": "0.00", "max_dpd_24m": 0,
    }
    return {**base, **overrides}


def query(date: str, reason: str = "loan_application") -> dict[str, Any]:
    return {"date": date, "institution": "某消费金融公司", "reason": reason}


def payload(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "report_id": "R2026112800001",
        "generated_at": "2026-11-28T10:00:00+08:00",
        "subject": {"id_type": "resident_id", "id_number": "110101199003070011", "name": "张三"},
        "file_found": True,
        "score": 700,
        "accounts": [
            account(),
            account(account_id="A2", type="credit_card", balance="2500.50", monthly_payment="250.05",
                    status="overdue", overdue_days=45, overdue_amount="500.00", max_dpd_24m=45),
            account(account_id="A3", status="closed", balance="0.00", monthly_payment="0.00",
                    max_dpd_24m=95),
            account(account_id="A4", status="written_off", balance="800.00", monthly_payment="0.00",
                    overdue_days=400, max_dpd_24m=180),
        ],
        "queries": [
            query("2026-11-27"),
            query("2026-08-29", "credit_card_application"),  # 3 months less a day: in 3m
            query("2026-08-28", "guarantee_check"),  # exactly 3 months back: 6m only
            query("2026-05-29"),  # in 6m
            query("2026-05-28"),  # exactly 6 months back: neither
            query("2026-11-01", "post_loan_management"),  # soft
            query("2026-11-02", "self_query"),  # soft
        ],
        "public_records": {"blacklist": [
            {"source": "court_enforcement", "listed_on": "2025-06-01", "reference": "(2025)京0101执1号"},
        ]},
    }
    return {**base, **overrides}


# -- facts -----------------------------------------------------------------------------------


def test_facts_from_a_full_payload() -> None:
    facts = facts_from_payload(payload(), Decimal("8000.00"))
    assert facts == BureauFacts(
        has_file=True,
        score=700,
        overdue_accounts=2,  # overdue + written off; closed excluded
        max_dpd_24m=400,  # the written-off account's current days past due
        queries_3m=2,
        queries_6m=4,
        outstanding_debt=Decimal("13300.50"),  # closed account excluded
        monthly_debt_service=Decimal("1250.05"),
        debt_to_income_bp=1563,  # 1250.05 / 8000 = 0.15625… → 1563 bp half-up
        blacklist_hits=1,
        monthly_income=Decimal("8000.00"),
    )


def test_money_facts_are_decimal_and_expression_values_are_int_minor_units() -> None:
    facts = facts_from_payload(payload(), Decimal("8000"))
    assert isinstance(facts.outstanding_debt, Decimal)
    values = facts.as_expression_values()
    assert values["outstanding_debt"] == 1330050
    assert values["monthly_debt_service"] == 125005
    assert "monthly_income" not in values
    assert all(type(v) in (int, bool) for v in values.values())


def test_expression_values_match_the_bureau_object_of_the_rule_environments() -> None:
    from lowlend.spec.envs import BUREAU, SCORECARD_ENV
    from lowlend.spec.expressions import compile_expression

    values = facts_from_payload(payload(), Decimal("8000")).as_expression_values()
    declared = {name: t.kind for name, t in BUREAU.fields}
    assert declared == {k: "bool" if isinstance(v, bool) else "int" for k, v in values.items()}
    rule = compile_expression(
        "bureau.has_file && bureau.queries_6m >= 4 && bureau.blacklist_hits == 1"
        " && bureau.outstanding_debt > 1000000 && bureau.monthly_debt_service < 200000",
        SCORECARD_ENV,
    )
    assert rule.evaluate({"bureau": values, "application": {}, "customer": {}}) is True


def test_overdue_account_with_max_dpd_45() -> None:
    facts = facts_from_payload(payload(accounts=[account(
        status="overdue", overdue_days=45, overdue_amount="3000.00", max_dpd_24m=45)]), None)
    assert (facts.overdue_accounts, facts.max_dpd_24m) == (1, 45)


def test_no_file() -> None:
    facts = facts_from_payload(
        payload(file_found=False, score=None, accounts=[], queries=[],
                public_records={"blacklist": []}),
        Decimal("5000"),
    )
    assert not facts.has_file
    assert (facts.score, facts.overdue_accounts, facts.queries_6m) == (0, 0, 0)
    assert facts.outstanding_debt == Decimal("0.00")
    assert facts.debt_to_income_bp == 0


def test_unknown_keys_are_ignored() -> None:
    data = payload(extra={"anything": 1})
    data["accounts"][0]["five_level_class"] = "normal"
    assert facts_from_payload(data, None).score == 700


# -- debt to income --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "income", "expected"),
    [
        ("1050.00", "7000", 1500),
        ("1.00", "3.00", 3333),
        ("2.00", "3.00", 6667),  # half-up
        ("0.00", None, 0),
        ("0.00", "0", 0),
        ("100.00", None, DTI_CAP_BP),  # debt but no declared income: the cap
        ("100.00", "0", DTI_CAP_BP),
        ("99999.00", "1.00", DTI_CAP_BP),  # capped
    ],
)
def test_debt_to_income(service: str, income: str | None, expected: int) -> None:
    data = payload(accounts=[account(monthly_payment=service)])
    facts = facts_from_payload(data, None if income is None else Decimal(income))
    assert facts.debt_to_income_bp == expected


@pytest.mark.parametrize("income", [Decimal("-1"), Decimal("NaN"), Decimal("Infinity")])
def test_bad_income_is_refused(income: Decimal) -> None:
    with pytest.raises(BureauDataError) as info:
        facts_from_payload(payload(), income)
    assert (info.value.code, info.value.field) == ("bureau_income_invalid", "monthly_income")


# -- strict validation -----------------------------------------------------------------------


def _without(data: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return data


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (["report_id"], "report_id"),
        (["generated_at"], "generated_at"),
        (["subject"], "subject"),
        (["subject", "id_number"], "subject.id_number"),
        (["file_found"], "file_found"),
        (["score"], "score"),
        (["accounts"], "accounts"),
        (["queries"], "queries"),
        (["public_records"], "public_records"),
        (["public_records", "blacklist"], "public_records.blacklist"),
        (["accounts", 1, "balance"], "accounts[1].balance"),
        (["accounts", 0, "status"], "accounts[0].status"),
        (["queries", 2, "date"], "queries[2].date"),
        (["public_records", "blacklist", 0, "reference"], "public_records.blacklist[0].reference"),
    ],
)
def test_a_missing_key_is_named(path: list[Any], key: str) -> None:
    with pytest.raises(BureauDataError) as info:
        facts_from_payload(_without(payload(), path), None)
    assert (info.value.code, info.value.field) == ("bureau_bad_response", key)
    assert info.value.params == {"key": key, "reason": "missing"}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (None, "$"),
        ([], "$"),
        ("<html>", "$"),
        (payload(score="712"), "score"),
        (payload(score=True), "score"),
        (payload(score=712.0), "score"),
        (payload(score=1001), "score"),
        (payload(score=None), "score"),
        (payload(file_found="yes"), "file_found"),
        (payload(report_id=""), "report_id"),
        (payload(generated_at="2026-11-28T10:00:00"), "generated_at"),  # no UTC offset
        (payload(generated_at="yesterday"), "generated_at"),
        (payload(generated_at=20261128), "generated_at"),
        (payload(subject=["x"]), "subject"),
        (payload(accounts={"A1": {}}), "accounts"),
        (payload(accounts=["A1"]), "accounts[0]"),
        (payload(accounts=[account(balance=12.5)]), "accounts[0].balance"),
        (payload(accounts=[account(balance=Decimal("12.5"))]), "accounts[0].balance"),
        (payload(accounts=[account(balance="-1.00")]), "accounts[0].balance"),
        (payload(accounts=[account(balance="1.234")]), "accounts[0].balance"),
        (payload(accounts=[account(balance="1e3")]), "accounts[0].balance"),
        (payload(accounts=[account(monthly_payment=None)]), "accounts[0].monthly_payment"),
        (payload(accounts=[account(overdue_days=-1)]), "accounts[0].overdue_days"),
        (payload(accounts=[account(overdue_days="0")]), "accounts[0].overdue_days"),
        (payload(accounts=[account(max_dpd_24m=False)]), "accounts[0].max_dpd_24m"),
        (payload(accounts=[account(status="late")]), "accounts[0].status"),
        (payload(accounts=[account(status=["normal"])]), "accounts[0].status"),
        (payload(accounts=[account(type="mortgage")]), "accounts[0].type"),
        (payload(accounts=[account(opened_on="2024/03/01")]), "accounts[0].opened_on"),
        (payload(accounts=[account(opened_on="2024-02-30")]), "accounts[0].opened_on"),
        (payload(accounts=[account(status="overdue")]), "accounts[0].overdue_days"),
        (payload(accounts=[account(overdue_days=3)]), "accounts[0].overdue_days"),
        (payload(queries=[query("2026-11-29")]), "queries[0].date"),  # after the report
        (payload(queries=[query("2026-11-01", "marketing")]), "queries[0].reason"),
        (payload(public_records=[]), "public_records"),
        (payload(public_records={"blacklist": [{"source": "x", "reference": "y"}]}),
         "public_records.blacklist[0].listed_on"),
        (payload(file_found=False, score=None, queries=[], accounts=[account()]), "accounts"),
        (payload(file_found=False, score=None, accounts=[]), "queries"),
        (payload(file_found=False, score=600, accounts=[], queries=[]), "score"),
    ],
)
def test_garbage_is_refused_naming_the_key(data: object, key: str) -> None:
    with pytest.raises(BureauDataError) as info:
        facts_from_payload(data, Decimal("5000"))
    assert info.value.code == "bureau_bad_response"
    assert info.value.field == key
    assert info.value.params["key"] == key


def test_a_blacklist_without_a_credit_file_still_counts() -> None:
    data = payload(file_found=False, score=None, accounts=[], queries=[])
    assert facts_from_payload(data, None).blacklist_hits == 1


# -- request and consent ---------------------------------------------------------------------


def test_request_is_canonical_and_frozen() -> None:
    request = BureauRequest("resident_id", " 11010119900307002x ", " 张三 ", "loan_application", CONSENT)
    assert (request.id_number, request.name) == ("11010119900307002X", "张三")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.id_number = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "consent",
    [None, "AUTH-1", ("AUTH-1", dt.date(2026, 11, 1))],
)
def test_a_pull_without_consent_cannot_be_built(consent: object) -> None:
    with pytest.raises(BureauDataError) as info:
        BureauRequest("resident_id", "110101199003070011", "张三", "loan_application", consent)  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == ("bureau_consent_required", "consent")


@pytest.mark.parametrize(
    ("consent_id", "consent_date"),
    [("", dt.date(2026, 11, 1)), ("   ", dt.date(2026, 11, 1)), (None, dt.date(2026, 11, 1)),
     ("AUTH-1", None), ("AUTH-1", "2026-11-01")],
)
def test_a_consent_needs_a_reference_and_a_date(consent_id: object, consent_date: object) -> None:
    with pytest.raises(BureauDataError) as info:
        Consent(consent_id, consent_date)  # type: ignore[arg-type]
    assert info.value.code == "bureau_consent_required"


@pytest.mark.parametrize("field", ["id_type", "id_number", "name"])
def test_a_request_needs_its_subject(field: str) -> None:
    values = {"id_type": "resident_id", "id_number": "110101199003070011", "name": "张三"}
    values[field] = " "
    with pytest.raises(BureauDataError) as info:
        BureauRequest(purpose="loan_application", consent=CONSENT, **values)
    assert (info.value.code, info.value.field) == ("bureau_subject_required", field)


def test_a_request_needs_a_known_purpose() -> None:
    with pytest.raises(BureauDataError) as info:
        BureauRequest("resident_id", "110101199003070011", "张三", "marketing", CONSENT)
    assert (info.value.code, info.value.field) == ("bureau_purpose_invalid", "purpose")


def test_every_code_has_a_message_in_both_languages() -> None:
    from lowlend.services.message_tables.bureau import TABLE

    codes = {"bureau_consent_required", "bureau_subject_required", "bureau_purpose_invalid",
             "bureau_income_invalid", "bureau_bad_response", "bureau_unavailable",
             "bureau_rejected", "bureau_settings_invalid"}
    assert codes <= TABLE.keys()
    assert all(en and zh for en, zh in TABLE.values())


# -- stored reports --------------------------------------------------------------------------


def test_report_round_trips_through_json() -> None:
    data = payload()
    facts = facts_from_payload(data, Decimal("8000.00"))
    report = CreditReport("sandbox", "R1", dt.datetime(2026, 11, 28, 2, tzinfo=UTC), data, facts, "req-1")
    stored = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert stored["facts"]["outstanding_debt"] == "13300.50"
    assert stored["facts"]["monthly_income"] == "8000.00"
    assert CreditReport.from_json(stored) == report


# -- reuse window ----------------------------------------------------------------------------

PULLED = dt.datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "days", "expected"),
    [
        (PULLED, 30, True),
        (PULLED + dt.timedelta(days=30), 30, True),
        (PULLED + dt.timedelta(days=30, microseconds=1), 30, False),
        (PULLED + dt.timedelta(days=1), 0, False),  # 0: always pull afresh
        (PULLED, 0, False),
        (PULLED + dt.timedelta(days=1), -5, False),
        (PULLED - dt.timedelta(minutes=1), 30, False),  # stamped in the future: not trusted
        # another time zone, same instant + 29 days
        ((PULLED + dt.timedelta(days=29)).astimezone(dt.timezone(dt.timedelta(hours=8))), 30, True),
    ],
)
def test_reuse_window(now: dt.datetime, days: int, expected: bool) -> None:
    assert is_reusable(PULLED, now, days) is expected


def test_reuse_window_needs_aware_times() -> None:
    with pytest.raises(ValueError):
        is_reusable(PULLED.replace(tzinfo=None), PULLED, 30)
    with pytest.raises(ValueError):
        is_reusable(PULLED, PULLED.replace(tzinfo=None), 30)
