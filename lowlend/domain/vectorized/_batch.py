"""Loan batches and their schedules, the vectorized twin of
:func:`~lowlend.domain.schedule.build_schedule` (see the package notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

import numpy as np
import numpy.typing as npt

from lowlend.domain.calendar import period_months, periods_per_year
from lowlend.domain.conventions import Amortization, DayCount, Frequency, RoundingMode
from lowlend.domain.errors import LoanInputError
from lowlend.domain.interest import annuity_payment, periodic_rate
from lowlend.domain.money import Rounding
from lowlend.domain.vectorized._arith import I64, interest_minor, round_div
from lowlend.domain.vectorized._dates import Dates, due_dates, step_days, year_fractions

__all__ = [
    "BULLET", "EQUAL_INSTALLMENT", "EQUAL_PRINCIPAL", "FLAT", "INTEREST_ONLY", "METHODS",
    "BatchSchedule", "LoanBatch", "accrued_interest_batch", "build_batch",
]

EQUAL_INSTALLMENT = 0
EQUAL_PRINCIPAL = 1
INTEREST_ONLY = 2
BULLET = 3
FLAT = 4
#: method code → :class:`~lowlend.domain.conventions.Amortization`
METHODS = {EQUAL_INSTALLMENT: Amortization.EQUAL_INSTALLMENT,
           EQUAL_PRINCIPAL: Amortization.EQUAL_PRINCIPAL,
           INTEREST_ONLY: Amortization.INTEREST_ONLY,
           BULLET: Amortization.BULLET,
           FLAT: Amortization.FLAT}

MAX_AMOUNT_MINOR = 10**11
MAX_RATE_MICRO = 10**7
MAX_TERM = 600
MAX_SPAN_DAYS = 36_525  # 100 years: keeps ACT/ACT numerators × denominators inside int64
#: largest ``every`` per frequency (a period of at most about a year)
MAX_EVERY = {Frequency.DAILY: 366, Frequency.WEEKLY: 52, Frequency.BIWEEKLY: 26,
             Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4}


def _zeros_if_none(a: I64 | None, n: int) -> I64:
    return np.zeros(n, dtype=np.int64) if a is None else np.asarray(a, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LoanBatch:
    """Many loans sharing conventions (frequency, every, day count, rounding), each with its
    own amount, rate, term, start, method and grace.

    :param amount_minor: principal in minor units (int64).
    :param rate_micro: annual rate in millionths (``0.18`` → ``180000``).
    :param term: number of installments (bullet loans: periods to maturity).
    :param start: disbursement dates (``datetime64[D]``).
    :param method: :data:`EQUAL_INSTALLMENT` | :data:`EQUAL_PRINCIPAL` |
        :data:`INTEREST_ONLY` | :data:`BULLET` | :data:`FLAT` per loan.
    :param every: periods of ``frequency`` per installment ("repay every n").
    :param frequency: daily, weekly, bi-weekly, monthly or quarterly.
    :param principal_grace: per-loan principal grace periods (``None`` = none); likewise
        ``interest_payment_grace`` (deferred interest) and ``interest_free_grace``.
    """

    amount_minor: I64
    rate_micro: I64
    term: I64
    start: Dates
    method: I64
    every: int = 1
    day_count: DayCount = DayCount.ACT_365
    rounding: Rounding = field(default_factory=Rounding)
    frequency: Frequency = Frequency.MONTHLY
    principal_grace: I64 | None = None
    interest_payment_grace: I64 | None = None
    interest_free_grace: I64 | None = None

    def __post_init__(self) -> None:
        n = len(self.amount_minor)
        for name in ("rate_micro", "term", "start", "method", "principal_grace",
                     "interest_payment_grace", "interest_free_grace"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise LoanInputError(name, "length_mismatch")
        if self.frequency not in MAX_EVERY:
            raise LoanInputError("frequency", "frequency_not_vectorized",
                                 value=self.frequency.value)
        if not 1 <= self.every <= MAX_EVERY[self.frequency]:
            raise LoanInputError("every", "every_out_of_range", value=self.every)
        term = self.term
        gp, gip, gif = self.grace_arrays()
        level_methods = np.isin(self.method, [EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, FLAT])
        checks = [
            ("amount_minor", (self.amount_minor <= 0) | (self.amount_minor > MAX_AMOUNT_MINOR)),
            ("rate_micro", (self.rate_micro < 0) | (self.rate_micro > MAX_RATE_MICRO)),
            ("term", (term < 1) | (term > MAX_TERM)),
            ("method", ~np.isin(self.method, list(METHODS))),
            ("grace", (gp < 0) | (gip < 0) | (gif < 0) | (np.maximum(gp, np.maximum(gip, gif))
                                                           > MAX_TERM)),
            ("grace.principal_periods", level_methods & (gp >= term)),
            ("grace", (np.maximum(gip, gif) >= term) & (term > 1)),
        ]
        for name, bad in checks:
            if n and bool(np.any(bad)):
                raise LoanInputError(name, "out_of_range", index=int(np.argmax(bad)))
        months = period_months(self.frequency, self.every)
        period_days = 31 * months if months is not None else step_days(self.frequency, self.every)
        too_long = term * period_days > MAX_SPAN_DAYS
        if n and bool(np.any(too_long)):
            raise LoanInputError("term", "span_too_long", index=int(np.argmax(too_long)))

    def grace_arrays(self) -> tuple[I64, I64, I64]:
        """``(principal, interest_payment, interest_free)`` grace periods per loan."""
        n = len(self.amount_minor)
        return (_zeros_if_none(self.principal_grace, n),
                _zeros_if_none(self.interest_payment_grace, n),
                _zeros_if_none(self.interest_free_grace, n))


@dataclass(frozen=True, slots=True)
class BatchSchedule:
    """2-D results ``[loan, row]``; rows beyond a loan's schedule are zero (see ``mask``).

    A bullet loan has one row (its maturity); other loans have ``term`` rows. ``level`` is
    the level payment (equal principal: the principal) before the engine's early-close
    fallback, which lowers it for the few loans it rebuilds.
    """

    due: Dates
    principal: I64
    interest: I64
    balance: I64
    mask: npt.NDArray[np.bool_]
    level: I64

    @property
    def total(self) -> I64:
        return self.principal + self.interest


def _multiple(rnd: Rounding) -> int:
    return 1 if rnd.installment_multiple is None else rnd.to_minor(rnd.installment_multiple)


def _annuity_levels(b: LoanBatch, amount: I64, rate: I64, m: I64) -> I64:
    """Rounded annuity payments (see the guard band in the module notes)."""
    rnd = b.rounding
    mode = rnd.mode
    mult = _multiple(rnd)
    ppy = periods_per_year(b.frequency, b.every, b.day_count)
    out = np.zeros(len(amount), dtype=np.int64)
    zero_rate = rate == 0
    out[zero_rate] = round_div(amount[zero_rate], m[zero_rate] * mult, mode) * mult
    pos = ~zero_rate
    i = rate[pos].astype(np.float64) * ppy[1] / (ppy[0] * 1e6)
    p = amount[pos].astype(np.float64)
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
        r = periodic_rate(Decimal(int(rate[k])).scaleb(-6), ppy)
        exact = annuity_payment(rnd.from_minor(int(amount[k])), r, int(m[k]))
        vals[j] = rnd.to_minor(rnd.round_installment(exact))
    out[pos] = vals
    return out


def _flat_interest(b: LoanBatch, amount: I64, rate: I64, term: I64, gif: I64, start: Dates,
                   due: Dates) -> tuple[I64, I64, I64]:
    """``(each, last, total)`` flat interest per loan, by the engine's rule: total = P × rate
    × (charged periods in years), split equally over the charged rows; the last row takes
    the rounding rest (``each`` drops to 0 if it would exceed the total)."""
    mode = b.rounding.mode
    count = np.maximum(term - gif, 0)
    if b.day_count is DayCount.THIRTY_360 and period_months(b.frequency, b.every) is not None:
        base, every = periods_per_year(b.frequency, b.every, b.day_count)
        num: I64 = every * count
        den: I64 | int = base
    else:
        ix = np.arange(len(term))
        g = np.minimum(gif, term - 1)
        first = np.where(g == 0, start, due[ix, np.maximum(g - 1, 0)])
        num, den = year_fractions(first, due[ix, term - 1], b.day_count, None)
    total = np.where(count > 0, interest_minor(amount * rate, num, den, mode), 0)
    each = round_div(total, np.maximum(count, 1), mode)
    each = np.where(each * (count - 1) > total, 0, each)
    return each, total - each * np.maximum(count - 1, 0), total


def build_batch(b: LoanBatch) -> BatchSchedule:
    """Schedules of every loan of ``b`` (see the module notes for the exactness argument).

    Loans are sorted by schedule length, longest first, so the loans still running at
    row ``j`` are a prefix; work arrays are column-major in that order and go back to
    input order at the end.
    """
    n = len(b.amount_minor)
    rnd = b.rounding
    mode = rnd.mode
    months = period_months(b.frequency, b.every)
    gp0, gip0, gif0 = b.grace_arrays()
    count0 = np.where(b.method == BULLET, 1, b.term)   # rows in each loan's schedule
    order = np.argsort(-count0, kind="stable")
    amount, rate, term, method = (b.amount_minor[order], b.rate_micro[order], b.term[order],
                                  b.method[order])
    gp = np.minimum(gp0[order], term - 1)
    gip, gif, count, start = gip0[order], gif0[order], count0[order], b.start[order]
    rows = int(count.max()) if n else 0
    due = due_dates(start, b.frequency, b.every, int(term.max()) if n else 0)

    # ---- levels over the principal-bearing periods (interest-only and bullet: 0)
    m = term - gp
    level = np.zeros(n, dtype=np.int64)
    ei = method == EQUAL_INSTALLMENT
    if ei.any():
        level[ei] = _annuity_levels(b, amount[ei], rate[ei], m[ei])
    ep = method == EQUAL_PRINCIPAL
    level[ep] = round_div(amount[ep], m[ep], mode)
    is_flat = method == FLAT
    any_flat = bool(is_flat.any())
    flat_each = np.zeros(n, dtype=np.int64)
    flat_last = np.zeros(n, dtype=np.int64)
    if any_flat:
        each, last, total = _flat_interest(b, amount[is_flat], rate[is_flat], term[is_flat],
                                           gif[is_flat], start[is_flat], due[is_flat])
        flat_each[is_flat], flat_last[is_flat] = each, last
        # level = (P + flat interest of the principal-bearing rows) / m, installment rounding
        before = each * np.maximum(gp[is_flat] - gif[is_flat], 0)
        mult = _multiple(rnd)
        level[is_flat] = round_div(amount[is_flat] + total - before, m[is_flat] * mult,
                                   mode) * mult

    # ---- the row loop
    running = np.searchsorted(-count, -np.arange(1, rows + 2), side="right")  # count ≥ j+1
    prev = np.concatenate([start[:, None], due[:, :rows - 1]], axis=1)
    num, den = year_fractions(prev, due[:, :rows], b.day_count, months)
    p_s = np.zeros((n, rows), dtype=np.int64, order="F")
    i_s = np.zeros((n, rows), dtype=np.int64, order="F")
    b_s = np.zeros((n, rows), dtype=np.int64, order="F")
    bal = amount.copy()
    any_gp, any_gip, any_gif = bool(gp.any()), bool(gip.any()), bool(gif.any())
    deferred = np.zeros(n, dtype=np.int64)
    for j in range(rows):
        a = int(running[j])          # loans with count ≥ j + 1
        c = int(running[j + 1])      # of which count ≥ j + 2 (row j is not their last)
        x = bal[:a]
        d = den if isinstance(den, int) else den[:a, j]
        it = interest_minor(x * rate[:a], num[:a, j], d, mode)
        if any_gif:
            it = np.where(j < gif[:a], 0, it)
        if any_flat:
            flat_it = np.where(j < gif[:a], 0, np.where(term[:a] - 1 == j, flat_last[:a],
                                                        flat_each[:a]))
            it = np.where(is_flat[:a], flat_it, it)
        paid = it
        if any_gip:
            defer = (j < gip[:a]) & (term[:a] - 1 > j)
            paid = np.where(defer, 0, it + deferred[:a])
            deferred[:a] = np.where(defer, deferred[:a] + it, 0)
        pr = np.empty(a, dtype=np.int64)
        xc, ic, lc = x[:c], it[:c], level[:c]
        pr[:c] = np.where(ep[:c], np.minimum(lc, xc), np.clip(lc - ic, 0, xc))
        if any_gp:
            pr[:c] = np.where(j < gp[:c], 0, pr[:c])
        pr[c:] = x[c:]                # last row takes the remaining balance
        bal[:a] = x - pr
        p_s[:a, j] = pr
        i_s[:a, j] = paid
        b_s[:a, j] = bal[:a]

    # ---- bullet: one row at maturity, interest from the end of the interest-free periods
    bi = np.flatnonzero(method == BULLET)
    due_out = due[:, :rows].copy()
    if bi.size:
        maturity = due[bi, term[bi] - 1]
        free = np.minimum(gif[bi], term[bi])
        since = np.where(free == 0, start[bi], due[bi, np.maximum(free - 1, 0)])
        charged = term[bi] - free
        total_months = None if months is None else months * charged
        bnum, bden = year_fractions(since, np.maximum(maturity, since + 1), b.day_count,
                                    total_months)
        it = interest_minor(amount[bi] * rate[bi], bnum, bden, mode)
        i_s[bi, 0] = np.where(charged == 0, 0, it)
        due_out[bi, 0] = maturity

    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    mask = np.arange(rows)[None, :] < count0[:, None]
    out = BatchSchedule(due_out[inverse], np.ascontiguousarray(p_s[inverse]),
                        np.ascontiguousarray(i_s[inverse]), np.ascontiguousarray(b_s[inverse]),
                        mask, level[inverse])
    if rows > 1:
        second_last = out.balance[np.arange(n), np.maximum(count0 - 2, 0)]
        early = np.flatnonzero((count0 > 1) & (second_last == 0))
        if early.size:
            _rebuild_with_decimal(b, out, early)
    return out


def _rebuild_with_decimal(b: LoanBatch, out: BatchSchedule, which: npt.NDArray[np.intp]) -> None:
    from lowlend.domain.schedule import build_schedule
    from lowlend.domain.terms import Grace, LoanTerms

    rnd = b.rounding
    gp, gip, gif = b.grace_arrays()
    for k in which:
        start: date = b.start[k].astype(object)
        s = build_schedule(LoanTerms(
            amount=rnd.from_minor(int(b.amount_minor[k])), term=int(b.term[k]),
            annual_rate=Decimal(int(b.rate_micro[k])).scaleb(-6), start=start,
            amortization=METHODS[int(b.method[k])], frequency=b.frequency, every=b.every,
            day_count=b.day_count, rounding=rnd,
            grace=Grace(int(gp[k]), int(gip[k]), int(gif[k]))))
        for j, r in enumerate(s.installments):
            out.principal[k, j] = rnd.to_minor(r.principal)
            out.interest[k, j] = rnd.to_minor(r.interest)
            out.balance[k, j] = rnd.to_minor(r.balance)


def accrued_interest_batch(
    b: LoanBatch, s: BatchSchedule, as_of: np.datetime64
) -> I64:
    """Interest accrued to ``as_of`` per loan (same rule as :mod:`lowlend.domain.accrual`)."""
    if s.due.size == 0:
        return np.zeros(len(b.amount_minor), dtype=np.int64)
    prev = np.concatenate([b.start[:, None], s.due[:, :-1]], axis=1)
    done = (s.due <= as_of) & s.mask
    full = np.where(done, s.interest, 0).sum(axis=1)
    current = (prev < as_of) & (s.due > as_of) & s.mask
    has = current.any(axis=1)
    j = np.argmax(current, axis=1)
    ix = np.arange(len(j))
    elapsed = (as_of - prev[ix, j]).astype(np.int64)
    days = np.maximum((s.due[ix, j] - prev[ix, j]).astype(np.int64), 1)
    part = round_div(s.interest[ix, j] * elapsed, days, b.rounding.mode)
    return cast(I64, full + np.where(has, part, 0))
