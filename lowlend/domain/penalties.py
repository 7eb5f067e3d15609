"""Penalty interest (罚息) and late fees (滞纳金) on overdue installments.

Rules (``PenaltyTerms``):

* Paying on the due date, or within the ``grace_days`` after it, costs nothing.
* Penalty interest accrues per calendar day on the installment's overdue base
  (unpaid principal, or principal + interest). Which days count depends on
  ``grace_mode`` (:class:`~lowlend.domain.conventions.GraceMode`):

  - ``after_grace`` (the default): the days ``[due + grace_days, value date)``;
    the clock starts after the grace days.
  - ``from_due_date``: once the grace days are exceeded with something still
    unpaid, the days ``[due, value date)`` (宽限期内还款免罚息，超过宽限期则从到期日起计罚息).
    Accrued incrementally (:func:`penalty_days` over successive ``[start, end)``
    ranges), the grace days ``[due, due + grace_days)`` are all added at once by the
    range holding day ``due + grace_days``, so the total does not depend on how the
    days are split. They are charged on the base still unpaid on that day: what was
    paid within the grace is free.

  Either way paying on day ``due + grace_days`` is free; paying one day later costs
  1 day of penalty interest (``after_grace``) or ``grace_days + 1`` days
  (``from_due_date``).
* The late fee (plus any ``overdue``-triggered fee rule) is charged once, on day
  ``due + grace_days + 1``, if anything scheduled is still unpaid then (both modes).
* Cap: penalty interest + late fees of an installment never exceed
  ``base at due × cap_ratio × days since due / 365``.

>>> p = PenaltyTerms(rate_per_day=Decimal("0.0005"), grace_days=3, late_fee=Decimal("20"))
>>> # after_grace: 1000.00 overdue, days [due+3, due+10) = 7 days × 0.05 % = 3.50
>>> penalty_days(date(2026, 2, 1), p, date(2026, 2, 1), date(2026, 2, 11))
7
>>> penalty_interest(Decimal("1000.00"), p, 7, Rounding())
Decimal('3.50')
>>> penalty_cap(Decimal("1000.00"), Decimal("0.24"), 10, Rounding())   # 1000 × .24 × 10/365
Decimal('6.58')

>>> q = PenaltyTerms(rate_per_day=Decimal("0.0005"), grace_days=3, late_fee=Decimal("20"),
...                  grace_mode=GraceMode.FROM_DUE_DATE)
>>> # from_due_date: paid on due+3 (within grace) → nothing; on due+10 → [due, due+10) = 10 days
>>> penalty_days(date(2026, 2, 1), q, date(2026, 2, 1), date(2026, 2, 4))
0
>>> penalty_days(date(2026, 2, 1), q, date(2026, 2, 1), date(2026, 2, 11))
10
>>> # split at any day, the parts add up: the grace days come with the range holding due+3
>>> [penalty_days(date(2026, 2, 1), q, a, b) for a, b in
...  [(date(2026, 2, 1), date(2026, 2, 4)), (date(2026, 2, 4), date(2026, 2, 5)),
...   (date(2026, 2, 5), date(2026, 2, 11))]]
[0, 4, 6]
>>> late_fee_date(date(2026, 2, 1), q)   # the same day in both modes
datetime.date(2026, 2, 5)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lowlend.domain.conventions import GraceMode
from lowlend.domain.interest import EXACT
from lowlend.domain.money import Rounding
from lowlend.domain.terms import PenaltyTerms

__all__ = ["late_fee_date", "penalty_cap", "penalty_days", "penalty_interest"]


def penalty_days(due: date, terms: PenaltyTerms, start: date, end: date) -> int:
    """Penalty days to accrue over ``[start, end)`` for an installment due on ``due``.

    ``after_grace``: the days of ``[start, end)`` on or after ``due + grace_days``.
    ``from_due_date``: the same, plus the ``grace_days`` days ``[due, due + grace_days)``
    when ``[start, end)`` holds day ``due + grace_days`` (the grace is exceeded while
    accruing it). Additive: for ``a ≤ b ≤ c``, ``days(a, b) + days(b, c) == days(a, c)``.
    """
    first = due + timedelta(days=terms.grace_days)
    days = max(0, (end - max(start, first)).days)
    if terms.grace_mode is GraceMode.FROM_DUE_DATE and start <= first < end:
        days += terms.grace_days
    return days


def late_fee_date(due: date, terms: PenaltyTerms) -> date:
    """The day the late fee is charged if the installment is still unpaid."""
    return due + timedelta(days=terms.grace_days + 1)


def penalty_interest(base: Decimal, terms: PenaltyTerms, days: int, rounding: Rounding) -> Decimal:
    """``round(base × rate_per_day × days)``."""
    if days <= 0 or base <= 0:
        return rounding.round(Decimal(0))
    return rounding.round(EXACT.multiply(EXACT.multiply(base, terms.rate_per_day), Decimal(days)))


def penalty_cap(base_at_due: Decimal, cap_ratio: Decimal, days_since_due: int,
                rounding: Rounding) -> Decimal:
    """Annualised cap on penalties of one installment after ``days_since_due`` days."""
    raw = EXACT.divide(EXACT.multiply(EXACT.multiply(base_at_due, cap_ratio),
                                      Decimal(max(days_since_due, 0))), Decimal(365))
    return rounding.round(raw)
