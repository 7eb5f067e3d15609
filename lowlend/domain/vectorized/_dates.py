"""Due dates and exact year fractions of many periods at once (numpy ``datetime64[D]``)."""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from lowlend.domain.calendar import period_months
from lowlend.domain.conventions import DayCount, Frequency
from lowlend.domain.vectorized._arith import I64

__all__ = ["Dates", "due_dates", "step_days", "year_fractions"]

Dates = npt.NDArray[np.datetime64]
_DAYS = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14}


def step_days(frequency: Frequency, every: int) -> int:
    return _DAYS.get(frequency, 0) * every


def _days_in_year(years: I64) -> I64:
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    return np.where(leap, 366, 365).astype(np.int64)


def due_dates(start: Dates, frequency: Frequency, every: int, rows: int) -> Dates:
    """Due dates ``1..rows`` of each loan, from the anchor (never chained).

    Monthly/quarterly: ``start + k·months``, clamped to month ends; integer month
    indices and a per-month table (first day, length) keep this to integer arithmetic
    and lookups. Daily/weekly/bi-weekly: ``start + k·days``.
    """
    k = np.arange(1, rows + 1, dtype=np.int64)
    months = period_months(frequency, every)
    if months is None:
        step = step_days(frequency, every)
        days = start.astype(np.int64)[:, None] + (k * step)[None, :]
        return cast(Dates, days.astype("datetime64[D]"))
    start_m = start.astype("datetime64[M]").astype(np.int64)          # months since 1970-01
    start_d = start.astype(np.int64)                                   # days since 1970-01-01
    lo = int(start_m.min()) if len(start_m) else 0
    hi = (int(start_m.max()) if len(start_m) else 0) + rows * months + 2
    month_ix = np.arange(lo, hi, dtype=np.int64)
    first_day = month_ix.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    table_first = first_day[:-1]
    table_len = np.diff(first_day)
    day = start_d - table_first[start_m - lo]                          # 0-based day of month
    idx = (start_m - lo)[:, None] + (k * months)[None, :]
    due = table_first[idx] + np.minimum(day[:, None], table_len[idx] - 1)
    return cast(Dates, due.astype("datetime64[D]"))


def _ymd(d: Dates) -> tuple[I64, I64, I64]:
    """(year, months since 1970-01, day of month) of dates."""
    months = d.astype("datetime64[M]")
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return (d.astype("datetime64[Y]").astype(np.int64) + 1970, months.astype(np.int64), day)


def year_fractions(a: Dates, b: Dates, dc: DayCount,
              months: int | I64 | None) -> tuple[I64, I64 | int]:
    """Year fraction ``(num, den)`` of ``[a, b)`` as :func:`~lowlend.domain.daycount.year_fraction`
    (equal as a rational number; ``a < b`` everywhere). ``den`` is an ``int`` when it is
    the same for every element (all but ACT/ACT)."""
    if dc is DayCount.THIRTY_360:
        if months is not None:
            shape = np.broadcast_shapes(a.shape, b.shape)
            return np.broadcast_to(np.asarray(30 * months, dtype=np.int64), shape).copy(), 360
        _, ma, da = _ymd(a)
        _, mb, db = _ymd(b)
        return 30 * (mb - ma) + np.minimum(db, 30) - np.minimum(da, 30), 360
    days = (b - a).astype(np.int64)
    if dc is DayCount.ACT_365:
        return days, 365
    if dc is DayCount.ACT_360:
        return days, 360
    # ACT/ACT (ISDA): days of the first year / its length + whole years between
    # + days of the last year / its length
    ya = a.astype("datetime64[Y]").astype(np.int64) + 1970
    yb = b.astype("datetime64[Y]").astype(np.int64) + 1970
    la, lb = _days_in_year(ya), _days_in_year(yb)
    same = ya == yb
    first_jan_after_a = (a.astype("datetime64[Y]") + 1).astype("datetime64[D]")
    jan_of_b = b.astype("datetime64[Y]").astype("datetime64[D]")
    d1 = (first_jan_after_a - a).astype(np.int64)
    d2 = (b - jan_of_b).astype(np.int64)
    num = np.where(same, days, d1 * lb + d2 * la + (yb - ya - 1) * la * lb)
    den = np.where(same, la, la * lb)
    return num, den

