"""Vectorized monthly schedules for many loans at once (numpy, integer minor units).

Exactly the cents of the Decimal engine (:func:`lowlend.domain.schedule.build_schedule`)
for ``equal_installment`` and ``equal_principal`` loans with monthly periods
(``every`` n months), first due one period after disbursement, no grace, daily
interest with ``ACT/365`` | ``ACT/360`` | ``30/360`` | ``ACT/ACT``, any rounding
mode, and interest accrual as of a date.

Exactness:

* row interest is the exact rational ``balance × rate_micro × num / (den × 10⁶)``
  rounded with integer arithmetic (split as ``divmod`` so nothing overflows int64);
* the annuity payment is computed in float64 for speed, then every loan whose
  float value lies within a guard band of a rounding boundary is recomputed with
  the Decimal engine's own function, so the rounded payment is always the
  Decimal engine's;
* loans where rounding the level payment closes the loan early (tiny amounts)
  are rebuilt by the Decimal engine, as is its fallback rule.

Limits: amounts ≤ 10¹¹ minor units, rates ≤ 10 (1000 %), terms ≤ 600.

>>> import numpy as np
>>> b = LoanBatch(amount_minor=np.array([1000000]), rate_micro=np.array([180000]),
...               term=np.array([12]), start=np.array(["2026-01-01"], dtype="datetime64[D]"),
...               method=np.array([EQUAL_INSTALLMENT]))
>>> s = build_batch(b)
>>> s.interest[0, :2].tolist(), s.principal[0, :2].tolist()
([15288, 12753], [76392, 78927])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

import numpy as np
import numpy.typing as npt

from lowlend.domain.conventions import Amortization, DayCount, RoundingMode
from lowlend.domain.errors import LoanInputError
from lowlend.domain.interest import annuity_payment, periodic_rate
from lowlend.domain.money import Rounding

__all__ = [
    "EQUAL_INSTALLMENT",
    "EQUAL_PRINCIPAL",
    "BatchSchedule",
    "LoanBatch",
    "accrued_interest_batch",
    "build_batch",
    "round_div",
]

EQUAL_INSTALLMENT = 0
EQUAL_PRINCIPAL = 1
METHODS = {EQUAL_INSTALLMENT: Amortization.EQUAL_INSTALLMENT,
           EQUAL_PRINCIPAL: Amortization.EQUAL_PRINCIPAL}

I64 = npt.NDArray[np.int64]
MAX_AMOUNT_MINOR = 10**11
MAX_RATE_MICRO = 10**7
MAX_TERM = 600


def round_div(num: I64, den: I64 | int, mode: RoundingMode) -> I64:
    """Round ``num / den`` (``num ≥ 0``, ``den > 0``) to integers with ``mode``, exactly.

    >>> round_div(np.array([5, 15, 25, 1]), 10, RoundingMode.HALF_EVEN).tolist()
    [0, 2, 2, 0]
    """
    q, r = np.divmod(num, den)
    return _round_qr(q, r, den, mode)


def _round_qr(q: I64, r: I64, den: I64 | int, mode: RoundingMode) -> I64:
    if mode is RoundingMode.DOWN:
        return q
    if mode is RoundingMode.UP:
        return q + (r > 0)
    if mode is RoundingMode.HALF_UP:
        return q + (2 * r >= den)
    bump = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    return cast(I64, q + bump)


def _mul_div_round(x: I64, n: I64, d: I64 | int, mode: RoundingMode) -> I64:
    """round(x × n / d) without int64 overflow (``x·n`` may exceed 2⁶³; ``d·n`` may not)."""
    if x.size and int(x.max()) * int(n.max()) < 2**62:
        q, r = np.divmod(x * n, d)
        return _round_qr(q, r, d, mode)
    q1, r1 = np.divmod(x, d)
    q2, r2 = np.divmod(r1 * n, d)
    return _round_qr(q1 * n + q2, r2, d, mode)


@dataclass(frozen=True, slots=True)
class LoanBatch:
    """Many loans of one product family (shared conventions, per-loan amount/rate/term/start).

    :param amount_minor: principal in minor units (int64).
    :param rate_micro: annual rate in millionths (``0.18`` → ``180000``).
    :param term: number of instalments.
    :param start: disbursement dates (``datetime64[D]``).
    :param method: :data:`EQUAL_INSTALLMENT` or :data:`EQUAL_PRINCIPAL` per loan.
    """

    amount_minor: I64
    rate_micro: I64
    term: I64
    start: npt.NDArray[np.datetime64]
    method: npt.NDArray[np.int64]
    every: int = 1
    day_count: DayCount = DayCount.ACT_365
    rounding: Rounding = field(default_factory=Rounding)

    def __post_init__(self) -> None:
        n = len(self.amount_minor)
        for name in ("rate_micro", "term", "start", "method"):
            if len(getattr(self, name)) != n:
                raise LoanInputError(name, "length_mismatch")
        checks = [
            ("amount_minor", (self.amount_minor <= 0) | (self.amount_minor > MAX_AMOUNT_MINOR)),
            ("rate_micro", (self.rate_micro < 0) | (self.rate_micro > MAX_RATE_MICRO)),
            ("term", (self.term < 1) | (self.term > MAX_TERM)),
            ("method", ~np.isin(self.method, list(METHODS))),
        ]
        for name, bad in checks:
            if n and bool(np.any(bad)):
                raise LoanInputError(name, "out_of_range", index=int(np.argmax(bad)))
        if not 1 <= self.every <= 12:
            raise LoanInputError("every", "every_out_of_range", value=self.every)


@dataclass(frozen=True, slots=True)
class BatchSchedule:
    """2-D results ``[loan, row]``; rows at or beyond a loan's term are zero (see ``mask``)."""

    due: npt.NDArray[np.datetime64]
    principal: I64
    interest: I64
    balance: I64
    mask: npt.NDArray[np.bool_]
    level: I64

    @property
    def total(self) -> I64:
        return self.principal + self.interest


