"""The numpy portfolio path gives exactly the Decimal engine's cents.

Checked loan by loan against :func:`build_schedule` on 12,000 random equal-installment /
equal-principal monthly loans and 12,000 random loans mixing every method, the daily,
weekly, bi-weekly, monthly and quarterly frequencies with ``every`` n, principal,
interest-payment and interest-free grace, every day count and rounding mode.
"""

from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from lowlend.domain.accrual import accrued_interest
from lowlend.domain.conventions import DayCount, Frequency, RoundingMode
from lowlend.domain.errors import LoanInputError
from lowlend.domain.money import Rounding
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import Grace, LoanTerms
from lowlend.domain.vectorized import (
    BULLET,
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    FLAT,
    INTEREST_ONLY,
    METHODS,
    LoanBatch,
    accrued_interest_batch,
    build_batch,
)


def _random_batch(
    rng: np.random.Generator, n: int, dc: DayCount, rnd: Rounding, every: int = 1
) -> LoanBatch:
    amount = np.where(
        rng.random(n) < 0.05,
        rng.integers(1, 500, n),  # some tiny loans
        rng.integers(100_00, 50_000_000, n),
    ).astype(np.int64)
    rate = np.where(rng.random(n) < 0.05, 0, rng.integers(1, 480_000, n)).astype(np.int64)
    term = rng.integers(1, 37, n).astype(np.int64)
    start = np.datetime64("2019-01-01") + rng.integers(0, 3650, n).astype("timedelta64[D]")
    # month-end starts are where calendars go wrong: force a share of them
    month_end = rng.random(n) < 0.2
    start = np.where(
        month_end,
        (start.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D"),
        start,
    )
    method = rng.integers(0, 2, n).astype(np.int64)
    return LoanBatch(amount, rate, term, start, method, every=every, day_count=dc, rounding=rnd)


def _mixed_batch(
    rng: np.random.Generator, n: int, freq: Frequency, every: int, dc: DayCount, rnd: Rounding
) -> LoanBatch:
    """Every method, a third of the loans with random grace of each kind, tiny loans,
    zero rates and month-end starts mixed in."""
    base = _random_batch(rng, n, dc, rnd)  # amounts, rates, starts (monthly: any every)
    method = rng.integers(0, 5, n).astype(np.int64)
    term = rng.integers(1, 25, n).astype(np.int64)
    graced = (rng.random(n) < 0.35) & (term > 1)
    top = np.maximum(term - 1, 1)
    gp = np.where(graced & (rng.random(n) < 0.6), rng.integers(0, 10**6, n) % top, 0)
    gip = np.where(graced & (rng.random(n) < 0.6), rng.integers(0, 10**6, n) % top, 0)
    gif = np.where(graced & (rng.random(n) < 0.4), rng.integers(0, 10**6, n) % top, 0)
    return LoanBatch(
        base.amount_minor,
        base.rate_micro,
        term,
        base.start,
        method,
        every=every,
        day_count=dc,
        rounding=rnd,
        frequency=freq,
        principal_grace=gp.astype(np.int64),
        interest_payment_grace=gip.astype(np.int64),
        interest_free_grace=gif.astype(np.int64),
    )


def _check(b: LoanBatch, sample: np.ndarray, as_of: np.datetime64) -> None:
    s = build_batch(b)
    acc = accrued_interest_batch(b, s, as_of)
    rnd = b.rounding
    gp, gip, gif = b.grace_arrays()
    for k in sample:
        t = LoanTerms(
            amount=rnd.from_minor(int(b.amount_minor[k])),
            term=int(b.term[k]),
            annual_rate=Decimal(int(b.rate_micro[k])).scaleb(-6),
            start=b.start[k].astype(object),
            amortization=METHODS[int(b.method[k])],
            frequency=b.frequency,
            every=b.every,
            day_count=b.day_count,
            rounding=rnd,
            grace=Grace(int(gp[k]), int(gip[k]), int(gif[k])),
        )
        d = build_schedule(t)
        m = len(d.installments)
        assert s.mask[k].sum() == m, k
        assert [rnd.to_minor(r.principal) for r in d.installments] == s.principal[k, :m].tolist(), k
        assert [rnd.to_minor(r.interest) for r in d.installments] == s.interest[k, :m].tolist(), k
        assert [rnd.to_minor(r.balance) for r in d.installments] == s.balance[k, :m].tolist(), k
        assert [r.due_date for r in d.installments] == s.due[k, :m].astype(object).tolist()
        assert rnd.to_minor(accrued_interest(d, as_of.astype(object))) == int(acc[k])
    assert (s.principal.sum(axis=1) == b.amount_minor).all()
    assert (s.balance >= 0).all()


@pytest.mark.parametrize(
    ("dc", "mode", "every"),
    [
        (DayCount.ACT_365, RoundingMode.HALF_UP, 1),
        (DayCount.ACT_360, RoundingMode.HALF_EVEN, 1),
        (DayCount.THIRTY_360, RoundingMode.UP, 3),
        (DayCount.ACT_ACT, RoundingMode.DOWN, 1),
    ],
)
def test_vectorized_equals_decimal_engine(dc: DayCount, mode: RoundingMode, every: int) -> None:
    rng = np.random.default_rng(20261128 + every)
    b = _random_batch(rng, 3000, dc, Rounding(mode, 2), every)
    _check(b, np.arange(3000), np.datetime64("2022-06-15"))  # 4 × 3,000 = 12,000 loans checked


@pytest.mark.parametrize(
    ("freq", "every", "dc", "mode"),
    [
        (Frequency.MONTHLY, 1, DayCount.ACT_365, RoundingMode.HALF_UP),
        (Frequency.MONTHLY, 2, DayCount.THIRTY_360, RoundingMode.HALF_EVEN),
        (Frequency.QUARTERLY, 1, DayCount.ACT_ACT, RoundingMode.HALF_UP),
        (Frequency.QUARTERLY, 2, DayCount.ACT_360, RoundingMode.UP),
        (Frequency.WEEKLY, 1, DayCount.ACT_365, RoundingMode.DOWN),
        (Frequency.WEEKLY, 3, DayCount.THIRTY_360, RoundingMode.HALF_UP),
        (Frequency.BIWEEKLY, 1, DayCount.ACT_ACT, RoundingMode.HALF_EVEN),
        (Frequency.BIWEEKLY, 2, DayCount.ACT_360, RoundingMode.HALF_UP),
        (Frequency.DAILY, 10, DayCount.THIRTY_360, RoundingMode.UP),
        (Frequency.DAILY, 1, DayCount.ACT_ACT, RoundingMode.HALF_UP),
    ],
)
def test_vectorized_mix_equals_decimal_engine(
    freq: Frequency, every: int, dc: DayCount, mode: RoundingMode
) -> None:
    """10 × 1,200 = 12,000 loans: every method, frequency, day count, mode, with grace."""
    rng = np.random.default_rng(zlib.crc32(f"{freq.value}/{every}/{dc.value}".encode()))
    b = _mixed_batch(rng, 1200, freq, every, dc, Rounding(mode, 2))
    assert set(np.unique(b.method).tolist()) == set(METHODS)
    _check(b, np.arange(1200), np.datetime64("2022-06-15"))


def test_vectorized_mix_with_installment_multiple() -> None:
    rng = np.random.default_rng(11)
    b = _mixed_batch(
        rng,
        400,
        Frequency.MONTHLY,
        1,
        DayCount.ACT_365,
        Rounding(RoundingMode.HALF_UP, 2, Decimal("1.00")),
    )
    _check(b, np.arange(400), np.datetime64("2024-02-29"))


def test_vectorized_grace_and_methods_by_hand() -> None:
    # 3000.00 at 12 % monthly 30/360, 3 rows, each row 1 % of the opening balance:
    # equal principal with 1 interest-payment grace period: row 1's 30.00 is paid with row 2
    # (30.00 + 20.00 = 50.00), row 3 pays 10.00 (as tests/domain/test_schedule_examples.py)
    one = np.array([300000])
    b = LoanBatch(
        one,
        np.array([120000]),
        np.array([3]),
        np.array(["2026-01-01"], dtype="datetime64[D]"),
        np.array([EQUAL_PRINCIPAL]),
        day_count=DayCount.THIRTY_360,
        interest_payment_grace=np.array([1]),
    )
    s = build_batch(b)
    assert s.interest[0].tolist() == [0, 5000, 1000]
    assert s.principal[0].tolist() == [100000, 100000, 100000]
    # flat 1000.00 at 10 % over 3 months 30/360: interest 25.00 → 8.33, 8.33, 8.34;
    # level (1000 + 25)/3 = 341.67 → principal 333.34, 333.34, 333.32
    b = LoanBatch(
        np.array([100000]),
        np.array([100000]),
        np.array([3]),
        np.array(["2026-01-01"], dtype="datetime64[D]"),
        np.array([FLAT]),
        day_count=DayCount.THIRTY_360,
    )
    s = build_batch(b)
    assert (s.interest[0].tolist(), s.principal[0].tolist()) == (
        [833, 833, 834],
        [33334, 33334, 33332],
    )
    # quarterly interest-only 20000.00 at 9 % ACT/365 from 31 Aug 2026: 91 and 90 days
    # → 448.77 and 443.84; a bullet alongside: 181 days → 20000 × .09 × 181/365 = 892.60
    b = LoanBatch(
        np.array([2000000, 2000000]),
        np.array([90000, 90000]),
        np.array([2, 2]),
        np.array(["2026-08-31"] * 2, dtype="datetime64[D]"),
        np.array([INTEREST_ONLY, BULLET]),
        frequency=Frequency.QUARTERLY,
    )
    s = build_batch(b)
    assert s.interest.tolist() == [[44877, 44384], [89260, 0]]
    assert s.due[1, 0] == np.datetime64("2027-02-28") and s.mask.tolist() == [
        [True, True],
        [True, False],
    ]


def test_vectorized_installment_multiple() -> None:
    rng = np.random.default_rng(7)
    b = _random_batch(
        rng, 500, DayCount.ACT_365, Rounding(RoundingMode.HALF_UP, 2, Decimal("1.00"))
    )
    _check(b, np.arange(500), np.datetime64("2024-02-29"))


def test_vectorized_guard_band_fallback_is_exact() -> None:
    # 10000.00 at 18 %, 12 months: PMT = 916.7999… ; a payment exactly on a half-cent
    # boundary needs rate 0 and P/m = x.5 cents: 1.00 / 8 = 0.125 → 0.13 half-up, 0.12 half-even
    for mode, want in [(RoundingMode.HALF_UP, 13), (RoundingMode.HALF_EVEN, 12)]:
        b = LoanBatch(
            np.array([100]),
            np.array([0]),
            np.array([8]),
            np.array(["2026-01-31"], dtype="datetime64[D]"),
            np.array([EQUAL_INSTALLMENT]),
            rounding=Rounding(mode),
        )
        assert int(build_batch(b).level[0]) == want


def test_vectorized_rejects_bad_input() -> None:
    with pytest.raises(LoanInputError) as e:
        LoanBatch(
            np.array([0]),
            np.array([1]),
            np.array([1]),
            np.array(["2026-01-01"], dtype="datetime64[D]"),
            np.array([0]),
        )
    assert e.value.field == "amount_minor"
    with pytest.raises(LoanInputError) as e:
        LoanBatch(
            np.array([100]),
            np.array([-1]),
            np.array([1]),
            np.array(["2026-01-01"], dtype="datetime64[D]"),
            np.array([0]),
        )
    assert e.value.field == "rate_micro"
    day = np.array(["2026-01-01"], dtype="datetime64[D]")
    with pytest.raises(LoanInputError) as e:  # principal grace must leave a repaying row
        LoanBatch(
            np.array([100]),
            np.array([1]),
            np.array([3]),
            day,
            np.array([0]),
            principal_grace=np.array([3]),
        )
    assert e.value.field == "grace.principal_periods"
    with pytest.raises(LoanInputError) as e:
        LoanBatch(
            np.array([100]),
            np.array([1]),
            np.array([3]),
            day,
            np.array([0]),
            frequency=Frequency.ONE_TIME,
        )
    assert e.value.code == "frequency_not_vectorized"
    with pytest.raises(LoanInputError) as e:
        LoanBatch(
            np.array([100]),
            np.array([1]),
            np.array([600]),
            day,
            np.array([0]),
            frequency=Frequency.QUARTERLY,
            every=4,
        )
    assert e.value.code == "span_too_long"


def test_start_dates_type() -> None:
    assert isinstance(np.datetime64("2026-01-01").astype(object), date)


def test_vectorized_empty_batch() -> None:
    none = np.zeros(0, dtype=np.int64)
    b = LoanBatch(none, none, none, np.zeros(0, dtype="datetime64[D]"), none)
    s = build_batch(b)
    assert s.principal.shape == (0, 0)
    assert accrued_interest_batch(b, s, np.datetime64("2026-01-01")).tolist() == []
