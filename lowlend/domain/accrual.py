"""Interest accrual as of a date (straight line within an installment period).

Interest of rows due on or before ``as_of`` is fully accrued; the current row's
interest accrues ``elapsed days / period days`` of its amount (rounded with the
product's mode), so accrual never exceeds the amount due. Accrual is a ledger
figure: it never changes the schedule.

>>> from lowlend.domain.terms import LoanTerms
>>> from lowlend.domain.schedule import build_schedule
>>> s = build_schedule(LoanTerms(amount=Decimal("10000.00"), term=12,
...                              annual_rate=Decimal("0.18"), start=date(2026, 1, 1)))
>>> # row 1 interest 152.88 over 31 days; 10 days elapsed: 152.88 × 10/31 = 49.316 → 49.32
>>> accrued_interest(s, date(2026, 1, 11))
Decimal('49.32')
>>> accrued_interest(s, date(2026, 2, 1)) == s.installments[0].interest
True
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lowlend.domain.interest import EXACT
from lowlend.domain.schedule import Schedule

__all__ = ["accrued_interest"]


def accrued_interest(schedule: Schedule, as_of: date) -> Decimal:
    """Interest accrued from disbursement to ``as_of`` (inclusive of fully elapsed rows)."""
    rnd = schedule.terms.rounding
    total = rnd.round(Decimal(0))
    for r in schedule.installments:
        if r.due_date <= as_of:
            total += r.interest
            continue
        if r.start_date < as_of:
            elapsed = (as_of - r.start_date).days
            days = (r.due_date - r.start_date).days
            total += rnd.round(EXACT.divide(EXACT.multiply(r.interest, Decimal(elapsed)),
                                            Decimal(days)))
        break
    return total
