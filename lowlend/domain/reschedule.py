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
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from lowlend.domain.calendar import FirstDue, periods_per_year
from lowlend.domain.calendar import due_dates as calendar_due_dates
from lowlend.domain.conventions import Amortization, FirstDueRule, PrepaymentEffect
from lowlend.domain.daycount import year_fraction
from lowlend.domain.interest import EXACT, annuity_payment, period_interest, periodic_rate
from lowlend.domain.schedule import Installment, amortize, period_fractions
from lowlend.domain.terms import Grace, LoanTerms

__all__ = ["interest_free_until", "rebuild_remaining"]


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

