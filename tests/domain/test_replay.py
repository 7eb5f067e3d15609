"""Penalties, allocation, back-dated transactions (reverse-replay) and prepayment."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    DayCount,
    FeeCalculation,
    FeeCollection,
    FeeTrigger,
    GraceMode,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
)
from lowlend.domain.errors import LoanInputError
from lowlend.domain.fees import FeeRule, FeeSchedule, apply_fees
from lowlend.domain.penalties import late_fee_date, penalty_days
from lowlend.domain.prepayment import payoff_quote, payoff_transaction
from lowlend.domain.replay import replay
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import AllocationRule, LoanTerms, PenaltyTerms, PrepaymentTerms
from lowlend.domain.transactions import Prepayment, Repayment, Reversal

from .helpers import terms

PEN = PenaltyTerms(rate_per_day=Decimal("0.0005"), late_fee=Decimal("20.00"), grace_days=3,
                   cap_ratio=Decimal("0.24"))
PREPAY_FEE = FeeSchedule("f", (FeeRule("prepayment_fee", FeeTrigger.PREPAYMENT,
                                       FeeCalculation.PERCENT_OF_OUTSTANDING,
                                       rate=Decimal("0.01")),))


def _ep(**kw: object) -> LoanTerms:
    # 1200.00, 3 monthly, 0 % → 400.00 each, due 1 Feb, 1 Mar, 1 Apr 2026
    return terms("1200.00", 3, "0", amortization=Amortization.EQUAL_PRINCIPAL, **kw)


def test_penalty_interest_late_fee_and_grace() -> None:
    s = build_schedule(_ep(penalty=dataclasses.replace(PEN, cap_ratio=None)))
    # paid within grace (due 1 Feb, grace 3 → paying on 4 Feb is free)
    st0 = replay(s, [Repayment("a", date(2026, 2, 4), Decimal("400.00"))], date(2026, 2, 20))
    assert st0.installments[0].penalty == 0 and st0.installments[0].is_settled
    # paid on 11 Feb: late fee on 5 Feb (20.00) + penalty days [4 Feb, 11 Feb) = 7 days
    # × 400 × 0.0005 = 1.40 → 21.40 penalty; allocation pays penalty first, so 1.40+20 of
    # the 400 go to penalty and 378.60 to principal
    st1 = replay(s, [Repayment("a", date(2026, 2, 11), Decimal("400.00"))], date(2026, 2, 11))
    r = st1.installments[0]
    assert (r.penalty, r.penalty_interest, r.late_fees) == (Decimal("21.40"), Decimal("1.40"),
                                                             Decimal("20.00"))
    assert r.principal_paid == Decimal("378.60") and st1.days_past_due() == 10


def test_penalty_cap() -> None:
    # cap 24 %/yr of 400.00: after 10 days 400 × .24 × 10/365 = 2.63 < 20 + 1.40 → capped
    s = build_schedule(_ep(penalty=PEN))
    st1 = replay(s, [], date(2026, 2, 11))
    assert st1.installments[0].penalty == Decimal("2.63")
    # 28 days after due: cap 400 × .24 × 28/365 = 7.36 < 20 + 25 days × 0.20 = 25.00
    assert replay(s, [], date(2026, 3, 1)).installments[0].penalty == Decimal("7.36")
    # 365 days after due: cap 96.00; uncapped 20 + 362 days [4 Feb 2026, 1 Feb 2027) × 0.20
    # = 20 + 72.40 = 92.40 → not capped
    r = replay(s, [], date(2027, 2, 1)).installments[0]
    assert (r.penalty_interest, r.penalty) == (Decimal("72.40"), Decimal("92.40"))


def test_penalty_on_principal_and_interest() -> None:
    # 12000 at 36.5 % ACT/365: row 1 interest = 12000 × .365 × 31/365 = 372.00
    t = terms("12000.00", 3, "0.365", amortization=Amortization.EQUAL_PRINCIPAL,
              penalty=PenaltyTerms(rate_per_day=Decimal("0.001"),
                                   base=PenaltyBase.PRINCIPAL_AND_INTEREST))
    s = build_schedule(t)
    st1 = replay(s, [], date(2026, 2, 3))   # 2 days × (4000 + 372) × 0.1 % = 8.744 → 8.74
    assert st1.installments[0].penalty == Decimal("8.74")


# ------------------------------------------------ grace mode (penalty.grace_mode)

PEN_FROM_DUE = dataclasses.replace(PEN, cap_ratio=None, grace_mode=GraceMode.FROM_DUE_DATE)


@pytest.mark.parametrize(("mode", "paid_on", "penalty_interest", "late_fee"), [
    # due 1 Feb, grace 3: paying on 4 Feb (last grace day) is free in both modes
    (GraceMode.AFTER_GRACE, date(2026, 2, 4), "0", "0"),
    (GraceMode.FROM_DUE_DATE, date(2026, 2, 4), "0", "0"),
    # one day after the grace: 1 day [4 Feb, 5 Feb) vs grace_days + 1 = 4 days [1 Feb, 5 Feb)
    # × 400 × 0.0005 = 0.20 a day; the late fee on 5 Feb either way
    (GraceMode.AFTER_GRACE, date(2026, 2, 5), "0.20", "20.00"),
    (GraceMode.FROM_DUE_DATE, date(2026, 2, 5), "0.80", "20.00"),
    # 11 Feb: 7 days [4 Feb, 11 Feb) vs 10 days [1 Feb, 11 Feb)
    (GraceMode.AFTER_GRACE, date(2026, 2, 11), "1.40", "20.00"),
    (GraceMode.FROM_DUE_DATE, date(2026, 2, 11), "2.00", "20.00"),
])
def test_grace_mode_decides_where_penalty_days_start(mode: GraceMode, paid_on: date,
                                                     penalty_interest: str,
                                                     late_fee: str) -> None:
    s = build_schedule(_ep(penalty=dataclasses.replace(PEN, cap_ratio=None, grace_mode=mode)))
    st1 = replay(s, [Repayment("a", paid_on, Decimal("400.00"))], paid_on)
    r = st1.installments[0]
    assert (r.penalty_interest, r.late_fees) == (Decimal(penalty_interest), Decimal(late_fee))
    assert r.penalty == Decimal(penalty_interest) + Decimal(late_fee)
    # the payment pays the penalty first, the rest goes to principal
    assert r.principal_paid == Decimal("400.00") - r.penalty


def test_grace_mode_default_is_after_grace() -> None:
    assert PenaltyTerms().grace_mode is GraceMode.AFTER_GRACE
    assert PEN.grace_mode is GraceMode.AFTER_GRACE


def test_from_due_date_charges_the_grace_days_on_what_is_unpaid_after_the_grace() -> None:
    # 300 of 400 paid on 3 Feb (within grace): the grace days are charged on the 100 left,
    # as of 11 Feb 10 days [1 Feb, 11 Feb) × 100 × 0.0005 = 0.50, + late fee 20.00
    s = build_schedule(_ep(penalty=PEN_FROM_DUE))
    paid = [Repayment("a", date(2026, 2, 3), Decimal("300.00"))]
    r = replay(s, paid, date(2026, 2, 11)).installments[0]
    assert (r.penalty_interest, r.late_fees, r.penalty) == (
        Decimal("0.50"), Decimal("20.00"), Decimal("20.50"))
    # the same state when the days are accrued one business day at a time
    from lowlend.domain.loan_book import LoanBook

    book = LoanBook.open(s)
    day = s.terms.start
    while day < date(2026, 2, 11):
        day += timedelta(days=1)
        book = book.post(paid[0], day) if day == paid[0].value_date else book.close_day(day)
    assert not book.replayed
    assert book.state == replay(s, paid, date(2026, 2, 11))


def test_from_due_date_nothing_before_the_grace_is_exceeded() -> None:
    s = build_schedule(_ep(penalty=PEN_FROM_DUE))
    # as of 4 Feb the grace is not exceeded yet: no penalty; as of 5 Feb 4 days + late fee
    assert replay(s, [], date(2026, 2, 4)).installments[0].penalty == 0
    r = replay(s, [], date(2026, 2, 5)).installments[0]
    assert (r.penalty_interest, r.late_fees) == (Decimal("0.80"), Decimal("20.00"))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(GraceMode)), st.integers(0, 40),
       st.lists(st.integers(-20, 120), min_size=3, max_size=3).map(sorted))
def test_penalty_days_are_additive(mode, grace, offsets) -> None:  # type: ignore[no-untyped-def]
    due = date(2026, 2, 1)
    p = PenaltyTerms(rate_per_day=Decimal("0.0005"), grace_days=grace, grace_mode=mode)
    a, b, c = (due + timedelta(days=k) for k in offsets)
    assert penalty_days(due, p, a, b) + penalty_days(due, p, b, c) == penalty_days(due, p, a, c)
    # from the due date on: after_grace counts the days after the grace, from_due_date
    # every day since the due date once the grace is exceeded
    days = (c - due).days
    whole = penalty_days(due, p, min(a, due), c)
    if mode is GraceMode.AFTER_GRACE:
        assert whole == max(0, days - grace)
    else:
        assert whole == (days if days > grace else 0)
    assert late_fee_date(due, p) == due + timedelta(days=grace + 1)


def test_allocation_orders_and_overpayment() -> None:
    s = build_schedule(_ep(penalty=dataclasses.replace(PEN, cap_ratio=None)))
    # both first rows unpaid until 10 Mar; pay 500
    base = [Repayment("p", date(2026, 3, 10), Decimal("500.00"))]
    vertical = replay(s, base, date(2026, 3, 10))
    # vertical: row 1 penalty = 20 + 400 × .0005 × 34 days [4 Feb, 10 Mar) = 26.80, then its
    # 400.00; the remaining 73.20 pays row 2's penalty 20 + 0.20 × 6 days [4 Mar, 10 Mar) = 21.20
    r1, r2 = vertical.installments[:2]
    assert r1.penalty == Decimal("26.80") and r1.is_settled
    assert r2.penalty_paid == r2.penalty == Decimal("21.20")
    assert r2.principal_paid == Decimal("52.00")
    horiz = replay(dataclasses.replace(s, terms=dataclasses.replace(
        s.terms, allocation=AllocationRule(horizontal=True))), base, date(2026, 3, 10))
    # horizontal: all penalties first, then principal oldest first
    assert all(r.penalty_paid == r.penalty for r in horiz.installments[:2])
    # overpayment: credit vs refund
    big = [Repayment("p", date(2026, 2, 1), Decimal("1300.00"))]
    assert replay(s, big, date(2026, 2, 1)).credit == Decimal("100.00")
    s_ref = dataclasses.replace(s, terms=dataclasses.replace(s.terms,
                                                             overpayment=OverpaymentPolicy.REFUND))
    st_ref = replay(s_ref, big, date(2026, 2, 1))
    assert st_ref.refund_due == Decimal("100.00") and st_ref.is_closed
    # no in-advance bucket: extra becomes credit
    s_na = dataclasses.replace(s, terms=dataclasses.replace(s.terms, allocation=AllocationRule(
        buckets=(AllocationBucket.PAST_DUE, AllocationBucket.DUE))))
    assert replay(s_na, big, date(2026, 2, 1)).credit == Decimal("900.00")
    # principal-first order
    order = (AllocationComponent.PRINCIPAL, AllocationComponent.INTEREST,
             AllocationComponent.FEE, AllocationComponent.PENALTY)
    s_pf = dataclasses.replace(s, terms=dataclasses.replace(
        s.terms, allocation=AllocationRule(order=order, horizontal=True)))
    r = replay(s_pf, base, date(2026, 3, 10)).installments
    # horizontal principal-first: 400.00 to row 1, 100.00 to row 2, no penalty paid
    assert (r[0].principal_paid, r[1].principal_paid) == (Decimal("400.00"), Decimal("100.00"))
    assert r[0].penalty_paid == r[1].penalty_paid == 0


def test_payoff_quote_interest_to_date_and_fee() -> None:
    # 12000 at 36.5 %, EP; payoff on 11 Jan: principal 12000, interest 10 days × 12 = 120,
    # fee 1 % of 12000 = 120 → 12240
    s = build_schedule(terms("12000.00", 12, "0.365", amortization=Amortization.EQUAL_PRINCIPAL))
    q = payoff_quote(s, [], date(2026, 1, 11), PREPAY_FEE)
    assert (q.principal, q.interest, q.fee, q.total) == (
        Decimal("12000.00"), Decimal("120.00"), Decimal("120.00"), Decimal("12240.00"))
    closed = replay(s, [payoff_transaction(q, "po")], date(2026, 1, 11), PREPAY_FEE)
    assert closed.is_closed and closed.credit == 0
    assert closed.installments[-1].due_date == date(2026, 1, 11)


def test_partial_prepayment_reduce_term_vs_installment() -> None:
    t = terms("12000.00", 12, "0.12", day_count=DayCount.THIRTY_360)
    s = build_schedule(t)
    level = s.installments[0].total
    pay1 = Repayment("a1", date(2026, 2, 1), level)    # same day: ids order the replay
    pre = Prepayment("b2", date(2026, 2, 1), Decimal("5000.00"), PrepaymentEffect.REDUCE_TERM)
    st_t = replay(s, [pay1, pre], date(2026, 2, 1))
    pre_i = dataclasses.replace(pre, effect=PrepaymentEffect.REDUCE_INSTALLMENT)
    st_i = replay(s, [pay1, pre_i], date(2026, 2, 1))
    assert len(st_t.installments) < len(st_i.installments) == 13  # 1 paid + closing + 11
    assert st_t.principal_outstanding == st_i.principal_outstanding
    new_level = st_i.installments[2].principal + st_i.installments[2].interest
    assert new_level < level
    kept = st_t.installments[2]
    assert kept.principal + kept.interest == level
    total_principal = sum(r.principal for r in st_t.installments)
    assert total_principal == t.amount


def test_prepayment_not_allowed_yet() -> None:
    t = terms(prepayment=PrepaymentTerms(allowed_after_periods=1))
    with pytest.raises(LoanInputError) as e:
        replay(build_schedule(t), [Prepayment("p", date(2026, 1, 5), Decimal("100"))],
               date(2026, 1, 10))
    assert e.value.code == "prepayment_not_allowed_yet"


def test_bad_transactions() -> None:
    s = build_schedule(terms())
    with pytest.raises(LoanInputError):
        Repayment("a", date(2026, 2, 1), Decimal("-1"))
    with pytest.raises(LoanInputError):
        replay(s, [Repayment("a", date(2025, 1, 1), Decimal("1"))], date(2026, 2, 1))
    with pytest.raises(LoanInputError):
        replay(s, [Repayment("a", date(2026, 2, 1), Decimal("1"))] * 2, date(2026, 2, 1))


# ---------------------------------------------------------------- properties

LOAN = build_schedule(terms("6000.00", 6, "0.24", penalty=PEN))
GUARANTEE_FEES = FeeSchedule("g", (FeeRule(
    "gua", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
    rate=Decimal("0.001"), collection=FeeCollection.ON_EVENT),))
LOAN_FEES, _ = apply_fees(LOAN, GUARANTEE_FEES)

payment = st.builds(
    lambda i, day, cents, pre: (Prepayment if pre else Repayment)(
        f"t{i:03d}", date(2026, 1, 2) + timedelta(days=day), Decimal(cents).scaleb(-2)),
    st.integers(0, 999), st.integers(0, 220), st.integers(1, 300_000), st.booleans(),
)
payments = st.lists(payment, max_size=8, unique_by=lambda t: t.txn_id)
AS_OF = date(2026, 9, 1)


def _money_in(state) -> Decimal:  # type: ignore[no-untyped-def]
    return sum((ln.amount for ln in state.lines), Decimal(0)) + state.credit + state.refund_due


@settings(max_examples=60, deadline=None)
@given(payments, st.randoms(use_true_random=False))
def test_back_dated_equals_on_time(txns, rnd) -> None:  # type: ignore[no-untyped-def]
    on_time = sorted(txns, key=lambda t: (t.value_date, t.txn_id))
    entered = list(txns)
    rnd.shuffle(entered)
    assert replay(LOAN_FEES, entered, AS_OF) == replay(LOAN_FEES, on_time, AS_OF)
    # incremental: the state as of each value date before the next one is entered,
    # then the back-dated one → same final state
    state = None
    for k in range(len(entered) + 1):
        state = replay(LOAN_FEES, entered[:k], AS_OF)
    assert state == replay(LOAN_FEES, on_time, AS_OF)


@settings(max_examples=60, deadline=None)
@given(payments, st.data())
def test_reversal_equals_never_entered(txns, data) -> None:  # type: ignore[no-untyped-def]
    if not txns:
        return
    victim = data.draw(st.sampled_from(txns))
    with_rev = [*txns, Reversal("zz-rev", victim.txn_id)]
    without = [t for t in txns if t.txn_id != victim.txn_id]
    assert replay(LOAN_FEES, with_rev, AS_OF) == replay(LOAN_FEES, without, AS_OF)


@settings(max_examples=60, deadline=None)
@given(payments)
def test_money_is_conserved_and_state_consistent(txns) -> None:  # type: ignore[no-untyped-def]
    state = replay(LOAN_FEES, txns, AS_OF)
    effective = [t for t in txns if t.value_date <= AS_OF]
    assert _money_in(state) == sum((t.amount for t in effective), Decimal(0))
    for r in state.installments:
        for c in AllocationComponent:
            assert Decimal(0) <= r.paid(c) <= r.due(c)
    assert sum(r.principal for r in state.installments) == LOAN.terms.amount


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300_000), st.integers(1, 300_000), st.integers(0, 200))
def test_allocation_is_additive_and_deterministic(a, b, day) -> None:  # type: ignore[no-untyped-def]
    d = date(2026, 1, 2) + timedelta(days=day)
    two = [Repayment("a", d, Decimal(a).scaleb(-2)), Repayment("b", d, Decimal(b).scaleb(-2))]
    one = [Repayment("a", d, Decimal(a + b).scaleb(-2))]
    s2, s1 = replay(LOAN_FEES, two, AS_OF), replay(LOAN_FEES, one, AS_OF)
    assert s2.installments == s1.installments and s2.credit == s1.credit
    assert replay(LOAN_FEES, two, AS_OF) == s2


@settings(max_examples=40, deadline=None)
@given(payments.map(lambda ts: [t for t in ts if isinstance(t, Repayment)]),
       st.integers(1, 150))
def test_payoff_closes_the_loan(txns, day) -> None:  # type: ignore[no-untyped-def]
    on = date(2026, 1, 2) + timedelta(days=day)
    txns = [t for t in txns if t.value_date <= on]
    try:
        q = payoff_quote(LOAN_FEES, txns, on, PREPAY_FEE)
    except Exception as exc:  # closed already
        assert getattr(exc, "code", "") == "loan_closed"
        return
    before = replay(LOAN_FEES, txns, on, PREPAY_FEE)
    if q.total == 0:  # advance payments cover the payoff: a zero settlement closes the loan
        assert q.principal == q.interest == q.fee == q.arrears == 0 and q.unearned >= 0
        settled = replay(LOAN_FEES, [*txns, payoff_transaction(q, "zzz")], on, PREPAY_FEE)
        assert settled.is_closed
        assert settled.credit + settled.refund_due == before.credit + before.refund_due + q.unearned
        return
    if q.arrears == 0:  # the advance payments were all used up before anything is due
        assert q.unearned == 0
    state = replay(LOAN_FEES, [*txns, payoff_transaction(q, "zzz")], on, PREPAY_FEE)
    assert state.is_closed
    assert state.credit == before.credit


# ------------------------------------------------ incremental book vs full replay


@settings(max_examples=60, deadline=None)
@given(payments, st.randoms(use_true_random=False), st.lists(st.integers(0, 240), max_size=4))
def test_book_posting_equals_replay(txns, rnd, close_days) -> None:  # type: ignore[no-untyped-def]
    """Post in a random entry order (late ones are back-dated), close some business days in
    between, reverse one: the book's state equals replaying everything as of the end date."""
    _check_book_equals_replay(LOAN_FEES, txns, rnd, close_days)


