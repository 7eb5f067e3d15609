"""More hand-checked schedules, so every method × frequency × day count of the issue is pinned.

Every expected number below was computed by hand from the rules in DOMAIN.md (interest =
opening balance × annual rate × year fraction, rounded half-up to the cent; the annuity at
the nominal periodic rate ``annual / k``; the last row takes the remaining balance), never
copied from the engine. Together with ``test_schedule_examples.py`` the coverage is:

==================  =====================================================================
method              frequencies (day count)
==================  =====================================================================
equal_installment   monthly (30/360, ACT/365), monthly every 2 (ACT/360), daily (ACT/365),
                    weekly (ACT/365), biweekly (ACT/360), quarterly (ACT/ACT, leap year,
                    30 Nov anchor), one_time (ACT/360)
equal_principal     monthly (ACT/365 leap year 31 Jan anchor, ACT/ACT across 1 Jan 2024),
                    weekly, biweekly every 2 (ACT/365), quarterly (30/360, 31 Jan anchor),
                    quarterly every 2 (ACT/365, 31 Mar anchor), daily every 10 (30/360)
interest_only       monthly (ACT/360), quarterly (ACT/365, 31 Aug anchor), weekly (ACT/ACT
                    across 1 Jan 2024), weekly every 2 (ACT/360)
bullet              one_time (ACT/ACT across 1 Jan 2024, ACT/365; a leap year with ACT/365
                    vs ACT/ACT), monthly (same-as-repayment; 30/360 and ACT/365 from 31 Jan),
                    weekly (ACT/360), daily every 10 (ACT/365)
flat                monthly (same-as-repayment, 30/360, ACT/360), weekly (ACT/365),
                    quarterly (ACT/ACT, leap year, 30 Nov anchor)
==================  =====================================================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lowlend.domain.conventions import Amortization, DayCount, Frequency
from lowlend.domain.schedule import build_schedule

from .helpers import rows, terms

EI = Amortization.EQUAL_INSTALLMENT
EP = Amortization.EQUAL_PRINCIPAL
IO = Amortization.INTEREST_ONLY
BULLET = Amortization.BULLET
FLAT = Amortization.FLAT


def _totals(s: object) -> list[str]:
    return [str(r.total) for r in s.installments]  # type: ignore[attr-defined]


# ----------------------------------------------------------------- equal installment


def test_equal_installment_weekly_act365() -> None:
    # 1000.00 at 26 %, weekly from Mon 5 Jan 2026, 4 installments.
    # i = 0.26 / 52 = 0.005; PMT = 1000 × 0.005 / (1 − 1.005⁻⁴) = 253.1328 → 253.13
    # row1: 1000.00 × 0.26 × 7/365 = 4.9863 → 4.99;  P = 253.13 − 4.99 = 248.14; bal 751.86
    # row2:  751.86 × 0.26 × 7/365 = 3.7490 → 3.75;  P = 249.38;                 bal 502.48
    # row3:  502.48 × 0.26 × 7/365 = 2.5055 → 2.51;  P = 250.62;                 bal 251.86
    # row4:  251.86 × 0.26 × 7/365 = 1.2559 → 1.26;  P = 251.86 (last takes the rest)
    s = build_schedule(terms("1000.00", 4, "0.26", date(2026, 1, 5), frequency=Frequency.WEEKLY))
    assert rows(s) == [
        ("2026-01-12", "248.14", "4.99", "751.86"),
        ("2026-01-19", "249.38", "3.75", "502.48"),
        ("2026-01-26", "250.62", "2.51", "251.86"),
        ("2026-02-02", "251.86", "1.26", "0.00"),
    ]
    assert _totals(s) == ["253.13", "253.13", "253.13", "253.12"]


def test_equal_installment_biweekly_act360() -> None:
    # 2000.00 at 26 %, bi-weekly from 5 Jan 2026, 3 installments, ACT/360.
    # i = 0.26 / 26 = 0.01; PMT = 2000 × 0.01 / (1 − 1.01⁻³) = 680.0442 → 680.04
    # row1: 2000.00 × 0.26 × 14/360 = 20.2222 → 20.22; P = 659.82;  bal 1340.18
    # row2: 1340.18 × 0.26 × 14/360 = 13.5507 → 13.55; P = 666.49;  bal  673.69
    # row3:  673.69 × 0.26 × 14/360 =  6.8118 →  6.81; P = 673.69 (rest)
    s = build_schedule(
        terms(
            "2000.00",
            3,
            "0.26",
            date(2026, 1, 5),
            frequency=Frequency.BIWEEKLY,
            day_count=DayCount.ACT_360,
        )
    )
    assert rows(s) == [
        ("2026-01-19", "659.82", "20.22", "1340.18"),
        ("2026-02-02", "666.49", "13.55", "673.69"),
        ("2026-02-16", "673.69", "6.81", "0.00"),
    ]


def test_equal_installment_quarterly_act_act_leap_year_month_end() -> None:
    # 30000.00 at 12 %, quarterly from 30 Nov 2023 (ACT/ACT):
    # due dates from the anchor: 29 Feb 2024 (clamped, leap year), 30 May 2024, 30 Aug 2024.
    # i = 0.12 / 4 = 0.03; PMT = 30000 × 0.03 / (1 − 1.03⁻³) = 10605.9109 → 10605.91
    # row1: 30 Nov 2023 → 29 Feb 2024 = 32 days of 2023 (/365) + 59 days of 2024 (/366)
    #       30000 × 0.12 × (32/365 + 59/366) = 3600 × 0.2488734 = 895.9443 → 895.94
    #       P = 10605.91 − 895.94 = 9709.97; bal 20290.03
    # row2: 29 Feb → 30 May = 91 days /366: 20290.03 × 0.12 × 91/366 = 605.3747 → 605.37
    #       P = 10000.54; bal 10289.49
    # row3: 30 May → 30 Aug = 92 days /366: 10289.49 × 0.12 × 92/366 = 310.3715 → 310.37
    s = build_schedule(
        terms(
            "30000.00",
            3,
            "0.12",
            date(2023, 11, 30),
            frequency=Frequency.QUARTERLY,
            day_count=DayCount.ACT_ACT,
        )
    )
    assert rows(s) == [
        ("2024-02-29", "9709.97", "895.94", "20290.03"),
        ("2024-05-30", "10000.54", "605.37", "10289.49"),
        ("2024-08-30", "10289.49", "310.37", "0.00"),
    ]


def test_equal_installment_every_two_months_act360_month_end() -> None:
    # 6000.00 at 12 %, every 2 months from 31 Jan 2026: 31 Mar, 31 May, 31 Jul (ACT/360).
    # i = 0.12 × 2/12 = 0.02; PMT = 6000 × 0.02 / (1 − 1.02⁻³) = 2080.5280 → 2080.53
    # row1: 59 days: 6000.00 × 0.12 × 59/360 = 118.00;          P = 1962.53; bal 4037.47
    # row2: 61 days: 4037.47 × 0.12 × 61/360 =  82.0952 → 82.10; P = 1998.43; bal 2039.04
    # row3: 61 days: 2039.04 × 0.12 × 61/360 =  41.4605 → 41.46; P = 2039.04
    s = build_schedule(
        terms("6000.00", 3, "0.12", date(2026, 1, 31), every=2, day_count=DayCount.ACT_360)
    )
    assert rows(s) == [
        ("2026-03-31", "1962.53", "118.00", "4037.47"),
        ("2026-05-31", "1998.43", "82.10", "2039.04"),
        ("2026-07-31", "2039.04", "41.46", "0.00"),
    ]


def test_equal_installment_one_time_act360() -> None:
    # one installment 45 days after 1 Jan 2026: 10000.00 × 0.12 × 45/360 = 150.00
    s = build_schedule(
        terms(
            "10000.00",
            1,
            "0.12",
            frequency=Frequency.ONE_TIME,
            every=45,
            day_count=DayCount.ACT_360,
        )
    )
    assert rows(s) == [("2026-02-15", "10000.00", "150.00", "0.00")]


# ----------------------------------------------------------------- equal principal


def test_equal_principal_act_act_across_new_year_in_leap_year() -> None:
    # 3000.00 at 12 % from 15 Dec 2023, monthly; principal 1000.00 each.
    # row1: 17 days of 2023 /365 + 14 days of 2024 /366:
    #       3000 × 0.12 × (17/365 + 14/366) = 360 × 0.0848267 = 30.5376 → 30.54
    # row2: 15 Jan → 15 Feb 2024 = 31 days /366: 2000 × 0.12 × 31/366 = 20.3279 → 20.33
    # row3: 15 Feb → 15 Mar 2024 = 29 days /366 (29 Feb): 1000 × 0.12 × 29/366 = 9.5082 → 9.51
    s = build_schedule(
        terms("3000.00", 3, "0.12", date(2023, 12, 15), amortization=EP, day_count=DayCount.ACT_ACT)
    )
    assert rows(s) == [
        ("2024-01-15", "1000.00", "30.54", "2000.00"),
        ("2024-02-15", "1000.00", "20.33", "1000.00"),
        ("2024-03-15", "1000.00", "9.51", "0.00"),
    ]


def test_equal_principal_daily_every_ten_30e_360() -> None:
    # 3000.00 at 36 %, every 10 days from 20 Feb 2026: 2 Mar, 12 Mar, 22 Mar.
    # Non-monthly periods count 30E/360 days:
    #   20 Feb → 2 Mar = 30 × 1 + (2 − 20) = 12 days (actual: 10), then 10 and 10.
    # I1 = 3000 × 0.36 × 12/360 = 36.00; I2 = 2000 × 0.36 × 10/360 = 20.00;
    # I3 = 1000 × 0.36 × 10/360 = 10.00
    s = build_schedule(
        terms(
            "3000.00",
            3,
            "0.36",
            date(2026, 2, 20),
            amortization=EP,
            frequency=Frequency.DAILY,
            every=10,
            day_count=DayCount.THIRTY_360,
        )
    )
    assert rows(s) == [
        ("2026-03-02", "1000.00", "36.00", "2000.00"),
        ("2026-03-12", "1000.00", "20.00", "1000.00"),
        ("2026-03-22", "1000.00", "10.00", "0.00"),
    ]


# ----------------------------------------------------------------- interest only


def test_interest_only_quarterly_act365_month_end() -> None:
    # 20000.00 at 9 %, quarterly from 31 Aug 2026: 30 Nov 2026 (91 days), 28 Feb 2027 (90 days)
    # I1 = 20000 × 0.09 × 91/365 = 448.7671 → 448.77; I2 = 20000 × 0.09 × 90/365 = 443.8356 → 443.84
    s = build_schedule(
        terms(
            "20000.00", 2, "0.09", date(2026, 8, 31), amortization=IO, frequency=Frequency.QUARTERLY
        )
    )
    assert rows(s) == [
        ("2026-11-30", "0.00", "448.77", "20000.00"),
        ("2027-02-28", "20000.00", "443.84", "0.00"),
    ]


def test_interest_only_weekly_act_act_across_new_year() -> None:
    # 5000.00 at 20 %, weekly from 28 Dec 2023 (ACT/ACT):
    # row1: 28 Dec → 4 Jan = 4 days of 2023 /365 + 3 days of 2024 /366
    #       5000 × 0.2 × (4/365 + 3/366) = 1000 × 0.0191556 = 19.1556 → 19.16
    # row2: 7 days /366: 1000 × 7/366 = 19.1257 → 19.13
    s = build_schedule(
        terms(
            "5000.00",
            2,
            "0.20",
            date(2023, 12, 28),
            amortization=IO,
            frequency=Frequency.WEEKLY,
            day_count=DayCount.ACT_ACT,
        )
    )
    assert rows(s) == [
        ("2024-01-04", "0.00", "19.16", "5000.00"),
        ("2024-01-11", "5000.00", "19.13", "0.00"),
    ]


def test_interest_only_every_two_weeks_act360() -> None:
    # weekly, repay every 2 weeks from 5 Jan 2026: 19 Jan, 2 Feb; 14 days each
    # I = 5000 × 0.18 × 14/360 = 35.00 per row
    s = build_schedule(terms("5000.00", 2, "0.18", date(2026, 1, 5), amortization=IO,
                             frequency=Frequency.WEEKLY, every=2, day_count=DayCount.ACT_360))
    assert rows(s) == [("2026-01-19", "0.00", "35.00", "5000.00"),
                       ("2026-02-02", "5000.00", "35.00", "0.00")]


def test_equal_principal_every_two_quarters_from_month_end() -> None:
    # quarterly, repay every 2 quarters (6 months) from 31 Mar 2026: 30 Sep 2026 (183 days),
    # 31 Mar 2027 (182 days; the anchor day 31 comes back)
    # I1 = 4000 × 0.10 × 183/365 = 200.5479 → 200.55; I2 = 2000 × 0.10 × 182/365 = 99.7260 → 99.73
    s = build_schedule(terms("4000.00", 2, "0.10", date(2026, 3, 31), amortization=EP,
                             frequency=Frequency.QUARTERLY, every=2))
    assert rows(s) == [("2026-09-30", "2000.00", "200.55", "2000.00"),
                       ("2027-03-31", "2000.00", "99.73", "0.00")]


# ----------------------------------------------------------------- bullet


def test_bullet_monthly_30_360_and_act365_from_month_end() -> None:
    # 8000.00 at 15 %, 3 monthly periods from 31 Jan 2026 → one row on 30 Apr 2026.
    # 30/360: 3 whole months = 90/360: 8000 × 0.15 × 0.25 = 300.00
    s = build_schedule(
        terms(
            "8000.00",
            3,
            "0.15",
            date(2026, 1, 31),
            amortization=BULLET,
            day_count=DayCount.THIRTY_360,
        )
    )
    assert rows(s) == [("2026-04-30", "8000.00", "300.00", "0.00")]
    # ACT/365: 31 Jan → 30 Apr = 89 days: 8000 × 0.15 × 89/365 = 292.6027 → 292.60
    s = build_schedule(terms("8000.00", 3, "0.15", date(2026, 1, 31), amortization=BULLET))
    assert rows(s) == [("2026-04-30", "8000.00", "292.60", "0.00")]


def test_bullet_weekly_act360_and_daily_every_ten() -> None:
    # 3 weeks from 5 Jan 2026 → 26 Jan: 7000 × 0.18 × 21/360 = 73.50
    s = build_schedule(
        terms(
            "7000.00",
            3,
            "0.18",
            date(2026, 1, 5),
            amortization=BULLET,
            frequency=Frequency.WEEKLY,
            day_count=DayCount.ACT_360,
        )
    )
    assert rows(s) == [("2026-01-26", "7000.00", "73.50", "0.00")]
    # 2 periods of 10 days from 1 Jan 2026 → 21 Jan: 5000 × 0.365 × 20/365 = 100.00
    s = build_schedule(
        terms("5000.00", 2, "0.365", amortization=BULLET, frequency=Frequency.DAILY, every=10)
    )
    assert rows(s) == [("2026-01-21", "5000.00", "100.00", "0.00")]


def test_bullet_over_a_leap_year_act365_vs_act_act() -> None:
    # 366 days from 1 Jan 2024 to 1 Jan 2025 (leap year 2024).
    # ACT/365 divides by a fixed 365: 10000 × 0.10 × 366/365 = 1002.7397 → 1002.74
    # ACT/ACT divides by the year's true length: 10000 × 0.10 × 366/366 = 1000.00
    kw = {"amortization": BULLET, "frequency": Frequency.ONE_TIME, "every": 366}
    s365 = build_schedule(terms("10000.00", 1, "0.10", date(2024, 1, 1), **kw))
    sact = build_schedule(
        terms("10000.00", 1, "0.10", date(2024, 1, 1), day_count=DayCount.ACT_ACT, **kw)
    )
    assert rows(s365) == [("2025-01-01", "10000.00", "1002.74", "0.00")]
    assert rows(sact) == [("2025-01-01", "10000.00", "1000.00", "0.00")]


# ----------------------------------------------------------------- flat


def test_flat_weekly_act365() -> None:
    # 1000.00 at 36.5 % flat, 4 weeks from 5 Jan 2026 (28 days):
    # total interest = 1000 × 0.365 × 28/365 = 28.00 → 7.00 per row;
    # installment = (1000 + 28) / 4 = 257.00 → principal 250.00 per row.
    s = build_schedule(
        terms(
            "1000.00", 4, "0.365", date(2026, 1, 5), amortization=FLAT, frequency=Frequency.WEEKLY
        )
    )
    assert [(str(r.principal), str(r.interest)) for r in s.installments] == [("250.00", "7.00")] * 4
    assert _totals(s) == ["257.00"] * 4


def test_flat_monthly_act360_actual_days() -> None:
    # 3000.00 at 10 % flat, 3 months from 1 Jan 2026 → 1 Apr = 31 + 28 + 31 = 90 days:
    # total interest = 3000 × 0.10 × 90/360 = 75.00 → 25.00 per row; installment 1025.00
    s = build_schedule(terms("3000.00", 3, "0.10", amortization=FLAT, day_count=DayCount.ACT_360))
    assert [(str(r.principal), str(r.interest)) for r in s.installments] == [
        ("1000.00", "25.00")
    ] * 3
    # ACT/365: 3000 × 0.10 × 90/365 = 73.9726 → 73.97; 73.97/3 = 24.6567 → 24.66, 24.66,
    # last 73.97 − 49.32 = 24.65; installment (3000 + 73.97)/3 = 1024.6567 → 1024.66
    # → principal 1000.00, 1000.00 and the rest 1000.00 (last row: 1024.65 in total)
    s = build_schedule(terms("3000.00", 3, "0.10", amortization=FLAT))
    assert [(str(r.principal), str(r.interest)) for r in s.installments] == [
        ("1000.00", "24.66"),
        ("1000.00", "24.66"),
        ("1000.00", "24.65"),
    ]


def test_flat_quarterly_act_act_leap_year_month_end() -> None:
    # 4000.00 at 10 % flat, quarterly from 30 Nov 2023: 29 Feb 2024, 30 May 2024.
    # ACT/ACT over 30 Nov 2023 → 30 May 2024 = 32 days /365 + 150 days /366:
    # 4000 × 0.10 × (32/365 + 150/366) = 400 × 0.4975073 = 199.0029 → 199.00
    # → 99.50 per row; installment (4000 + 199)/2 = 2099.50 → principal 2000.00 each
    s = build_schedule(
        terms(
            "4000.00",
            2,
            "0.10",
            date(2023, 11, 30),
            amortization=FLAT,
            frequency=Frequency.QUARTERLY,
            day_count=DayCount.ACT_ACT,
        )
    )
    assert rows(s) == [
        ("2024-02-29", "2000.00", "99.50", "2000.00"),
        ("2024-05-30", "2000.00", "99.50", "0.00"),
    ]


def test_every_row_total_is_principal_plus_interest_plus_fee() -> None:
    s = build_schedule(
        terms(
            "30000.00",
            3,
            "0.12",
            date(2023, 11, 30),
            frequency=Frequency.QUARTERLY,
            day_count=DayCount.ACT_ACT,
        )
    )
    assert all(r.total == r.principal + r.interest + r.fee for r in s.installments)
    assert sum((r.principal for r in s.installments), Decimal(0)) == Decimal("30000.00")
