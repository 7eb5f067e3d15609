"""Interest of the running period and grace still running: what a prepayment or a later
disbursement tranche needs to know on a date inside a period.

Shared by :mod:`lowlend.domain.replay` (prepayments) and :mod:`lowlend.domain.tranches`
(later tranches): both close the running period's interest on their value date and
rebuild the rest of the schedule from it, keeping the grace the contract still promises.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lowlend.domain.calendar import due_dates
from lowlend.domain.conventions import Amortization
from lowlend.domain.daycount import year_fraction
from lowlend.domain.interest import period_interest
from lowlend.domain.loan_state import InstallmentState
from lowlend.domain.reschedule import interest_free_until
from lowlend.domain.terms import Grace, LoanTerms

__all__ = ["interest_due_to_date", "interest_to_date", "remaining_grace"]

_ZERO = Decimal(0)


def interest_to_date(terms: LoanTerms, row: InstallmentState, principal: Decimal, on: date) -> Decimal:
    """Interest of the running period up to ``on`` (never more than the interest of the
    row's own period, :attr:`~lowlend.domain.loan_state.InstallmentState.own_interest`)."""
    own = row.own_interest
    if terms.amortization is Amortization.BULLET:
        # a single row over the whole term: interest runs from the end of the free periods
        start = max(row.start_date, interest_free_until(terms))
        if on <= start:
            return terms.rounding.round(_ZERO)
        frac = year_fraction(start, on, terms.day_count)
        return min(period_interest(principal, terms.annual_rate, frac, terms.rounding), own)
    if terms.amortization is Amortization.FLAT:
        days = (row.due_date - row.start_date).days
        elapsed = (on - row.start_date).days
        return terms.rounding.round(own * elapsed / days) if days else own
    frac = year_fraction(row.start_date, on, terms.day_count)
    return min(period_interest(principal, terms.annual_rate, frac, terms.rounding), own)


def interest_due_to_date(terms: LoanTerms, future: list[InstallmentState], principal: Decimal,
                         on: date) -> Decimal:
    """All interest owed up to ``on`` on the rows due after ``on`` (``future``, oldest first):
    interest of past periods deferred to a future row (interest-payment grace) + the
    running period's interest to ``on`` (:func:`interest_to_date`)."""
    deferred = sum((r.interest - r.own_interest for r in future), _ZERO)
    return deferred + interest_to_date(terms, future[0], principal, on)


def remaining_grace(terms: LoanTerms, dates: list[date]) -> Grace:
    """Grace periods still running for rows due on ``dates``, counted in rows: a row is in a
    grace period if the original schedule's row due that day (or earlier) was."""
    g = terms.grace
    if not (g.principal_periods or g.interest_payment_periods or g.interest_free_periods):
        return Grace()
    original = due_dates(terms.start, terms.frequency, terms.every, terms.term, terms.first_due)

    def rows_within(periods: int) -> int:
        if periods <= 0:
            return 0
        end = original[min(periods, len(original)) - 1]
        return sum(1 for d in dates if d <= end)

    return Grace(rows_within(g.principal_periods), rows_within(g.interest_payment_periods),
                 rows_within(g.interest_free_periods))