def _days_in_year(years: I64) -> I64:
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    return np.where(leap, 366, 365).astype(np.int64)


def _due_dates(start: npt.NDArray[np.datetime64], every: int, rows: int) -> npt.NDArray[np.datetime64]:
    """``start + k·every months`` (k = 1..rows), clamped to month ends, from the anchor.

    Integer month indices and a per-month table (first day, length) keep this to
    integer arithmetic and lookups.
    """
    start_m = start.astype("datetime64[M]").astype(np.int64)          # months since 1970-01
    start_d = start.astype(np.int64)                                   # days since 1970-01-01
    lo = int(start_m.min()) if len(start_m) else 0
    hi = (int(start_m.max()) if len(start_m) else 0) + rows * every + 2
    months = np.arange(lo, hi, dtype=np.int64)
    first_day = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    table_first = first_day[:-1]
    table_len = np.diff(first_day)
    day = start_d - table_first[start_m - lo]                          # 0-based day of month
    idx = (start_m - lo)[:, None] + (np.arange(1, rows + 1, dtype=np.int64) * every)[None, :]
    due = table_first[idx] + np.minimum(day[:, None], table_len[idx] - 1)
    return cast(npt.NDArray[np.datetime64], due.astype("datetime64[D]"))


def _fractions(
    prev: npt.NDArray[np.datetime64], due: npt.NDArray[np.datetime64], dc: DayCount, every: int
) -> tuple[I64, I64 | int]:
    days = (due - prev).astype(np.int64)
    if dc is DayCount.ACT_365:
        return days, 365
    if dc is DayCount.ACT_360:
        return days, 360
    if dc is DayCount.THIRTY_360:
        return np.full_like(days, 30 * every), 360
    # ACT/ACT: a monthly period (≤ 12 months) crosses at most one 1 January
    y1 = prev.astype("datetime64[Y]").astype(np.int64) + 1970
    y2 = due.astype("datetime64[Y]").astype(np.int64) + 1970
    jan1 = due.astype("datetime64[Y]").astype("datetime64[D]")
    d1 = np.where(y1 == y2, days, (jan1 - prev).astype(np.int64))
    d2 = days - d1
    n1, n2 = _days_in_year(y1), _days_in_year(y2)
    same = y1 == y2
    num = np.where(same, days, d1 * n2 + d2 * n1)
    den = np.where(same, n1, n1 * n2)
    return num, den


def _level_payments(b: LoanBatch, m: I64) -> I64:
    rnd = b.rounding
    mode = rnd.mode
    mult = 1 if rnd.installment_multiple is None else rnd.to_minor(rnd.installment_multiple)
    level = np.zeros_like(b.amount_minor)
    ep = b.method == EQUAL_PRINCIPAL
    level[ep] = round_div(b.amount_minor[ep], m[ep], mode)
    ei = ~ep
    zero_rate = ei & (b.rate_micro == 0)
    level[zero_rate] = round_div(b.amount_minor[zero_rate], m[zero_rate] * mult, mode) * mult
    pos = ei & (b.rate_micro > 0)
    i = b.rate_micro[pos].astype(np.float64) * b.every / 12e6
    p = b.amount_minor[pos].astype(np.float64)
    units = p * i / -np.expm1(-m[pos] * np.log1p(i)) / mult
    if mode in (RoundingMode.HALF_UP, RoundingMode.HALF_EVEN):
        boundary_dist = np.abs(units - np.floor(units) - 0.5)
        rounded = np.floor(units + 0.5)
    else:
        boundary_dist = np.minimum(units - np.floor(units), np.ceil(units) - units)
        rounded = np.ceil(units) if mode is RoundingMode.UP else np.floor(units)
    unsafe = boundary_dist <= units * 1e-11 + 1e-6
    vals = rounded.astype(np.int64) * mult
    idx = np.flatnonzero(pos)
    for j in np.flatnonzero(unsafe):  # near a rounding boundary: ask the Decimal engine
        k = idx[j]
        rate = periodic_rate(Decimal(int(b.rate_micro[k])).scaleb(-6), (12, b.every))
        exact = annuity_payment(rnd.from_minor(int(b.amount_minor[k])), rate, int(m[k]))
        vals[j] = rnd.to_minor(rnd.round_installment(exact))
    level[pos] = vals
    return level


