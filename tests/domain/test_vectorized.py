"""The numpy portfolio path gives exactly the Decimal engine's cents (≥ 10,000 random loans)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from lowlend.domain.accrual import accrued_interest
from lowlend.domain.conventions import Amortization, DayCount, RoundingMode
from lowlend.domain.errors import LoanInputError
from lowlend.domain.money import Rounding
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import LoanTerms
from lowlend.domain.vectorized import (
    EQUAL_INSTALLMENT,
    LoanBatch,
    accrued_interest_batch,
    build_batch,
)

METHODS = [Amortization.EQUAL_INSTALLMENT, Amortization.EQUAL_PRINCIPAL]


def _random_batch(rng: np.random.Generator, n: int, dc: DayCount, rnd: Rounding,
                  every: int = 1) -> LoanBatch:
    amount = np.where(rng.random(n) < 0.05, rng.integers(1, 500, n),  # some tiny loans
                      rng.integers(100_00, 50_000_000, n)).astype(np.int64)
    rate = np.where(rng.random(n) < 0.05, 0, rng.integers(1, 480_000, n)).astype(np.int64)
    term = rng.integers(1, 37, n).astype(np.int64)
    start = (np.datetime64("2019-01-01") + rng.integers(0, 3650, n).astype("timedelta64[D]"))
    # month-end starts are where calendars go wrong: force a share of them
    month_end = rng.random(n) < 0.2
    start = np.where(month_end, (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
                     - np.timedelta64(1, "D"), start)
    method = rng.integers(0, 2, n).astype(np.int64)
    return LoanBatch(amount, rate, term, start, method, every=every, day_count=dc, rounding=rnd)


def _check(b: LoanBatch, sample: np.ndarray, as_of: np.datetime64) -> None:
    s = build_batch(b)
    acc = accrued_interest_batch(b, s, as_of)
    rnd = b.rounding
    for k in sample:
        t = LoanTerms(amount=rnd.from_minor(int(b.amount_minor[k])), term=int(b.term[k]),
                      annual_rate=Decimal(int(b.rate_micro[k])).scaleb(-6),
                      start=b.start[k].astype(object), amortization=METHODS[int(b.method[k])],
                      every=b.every, day_count=b.day_count, rounding=rnd)
        d = build_schedule(t)
        m = int(b.term[k])
        assert [rnd.to_minor(r.principal) for r in d.installments] == s.principal[k, :m].tolist(), k
        assert [rnd.to_minor(r.interest) for r in d.installments] == s.interest[k, :m].tolist(), k
        assert [rnd.to_minor(r.balance) for r in d.installments] == s.balance[k, :m].tolist(), k
        assert [r.due_date for r in d.installments] == s.due[k, :m].astype(object).tolist()
        assert rnd.to_minor(accrued_interest(d, as_of.astype(object))) == int(acc[k])
    assert (s.principal.sum(axis=1) == b.amount_minor).all()
    assert (s.balance >= 0).all()


@pytest.mark.parametrize(("dc", "mode", "every"), [
    (DayCount.ACT_365, RoundingMode.HALF_UP, 1),
    (DayCount.ACT_360, RoundingMode.HALF_EVEN, 1),
    (DayCount.THIRTY_360, RoundingMode.UP, 3),
    (DayCount.ACT_ACT, RoundingMode.DOWN, 1),
])
def test_vectorized_equals_decimal_engine(dc: DayCount, mode: RoundingMode, every: int) -> None:
    rng = np.random.default_rng(20261128 + every)
    b = _random_batch(rng, 3000, dc, Rounding(mode, 2), every)
    _check(b, np.arange(3000), np.datetime64("2022-06-15"))  # 4 × 3,000 = 12,000 loans checked


def test_vectorized_instalment_multiple() -> None:
    rng = np.random.default_rng(7)
    b = _random_batch(rng, 500, DayCount.ACT_365,
                      Rounding(RoundingMode.HALF_UP, 2, Decimal("1.00")))
    _check(b, np.arange(500), np.datetime64("2024-02-29"))


def test_vectorized_guard_band_fallback_is_exact() -> None:
    # 10000.00 at 18 %, 12 months: PMT = 916.7999… ; a payment exactly on a half-cent
    # boundary needs rate 0 and P/m = x.5 cents: 1.00 / 8 = 0.125 → 0.13 half-up, 0.12 half-even
    for mode, want in [(RoundingMode.HALF_UP, 13), (RoundingMode.HALF_EVEN, 12)]:
        b = LoanBatch(np.array([100]), np.array([0]), np.array([8]),
                      np.array(["2026-01-31"], dtype="datetime64[D]"),
                      np.array([EQUAL_INSTALLMENT]), rounding=Rounding(mode))
        assert int(build_batch(b).level[0]) == want


def test_vectorized_rejects_bad_input() -> None:
    with pytest.raises(LoanInputError) as e:
        LoanBatch(np.array([0]), np.array([1]), np.array([1]),
                  np.array(["2026-01-01"], dtype="datetime64[D]"), np.array([0]))
    assert e.value.field == "amount_minor"
    with pytest.raises(LoanInputError) as e:
        LoanBatch(np.array([100]), np.array([-1]), np.array([1]),
                  np.array(["2026-01-01"], dtype="datetime64[D]"), np.array([0]))
    assert e.value.field == "rate_micro"


def test_start_dates_type() -> None:
    assert isinstance(np.datetime64("2026-01-01").astype(object), date)
