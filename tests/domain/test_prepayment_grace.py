"""Prepayment inside grace periods: deferred interest is re-priced, promised grace is kept."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lowlend.domain.conventions import Amortization, DayCount, PrepaymentEffect
from lowlend.domain.prepayment import payoff_quote, payoff_transaction
from lowlend.domain.replay import replay
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import Grace
from lowlend.domain.transactions import Prepayment, Repayment

from .helpers import terms

D = Decimal
EP = Amortization.EQUAL_PRINCIPAL
EI = Amortization.EQUAL_INSTALLMENT
T360 = DayCount.THIRTY_360


def _ep_loan() -> object:
    # 12000.00 at 12 % (1 % a month on 30/360), equal principal 2000.00 × 6 from 1 Jan 2026,
    # interest-payment grace 2: row 1 charges 120.00 and row 2 100.00, both paid with row 3
    # (80.00 + 220.00 = 300.00); rows 4–6 pay 60.00, 40.00, 20.00.
    return build_schedule(terms("12000.00", 6, "0.12", amortization=EP, day_count=T360,
                                grace=Grace(interest_payment_periods=2)))


def test_schedule_defers_and_records_the_charged_interest() -> None:
    s = _ep_loan()
    rows = s.installments  # type: ignore[attr-defined]
    assert [str(r.interest) for r in rows] == ["0.00", "0.00", "300.00", "60.00", "40.00",
                                               "20.00"]
    assert [str(r.own_interest) for r in rows] == ["120.00", "100.00", "80.00", "60.00",
                                                   "40.00", "20.00"]


def test_prepayment_in_grace_collects_deferred_interest_and_reprices_the_rest() -> None:
    s = _ep_loan()
    # row 1 (due 1 Feb: principal 2000.00, interest 0.00 deferred) paid on time; on 16 Feb a
    # prepayment of 5170.00, reduce installment:
    #   interest to date = row 1's deferred 120.00
    #                    + row 2 to date: 10000 × 12 % × 15/360 (30E: 1 Feb → 16 Feb) = 50.00
    #                    = 170.00 → principal prepaid 5000.00, 5000.00 left
    txns = [Repayment("a", date(2026, 2, 1), D("2000.00")),
            Prepayment("b", date(2026, 2, 16), D("5170.00"), PrepaymentEffect.REDUCE_INSTALLMENT)]
    st = replay(s, txns, date(2026, 2, 16))  # type: ignore[arg-type]
    closing = st.installments[1]
    assert (closing.due_date, closing.interest, closing.principal) == (
        date(2026, 2, 16), D("170.00"), D("5000.00"))
    assert closing.is_settled and st.credit == 0
    # the rest, 5000.00 over the 5 remaining dates (1000.00 each); the grace still covers the
    # row due 1 Mar, so its interest is deferred, re-priced on the reduced balance:
    #   16 Feb → 1 Mar (30E 15 days): 5000 × 12 % × 15/360 = 25.00, paid on 1 Apr with
    #   that row's own 4000 × 1 % = 40.00 → 65.00 (instead of the original 300.00)
    tail = st.installments[2:]
    assert [(str(r.due_date), str(r.principal), str(r.interest)) for r in tail] == [
        ("2026-03-01", "1000.00", "0.00"), ("2026-04-01", "1000.00", "65.00"),
        ("2026-05-01", "1000.00", "30.00"), ("2026-06-01", "1000.00", "20.00"),
        ("2026-07-01", "1000.00", "10.00")]
    assert sum(r.principal for r in st.installments) == D("12000.00")


def test_payoff_in_grace_includes_the_deferred_interest() -> None:
    s = _ep_loan()
    paid = [Repayment("a", date(2026, 2, 1), D("2000.00"))]
    q = payoff_quote(s, paid, date(2026, 2, 16))  # type: ignore[arg-type]
    # 10000.00 principal + 120.00 deferred + 50.00 to date
    assert (q.principal, q.interest, q.total) == (D("10000.00"), D("170.00"), D("10170.00"))
    closed = replay(s, [*paid, payoff_transaction(q, "po")], date(2026, 2, 16))  # type: ignore[arg-type]
    assert closed.is_closed and closed.credit == 0
    # during the first row after the grace (15 Mar): 220.00 deferred + 8000 × 1 % × 14/30
    # (30E 1 Mar → 15 Mar = 14 days: 8000 × 12 % × 14/360 = 37.33) = 257.33
    paid2 = [*paid, Repayment("b", date(2026, 3, 1), D("2000.00"))]
    q2 = payoff_quote(s, paid2, date(2026, 3, 15))  # type: ignore[arg-type]
    assert (q2.principal, q2.interest) == (D("8000.00"), D("257.33"))


def test_reduce_term_in_grace_keeps_the_level_payment() -> None:
    # 12000.00 at 12 % 30/360, equal installments × 6, interest-payment grace 2:
    # PMT = 12000 × 0.01 / (1 − 1.01⁻⁶) = 2070.5804 → 2070.58
    # row 1: charged 120.00 (deferred), P = 1950.58, balance 10049.42
    # row 2: charged 10049.42 × 1 % = 100.49 (deferred), P = 1970.09
    s = build_schedule(terms("12000.00", 6, "0.12", day_count=T360,
                             grace=Grace(interest_payment_periods=2)))
    # row 1 paid (1950.58 + 0.00) on 1 Feb; prepay 5000.00 on 16 Feb, reduce term:
    # interest = 120.00 + 10049.42 × 12 % × 15/360 (50.2471 → 50.25) = 170.25
    # prepaid principal 4829.75 → 5219.67 left; the level stays 2070.58 (row 2's principal
    # 1970.09 + its own interest 100.49 — not 1970.09 + the 0.00 it asks to pay)
    txns = [Repayment("a", date(2026, 2, 1), D("1950.58")),
            Prepayment("b", date(2026, 2, 16), D("5000.00"), PrepaymentEffect.REDUCE_TERM)]
    st = replay(s, txns, date(2026, 2, 16))
    assert st.installments[1].interest == D("170.25")
    # tail from 16 Feb at level 2070.58, the row due 1 Mar still in the grace:
    #   1 Mar: charged 5219.67 × 12 % × 15/360 = 26.0984 → 26.10 (deferred),
    #          P = 2070.58 − 26.10 = 2044.48, balance 3175.19
    #   1 Apr: charged 3175.19 × 1 % = 31.75, pays 31.75 + 26.10 = 57.85, P = 2038.83,
    #          balance 1136.36
    #   1 May: charged 11.36, P = the remaining 1136.36 → the loan ends 2 months early
    tail = st.installments[2:]
    assert [(str(r.due_date), str(r.principal), str(r.interest)) for r in tail] == [
        ("2026-03-01", "2044.48", "0.00"), ("2026-04-01", "2038.83", "57.85"),
        ("2026-05-01", "1136.36", "11.36")]


def test_prepayment_in_interest_free_grace_keeps_it_free() -> None:
    # 3000.00 at 12 % 30/360, equal principal × 3, first 2 periods interest-free.
    # Prepay 1000.00 on 16 Jan: no interest to date (free period); 2000.00 left over 3
    # dates → 666.67, 666.67, 666.66; rows due 1 Feb and 1 Mar stay free, 1 Apr charges
    # 666.66 × 1 % = 6.67
    s = build_schedule(terms("3000.00", 3, "0.12", amortization=EP, day_count=T360,
                             grace=Grace(interest_free_periods=2)))
    st = replay(s, [Prepayment("p", date(2026, 1, 16), D("1000.00"),
                               PrepaymentEffect.REDUCE_INSTALLMENT)], date(2026, 1, 16))
    assert st.installments[0].interest == 0 and st.installments[0].principal == D("1000.00")
    assert [(str(r.principal), str(r.interest)) for r in st.installments[1:]] == [
        ("666.67", "0.00"), ("666.67", "0.00"), ("666.66", "6.67")]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8), st.integers(1, 7), st.integers(0, 240), st.sampled_from([EP, EI]),
       st.sampled_from(list(DayCount)))
def test_payoff_in_grace_covers_all_interest_charged_so_far(n, gip, day, method, dc) -> None:  # type: ignore[no-untyped-def]
    gip = min(gip, n - 1)
    s = build_schedule(terms("9000.00", n, "0.24", amortization=method, day_count=dc,
                             grace=Grace(interest_payment_periods=gip)))
    on = date(2026, 1, 2) + timedelta(days=day)
    rows = s.installments
    # pay every row due before ``on`` on its due date, then pay off on ``on``
    paid = [Repayment(f"r{r.seq}", r.due_date, r.total) for r in rows if r.due_date < on]
    if len(paid) == len(rows):
        return
    q = payoff_quote(s, paid, on)
    # interest charged for every period finished by ``on`` must have been paid or be in the
    # payoff (nothing deferred is forgiven)
    finished = sum((r.own_interest for r in rows if r.due_date <= on), D(0))
    # rows due before ``on`` were paid, the row due on ``on`` is in the payoff's arrears
    scheduled = sum((r.interest for r in rows if r.due_date <= on), D(0))
    assert scheduled + q.interest >= finished
    closed = replay(s, [*paid, payoff_transaction(q, "zz")], on)
    assert closed.is_closed and closed.credit == 0


def test_bullet_with_interest_free_periods() -> None:
    # 12000.00 at 12 %, bullet over 6 months from 1 Jan 2026 (30/360), first 2 months free:
    # interest for the 4 charged months only = 12000 × 12 % × 4/12 = 480.00 (not 720.00)
    s = build_schedule(terms("12000.00", 6, "0.12", amortization=Amortization.BULLET,
                             day_count=T360, grace=Grace(interest_free_periods=2)))
    assert [(str(r.due_date), str(r.principal), str(r.interest)) for r in s.installments] == [
        ("2026-07-01", "12000.00", "480.00")]
    # ACT/365, 1 free month: 1 Feb → 1 Jul = 150 days: 12000 × 12 % × 150/365 = 591.78
    s365 = build_schedule(terms("12000.00", 6, "0.12", amortization=Amortization.BULLET,
                                grace=Grace(interest_free_periods=1)))
    assert s365.installments[0].interest == D("591.78")
    # payoff inside the free months: no interest; after them, from 1 Mar only:
    # 1 Mar → 16 Apr (30E 45 days): 12000 × 12 % × 45/360 = 180.00
    assert payoff_quote(s, [], date(2026, 2, 16)).interest == 0
    assert payoff_quote(s, [], date(2026, 4, 16)).interest == D("180.00")
    # prepay 2000.00 on 16 Feb (free: no interest): the rest, 10000.00, bears interest from
    # the end of the free months: 1 Mar → 1 Jul (30E 120 days) = 10000 × 12 % × 120/360 = 400.00
    st = replay(s, [Prepayment("p", date(2026, 2, 16), D("2000.00"))], date(2026, 2, 16))
    assert [(str(r.principal), str(r.interest)) for r in st.installments] == [
        ("2000.00", "0.00"), ("10000.00", "400.00")]
