"""Overpayment: a credit balance is applied automatically at the next due dates; refunds are
explicit per transaction. Deterministic under replay, back-dating and reversal."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowlend.domain.conventions import AllocationBucket, Amortization, OverpaymentPolicy
from lowlend.domain.errors import LoanInputError
from lowlend.domain.loan_book import LoanBook
from lowlend.domain.loan_state import LoanState, Refund
from lowlend.domain.replay import replay
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import AllocationRule, PenaltyTerms
from lowlend.domain.transactions import Prepayment, Repayment, Reversal

from .helpers import terms

D = Decimal
NO_ADVANCE = AllocationRule(buckets=(AllocationBucket.PAST_DUE, AllocationBucket.DUE))
PEN = PenaltyTerms(rate_per_day=D("0.001"), late_fee=D("10.00"))
# 1200.00 at 0 %, 3 × 400.00 due 1 Feb, 1 Mar, 1 Apr 2026; payments never prepay future
# installments (no in-advance bucket), so overpayment becomes credit
LOAN = build_schedule(terms("1200.00", 3, "0", amortization=Amortization.EQUAL_PRINCIPAL,
                            allocation=NO_ADVANCE, penalty=PEN))


def _credit_lines(state: LoanState) -> list[tuple[str, int, str]]:
    return [(ln.txn_id, ln.seq, str(ln.amount)) for ln in state.lines
            if ln.txn_id.startswith("credit@")]


def test_credit_is_applied_at_the_start_of_each_due_date() -> None:
    pay = [Repayment("a", date(2026, 2, 1), D("1000.00"))]
    # 1 Feb: 400.00 to row 1, 600.00 kept as credit
    feb = replay(LOAN, pay, date(2026, 2, 28))
    assert feb.credit == D("600.00") and feb.installments[1].principal_paid == 0
    # 1 Mar (start of day): the credit pays row 2 (400.00) → 200.00 left
    mar = replay(LOAN, pay, date(2026, 3, 1))
    assert mar.credit == D("200.00") and mar.installments[1].is_settled
    assert _credit_lines(mar) == [("credit@2026-03-01", 2, "400.00")]
    # 1 Apr: the last 200.00 go to row 3, which keeps 200.00 due; from 2 Apr it is overdue
    # (penalty 200 × 0.1 % per day from 1 Apr, late fee 10.00 on 2 Apr)
    apr = replay(LOAN, pay, date(2026, 4, 3))
    assert apr.credit == 0 and apr.installments[2].principal_paid == D("200.00")
    assert apr.days_past_due() == 2
    assert apr.installments[2].penalty == D("10.40")   # 10.00 + 200 × 0.001 × 2 days
    assert _credit_lines(apr)[-1] == ("credit@2026-04-01", 3, "200.00")
    # no penalty ever on rows the credit covered in time
    assert apr.installments[1].penalty == 0


def test_credit_pays_arrears_and_penalties_first_in_rule_order() -> None:
    # row 1 unpaid until a 900.00 payment on 11 Feb: late fee 10.00 (2 Feb) + 10 days
    # × 400 × 0.1 % = 4.00 → penalty 14.00; 414.00 to row 1, 486.00 credit.
    st = replay(LOAN, [Repayment("a", date(2026, 2, 11), D("900.00"))], date(2026, 3, 1))
    assert st.installments[0].is_settled and st.installments[0].penalty == D("14.00")
    # 1 Mar: credit 486.00 pays row 2 (400.00) → 86.00
    assert st.credit == D("86.00") and st.installments[1].is_settled


def test_same_day_order_credit_first_then_the_days_payments() -> None:
    # credit 600.00 on 1 Feb; on 1 Mar the credit pays row 2 at the start of the day, so a
    # 100.00 repayment that day finds nothing due and is kept as credit as well
    txns = [Repayment("a", date(2026, 2, 1), D("1000.00")),
            Repayment("b", date(2026, 3, 1), D("100.00"))]
    st = replay(LOAN, txns, date(2026, 3, 1))
    assert st.credit == D("300.00")
    assert [ln.txn_id for ln in st.lines if ln.seq == 2] == ["credit@2026-03-01"]


def test_eod_close_sees_the_credit_and_back_dating_replays_it() -> None:
    book = LoanBook.open(LOAN).post(Repayment("a", date(2026, 2, 1), D("1000.00")),
                                    date(2026, 2, 1))
    closed = book.close_day(date(2026, 3, 1))
    assert not closed.replayed and closed.state.credit == D("200.00")
    assert closed.close_day(date(2026, 3, 5)).state.days_past_due() == 0
    # a repayment back-dated to 15 Feb: replayed, the credit of 1 Mar grows by 100.00
    late = closed.post(Repayment("b", date(2026, 2, 15), D("100.00")), date(2026, 3, 5))
    assert late.replayed and late.state.credit == D("300.00")
    assert late.state == replay(LOAN, late.transactions, date(2026, 3, 5))
    # reversing the overpayment takes the credit away again: the 100.00 of 15 Feb then pays
    # row 1's penalty (late fee 10.00 + 14 days [1 Feb, 15 Feb) × 0.40 = 15.60) and 84.40
    # of its principal; nothing is left for a credit, row 1 is overdue since 1 Feb
    rev = late.post(Reversal("r", "a"), date(2026, 3, 5))
    assert rev.state.credit == 0 and not _credit_lines(rev.state)
    assert rev.state.installments[0].principal_paid == D("84.40")
    assert rev.state.days_past_due() == 32


def test_refund_is_explicit_per_transaction() -> None:
    s = dataclasses.replace(LOAN, terms=dataclasses.replace(
        LOAN.terms, overpayment=OverpaymentPolicy.REFUND))
    txns = [Repayment("a", date(2026, 2, 1), D("1000.00")),
            Repayment("b", date(2026, 3, 1), D("450.00"))]
    st = replay(s, txns, date(2026, 3, 1))
    # 1 Feb: 400.00 due → refund 600.00; 1 Mar: 400.00 due → refund 50.00
    assert st.refunds == (Refund("a", date(2026, 2, 1), D("600.00")),
                          Refund("b", date(2026, 3, 1), D("50.00")))
    assert st.refund_due == D("650.00") and st.credit == 0
    assert not _credit_lines(st)


def test_credit_prefix_is_reserved() -> None:
    with pytest.raises(LoanInputError) as e:
        Repayment("credit@x", date(2026, 2, 1), D("1"))
    assert e.value.code == "txn_id_reserved"


# ------------------------------------------------------------------- properties

payment = st.builds(
    lambda i, day, cents, pre: (Prepayment if pre else Repayment)(
        f"t{i:03d}", date(2026, 1, 2) + timedelta(days=day), Decimal(cents).scaleb(-2)),
    st.integers(0, 999), st.integers(0, 118), st.integers(1, 120_000),
    st.integers(0, 9).map(lambda k: k == 0),
)
payments = st.lists(payment, max_size=7, unique_by=lambda t: t.txn_id)
AS_OF = date(2026, 5, 1)


@settings(max_examples=50, deadline=None)
@given(payments, st.randoms(use_true_random=False))
def test_credit_back_dated_equals_on_time_and_conserves_money(txns, rnd) -> None:  # type: ignore[no-untyped-def]
    entered = list(txns)
    rnd.shuffle(entered)
    on_time = sorted(txns, key=lambda t: (t.value_date, t.txn_id))
    state = replay(LOAN, entered, AS_OF)
    assert state == replay(LOAN, on_time, AS_OF)
    # incremental posting (on time, with EOD closes in between) gives the same state
    book = LoanBook.open(LOAN)
    for t in on_time:
        book = book.close_day(t.value_date).post(t, t.value_date)
    assert book.close_day(AS_OF).state == state
    # money: every cent paid is on an allocation line or still held as credit
    assert sum((ln.amount for ln in state.lines), D(0)) + state.credit == sum(
        (t.amount for t in txns), D(0))
    # credit is only ever applied on due dates, to rows then past due or due
    for ln in state.lines:
        if ln.txn_id.startswith("credit@"):
            day = date.fromisoformat(ln.txn_id.removeprefix("credit@"))
            row = next(r for r in state.installments if r.seq == ln.seq)
            assert row.due_date <= day
    # no credit is left while anything is past due (unless the loan is over)
    if state.credit > 0:
        assert all(r.is_settled for r in state.installments if r.due_date < AS_OF)
