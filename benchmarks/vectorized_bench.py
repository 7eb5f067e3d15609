"""Loans per second of the vectorized portfolio path (1,000,000 monthly loans).

Run: ``.venv/bin/python benchmarks/vectorized_bench.py [N]``. Target: 1,000,000
schedules (+ accrual as of a date) < 10 s on 2 cores. Processed in chunks of
200,000 loans to bound memory.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lowlend.domain.vectorized import LoanBatch, accrued_interest_batch, build_batch

CHUNK = 200_000


def make_batch(rng: np.random.Generator, n: int) -> LoanBatch:
    return LoanBatch(
        amount_minor=rng.integers(1_000_00, 200_000_00, n).astype(np.int64),
        rate_micro=rng.integers(80_000, 240_000, n).astype(np.int64),
        term=rng.integers(3, 37, n).astype(np.int64),
        start=np.datetime64("2024-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]"),
        method=rng.integers(0, 2, n).astype(np.int64),
    )


def main(total: int = 1_000_000) -> dict[str, float]:
    rng = np.random.default_rng(1)
    batches = [make_batch(rng, min(CHUNK, total - i)) for i in range(0, total, CHUNK)]
    as_of = np.datetime64("2025-06-30")
    t0 = time.perf_counter()
    rows = 0
    interest = 0
    for b in batches:
        s = build_batch(b)
        acc = accrued_interest_batch(b, s, as_of)
        rows += int(s.mask.sum())
        interest += int(s.interest.sum()) + int(acc.sum()) * 0
    elapsed = time.perf_counter() - t0
    result = {"loans": total, "rows": rows, "seconds": elapsed, "loans_per_second": total / elapsed}
    print(f"vectorized: {total:,} loans ({rows:,} instalment rows, terms 3–36, EI+EP, ACT/365, "
          f"+accrual) in {elapsed:.2f} s = {total / elapsed:,.0f} loans/s")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
