"""Property-based invariants of every schedule."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lowlend.domain.conventions import (
    Amortization,
    DayCount,
    FeeCalculation,
    FeeCollection,
    FeeTrigger,
    FirstDueRule,
    InterestPeriod,
)
from lowlend.domain.fees import FeeRule, FeeSchedule, apply_fees
from lowlend.domain.schedule import build_schedule

from .strategies import loan_terms

FEES = FeeSchedule("p", (
    FeeRule("svc", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
            rate=Decimal("0.013"), collection=FeeCollection.SPREAD),
    FeeRule("gua", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
            rate=Decimal("0.0005")),
    FeeRule("ins", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_INSTALLMENT,
            rate=Decimal("0.002")),
))


@settings(max_examples=300, deadline=None)
@given(loan_terms())
def test_schedule_invariants(t) -> None:  # type: ignore[no-untyped-def]
    s, _ = apply_fees(build_schedule(t), FEES)
    rows = s.installments
    assert sum(r.principal for r in rows) == t.amount            # principal sums exactly
    assert all(r.balance >= 0 and r.principal >= 0 and r.interest >= 0 for r in rows)
    assert rows[-1].balance == 0
    q = t.rounding.quantum
    for prev, r in zip((None, *rows[:-1]), rows, strict=True):
        opening = t.amount if prev is None else prev.balance
        assert r.balance == opening - r.principal
        assert r.total == r.principal + r.interest + r.fee
        assert r.principal == r.principal.quantize(q) and r.interest == r.interest.quantize(q)
    # interest-payment grace moves interest to a later row, never creates or drops any
    assert sum(r.interest for r in rows) == sum(r.own_interest for r in rows)
    dates = [r.due_date for r in rows]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert dates[0] > t.start


@settings(max_examples=200, deadline=None)
@given(loan_terms(grace=False), st.booleans())
def test_equal_installment_totals_differ_only_in_last_row(t, thirty) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    t = replace(t, amortization=Amortization.EQUAL_INSTALLMENT,
                first_due=replace(t.first_due, rule=FirstDueRule.ONE_PERIOD_AFTER))
    if thirty:
        t = replace(t, interest_period=InterestPeriod.SAME_AS_REPAYMENT)
    rows = build_schedule(t).installments
    totals = {r.total for r in rows[:-1]}
    level = max((r.total for r in rows[:-1] if r.principal > 0), default=None)
    # every row but the last pays the level, except rows whose interest alone exceeds it
    # (principal clamped to 0: long actual-day periods, or degenerate sub-cent loans)
    assert all(r.total == level or (r.principal == 0 and (level is None or r.interest >= level))
               for r in rows[:-1])
    regular = (t.interest_period is InterestPeriod.SAME_AS_REPAYMENT
               or t.day_count is DayCount.THIRTY_360)
    if regular and t.amount >= 100:
        # regular periods: the level payment covers each period's interest
        assert len(totals) <= 1
