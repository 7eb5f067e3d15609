"""Repayment calendar: due dates from an anchor, never chained.

Monthly dates are always computed from the anchor date (``anchor + k months``),
so an anchor on the 31st gives 31 Jan → 28/29 Feb → 31 Mar, not 28 Mar.

>>> add_months(date(2024, 1, 31), 1), add_months(date(2024, 1, 31), 2)
(datetime.date(2024, 2, 29), datetime.date(2024, 3, 31))
>>> add_months(date(2023, 1, 31), 1)
datetime.date(2023, 2, 28)
>>> due_dates(date(2024, 1, 31), Frequency.MONTHLY, 1, 3)
[datetime.date(2024, 2, 29), datetime.date(2024, 3, 31), datetime.date(2024, 4, 30)]
>>> due_dates(date(2024, 1, 10), Frequency.MONTHLY, 1, 2, FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=20))
[datetime.date(2024, 2, 20), datetime.date(2024, 3, 20)]
>>> due_dates(date(2024, 1, 1), Frequency.BIWEEKLY, 1, 2)
[datetime.date(2024, 1, 15), datetime.date(2024, 1, 29)]
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, timedelta

from lowlend.domain.conventions import DayCount, FirstDueRule, Frequency
from lowlend.domain.errors import LoanInputError

__all__ = [
    "FirstDue",
    "add_months",
    "due_dates",
    "month_date",
    "period_days",
    "period_months",
    "periods_per_year",
]

_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3}
_DAYS = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14}


@dataclass(frozen=True, slots=True)
class FirstDue:
    """First due date rule (YAML ``repayment.first_due``).

    :param rule: ``one_period_after`` | ``fixed_day_of_month`` | ``days_after_disbursement``.
    :param day: day of month (1–31) for ``fixed_day_of_month``; the first due date
        is that day in the month after disbursement (broken first period, whose
        interest is computed from actual dates).
    :param days: days after disbursement for ``days_after_disbursement``; later
        dates step by the frequency from that first date.
    """

    rule: FirstDueRule = FirstDueRule.ONE_PERIOD_AFTER
    day: int | None = None
    days: int | None = None

    def __post_init__(self) -> None:
        if self.rule is FirstDueRule.FIXED_DAY_OF_MONTH and (
            self.day is None or not 1 <= self.day <= 31
        ):
            raise LoanInputError("first_due.day", "day_out_of_range", value=self.day)
        if self.rule is FirstDueRule.DAYS_AFTER_DISBURSEMENT and (
            self.days is None or not 1 <= self.days <= 3660
        ):
            raise LoanInputError("first_due.days", "days_out_of_range", value=self.days)


def month_date(year: int, month_index: int, day: int) -> date:
    """Date ``day`` of month ``month_index`` (may overflow 1..12), clamped to month end."""
    y, m0 = divmod(month_index - 1, 12)
    year += y
    month = m0 + 1
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def add_months(anchor: date, months: int) -> date:
    """``anchor`` plus ``months`` calendar months, clamped to the month end."""
    return month_date(anchor.year, anchor.month + months, anchor.day)


def period_months(frequency: Frequency, every: int) -> int | None:
    """Whole months per period (monthly/quarterly), else ``None``."""
    m = _MONTHS.get(frequency)
    return None if m is None else m * every


def period_days(frequency: Frequency, every: int) -> int | None:
    """Days per period (daily/weekly/bi-weekly), else ``None``.

    >>> period_days(Frequency.BIWEEKLY, 2)
    28
    """
    d = _DAYS.get(frequency)
    return None if d is None else d * every


def periods_per_year(frequency: Frequency, every: int, day_count: DayCount) -> tuple[int, int]:
    """Rate normalisation ``k`` as a fraction ``(num, den)``: periodic rate = annual / k.

    Monthly 12, quarterly 4, weekly 52, bi-weekly 26, daily = the day count's
    year (365 or 360; ACT/ACT uses 365), each divided by ``every``. One-time
    loans have no regular period (``every`` days then, like daily).

    >>> periods_per_year(Frequency.MONTHLY, 3, DayCount.ACT_365)
    (12, 3)
    """
    base = {
        Frequency.MONTHLY: 12,
        Frequency.QUARTERLY: 4,
        Frequency.WEEKLY: 52,
        Frequency.BIWEEKLY: 26,
    }.get(frequency)
    if base is None:
        base = day_count.days_in_year_fixed or 365
    return (base, every)


def _step(start: date, frequency: Frequency, every: int, k: int) -> date:
    months = period_months(frequency, every)
    if months is not None:
        return month_date(start.year, start.month + k * months, start.day)
    return start + timedelta(days=k * _DAYS.get(frequency, 1) * every)


def due_dates(
    start: date,
    frequency: Frequency,
    every: int,
    count: int,
    first_due: FirstDue | None = None,
) -> list[date]:
    """The ``count`` due dates of a loan disbursed on ``start``.

    ``one_time`` loans have one due date ``every`` days after ``start`` (or as
    set by the first-due rule).
    """
    fd = first_due or FirstDue()
    if frequency is Frequency.ONE_TIME:
        if count != 1:
            raise LoanInputError("term", "one_time_term_not_one", value=count)
        if fd.rule is FirstDueRule.DAYS_AFTER_DISBURSEMENT:
            return [start + timedelta(days=fd.days or 0)]
        if fd.rule is FirstDueRule.FIXED_DAY_OF_MONTH:
            return [month_date(start.year, start.month + 1, fd.day or 1)]
        return [start + timedelta(days=every)]
    if fd.rule is FirstDueRule.ONE_PERIOD_AFTER:
        return [_step(start, frequency, every, k) for k in range(1, count + 1)]
    if fd.rule is FirstDueRule.FIXED_DAY_OF_MONTH:
        months = period_months(frequency, every)
        if months is None:
            raise LoanInputError("first_due.rule", "fixed_day_needs_monthly", frequency=frequency.value)
        first = month_date(start.year, start.month + 1, fd.day or 1)
        anchor_day = fd.day or 1
        return [
            month_date(first.year, first.month + k * months, anchor_day) for k in range(count)
        ]
    first = start + timedelta(days=fd.days or 0)
    return [_step(first, frequency, every, k) for k in range(count)]
