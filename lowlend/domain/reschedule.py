"""Rebuild the rest of a schedule after a partial prepayment.

The remaining principal is re-amortised over the remaining due dates from the
prepayment date (the first new period is broken: prepayment date → next due date):

* ``reduce_installment``: same dates, a new level payment (annuity at the nominal
  periodic rate over the remaining periods; ``P / m`` for equal principal);
* ``reduce_term``: the old level payment, so the loan ends earlier (rows after the
  balance reaches zero are dropped; the last kept row absorbs the remainder).

Interest-only keeps its shape; bullet pays principal and interest to maturity;
flat re-prices interest flat on the reduced principal.

Grace the contract still promises is kept (``grace``: the number of rebuilt rows still
inside each grace period): principal grace rows repay no principal, interest-free rows
charge nothing, interest-payment grace rows charge interest on the *reduced* balance and
defer it to the first row after the grace — so the deferred interest is re-priced.

Installment fees (what the schedule put on the rows: a one-off fee collected ``spread``,
``installment`` fees) by ``prepayment.spread_fees_on_payoff``
(:class:`~lowlend.domain.conventions.SpreadFeesOnPayoff`):

* on payoff, :func:`spread_fees_on_payoff`: ``waive`` (default) — the running period's
  fee pro rata to the payoff date, nothing for periods not yet started; ``due`` — all;
* on a partial prepayment, :func:`carried_fees`: each rebuilt row keeps the fee of the
  row due on its date (the running period's fee stays due on its due date); rows a
  ``reduce_term`` prepayment removes take their fees with them under ``waive`` (those
  periods never run), under ``due`` those fees move to the new last row.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from lowlend.domain.calendar import FirstDue, periods_per_year
from lowlend.domain.calendar import due_dates as calendar_due_dates
from lowlend.domain.conventions import (
    Amortization,
    FirstDueRule,
    PrepaymentEffect,
    SpreadFeesOnPayoff,
)
from lowlend.domain.daycount import year_fraction
from lowlend.domain.interest import EXACT, annuity_payment, period_interest, periodic_rate
from lowlend.domain.loan_state import InstallmentState
from lowlend.domain.schedule import Installment, Schedule, amortize, period_fractions
from lowlend.domain.terms import Grace, LoanTerms

__all__ = ["carried_fees", "interest_free_until", "rebuild_remaining", "spread_fees_on_payoff"]

_ZERO = Decimal(0)


def interest_free_until(terms: LoanTerms) -> date:
    """End of the interest-free grace periods (the disbursement date if there are none)."""
    free = terms.grace.interest_free_periods
    if free <= 0:
        return terms.start
    dates = calendar_due_dates(terms.start, terms.frequency, terms.every, terms.term,
                               terms.first_due)
    return dates[min(free, len(dates)) - 1]


def rebuild_remaining(
    terms: LoanTerms,
    principal: Decimal,
    on: date,
    due_dates: list[date],
    old_level: Decimal,
    effect: PrepaymentEffect,
    first_seq: int,
    grace: Grace | None = None,
) -> list[Installment]:
    """New rows for ``principal`` from ``on`` over ``due_dates`` (all after ``on``).

    :param grace: grace periods still running, counted in rebuilt rows (default none).
    """
    m = len(due_dates)
    rnd = terms.rounding
    if m == 0 or principal <= 0:
        return []
    g = grace or Grace()
    top = max(m - 1, 0)
    g = Grace(min(g.principal_periods, top), min(g.interest_payment_periods, top),
              min(g.interest_free_periods, top))
    sub = dataclasses.replace(
        terms, amount=principal, term=m, start=on, grace=g,
        first_due=FirstDue(FirstDueRule.DAYS_AFTER_DISBURSEMENT, days=(due_dates[0] - on).days),
    )
    if terms.amortization is Amortization.BULLET:
        frac = year_fraction(max(on, interest_free_until(terms)), due_dates[-1], terms.day_count)
        interest = period_interest(principal, terms.annual_rate, frac, rnd)
        zero = rnd.round(Decimal(0))
        return [Installment(first_seq, on, due_dates[-1], principal, interest, zero, zero,
                            first_seq)]
    starts = [on, *due_dates[:-1]]
    fracs = period_fractions(sub, starts, due_dates)
    flat: list[Decimal] = []
    method = terms.amortization
    zero = rnd.round(Decimal(0))
    if method is Amortization.FLAT:
        flat = [zero if i < g.interest_free_periods else
                period_interest(principal, terms.annual_rate, f, rnd) for i, f in enumerate(fracs)]
    paying = m - g.principal_periods
    if effect is PrepaymentEffect.REDUCE_TERM and old_level > 0:
        level = old_level
    elif method is Amortization.EQUAL_INSTALLMENT:
        rate = periodic_rate(terms.annual_rate, periods_per_year(terms.frequency, terms.every, terms.day_count))
        level = rnd.round_installment(annuity_payment(principal, rate, paying))
    elif method is Amortization.FLAT:
        level = rnd.round_installment(EXACT.divide(
            principal + sum(flat[g.principal_periods:], Decimal(0)), Decimal(paying)))
    else:
        level = rnd.round(EXACT.divide(principal, Decimal(paying)))
    rows = amortize(sub, level, starts, due_dates, fracs, flat)
    kept: list[Installment] = []
    for r in rows:
        kept.append(r)
        if r.balance == 0:
            break
    return [dataclasses.replace(r, seq=first_seq + i, period=first_seq + i)
            for i, r in enumerate(kept)]


def spread_fees_on_payoff(schedule: Schedule, future: list[InstallmentState], on: date) -> Decimal:
    """Installment fees owed when the loan is paid off on ``on`` (``prepayment.spread_fees_on_payoff``).

    ``future`` are the rows due after ``on``, oldest first; their scheduled ``fee`` is
    every fee the schedule put on them (a one-off fee collected ``spread``, ``installment``
    fees). What was paid of them in advance is not deducted here (the caller credits it).

    * ``due``: the fees of all of them.
    * ``waive``: the running period's fee pro rata to ``on`` — fee × days elapsed since
      the period started / days of the period, rounded with the product's rounding —
      and nothing for the later rows, whose periods have not started. The period is the
      original schedule's row due on the same date: a partial prepayment earlier in the
      period (which rebuilt the row from its own date) does not restart it. On the first
      day of a period (the previous due date) nothing of its fee is owed.

    >>> from lowlend.domain.loan_state import from_installment
    >>> from lowlend.domain.schedule import build_schedule
    >>> from lowlend.domain.fees import FeeRule, FeeSchedule, apply_fees
    >>> from lowlend.domain.conventions import FeeCalculation, FeeCollection, FeeTrigger
    >>> s, _ = apply_fees(build_schedule(LoanTerms(amount=Decimal("1200.00"), term=3,
    ...     annual_rate=Decimal("0"), start=date(2026, 1, 1))), FeeSchedule("f", (FeeRule(
    ...     "svc", FeeTrigger.DISBURSEMENT, FeeCalculation.FIXED, amount=Decimal("93.00"),
    ...     collection=FeeCollection.SPREAD),)))
    >>> rows = [from_installment(r) for r in s.installments]   # 31.00 a row
    >>> str(spread_fees_on_payoff(s, rows[1:], date(2026, 2, 15)))  # 14 of 28 days of Feb
    '15.50'
    >>> due = dataclasses.replace(s, terms=dataclasses.replace(s.terms, prepayment=dataclasses.replace(
    ...     s.terms.prepayment, spread_fees_on_payoff=SpreadFeesOnPayoff.DUE)))
    >>> str(spread_fees_on_payoff(due, rows[1:], date(2026, 2, 15)))
    '62.00'
    """
    terms = schedule.terms
    if not future:
        return terms.rounding.round(_ZERO)
    if terms.prepayment.spread_fees_on_payoff is SpreadFeesOnPayoff.DUE:
        return sum((r.fee for r in future), _ZERO)
    cur = future[0]
    start = next((r.start_date for r in schedule.installments if r.due_date == cur.due_date),
                 cur.start_date)
    days = (cur.due_date - start).days
    if cur.fee == 0 or days <= 0:
        return cur.fee
    elapsed = min(max((on - start).days, 0), days)
    return terms.rounding.round(EXACT.divide(EXACT.multiply(cur.fee, Decimal(elapsed)),
                                             Decimal(days)))


def carried_fees(terms: LoanTerms, fees: list[Decimal], kept: int) -> list[Decimal]:
    """Fees of the ``kept`` rows rebuilt by a partial prepayment over the dates of the rows
    whose fees are ``fees`` (the same dates, in order, the last ones dropped by
    ``reduce_term``): each keeps the fee of the row due on its date; the dropped rows' fees
    are gone under ``waive`` and added to the last kept row under ``due``.

    >>> t = LoanTerms(amount=Decimal("100.00"), term=3, annual_rate=Decimal("0"), start=date(2026, 1, 1))
    >>> fees = [Decimal("5.00"), Decimal("5.00"), Decimal("4.00")]
    >>> [str(f) for f in carried_fees(t, fees, 2)]
    ['5.00', '5.00']
    >>> due = dataclasses.replace(t, prepayment=dataclasses.replace(
    ...     t.prepayment, spread_fees_on_payoff=SpreadFeesOnPayoff.DUE))
    >>> [str(f) for f in carried_fees(due, fees, 2)]
    ['5.00', '9.00']
    """
    out = [fees[j] if j < len(fees) else terms.rounding.round(_ZERO) for j in range(kept)]
    dropped = sum(fees[kept:], _ZERO)
    if out and dropped and terms.prepayment.spread_fees_on_payoff is SpreadFeesOnPayoff.DUE:
        out[-1] += dropped
    return out
