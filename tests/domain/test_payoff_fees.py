"""Installment fees on early payoff and partial prepayment (``prepayment.spread_fees_on_payoff``).

waive (default): the running period's fee is owed pro rata to the payoff date, the fees of
periods not yet started are not; due: every remaining installment fee falls due at payoff.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowlend.domain.conventions import (
    AllocationComponent,
    Amortization,
    FeeCalculation,
    FeeCollection,
    FeeTrigger,
    PrepaymentEffect,
    SpreadFeesOnPayoff,
)
from lowlend.domain.errors import LoanStateError
from lowlend.domain.fees import FeeRule, FeeSchedule, apply_fees
from lowlend.domain.prepayment import payoff_quote, payoff_transaction
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule, build_schedule
from lowlend.domain.terms import LoanTerms, PrepaymentTerms
from lowlend.domain.transactions import Prepayment, Repayment

from .helpers import terms

D = Decimal
WAIVE, DUE = SpreadFeesOnPayoff.WAIVE, SpreadFeesOnPayoff.DUE
SERVICE = FeeRule("service_fee", FeeTrigger.DISBURSEMENT, FeeCalculation.FIXED,
                  amount=D("360.00"), collection=FeeCollection.SPREAD)
PREPAY = FeeRule("prepayment_fee", FeeTrigger.PREPAYMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
                 rate=D("0.01"))
FEES = FeeSchedule("f", (SERVICE, PREPAY))


def _loan(mode: SpreadFeesOnPayoff, fees: FeeSchedule = FEES, **kw: object) -> Schedule:
    """The admin guides' example: 12,000.00 over 12 months from 1 Jan 2026, equal principal
    (1,000.00 a month), 12 %, ACT/365; service fee 360.00 spread (30.00 an installment)."""
    kw.setdefault("amortization", Amortization.EQUAL_PRINCIPAL)
    t = terms("12000.00", 12, "0.12", prepayment=PrepaymentTerms(spread_fees_on_payoff=mode),
              **kw)
    return apply_fees(build_schedule(t), fees)[0]


def _first_two_paid(s: Schedule) -> list[Repayment]:
    rows = s.installments
    return [Repayment("a", date(2026, 2, 1), rows[0].total),
            Repayment("b", date(2026, 3, 1), rows[1].total)]


def test_default_is_waive() -> None:
    assert PrepaymentTerms().spread_fees_on_payoff is WAIVE
    assert LoanTerms(amount=D("1.00"), term=1, annual_rate=D("0"), start=date(2026, 1, 1)
                     ).prepayment.spread_fees_on_payoff is WAIVE


@pytest.mark.parametrize(("mode", "spread", "total"), [
    # payoff on 16 Mar, installments 1–2 paid: principal 10,000.00, interest 15 days
    # 10000 × 12 % × 15/365 = 49.32, prepayment fee 1 % = 100.00, and
    # waive: March's 30.00 × 15/31 days = 14.52; due: 10 installments × 30.00 = 300.00
    (WAIVE, "14.52", "10163.84"),
    (DUE, "300.00", "10449.32"),
])
def test_payoff_quote_shows_the_fee_parts_and_closes_the_loan(mode: SpreadFeesOnPayoff,
                                                              spread: str, total: str) -> None:
    s = _loan(mode)
    paid = _first_two_paid(s)
    on = date(2026, 3, 16)
    q = payoff_quote(s, paid, on, FEES)
    assert (q.principal, q.interest, q.spread_fee, q.prepayment_fee) == (
        D("10000.00"), D("49.32"), D(spread), D("100.00"))
    assert q.fee == q.spread_fee + q.prepayment_fee
    assert q.total == D(total) and q.unearned == 0
    state = replay(s, [*paid, payoff_transaction(q, "po")], on, FEES)
    assert state.is_closed and state.credit == 0
    closing = state.installments[-1]
    assert (closing.due_date, closing.fee, closing.fee_paid) == (on, q.fee, q.fee)
    # the schedule ends with the closing row: no fee is left on later rows
    assert len(state.installments) == 3
    fee_lines = sum((ln.amount for ln in state.lines
                     if ln.txn_id == "po" and ln.component is AllocationComponent.FEE), D(0))
    assert fee_lines == q.fee


@pytest.mark.parametrize("mode", list(SpreadFeesOnPayoff))
def test_paying_one_cent_less_leaves_the_rest_due_on_the_payoff_date(
        mode: SpreadFeesOnPayoff) -> None:
    s = _loan(mode)
    paid = _first_two_paid(s)
    on = date(2026, 3, 16)
    q = payoff_quote(s, paid, on, FEES)
    short = replay(s, [*paid, Prepayment("po", on, q.total - D("0.01"))], on, FEES)
    # all the principal is repaid (the loan ends with the closing row), 0.01 of the fees
    # due at payoff is still owed on it: the next quote asks for exactly that
    closing = short.installments[-1]
    assert closing.principal_paid == closing.principal and closing.due_date == on
    assert closing.fee - closing.fee_paid == D("0.01")
    assert not short.is_closed
    rest = payoff_quote(s, [*paid, Prepayment("po", on, q.total - D("0.01"))], on, FEES)
    assert (rest.arrears, rest.total) == (D("0.01"), D("0.01"))


@pytest.mark.parametrize(("on", "waived"), [
    (date(2026, 3, 1), "0.00"),  # first day of March's period: nothing of its fee
    (date(2026, 3, 2), "0.97"),  # 1 of 31 days: 30 × 1/31
    (date(2026, 3, 31), "29.03"),  # 30 of 31 days
])
def test_waive_is_pro_rata_to_the_payoff_date(on: date, waived: str) -> None:
    s = _loan(WAIVE, FeeSchedule("f", (SERVICE,)))
    q = payoff_quote(s, _first_two_paid(s), on, FeeSchedule("f", (SERVICE,)))
    assert (q.spread_fee, q.prepayment_fee) == (D(waived), D("0.00"))


def test_a_partial_prepayment_does_not_restart_the_running_period() -> None:
    # 5,000.00 prepaid on 11 Mar (reduce installment): the row due 1 Apr is rebuilt from
    # 11 Mar but keeps its 30.00; paid off on 16 Mar, March's period is still 1–31 Mar:
    # 30 × 15/31 = 14.52 (not 30 × 5/21 as the rebuilt row's own dates would give)
    fees = FeeSchedule("f", (SERVICE,))
    s = _loan(WAIVE, fees)
    paid = [*_first_two_paid(s),
            Prepayment("c", date(2026, 3, 11), D("5000.00"), PrepaymentEffect.REDUCE_INSTALLMENT)]
    mid = replay(s, paid, date(2026, 3, 11), fees)
    assert [r.fee for r in mid.installments[3:]] == [D("30.00")] * 10
    q = payoff_quote(s, paid, date(2026, 3, 16), fees)
    assert q.spread_fee == D("14.52")
    assert replay(s, [*paid, payoff_transaction(q, "po")], date(2026, 3, 16), fees).is_closed


@pytest.mark.parametrize("mode", list(SpreadFeesOnPayoff))
def test_reduce_installment_keeps_every_fee_on_its_date(mode: SpreadFeesOnPayoff) -> None:
    fees = FeeSchedule("f", (SERVICE,))
    s = _loan(mode, fees)
    paid = [*_first_two_paid(s),
            Prepayment("c", date(2026, 3, 16), D("6000.00"), PrepaymentEffect.REDUCE_INSTALLMENT)]
    state = replay(s, paid, date(2026, 3, 16), fees)
    closing, tail = state.installments[2], state.installments[3:]
    assert closing.fee == 0  # no prepayment fee here, and no installment fee falls due
    assert [(r.due_date, r.fee) for r in tail] == [
        (row.due_date, row.fee) for row in s.installments[2:]]


@pytest.mark.parametrize("mode", list(SpreadFeesOnPayoff))
def test_reduce_term_drops_or_moves_the_fees_of_removed_installments(
        mode: SpreadFeesOnPayoff) -> None:
    fees = FeeSchedule("f", (SERVICE,))
    s = _loan(mode, fees)
    paid = [*_first_two_paid(s),
            Prepayment("c", date(2026, 3, 16), D("6000.00"), PrepaymentEffect.REDUCE_TERM)]
    state = replay(s, paid, date(2026, 3, 16), fees)
    tail = state.installments[3:]
    removed = 10 - len(tail)
    assert 0 < removed < 10
    assert all(r.fee == D("30.00") for r in tail[:-1])
    if mode is WAIVE:  # the removed periods never run
        assert tail[-1].fee == D("30.00")
        assert state.fees_charged == D("360.00") - removed * D("30.00")
    else:  # still owed, with the new last installment
        assert tail[-1].fee == D("30.00") * (removed + 1)
        assert state.fees_charged == D("360.00")


# ---------------------------------------------------------------- properties

# equal installments with a spread service fee and a per-installment guarantee fee
_MIXED = FeeSchedule("m", (
    FeeRule("svc", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
            rate=D("0.03"), collection=FeeCollection.SPREAD),
    FeeRule("gua", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
            rate=D("0.001"), collection=FeeCollection.ON_EVENT),
    PREPAY,
))
_NO_EVENT_FEES = FeeSchedule("m", _MIXED.fees[:2])


def _mixed(mode: SpreadFeesOnPayoff) -> Schedule:
    t = terms("6000.00", 6, "0.24", prepayment=PrepaymentTerms(spread_fees_on_payoff=mode))
    return apply_fees(build_schedule(t), _MIXED)[0]


LOANS = {mode: _mixed(mode) for mode in SpreadFeesOnPayoff}

payment = st.builds(
    lambda i, day, cents, kind: (Prepayment if kind else Repayment)(
        f"t{i:03d}", date(2026, 1, 2) + timedelta(days=day), Decimal(cents).scaleb(-2),
        *([PrepaymentEffect.REDUCE_TERM if kind == 2 else PrepaymentEffect.REDUCE_INSTALLMENT]
          if kind else [])),
    st.integers(0, 999), st.integers(0, 200), st.integers(1, 300_000), st.integers(0, 2),
)
payments = st.lists(payment, max_size=6, unique_by=lambda t: t.txn_id)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(list(SpreadFeesOnPayoff)), payments, st.integers(1, 170))
def test_paying_the_quote_closes_the_loan(mode, txns, day) -> None:  # type: ignore[no-untyped-def]
    s = LOANS[mode]
    on = date(2026, 1, 2) + timedelta(days=day)
    txns = [t for t in txns if t.value_date <= on]
    try:
        q = payoff_quote(s, txns, on, _MIXED)
    except LoanStateError as exc:
        assert exc.code == "loan_closed"
        return
    assert q.fee == q.spread_fee + q.prepayment_fee and min(q.spread_fee, q.prepayment_fee) >= 0
    if q.total == 0:
        assert q.unearned >= 0
        return
    before = replay(s, txns, on, _MIXED)
    state = replay(s, [*txns, payoff_transaction(q, "zzz")], on, _MIXED)
    assert state.is_closed
    assert state.credit == before.credit


@settings(max_examples=60, deadline=None)
@given(payments, st.integers(1, 170))
def test_due_never_loses_a_scheduled_fee_and_waive_never_adds_one(  # type: ignore[no-untyped-def]
        txns, day) -> None:
    """Without event fees, the fees on the rows after any prepayments add up to the schedule's
    under ``due``, and never more than that under ``waive``."""
    on = date(2026, 1, 2) + timedelta(days=day)
    scheduled = sum((r.fee for r in LOANS[DUE].installments), D(0))
    due_state = replay(LOANS[DUE], txns, on, _NO_EVENT_FEES)
    assert sum((r.fee for r in due_state.installments), D(0)) == scheduled
    waive_state = replay(LOANS[WAIVE], txns, on, _NO_EVENT_FEES)
    assert sum((r.fee for r in waive_state.installments), D(0)) <= scheduled
    for state in (due_state, waive_state):
        for r in state.installments:
            for c in AllocationComponent:
                assert D(0) <= r.paid(c) <= r.due(c)