# grace mode from_due_date: the grace days are added at once when the grace is exceeded;
# no cap, so the exact accumulators are compared unclipped
LOAN_FROM_DUE, _ = apply_fees(build_schedule(terms("6000.00", 6, "0.24", penalty=dataclasses.replace(
    PEN, grace_days=5, grace_mode=GraceMode.FROM_DUE_DATE, cap_ratio=None))), GUARANTEE_FEES)


@settings(max_examples=60, deadline=None)
@given(payments, st.randoms(use_true_random=False), st.lists(st.integers(0, 240), max_size=8))
def test_book_posting_equals_replay_grace_from_due_date(  # type: ignore[no-untyped-def]
        txns, rnd, close_days) -> None:
    _check_book_equals_replay(LOAN_FROM_DUE, txns, rnd, close_days)


def _check_book_equals_replay(loan, txns, rnd, close_days) -> None:  # type: ignore[no-untyped-def]
    from lowlend.domain.loan_book import LoanBook

    entered = list(txns)
    rnd.shuffle(entered)
    start = loan.terms.start
    events = sorted([(t.value_date + timedelta(days=rnd.randint(0, 40)), 0, t) for t in entered]
                    + [(start + timedelta(days=d), 1, None) for d in close_days],
                    key=lambda e: (e[0], e[1]))
    book = LoanBook.open(loan, PREPAY_FEE)
    on_time = LoanBook.open(loan, PREPAY_FEE)
    business = start
    for when, _, t in events:
        business = max(business, when)
        book = book.close_day(business) if t is None else book.post(t, business)
    for t in sorted(entered, key=lambda t: (t.value_date, t.txn_id)):
        on_time = on_time.post(t, t.value_date)
        assert not on_time.replayed
    end = max(business, AS_OF)
    assert book.close_day(end).state == on_time.close_day(end).state == replay(
        loan, entered, end, PREPAY_FEE)
    if entered:
        rev = book.post(Reversal("zz-rev", entered[0].txn_id), end)
        assert rev.replayed
        assert rev.state == replay(loan, entered[1:], end, PREPAY_FEE)


