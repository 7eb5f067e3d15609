"""Calendar (anchored due dates, first-due rules) and day counts, with hand-checked values."""

from __future__ import annotations

from datetime import date

import pytest

from lowlend.domain.calendar import FirstDue, add_months, due_dates
from lowlend.domain.conventions import DayCount, FirstDueRule, Frequency
from lowlend.domain.daycount import days_in_year, year_fraction
from lowlend.domain.errors import LoanInputError


def test_month_end_anchor_is_never_chained() -> None:
    # Anchor 31 Jan 2024 (leap year): +1 → 29 Feb, +2 → 31 Mar (not 29 Mar), +3 → 30 Apr.
    got = due_dates(date(2024, 1, 31), Frequency.MONTHLY, 1, 4)
    assert got == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]
    # Non-leap: 31 Jan 2023 → 28 Feb 2023 → 31 Mar 2023.
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 1, 31), 2) == date(2023, 3, 31)
    # 29 Feb 2024 + 12 months → 28 Feb 2025; + 48 months → 29 Feb 2028.
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_frequencies_and_every() -> None:
    s = date(2026, 1, 5)
    assert due_dates(s, Frequency.DAILY, 1, 3) == [date(2026, 1, 6), date(2026, 1, 7), date(2026, 1, 8)]
    assert due_dates(s, Frequency.DAILY, 10, 2) == [date(2026, 1, 15), date(2026, 1, 25)]
    assert due_dates(s, Frequency.WEEKLY, 1, 2) == [date(2026, 1, 12), date(2026, 1, 19)]
    assert due_dates(s, Frequency.WEEKLY, 2, 2) == [date(2026, 1, 19), date(2026, 2, 2)]
    assert due_dates(s, Frequency.BIWEEKLY, 1, 2) == [date(2026, 1, 19), date(2026, 2, 2)]
    assert due_dates(s, Frequency.MONTHLY, 2, 2) == [date(2026, 3, 5), date(2026, 5, 5)]
    # quarterly from 30 Nov: 28 Feb 2027 (clamped), then 30 May (anchor day 30 restored)
    assert due_dates(date(2026, 11, 30), Frequency.QUARTERLY, 1, 2) == [date(2027, 2, 28),
                                                                         date(2027, 5, 30)]
    assert due_dates(s, Frequency.ONE_TIME, 30, 1) == [date(2026, 2, 4)]
    with pytest.raises(LoanInputError) as e:
        due_dates(s, Frequency.ONE_TIME, 30, 2)
    assert (e.value.field, e.value.code) == ("term", "one_time_term_not_one")


def test_first_due_rules() -> None:
    # fixed day 20: disbursed 10 Jan → first due 20 Feb (broken 41-day period), then 20 Mar.
    fd = FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=20)
    assert due_dates(date(2026, 1, 10), Frequency.MONTHLY, 1, 2, fd) == [date(2026, 2, 20),
                                                                          date(2026, 3, 20)]
    # fixed day 31 keeps the month-end anchor: 28 Feb, 31 Mar, 30 Apr.
    fd31 = FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=31)
    assert due_dates(date(2026, 1, 10), Frequency.MONTHLY, 1, 3, fd31) == [
        date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    # 45 days after 1 Jan = 15 Feb, then monthly from that anchor.
    fd45 = FirstDue(FirstDueRule.DAYS_AFTER_DISBURSEMENT, days=45)
    assert due_dates(date(2026, 1, 1), Frequency.MONTHLY, 1, 2, fd45) == [date(2026, 2, 15),
                                                                           date(2026, 3, 15)]
    assert due_dates(date(2026, 1, 1), Frequency.WEEKLY, 1, 2, fd45) == [date(2026, 2, 15),
                                                                          date(2026, 2, 22)]
    with pytest.raises(LoanInputError):
        FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=32)
    with pytest.raises(LoanInputError):
        due_dates(date(2026, 1, 1), Frequency.WEEKLY, 1, 2, fd)


def test_day_counts() -> None:
    jan31, feb29 = date(2024, 1, 31), date(2024, 2, 29)
    assert year_fraction(jan31, feb29, DayCount.ACT_365) == (29, 365)
    assert year_fraction(jan31, feb29, DayCount.ACT_360) == (29, 360)
    assert year_fraction(jan31, feb29, DayCount.ACT_ACT) == (29, 366)  # leap year length
    assert year_fraction(jan31, feb29, DayCount.THIRTY_360, months=1) == (30, 360)
    # 30E/360 for a broken span: 10 Jan → 20 Feb = 30 + 10 = 40 days
    assert year_fraction(date(2026, 1, 10), date(2026, 2, 20), DayCount.THIRTY_360) == (40, 360)
    # ACT/ACT over two year boundaries: 2023-07-01 → 2025-07-01
    # = 184/365 (2023) + 366/366 (2024) + 181/365 (2025) = 2 + 0 exactly? 184+181 = 365 → 2.
    num, den = year_fraction(date(2023, 7, 1), date(2025, 7, 1), DayCount.ACT_ACT)
    assert num == 2 * den
    assert days_in_year(2024) == 366 and days_in_year(1900) == 365
    assert year_fraction(feb29, jan31, DayCount.ACT_365) == (0, 1)
