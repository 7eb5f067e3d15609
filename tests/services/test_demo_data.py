"""The demo data set generator (pure, no database)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from lowlend.domain.quote import build_quote
from lowlend.domain.schedule import Schedule
from lowlend.services.demo_data import (
    APPLICATION_STATUSES,
    DEFAULT_BUSINESS_DATE,
    DEMO_USERNAMES,
    DemoDataSet,
    DemoLoan,
    classify,
    generate_demo_data,
    hkid_check_digit,
    open_application_count,
    resident_id_check_digit,
    uscc_check_char,
)
from lowlend.services.demo_data.loans import BEHAVIOURS, forecast
from lowlend.services.product_terms import fees_from_snapshot, terms_from_snapshot
from lowlend.spec import SpecRegistry, load_directory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry() -> SpecRegistry:
    return load_directory(REPO / "product_configs", REPO / "notification_templates")


@pytest.fixture(scope="module")
def data(registry: SpecRegistry) -> DemoDataSet:
    return generate_demo_data(registry)


def test_defaults_and_counts(data: DemoDataSet) -> None:
    assert data.seed == 7 and data.business_date == DEFAULT_BUSINESS_DATE == date(2026, 11, 28)
    assert len(data.loans) == 200
    assert len(data.applications) == 200 + open_application_count(200)
    refs = [x.ref for x in (*data.customers, *data.applications, *data.loans)]
    assert len(refs) == len(set(refs))
    used = {a.customer_ref for a in data.applications} | {loan.customer_ref for loan in data.loans}
    assert used <= {c.ref for c in data.customers}


def test_deterministic_and_prefix_stable(registry: SpecRegistry, data: DemoDataSet) -> None:
    assert generate_demo_data(registry) == data
    bigger = generate_demo_data(registry, loans=260)
    assert bigger.loans[:200] == data.loans
    assert {c.ref: c for c in bigger.customers}.items() >= {
        c.ref: c for c in data.customers
    }.items()
    other = generate_demo_data(registry, loans=20, seed=8)
    assert {loan.ref for loan in other.loans}.isdisjoint({loan.ref for loan in data.loans})
    assert generate_demo_data(registry, loans=0).loans == ()


def test_organisation(data: DemoDataSet) -> None:
    names = {d.code: d.name for d in data.departments}
    for name in ("总部", "业务一部", "业务二部", "风控部", "财务部", "催收部"):
        assert name in names.values()
    jx = [d for d in data.departments if d.region == "CN-JX"]
    assert jx and "南昌" in jx[0].name
    codes = set(names)
    for d in data.departments:
        assert d.parent_code is None or d.parent_code in codes
    users = {s.username: s for s in data.staff if s.username}
    assert set(users) == set(DEMO_USERNAMES)
    assert all(s.department_code in codes for s in data.staff)
    assert len({s.employee_no for s in data.staff}) == len(data.staff)


def test_identity_numbers_are_valid(data: DemoDataSet) -> None:
    kinds = Counter(c.id_type for c in data.customers)
    assert kinds["resident_id"] > 50 and 1 <= kinds["unified_credit_code"] <= 12
    for c in data.customers:
        if c.id_type == "resident_id":
            assert len(c.id_number) == 18
            assert ric.validate(c.id_number) == c.id_number  # check digit, birth date and place
            assert c.id_number[-1] == resident_id_check_digit(c.id_number[:17])
            assert c.kind == "individual" and 2 <= len(c.name) <= 3
            assert c.phone.isdigit() and len(c.phone) == 11 and c.phone[0] == "1"
            male = int(c.id_number[16]) % 2 == 1
            assert c.custom["gender"] == ("male" if male else "female")
        elif c.id_type == "unified_credit_code":
            assert uscc.validate(c.id_number) == c.id_number
            assert c.kind == "enterprise" and c.name.endswith("有限公司")
        else:
            assert c.id_type == "hkid" and c.region == "HK"
            body, check = c.id_number[:-3], c.id_number[-2]
            assert c.id_number.endswith(")") and hkid_check_digit(body) == check


def test_check_characters() -> None:
    assert resident_id_check_digit("11010519491231002") == "X"
    assert uscc_check_char("91110000600037341") == "L"
    assert hkid_check_digit("A123456") == "3"
    assert hkid_check_digit("G123456") == "A"


def test_applications_in_every_status(data: DemoDataSet) -> None:
    statuses = Counter(a.status for a in data.applications)
    assert set(statuses) == set(APPLICATION_STATUSES)
    assert statuses["disbursed"] == 200
    for a in data.applications:
        assert (a.submitted_at is None) == (a.status == "draft")
        if a.decided_at is not None:
            assert a.submitted_at is not None and a.decided_at >= a.submitted_at


def test_loans_spread_over_the_products(registry: SpecRegistry, data: DemoDataSet) -> None:
    products = Counter(loan.product_code for loan in data.loans)
    assert set(products) == set(registry.products)
    statuses = Counter(loan.status for loan in data.loans)
    assert statuses["closed"] >= 10 and statuses["overdue"] >= 5 and statuses["active"] >= 50
    assert 1 <= statuses["written_off"] <= 10
    assert {loan.classification for loan in data.loans} >= {"pass", "special_mention", "loss"}
    assert set(Counter(loan.behaviour for loan in data.loans)) == set(BEHAVIOURS)


def _schedule(loan: DemoLoan) -> Schedule:
    return build_quote(terms_from_snapshot(loan.terms_snapshot),
                       fees_from_snapshot(loan.terms_snapshot)).schedule


def test_loans_follow_their_product_and_schedule(registry: SpecRegistry, data: DemoDataSet) -> None:
    for loan in data.loans:
        p = registry.products[loan.product_code]
        assert p.amount.min <= loan.principal <= p.amount.max
        assert p.term.min <= loan.term <= p.term.max
        assert p.interest.annual_rate.min <= loan.annual_rate <= p.interest.annual_rate.max
        assert p.valid_from <= loan.disbursed_on < data.business_date
        assert loan.approved_on <= loan.disbursed_on
        assert loan.currency == p.currency
        terms = terms_from_snapshot(loan.terms_snapshot)
        assert (terms.amount, terms.term, terms.annual_rate, terms.start) == (
            loan.principal, loan.term, loan.annual_rate, loan.disbursed_on)
        assert terms.product_code == loan.product_code
        if p.fee_schedule:
            assert fees_from_snapshot(loan.terms_snapshot) is not None
        schedule = _schedule(loan)
        assert len(schedule.installments) == loan.term
        if loan.behaviour != "payoff":
            assert loan.maturity_date == schedule.maturity


def test_money_plan(registry: SpecRegistry, data: DemoDataSet) -> None:
    """The payments, reversals and write-offs are a plan the money use cases can post:
    in date order before the business date, payoffs where the product allows them,
    write-offs past the product's threshold; the forecast state follows from them."""
    reversed_count = 0
    for loan in data.loans:
        product = registry.products[loan.product_code]
        schedule = _schedule(loan)
        fees = fees_from_snapshot(loan.terms_snapshot)
        days = [p.value_date for p in loan.payments if p.kind != "recovery"]
        assert days == sorted(days) and len(set(days)) == len(days)
        assert all(loan.disbursed_on < d < data.business_date for d in days)
        for k, p in enumerate(loan.payments):
            assert p.amount > 0 and p.amount == p.amount.quantize(Decimal("0.01"))
            assert p.channel in ("transfer", "cash") and p.reference and p.note
            assert p.ref.startswith(loan.ref)
            if p.kind == "payoff":
                assert loan.behaviour == "payoff" and k == len(loan.payments) - 1
                due = [r for r in schedule.installments if r.due_date <= p.value_date]
                assert len(due) >= max(product.prepayment.allowed_after_periods, 1)
            if p.kind == "recovery":
                assert loan.write_off_on is not None and loan.write_off_on < p.value_date
            if p.reversed_on is not None:
                reversed_count += 1
                assert p.value_date < p.reversed_on < data.business_date
                assert loan.payments[k - 1].amount == p.amount  # the duplicate of the one before
                later = [q.value_date for q in loan.payments[k + 1:]]
                assert all(p.reversed_on < d for d in later)
        state = forecast(schedule, loan.payments, data.business_date, fees)
        if loan.write_off_on is not None:
            assert loan.status == "written_off" and loan.classification == "loss"
            assert loan.behaviour in ("delinquent", "partial")
            assert max(days, default=loan.disbursed_on) < loan.write_off_on < data.business_date
            dpd = forecast(schedule, loan.payments, loan.write_off_on, fees).days_past_due()
            assert dpd == loan.dpd >= product.write_off.min_dpd
            continue
        dpd = state.days_past_due()
        assert loan.dpd == dpd and loan.classification == classify(dpd)
        assert loan.status == ("closed" if state.is_closed else "overdue" if dpd else "active")
        if loan.behaviour == "payoff" and loan.payments[-1].kind == "payoff":
            assert loan.status == "closed"
        if loan.behaviour == "on_time":
            assert loan.status in ("active", "closed")
        assert loan.last_closed_business_date == data.business_date - timedelta(days=1)
    assert reversed_count >= 1


