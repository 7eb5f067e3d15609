"""Day-count conventions as exact year fractions ``(numerator, denominator)``.

A year fraction is returned as a pair of integers so interest can be computed
exactly (``balance × rate × num / den``) by the Decimal engine and by integer
vectorized code alike.

* ``ACT/365``: actual days / 365 (fixed, also in leap years).
* ``ACT/360``: actual days / 360.
* ``30/360``: whole calendar months count 30 days each (``months`` given by the
  schedule); other spans use 30E/360 (day 31 → 30).
* ``ACT/ACT``: ISDA actual/actual: a span crossing 1 January is split, each part
  divided by the true length of its own calendar year (365 or 366).

>>> year_fraction(date(2024, 1, 31), date(2024, 2, 29), DayCount.ACT_365)   # 29 days, leap Feb
(29, 365)
>>> year_fraction(date(2024, 1, 31), date(2024, 2, 29), DayCount.ACT_360)
(29, 360)
>>> year_fraction(date(2024, 1, 31), date(2024, 2, 29), DayCount.THIRTY_360, months=1)
(30, 360)
>>> # 2023-12-15 → 2024-01-15: 17 days of 2023 (/365) + 14 days of 2024 (/366)
>>> year_fraction(date(2023, 12, 15), date(2024, 1, 15), DayCount.ACT_ACT)
(11332, 133590)
>>> 17 * 366 + 14 * 365, 365 * 366
(11332, 133590)
"""

from __future__ import annotations

from datetime import date

from lowlend.domain.conventions import DayCount

__all__ = ["DayCount", "date", "days_30e_360", "days_in_year", "year_fraction"]


def days_in_year(year: int) -> int:
    """366 for leap years, else 365.

    >>> days_in_year(2024), days_in_year(2100), days_in_year(2000)
    (366, 365, 366)
    """
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 366 if leap else 365


def days_30e_360(start: date, end: date) -> int:
    """30E/360 day count between two dates (day 31 counts as 30).

    >>> days_30e_360(date(2024, 1, 15), date(2024, 3, 31))
    75
    """
    d1 = min(start.day, 30)
    d2 = min(end.day, 30)
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def year_fraction(
    start: date, end: date, day_count: DayCount, *, months: int | None = None
) -> tuple[int, int]:
    """Exact year fraction of ``[start, end)`` as ``(numerator, denominator)``.

    :param months: for ``30/360``, the number of whole months the period spans
        when it is a regular monthly/quarterly period (then it counts 30 days
        per month whatever the calendar says); ignored by other conventions.
    """
    if end <= start:
        return (0, 1)
    if day_count is DayCount.ACT_365:
        return ((end - start).days, 365)
    if day_count is DayCount.ACT_360:
        return ((end - start).days, 360)
    if day_count is DayCount.THIRTY_360:
        return (30 * months if months is not None else days_30e_360(start, end), 360)
    # ACT/ACT (ISDA): split at each 1 January.
    if start.year == end.year:
        return ((end - start).days, days_in_year(start.year))
    den = 1
    parts: list[tuple[int, int]] = []
    cursor = start
    while cursor < end:
        boundary = date(cursor.year + 1, 1, 1)
        stop = min(boundary, end)
        y = days_in_year(cursor.year)
        parts.append(((stop - cursor).days, y))
        if den % y:
            den *= y
        cursor = stop
    num = sum(d * (den // y) for d, y in parts)
    return (num, den)