def build_batch(b: LoanBatch) -> BatchSchedule:
    """Schedules of every loan of ``b`` (see the module notes for the exactness argument)."""
    n = len(b.amount_minor)
    rows = int(b.term.max()) if n else 0
    mode = b.rounding.mode
    m = b.term
    level = _level_payments(b, m)
    # loans sorted by term, longest first: the loans still running at row j are a prefix.
    # Work arrays are column-major in that order; rows go back to input order at the end.
    order = np.argsort(-m, kind="stable")
    ms = m[order]
    running = np.searchsorted(-ms, -np.arange(1, rows + 2), side="right")  # term ≥ j+1
    start_s = b.start[order]
    due_s = _due_dates(start_s, b.every, rows)
    prev = np.concatenate([start_s[:, None], due_s[:, :-1]], axis=1)
    num_s, den_s = _fractions(prev, due_s, b.day_count, b.every)
    den_s = den_s * 1_000_000
    principal = np.zeros((n, rows), dtype=np.int64, order="F")
    interest = np.zeros((n, rows), dtype=np.int64, order="F")
    balance_out = np.zeros((n, rows), dtype=np.int64, order="F")
    bal = b.amount_minor[order].copy()
    rate = b.rate_micro[order]
    lvl = level[order]
    ep = b.method[order] == EQUAL_PRINCIPAL
    for j in range(rows):
        a = int(running[j])          # loans with term ≥ j + 1
        c = int(running[j + 1])      # of which term ≥ j + 2 (row j is not their last)
        x = bal[:a]
        d = den_s if isinstance(den_s, int) else den_s[:a, j]
        it = _mul_div_round(x * rate[:a], num_s[:a, j], d, mode)
        pr = np.empty(a, dtype=np.int64)
        xc, ic, lc = x[:c], it[:c], lvl[:c]
        pr[:c] = np.where(ep[:c], np.minimum(lc, xc), np.clip(lc - ic, 0, xc))
        pr[c:] = x[c:]                # last row takes the remaining balance
        bal[:a] = x - pr
        principal[:a, j] = pr
        interest[:a, j] = it
        balance_out[:a, j] = bal[:a]
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    principal = np.ascontiguousarray(principal[inverse])
    interest = np.ascontiguousarray(interest[inverse])
    balance_out = np.ascontiguousarray(balance_out[inverse])
    due = due_s[inverse]
    mask = np.arange(rows)[None, :] < m[:, None]
    out = BatchSchedule(due, principal, interest, balance_out, mask, level)
    if rows > 1:
        second_last = balance_out[np.arange(n), np.maximum(m - 2, 0)]
        early = np.flatnonzero((m > 1) & (second_last == 0) & (level > 0))
        if early.size:
            _rebuild_with_decimal(b, out, early)
    return out


def _rebuild_with_decimal(b: LoanBatch, out: BatchSchedule, which: npt.NDArray[np.intp]) -> None:
    from lowlend.domain.schedule import build_schedule
    from lowlend.domain.terms import LoanTerms

    rnd = b.rounding
    for k in which:
        start: date = b.start[k].astype(object)
        s = build_schedule(LoanTerms(
            amount=rnd.from_minor(int(b.amount_minor[k])), term=int(b.term[k]),
            annual_rate=Decimal(int(b.rate_micro[k])).scaleb(-6), start=start,
            amortization=METHODS[int(b.method[k])], every=b.every, day_count=b.day_count,
            rounding=rnd))
        for j, r in enumerate(s.installments):
            out.principal[k, j] = rnd.to_minor(r.principal)
            out.interest[k, j] = rnd.to_minor(r.interest)
            out.balance[k, j] = rnd.to_minor(r.balance)


def accrued_interest_batch(
    b: LoanBatch, s: BatchSchedule, as_of: np.datetime64
) -> I64:
    """Interest accrued to ``as_of`` per loan (same rule as :mod:`lowlend.domain.accrual`)."""
    prev = np.concatenate([b.start[:, None], s.due[:, :-1]], axis=1)
    done = (s.due <= as_of) & s.mask
    full = np.where(done, s.interest, 0).sum(axis=1)
    current = (prev < as_of) & (s.due > as_of) & s.mask
    has = current.any(axis=1)
    j = np.argmax(current, axis=1)
    ix = np.arange(len(j))
    elapsed = (as_of - prev[ix, j]).astype(np.int64)
    days = (s.due[ix, j] - prev[ix, j]).astype(np.int64)
    part = round_div(s.interest[ix, j] * elapsed, days, b.rounding.mode)
    return cast(I64, full + np.where(has, part, 0))
