"""Vectorized schedules for many loans at once (numpy, integer minor units).

Exactly the cents of the Decimal engine (:func:`lowlend.domain.schedule.build_schedule`)
for every amortization method (``equal_installment``, ``equal_principal``,
``interest_only``, ``bullet``, ``flat``; per loan), ``daily`` | ``weekly`` | ``biweekly``
| ``monthly`` | ``quarterly`` frequencies with ``every`` n (per batch), first due one
period after disbursement, principal / interest-payment / interest-free grace (per loan),
daily interest with ``ACT/365`` | ``ACT/360`` | ``30/360`` | ``ACT/ACT``, any rounding
mode and installment multiple, and interest accrual as of a date. ``one_time`` loans,
other first-due rules and ``same_as_repayment`` interest stay with the Decimal engine.

Exactness:

* row interest is the exact rational ``balance × rate_micro × num / (den × 10⁶)``
  rounded with integer arithmetic (split as ``divmod`` so nothing overflows int64);
  the year fraction ``num / den`` is the one of :func:`~lowlend.domain.daycount.year_fraction`
  (30/360: 30 days per whole month for monthly/quarterly periods, 30E/360 days for
  daily/weekly ones; ACT/ACT split at every 1 January);
* the annuity payment is computed in float64 for speed, then every loan whose
  float value lies within a guard band of a rounding boundary is recomputed with
  the Decimal engine's own function, so the rounded payment is always the
  Decimal engine's; equal-principal and flat levels are exact integer divisions;
* flat interest (total over the charged periods, split equally, the last row takes
  the rounding rest) and bullet interest (one fraction from the end of any interest-free
  periods to maturity)
  follow the engine's formulas in integers; deferred (interest-payment grace)
  interest is carried to the first row after the grace;
* loans where the level payment would repay the loan before its last row (tiny
  amounts, long interest-free grace) are rebuilt by the Decimal engine, as is its
  fallback rule.

Limits: amounts ≤ 10¹¹ minor units, rates ≤ 10 (1000 %), terms ≤ 600, a loan spans at
most 100 years, one period at most about a year. Batches of about 50,000 loans are the
fastest (larger ``[loan, row]`` arrays exceed the allocator's mmap threshold and are
page-faulted in afresh on every call; see ``benchmarks/vectorized_bench.py``).

>>> import numpy as np
>>> b = LoanBatch(amount_minor=np.array([1000000]), rate_micro=np.array([180000]),
...               term=np.array([12]), start=np.array(["2026-01-01"], dtype="datetime64[D]"),
...               method=np.array([EQUAL_INSTALLMENT]))
>>> s = build_batch(b)
>>> s.interest[0, :2].tolist(), s.principal[0, :2].tolist()
([15288, 12753], [76392, 78927])
>>> # 先息后本 and 利随本清 side by side, weekly: interest 1000.00 × 26 % × 7/365 = 4.99
>>> b = LoanBatch(np.array([100000, 100000]), np.array([260000, 260000]), np.array([2, 2]),
...               np.array(["2026-01-05"] * 2, dtype="datetime64[D]"),
...               np.array([INTEREST_ONLY, BULLET]), frequency=Frequency.WEEKLY)
>>> s = build_batch(b)
>>> s.interest.tolist(), s.principal.tolist(), s.mask.tolist()
([[499, 499], [997, 0]], [[0, 100000], [100000, 0]], [[True, True], [True, False]])
"""

from __future__ import annotations

from lowlend.domain.conventions import Frequency
from lowlend.domain.vectorized._arith import round_div
from lowlend.domain.vectorized._batch import (
    BULLET,
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    FLAT,
    INTEREST_ONLY,
    METHODS,
    BatchSchedule,
    LoanBatch,
    accrued_interest_batch,
    build_batch,
)

__all__ = [
    "BULLET",
    "EQUAL_INSTALLMENT",
    "EQUAL_PRINCIPAL",
    "FLAT",
    "INTEREST_ONLY",
    "METHODS",
    "BatchSchedule",
    "Frequency",
    "LoanBatch",
    "accrued_interest_batch",
    "build_batch",
    "round_div",
]
