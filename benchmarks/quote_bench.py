"""Quotes per second (schedule + fees + APR + compliance) for 12 and 360 installments.

Run: ``.venv/bin/python benchmarks/quote_bench.py``. Target: 12 installments < 1 ms,
360 < 10 ms per quote.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lowlend.domain.compliance import RateCap
from lowlend.domain.conventions import (
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
)
from lowlend.domain.fees import FeeRule, FeeSchedule
from lowlend.domain.quote import build_quote, quote_to_json
from lowlend.domain.terms import LoanTerms

FEES = FeeSchedule("consumer_standard", (
    FeeRule("service_fee", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
            rate=Decimal("0.01"), collection=FeeCollection.SPREAD),
    FeeRule("guarantee_fee", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
            rate=Decimal("0.0005"), party=FeeParty.GUARANTOR),
))
CAPS = (RateCap("cn.mlc.new_loan.hard_cap", Decimal("0.24")),)


def bench(term: int, seconds: float = 2.0) -> dict[str, float]:
    terms = LoanTerms(amount=Decimal("100000.00"), term=term, annual_rate=Decimal("0.15"),
                      start=date(2026, 1, 31))
    n = 0
    t0 = time.perf_counter()
    while True:
        quote_to_json(build_quote(terms, FEES, CAPS, region="CN"))
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            break
    return {"term": term, "quotes": n, "seconds": elapsed, "per_second": n / elapsed,
            "ms_per_quote": 1000 * elapsed / n}


def main() -> list[dict[str, float]]:
    out = [bench(12), bench(360)]
    for r in out:
        print(f"quote term={int(r['term']):>3}: {r['per_second']:8.0f} quotes/s "
              f"({r['ms_per_quote']:.3f} ms/quote, incl. fees, APR, XIRR, JSON)")
    return out


if __name__ == "__main__":
    main()
