"""Disbursement in tranches: the rules, the pro-rata upfront fees and the replay of a later
tranche (interest per day on the principal out, the rest re-amortised from its value date)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import date
from decimal import Decimal

import hypothesis.strategies as st
import pytest
from hypothesis import event, given, settings

from lowlend.domain.conventions import Amortization, Frequency
from lowlend.domain.errors import DomainError, LoanInputError
from lowlend.domain.money import Rounding
from lowlend.domain.prepayment import payoff_quote
from lowlend.domain.replay import replay
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import Grace, LoanTerms
from lowlend.domain.tranches import TrancheRules, check_tranche, tranche_fee_share
from lowlend.domain.transactions import Prepayment, Repayment, Tranche

D = Decimal
START = date(2026, 1, 1)


def _terms(amount: str = "6000.00", method: Amortization = Amortization.EQUAL_INSTALLMENT,
           **kw: object) -> LoanTerms:
    return LoanTerms(amount=D(amount), term=6, annual_rate=D("0.365"), start=START,
                     amortization=method, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", [Amortization.EQUAL_INSTALLMENT, Amortization.EQUAL_PRINCIPAL,
                                    Amortization.INTEREST_ONLY, Amortization.BULLET,
                                    Amortization.FLAT])
def test_later_tranche_adds_principal_and_keeps_the_dates(method: Amortization) -> None:
    first = build_schedule(_terms(method=method))
    state = replay(first, [Tranche("T2", date(2026, 2, 15), D("4000.00"))], date(2026, 2, 15))
    rows = state.installments
    assert sum(r.principal for r in rows) == D("10000.00")
    assert [r.due_date for r in rows] == [r.due_date for r in first.installments]
    # the rows due before the tranche are untouched
    plain = replay(first, [], date(2026, 2, 15)).installments
    assert [r for r in rows if r.due_date <= date(2026, 2, 15)] == [
        r for r in plain if r.due_date <= date(2026, 2, 15)]


def test_interest_runs_per_day_on_the_principal_out() -> None:
    """0.1 % a day over the running period: 1 Feb → 15 Feb on what was out, 15 Feb → 1 Mar
    on that plus the tranche."""
    first = build_schedule(_terms(method=Amortization.EQUAL_PRINCIPAL))
    before = first.installments[1]  # due 1 Mar, starts 1 Feb, principal out 5000.00
    out = sum((r.principal for r in first.installments[1:]), D(0))
    state = replay(first, [Tranche("T2", date(2026, 2, 15), D("3000.00"))], date(2026, 2, 15))
    running = state.installments[1]
    assert before.due_date == running.due_date == date(2026, 3, 1)
    expected = (out * D("0.001") * 14 + (out + D("3000.00")) * D("0.001") * 14).quantize(D("0.01"))
    assert running.interest == expected
    # the interest to the tranche date is kept as deferred interest of that row
    assert running.interest - running.own_interest == (out * D("0.001") * 14).quantize(D("0.01"))


def test_tranche_on_the_first_day_equals_disbursing_both_at_once() -> None:
    first = build_schedule(_terms("4000.00", Amortization.EQUAL_PRINCIPAL))
    whole = build_schedule(_terms("10000.00", Amortization.EQUAL_PRINCIPAL))
    state = replay(first, [Tranche("T2", START, D("6000.00"))], START)
    assert [(r.principal, r.interest) for r in state.installments] == [
        (r.principal, r.interest) for r in whole.installments]


def test_back_dated_tranche_is_replayed_in_value_date_order() -> None:
    first = build_schedule(_terms())
    txns = [Repayment("T3", date(2026, 2, 1), D("1100.00")),
            Tranche("T2", date(2026, 1, 20), D("3000.00")),
            Repayment("T4", date(2026, 3, 1), D("1500.00"))]
    as_of = date(2026, 3, 10)
    one = replay(first, txns, as_of)
    other = replay(first, list(reversed(txns)), as_of)
    assert one == other
    assert one.principal_outstanding == sum((r.principal - r.principal_paid
                                             for r in one.installments), D(0))
    assert sum(r.principal for r in one.installments) == D("9000.00")


def test_paid_in_advance_stays_paid_and_money_is_kept() -> None:
    """A repayment reaching future rows, then a tranche: principal paid stays paid, the
    interest paid in advance is allocated again, nothing of the payment is lost."""
    first = build_schedule(_terms())
    pay = Repayment("T2", date(2026, 1, 10), D("2500.00"))
    before = replay(first, [pay], date(2026, 1, 10))
    paid_before = sum((r.principal_paid + r.interest_paid + r.fee_paid for r in before.installments),
                      D(0)) + before.credit
    after = replay(first, [pay, Tranche("T3", date(2026, 1, 20), D("2000.00"))], date(2026, 1, 20))
    paid_after = sum((r.principal_paid + r.interest_paid + r.fee_paid for r in after.installments),
                     D(0)) + after.credit
    assert paid_after == paid_before == D("2500.00")
    assert sum(r.principal_paid for r in after.installments) >= sum(
        r.principal_paid for r in before.installments)
    assert sum(r.principal for r in after.installments) == D("8000.00")


def test_payoff_after_a_tranche_closes_the_loan() -> None:
    first = build_schedule(_terms())
    txns = [Tranche("T2", date(2026, 1, 15), D("4000.00"))]
    on = date(2026, 1, 25)
    quote = payoff_quote(first, txns, on)
    # 14 days on 6000, 10 days on 10000 at 0.1 % a day
    assert quote.principal == D("10000.00")
    assert quote.interest == D("84.00") + D("100.00")
    state = replay(first, [*txns, Prepayment("T3", on, quote.total)], on)
    assert state.is_closed


def test_interest_payment_grace_defers_the_interest_to_date() -> None:
    terms = _terms(grace=Grace(0, 2, 0))
    first = build_schedule(terms)
    state = replay(first, [Tranche("T2", date(2026, 1, 15), D("1000.00"))], date(2026, 1, 15))
    rows = state.installments
    assert rows[0].interest == 0 and rows[1].interest == 0  # still inside the grace
    assert rows[2].interest > rows[2].own_interest


def test_tranche_after_the_last_due_date_is_refused() -> None:
    first = build_schedule(dataclasses.replace(_terms(), frequency=Frequency.MONTHLY))
    late = first.installments[-1].due_date
    with pytest.raises(LoanInputError) as exc:
        replay(first, [Tranche("T2", late, D("100.00"))], late)
    assert exc.value.code == "tranche_after_maturity"


RULES = TrancheRules(3, D("1000.00"))


@pytest.mark.parametrize(("rules", "disbursed", "count", "amount", "code"), [
    (RULES, "0", 0, "6000.00", "tranche_exceeds_undisbursed"),
    (RULES, "4000.00", 1, "1000.01", "tranche_exceeds_undisbursed"),
    (RULES, "1000.00", 1, "999.99", "tranche_below_minimum"),
    (RULES, "3000.00", 3, "1000.00", "tranche_count_exceeded"),
    (None, "0", 0, "4000.00", "tranches_not_allowed"),
    (RULES, "0", 0, "0", "amount_not_positive"),
])
def test_tranche_refusals(rules: TrancheRules | None, disbursed: str, count: int, amount: str,
                          code: str) -> None:
    with pytest.raises(DomainError) as exc:
        check_tranche(rules, D("5000.00"), D(disbursed), count, D(amount))
    assert exc.value.code == code and exc.value.field == "amount"


@pytest.mark.parametrize(("rules", "disbursed", "count", "amount"), [
    (RULES, "0", 0, "1000.00"),
    (RULES, "4500.00", 2, "500.00"),  # below the minimum but the rest: allowed
    (None, "0", 0, "5000.00"),
])
def test_tranches_accepted(rules: TrancheRules | None, disbursed: str, count: int,
                           amount: str) -> None:
    check_tranche(rules, D("5000.00"), D(disbursed), count, D(amount))


def test_upfront_fees_add_up_to_a_single_disbursement() -> None:
    total, approved, r = D("101.00"), D("3000.00"), Rounding()
    charged = D(0)
    for i, amount in enumerate((D("1000.00"), D("700.00"), D("1300.00"))):
        charged += tranche_fee_share(total, approved, amount, charged, i == 2, r)
    assert charged == total


def test_spread_fees_of_a_tranche_go_on_the_remaining_rows() -> None:
    first = build_schedule(_terms(method=Amortization.EQUAL_PRINCIPAL))
    without = replay(first, [Tranche("T2", date(2026, 2, 15), D("3000.00"))], date(2026, 2, 15))
    spread = replay(first, [Tranche("T2", date(2026, 2, 15), D("3000.00"), D("10.00"))],
                    date(2026, 2, 15))
    extra = [b.fee - a.fee for a, b in zip(without.installments, spread.installments,
                                           strict=True)]
    assert extra == [D("0")] + [D("2.00")] * 5


@settings(max_examples=200, deadline=None)
@given(method=st.sampled_from(list(Amortization)),
       grace=st.sampled_from([Grace(), Grace(1, 0, 0), Grace(0, 2, 0), Grace(0, 0, 1)]),
       events=st.lists(st.tuples(st.sampled_from(["tranche", "tranche", "pay", "prepay"]),
                                 st.integers(min_value=0, max_value=170),
                                 st.integers(min_value=1, max_value=3000)), max_size=6),
       payoff_day=st.integers(min_value=0, max_value=175))
def test_tranches_keep_the_books_whatever_the_order(method: Amortization, grace: Grace,
                                                    events: list[tuple[str, int, int]],
                                                    payoff_day: int) -> None:
    """Any mix of later tranches, payments and prepayments: the rows carry exactly the
    principal paid out, entry order does not matter, and paying the payoff figure closes
    the loan."""
    first = build_schedule(_terms(method=method, grace=grace))
    last_due = first.installments[-1].due_date
    txns: list[Tranche | Repayment | Prepayment] = []
    out = D("6000.00")
    for i, (kind, day, amount) in enumerate(events):
        on = START + dt.timedelta(days=day)
        if on >= last_due:
            continue
        if kind == "tranche":
            txns.append(Tranche(f"T{i}", on, D(amount)))
            out += D(amount)
        else:
            cls = Repayment if kind == "pay" else Prepayment
            txns.append(cls(f"T{i}", on, D(amount) / 2))
    as_of = START + dt.timedelta(days=payoff_day)
    if as_of >= last_due:
        return
    try:
        state = replay(first, txns, as_of)
    except LoanInputError as exc:  # e.g. a tranche after a payoff the same day
        event(f"refused: {exc.code}")
        return
    effective = [t for t in txns if t.value_date <= as_of]
    assert sum(r.principal for r in state.installments) == D("6000.00") + sum(
        (t.amount for t in effective if isinstance(t, Tranche)), D(0))
    assert all(r.principal_paid <= r.principal for r in state.installments)
    assert replay(first, list(reversed(txns)), as_of) == state
    if state.is_closed:
        event("closed before the payoff")
        return
    event(f"tranches: {sum(1 for t in effective if isinstance(t, Tranche))}")
    quote = payoff_quote(first, txns, as_of)
    if quote.total > 0:  # the payoff's id sorts after the others of its day
        closed = replay(first, [*txns, Prepayment("Z-PAYOFF", as_of, quote.total)], as_of)
        assert closed.principal_outstanding == 0
