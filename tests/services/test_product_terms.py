"""Spec → domain mapping (lowlend.services.product_terms) for every product of the seed config."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lowlend.domain.conventions import GraceMode, SpreadFeesOnPayoff
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.quote import build_quote
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import LoanTerms
from lowlend.services.product_terms import (
    ProductTermsError,
    fee_schedule_for,
    fees_from_snapshot,
    loan_terms_for,
    snapshot_of,
    terms_and_fees,
    terms_from_snapshot,
)
from lowlend.spec import SpecRegistry, load_directory

REPO = Path(__file__).resolve().parents[2]
SEED_PRODUCTS = (
    "bridge_bullet",
    "business_equal_principal",
    "business_interest_only",
    "consumer_emi",
    "entrusted_loan",
    "hk_personal_loan",
    "installment_flat",
    "revolving_credit_line",
)
START = date(2026, 3, 2)


@pytest.fixture(scope="module")
def registry() -> SpecRegistry:
    return load_directory(REPO / "product_configs", REPO / "notification_templates")


def test_the_seed_has_the_expected_products(registry: SpecRegistry) -> None:
    assert set(SEED_PRODUCTS) <= set(registry.products)


@pytest.mark.parametrize("code", SEED_PRODUCTS)
def test_every_field_of_the_product_reaches_the_terms(registry: SpecRegistry, code: str) -> None:
    p = registry.products[code]
    fees = registry.fee_schedules[p.fee_schedule]
    t = loan_terms_for(
        p, fees, amount=p.amount.default, term=p.term.default, annual_rate=None, start=START
    )
    assert isinstance(t, LoanTerms)
    assert (t.amount, t.term, t.annual_rate, t.start) == (
        p.amount.default, p.term.default, p.interest.annual_rate.default, START
    )
    assert t.amortization is p.amortization
    assert (t.frequency, t.every) == (p.repayment.frequency, p.repayment.every)
    fd = p.repayment.first_due
    assert (t.first_due.rule, t.first_due.day, t.first_due.days) == (fd.rule, fd.day, fd.days)
    assert t.day_count is p.day_count and t.interest_period is p.interest.period
    assert dataclasses.astuple(t.grace) == dataclasses.astuple(p.grace)
    assert (t.rounding.mode, t.rounding.minor_unit, t.rounding.installment_multiple) == (
        p.rounding.mode, p.rounding.minor_unit, p.rounding.installment_multiple
    )
    pen = p.penalty
    assert (t.penalty.rate_per_day, t.penalty.base, t.penalty.late_fee, t.penalty.grace_days,
            t.penalty.cap_ratio, t.penalty.grace_mode) == (
        pen.rate_per_day, pen.base, pen.late_fee, pen.grace_days, pen.cap_ratio, pen.grace_mode)
    assert t.allocation.order == p.allocation.order
    assert t.allocation.buckets == p.allocation.buckets
    assert (t.prepayment.allowed_after_periods, t.prepayment.effect,
            t.prepayment.spread_fees_on_payoff) == (
        p.prepayment.allowed_after_periods, p.prepayment.effect,
        p.prepayment.spread_fees_on_payoff
    )
    assert t.overpayment is p.overpayment
    assert (t.currency, t.kind, t.product_code) == (p.currency, p.kind, code)


@pytest.mark.parametrize("code", SEED_PRODUCTS)
def test_bounds_of_every_product_give_a_schedule_and_a_quote(
    registry: SpecRegistry, code: str
) -> None:
    p = registry.products[code]
    for amount, term, rate in (
        (p.amount.min, p.term.min, p.interest.annual_rate.min),
        (p.amount.max, p.term.max, p.interest.annual_rate.max),
    ):
        if p.revolving is not None:
            amount = max(amount, p.revolving.draw_min)
        terms, fees = terms_and_fees(
            registry, code, amount=amount, term=term, annual_rate=rate, start=START
        )
        schedule = build_schedule(terms)
        assert len(schedule.installments) == term
        assert schedule.total_principal == amount
        quote = build_quote(terms, fees)
        assert quote.net_proceeds > 0


@pytest.mark.parametrize("code", SEED_PRODUCTS)
def test_out_of_bounds_input_names_field_and_code(registry: SpecRegistry, code: str) -> None:
    p = registry.products[code]
    good = {"amount": p.amount.default, "term": p.term.default, "annual_rate": None, "start": START}
    cases = [
        ({"amount": p.amount.min - Decimal("0.01")}, "amount", "amount_below_min"),
        ({"amount": p.amount.max + Decimal("0.01")}, "amount", "amount_above_max"),
        ({"amount": p.amount.default + Decimal("0.001")}, "amount", "amount_not_in_minor_units"),
        ({"amount": 1000.0}, "amount", "amount_not_a_decimal"),
        ({"amount": Decimal("NaN")}, "amount", "amount_not_a_decimal"),
        ({"term": p.term.min - 1}, "term", "term_below_min"),
        ({"term": p.term.max + 1}, "term", "term_above_max"),
        ({"term": 6.0}, "term", "term_not_an_integer"),
        ({"annual_rate": p.interest.annual_rate.min - Decimal("0.000001")}, "annual_rate",
         "rate_below_min"),
        ({"annual_rate": p.interest.annual_rate.max + Decimal("0.000001")}, "annual_rate",
         "rate_above_max"),
        ({"annual_rate": "0.1"}, "annual_rate", "rate_not_a_decimal"),
        ({"start": date(2024, 12, 31)}, "start", "product_not_yet_valid"),
    ]
    if p.valid_to is not None:
        cases.append(({"start": date(2028, 1, 1)}, "start", "product_expired"))
    for change, field, code_ in cases:
        with pytest.raises(ProductTermsError) as info:
            loan_terms_for(p, None, **{**good, **change})
        assert (info.value.field, info.value.code) == (field, code_), change


def test_validity_dates_are_inclusive(registry: SpecRegistry) -> None:
    p = registry.products["installment_flat"]
    for start in (p.valid_from, p.valid_to):
        t = loan_terms_for(p, None, amount=p.amount.default, term=12, annual_rate=None, start=start)
        assert t.start == start


def test_revolving_draw_minimum(registry: SpecRegistry) -> None:
    p = registry.products["revolving_credit_line"]
    assert p.revolving is not None
    low = p.revolving.draw_min - Decimal("0.01")
    if low >= p.amount.min:
        with pytest.raises(ProductTermsError) as info:
            loan_terms_for(p, None, amount=low, term=6, annual_rate=None, start=START)
        assert info.value.code == "amount_below_draw_min"
    t = loan_terms_for(p, None, amount=p.revolving.draw_min, term=6, annual_rate=None, start=START)
    assert t.amount == p.revolving.draw_min


def test_wrong_fee_schedule_is_refused(registry: SpecRegistry) -> None:
    p = registry.products["consumer_emi"]
    other = registry.fee_schedules["hk_standard"]
    with pytest.raises(ProductTermsError) as info:
        loan_terms_for(p, other, amount=p.amount.default, term=12, annual_rate=None, start=START)
    assert (info.value.field, info.value.code) == ("fee_schedule", "fee_schedule_mismatch")
    same_code_other_currency = dataclasses.replace(
        registry.fee_schedules["consumer_standard"], currency="HKD"
    )
    with pytest.raises(ProductTermsError) as info:
        loan_terms_for(p, same_code_other_currency, amount=p.amount.default, term=12,
                       annual_rate=None, start=START)
    assert info.value.code == "currency_mismatch"


def test_unknown_product(registry: SpecRegistry) -> None:
    with pytest.raises(ProductTermsError) as info:
        terms_and_fees(registry, "nope", amount=Decimal("1000.00"), term=3, start=START)
    assert (info.value.field, info.value.code) == ("product", "unknown_product")


def test_missing_default_rate_needs_a_rate(registry: SpecRegistry) -> None:
    p = registry.products["consumer_emi"]
    rates = dataclasses.replace(p.interest.annual_rate, default=None)
    q = dataclasses.replace(p, interest=dataclasses.replace(p.interest, annual_rate=rates))
    with pytest.raises(ProductTermsError) as info:
        loan_terms_for(q, None, amount=p.amount.default, term=12, annual_rate=None, start=START)
    assert (info.value.field, info.value.code) == ("annual_rate", "rate_required")


@pytest.mark.parametrize("code", SEED_PRODUCTS)
def test_fee_rules_mirror_the_fee_schedule(registry: SpecRegistry, code: str) -> None:
    spec = registry.fee_schedules[registry.products[code].fee_schedule]
    fees = fee_schedule_for(spec)
    assert isinstance(fees, FeeSchedule)
    assert (fees.code, fees.currency) == (spec.code, spec.currency)
    assert [r.code for r in fees.fees] == [f.code for f in spec.fees]
    for rule, fee in zip(fees.fees, spec.fees, strict=True):
        assert (rule.trigger, rule.calculation, rule.collection, rule.party) == (
            fee.trigger, fee.calculation, fee.collection, fee.party
        )
        assert (rule.rate, rule.amount) == (fee.rate, fee.amount)
        assert [(t.rate, t.amount, t.amount_min, t.amount_max, t.term_min, t.term_max)
                for t in rule.tiers] == [
            (t.rate, t.amount, t.amount_min, t.amount_max, t.term_min, t.term_max)
            for t in fee.tiers
        ]
        assert dict(rule.label) == {"zh_CN": fee.label.zh_CN, "en": fee.label.en}


@pytest.mark.parametrize("code", SEED_PRODUCTS)
def test_snapshot_round_trip(registry: SpecRegistry, code: str) -> None:
    import json

    p = registry.products[code]
    terms, fees = terms_and_fees(registry, code, amount=p.amount.default, term=p.term.default,
                                 start=START)
    snapshot = json.loads(json.dumps(snapshot_of(terms, fees, config_content_hash="abc")))
    assert snapshot["config_content_hash"] == "abc"
    assert terms_from_snapshot(snapshot) == terms
    assert fees_from_snapshot(snapshot) == fees
    assert fees_from_snapshot(snapshot_of(terms, None)) is None


def test_grace_mode_reaches_the_terms_and_survives_the_snapshot(registry: SpecRegistry) -> None:
    import json

    from lowlend.services.product_terms import penalty_terms_for

    p = registry.products["consumer_emi"]
    assert p.penalty.grace_mode is GraceMode.AFTER_GRACE  # the seed keeps the default rule
    from_due = dataclasses.replace(
        p, penalty=dataclasses.replace(p.penalty, grace_mode=GraceMode.FROM_DUE_DATE))
    assert penalty_terms_for(from_due, registry.regions["CN"], START).grace_mode is (
        GraceMode.FROM_DUE_DATE)
    terms = loan_terms_for(from_due, registry.fee_schedules[p.fee_schedule],
                           amount=p.amount.default, term=p.term.default, annual_rate=None,
                           start=START)
    assert terms.penalty.grace_mode is GraceMode.FROM_DUE_DATE
    snapshot = json.loads(json.dumps(snapshot_of(terms)))
    assert snapshot["terms"]["penalty"]["grace_mode"] == "from_due_date"
    assert terms_from_snapshot(snapshot) == terms
    # loans booked before penalty.grace_mode existed: no key in the snapshot → the default
    del snapshot["terms"]["penalty"]["grace_mode"]
    old = terms_from_snapshot(snapshot)
    assert old.penalty.grace_mode is GraceMode.AFTER_GRACE
    assert old == dataclasses.replace(
        terms, penalty=dataclasses.replace(terms.penalty, grace_mode=GraceMode.AFTER_GRACE))


def test_spread_fees_on_payoff_reaches_the_terms_and_survives_the_snapshot(
        registry: SpecRegistry) -> None:
    import json

    p = registry.products["consumer_emi"]
    assert p.prepayment.spread_fees_on_payoff is SpreadFeesOnPayoff.WAIVE  # the default
    due = dataclasses.replace(p, prepayment=dataclasses.replace(
        p.prepayment, spread_fees_on_payoff=SpreadFeesOnPayoff.DUE))
    terms = loan_terms_for(due, registry.fee_schedules[p.fee_schedule],
                           amount=p.amount.default, term=p.term.default, annual_rate=None,
                           start=START)
    assert terms.prepayment.spread_fees_on_payoff is SpreadFeesOnPayoff.DUE
    snapshot = json.loads(json.dumps(snapshot_of(terms)))
    assert snapshot["terms"]["prepayment"]["spread_fees_on_payoff"] == "due"
    assert terms_from_snapshot(snapshot) == terms
    # loans booked before the option existed: no key in the snapshot → waive
    del snapshot["terms"]["prepayment"]["spread_fees_on_payoff"]
    old = terms_from_snapshot(snapshot)
    assert old.prepayment.spread_fees_on_payoff is SpreadFeesOnPayoff.WAIVE
    assert old == dataclasses.replace(terms, prepayment=dataclasses.replace(
        terms.prepayment, spread_fees_on_payoff=SpreadFeesOnPayoff.WAIVE))


def test_region_limits_tighten_the_product_penalty_terms() -> None:
    """CN: late charges count in the 24 % comprehensive-cost cap; UK: late fee ≤ £15."""
    import dataclasses
    from datetime import date
    from decimal import Decimal
    from pathlib import Path

    from lowlend.services.product_terms import penalty_terms_for
    from lowlend.spec import load_directory

    registry = load_directory(Path(__file__).resolve().parents[2] / "product_configs")
    product = registry.products["consumer_emi"]
    loose = dataclasses.replace(
        product, penalty=dataclasses.replace(product.penalty, cap_ratio=Decimal("0.36"))
    )
    cn = registry.regions["CN"]
    assert penalty_terms_for(loose, cn, date(2026, 12, 1)).cap_ratio == Decimal("0.24")
    assert penalty_terms_for(loose, None, date(2026, 12, 1)).cap_ratio == Decimal("0.36")
    strict = dataclasses.replace(
        product, penalty=dataclasses.replace(product.penalty, cap_ratio=Decimal("0.10"))
    )
    assert penalty_terms_for(strict, cn, date(2026, 12, 1)).cap_ratio == Decimal("0.10")
    uk = registry.regions["UK"]
    pounds = dataclasses.replace(
        product, currency="GBP",
        penalty=dataclasses.replace(product.penalty, late_fee=Decimal("25.00")),
    )
    assert penalty_terms_for(pounds, uk, date(2026, 12, 1)).late_fee == Decimal("15.00")
    assert penalty_terms_for(product, uk, date(2026, 12, 1)).late_fee == product.penalty.late_fee
