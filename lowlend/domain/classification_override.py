"""When an approved manual classification (五级分类人工调整) is in force.

A risk officer sets a loan's category by hand for what the days past due do not show:
a borrower gone bankrupt is downgraded while still paying on time; a restructured loan
is kept at 关注 although its old arrears would say 可疑. Another user approves it. From
then on the end of day keeps the manual category, and the DPD rule takes over again
(the override *lapses*) at the first close where:

1. the business date is after the override's ``valid_until`` (the date the officer set
   for its review), when one was given; or
2. the DPD-derived category is worse than both the manual category and the DPD-derived
   category at approval (``base``: the loan's DPD then, classified with the ranges of
   the run). The decision was taken on facts that no longer hold: the loan has
   deteriorated beyond what the officer judged.

So a *downgrade* (manual worse than DPD) stays when the arrears clear — only a review
lifts it — and gives way only when the DPD rule would classify the loan worse still; an
*upgrade* (manual better than DPD, e.g. after restructuring) stays while the arrears are
no worse than when it was approved, and lapses as soon as the loan slips further. In
both cases the loan is never shown better than the officer decided nor better than its
arrears at approval, and a lapse is recorded in the history (source ``eod``, reason
``override_lapsed``) beside the manual change.

>>> from datetime import date
>>> down = ManualClassification(1, "substandard", base_dpd=0)
>>> [in_force(down, dpd, date(2026, 1, 1)) for dpd in (0, 30, 120, 200)]
[True, True, True, False]
>>> up = ManualClassification(2, "special_mention", base_dpd=200)
>>> [in_force(up, dpd, date(2026, 1, 1)) for dpd in (0, 200, 360, 361)]
[True, True, True, False]
>>> until = ManualClassification(3, "doubtful", base_dpd=0, valid_until=date(2026, 1, 31))
>>> in_force(until, 0, date(2026, 1, 31)), in_force(until, 0, date(2026, 2, 1))
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lowlend.domain.classification import DEFAULT_RANGES, DpdRange, classify, worse

__all__ = ["ManualClassification", "in_force"]


@dataclass(frozen=True, slots=True)
class ManualClassification:
    """An approved manual classification: its id, category, the loan's DPD when it was
    approved, and the last business date it holds (``None``: until the DPD rule lifts it)."""

    id: int
    category: str
    base_dpd: int = 0
    valid_until: date | None = None


def in_force(manual: ManualClassification, dpd: int, business_date: date,
             ranges: tuple[DpdRange, ...] = DEFAULT_RANGES) -> bool:
    """Whether ``manual`` still holds at the close of ``business_date`` for a loan ``dpd``
    days past due (see the module text)."""
    if manual.valid_until is not None and business_date > manual.valid_until:
        return False
    base = classify(manual.base_dpd, ranges)
    ceiling = manual.category if worse(manual.category, base) else base
    return not worse(classify(dpd, ranges), ceiling)