def test_custom_fields_follow_the_product(registry: SpecRegistry, data: DemoDataSet) -> None:
    for a in data.applications:
        fields = {f.code: f for f in registry.products[a.product_code].custom_fields}
        assert set(a.custom) <= set(fields)
        for code, value in a.custom.items():
            f = fields[code]
            if f.dictionary:
                assert value in registry.dictionaries[f.dictionary].codes()
            if code == "unified_credit_code":
                assert uscc.is_valid(value)


def test_classification_ranges() -> None:
    assert [classify(d) for d in (0, 1, 90, 91, 180, 181, 360, 361)] == [
        "pass",
        "special_mention",
        "special_mention",
        "substandard",
        "substandard",
        "doubtful",
        "doubtful",
        "loss",
    ]


def test_business_date_is_a_parameter(registry: SpecRegistry) -> None:
    early = generate_demo_data(registry, loans=30, business_date=date(2026, 3, 1))
    assert all(loan.disbursed_on < date(2026, 3, 1) for loan in early.loans)
    assert all(loan.last_closed_business_date == date(2026, 2, 28) for loan in early.loans)


def test_frozen(data: DemoDataSet) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.loans[0].status = "x"  # type: ignore[misc]


def test_bad_arguments(registry: SpecRegistry) -> None:
    with pytest.raises(ValueError):
        generate_demo_data(registry, loans=-1)
    with pytest.raises(ValueError):
        generate_demo_data(registry, business_date=date(2020, 1, 1))