def test_book_rejects_future_and_duplicates() -> None:
    from lowlend.domain.loan_book import LoanBook

    book = LoanBook.open(LOAN_FEES)
    with pytest.raises(LoanInputError) as e:
        book.post(Repayment("a", date(2026, 3, 1), Decimal("1")), date(2026, 2, 1))
    assert e.value.code == "value_date_in_future"
    book = book.post(Repayment("a", date(2026, 2, 1), Decimal("1")), date(2026, 2, 1))
    with pytest.raises(LoanInputError):
        book.post(Repayment("a", date(2026, 2, 1), Decimal("1")), date(2026, 2, 1))
    with pytest.raises(LoanInputError):
        book.close_day(date(2026, 1, 5))


def test_payoff_after_paying_ahead_reports_the_unearned_part() -> None:
    """12,000 at 36.5 % from 1 Jan; 12,500 paid on 2 Jan goes to future installments.
    Settling on 2 Jan costs principal 12,000 + one day's interest 12000 × .365 / 365 = 12.00,
    so nothing is left to pay and 12,500 − 12,012 = 488.00 was paid for periods that will
    not run."""
    from decimal import Decimal

    from lowlend.domain.prepayment import payoff_quote, payoff_transaction
    from lowlend.domain.schedule import build_schedule
    from lowlend.domain.terms import LoanTerms

    schedule = build_schedule(LoanTerms(amount=Decimal("12000.00"), term=12,
                                        annual_rate=Decimal("0.365"), start=date(2026, 1, 1)))
    paid = [Repayment("r1", date(2026, 1, 2), Decimal("12500.00"))]
    q = payoff_quote(schedule, paid, date(2026, 1, 2))
    assert (q.total, q.unearned) == (Decimal("0.00"), Decimal("488.00"))
    settlement = payoff_transaction(q, "zz")  # applied after r1 (same day: by id)
    assert settlement.amount == Decimal("0.00")
    settled = replay(schedule, [*paid, settlement], date(2026, 1, 2))
    assert settled.is_closed
    assert settled.credit + settled.refund_due == Decimal("488.00")  # owed back, not kept
