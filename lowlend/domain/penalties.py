"""Penalty interest (罚息) and late fees (滞纳金) on overdue instalments.

Rules (``PenaltyTerms``):

* Penalty interest accrues per calendar day on the instalment's overdue base
  (unpaid principal, or principal + interest) for the days ``[due + grace_days,
  value date)``: paying on the due date, or within the grace days, costs nothing.
* The late fee (plus any ``overdue``-triggered fee rule) is charged once, on day
  ``due + grace_days + 1``, if anything scheduled is still unpaid then.
* Cap: penalty interest + late fees of an instalment never exceed
  ``base at due × cap_ratio × days since due / 365``.

>>> p = PenaltyTerms(rate_per_day=Decimal("0.0005"), grace_days=3, late_fee=Decimal("20"))
>>> # 1000.00 overdue, days [due+3, due+10) = 7 days × 0.05 % = 3.50
>>> penalty_days(date(2026, 2, 1), p, date(2026, 2, 1), date(2026, 2, 11))
7
>>> penalty_interest(Decimal("1000.00"), p, 7, Rounding())
Decimal('3.50')
>>> penalty_cap(Decimal("1000.00"), Decimal("0.24"), 10, Rounding())   # 1000 × .24 × 10/365
Decimal('6.58')
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lowlend.domain.interest import EXACT
from lowlend.domain.money import Rounding
from lowlend.domain.terms import PenaltyTerms

__all__ = ["late_fee_date", "penalty_cap", "penalty_days", "penalty_interest"]


def penalty_days(due: date, terms: PenaltyTerms, start: date, end: date) -> int:
    """Penalised days of ``[start, end)`` for an instalment due on ``due``."""
    first = due + timedelta(days=terms.grace_days)
    return max(0, (end - max(start, first)).days)


def late_fee_date(due: date, terms: PenaltyTerms) -> date:
    """The day the late fee is charged if the instalment is still unpaid."""
    return due + timedelta(days=terms.grace_days + 1)


def penalty_interest(base: Decimal, terms: PenaltyTerms, days: int, rounding: Rounding) -> Decimal:
    """``round(base × rate_per_day × days)``."""
    if days <= 0 or base <= 0:
        return rounding.round(Decimal(0))
    return rounding.round(EXACT.multiply(EXACT.multiply(base, terms.rate_per_day), Decimal(days)))


def penalty_cap(base_at_due: Decimal, cap_ratio: Decimal, days_since_due: int,
                rounding: Rounding) -> Decimal:
    """Annualised cap on penalties of one instalment after ``days_since_due`` days."""
    raw = EXACT.divide(EXACT.multiply(EXACT.multiply(base_at_due, cap_ratio),
                                      Decimal(max(days_since_due, 0))), Decimal(365))
    return rounding.round(raw)
