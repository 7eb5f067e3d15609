"""Loans per second of the vectorized portfolio path (1,000,000 loans, twice).

Run: ``.venv/bin/python benchmarks/vectorized_bench.py [N]``. Target: 1,000,000
schedules (+ accrual as of a date) < 10 s on 2 cores. Processed in chunks of
50,000 loans: that bounds memory and keeps each ``[loan, row]`` array (50,000 × 36 ×
8 bytes ≈ 14 MB) below glibc's mmap threshold (32 MB), so freed arrays are reused
instead of page-faulted in again — 200,000-loan chunks cost about three times the CPU.

* ``main``: monthly equal-installment / equal-principal loans (the original benchmark);
* ``main_mixed``: every method (equal installment, equal principal, interest-only,
  bullet, flat), chunks alternating monthly / weekly / bi-weekly / quarterly, a third of
  the loans with principal, interest-payment or interest-free grace.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lowlend.domain.conventions import Frequency
from lowlend.domain.vectorized import LoanBatch, accrued_interest_batch, build_batch

CHUNK = 50_000


def make_batch(rng: np.random.Generator, n: int) -> LoanBatch:
    return LoanBatch(
        amount_minor=rng.integers(1_000_00, 200_000_00, n).astype(np.int64),
        rate_micro=rng.integers(80_000, 240_000, n).astype(np.int64),
        term=rng.integers(3, 37, n).astype(np.int64),
        start=np.datetime64("2024-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]"),
        method=rng.integers(0, 2, n).astype(np.int64),
    )


FREQS = (Frequency.MONTHLY, Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.QUARTERLY)


def make_mixed_batch(rng: np.random.Generator, n: int, freq: Frequency) -> LoanBatch:
    term = rng.integers(3, 37, n).astype(np.int64)
    graced = rng.random(n) < 1 / 3
    kind = rng.integers(0, 3, n)
    g = np.where(graced, rng.integers(1, 3, n), 0).astype(np.int64)
    return LoanBatch(
        amount_minor=rng.integers(1_000_00, 200_000_00, n).astype(np.int64),
        rate_micro=rng.integers(80_000, 240_000, n).astype(np.int64),
        term=term,
        start=np.datetime64("2024-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]"),
        method=rng.integers(0, 5, n).astype(np.int64),
        frequency=freq,
        principal_grace=np.where(kind == 0, g, 0),
        interest_payment_grace=np.where(kind == 1, g, 0),
        interest_free_grace=np.where(kind == 2, g, 0),
    )


def _time(batches: list[LoanBatch], as_of: np.datetime64) -> tuple[int, float]:
    t0 = time.perf_counter()
    rows = 0
    for b in batches:
        s = build_batch(b)
        accrued_interest_batch(b, s, as_of)
        rows += int(s.mask.sum())
    return rows, time.perf_counter() - t0


def main_mixed(total: int = 1_000_000) -> dict[str, float]:
    rng = np.random.default_rng(2)
    batches = [make_mixed_batch(rng, min(CHUNK, total - i), FREQS[(i // CHUNK) % len(FREQS)])
               for i in range(0, total, CHUNK)]
    rows, elapsed = _time(batches, np.datetime64("2025-06-30"))
    print(f"vectorized mixed: {total:,} loans ({rows:,} rows, all 5 methods, monthly/weekly/"
          f"bi-weekly/quarterly, 1/3 with grace, +accrual) in {elapsed:.2f} s = "
          f"{total / elapsed:,.0f} loans/s")
    return {"loans": total, "rows": rows, "seconds": elapsed, "loans_per_second": total / elapsed}


def main(total: int = 1_000_000) -> dict[str, float]:
    rng = np.random.default_rng(1)
    batches = [make_batch(rng, min(CHUNK, total - i)) for i in range(0, total, CHUNK)]
    as_of = np.datetime64("2025-06-30")
    rows, elapsed = _time(batches, as_of)
    result = {"loans": total, "rows": rows, "seconds": elapsed, "loans_per_second": total / elapsed}
    print(f"vectorized: {total:,} loans ({rows:,} installment rows, terms 3–36, EI+EP, ACT/365, "
          f"+accrual) in {elapsed:.2f} s = {total / elapsed:,.0f} loans/s")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
    main_mixed(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
