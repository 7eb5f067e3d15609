"""Hand-checked schedules for every method, frequency and day count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lowlend.domain.calendar import FirstDue
from lowlend.domain.conventions import (
    Amortization,
    DayCount,
    FirstDueRule,
    Frequency,
    InterestPeriod,
    RoundingMode,
)
from lowlend.domain.errors import LoanInputError
from lowlend.domain.money import Rounding
from lowlend.domain.schedule import build_schedule
from lowlend.domain.terms import Grace

from .helpers import rows, terms

EI, EP = Amortization.EQUAL_INSTALLMENT, Amortization.EQUAL_PRINCIPAL


def test_equal_installment_30_360() -> None:
    # i = 12 %/12 = 1 %; PMT = 10000 × 0.01 / (1 − 1.01^−3) = 3400.2211 → 3400.22
    # row1: I = 10000 × 1 % = 100.00, P = 3300.22, bal 6699.78
    # row2: I = 6699.78 × 1 % = 66.9978 → 67.00, P = 3333.22, bal 3366.56
    # row3: I = 33.6656 → 33.67, P = 3366.56 (absorbs) → total 3400.23
    s = build_schedule(terms(term=3, rate="0.12", day_count=DayCount.THIRTY_360))
    assert rows(s) == [("2026-02-01", "3300.22", "100.00", "6699.78"),
                       ("2026-03-01", "3333.22", "67.00", "3366.56"),
                       ("2026-04-01", "3366.56", "33.67", "0.00")]
    assert [str(r.total) for r in s.installments] == ["3400.22", "3400.22", "3400.23"]


def test_equal_installment_act365_actual_days() -> None:
    # PMT at 18 %/12 = 1.5 %: 10000 × 0.015 / (1 − 1.015^−12) = 916.7999 → 916.80
    # row1 Jan (31 d): 10000 × 0.18 × 31/365 = 152.8767 → 152.88; P = 763.92
    # row2 Feb (28 d): 9236.08 × 0.18 × 28/365 = 127.5335 → 127.53; P = 789.27
    s = build_schedule(terms())
    r = s.installments
    assert (str(r[0].interest), str(r[0].principal)) == ("152.88", "763.92")
    assert (str(r[1].interest), str(r[1].principal)) == ("127.53", "789.27")
    assert all(x.total == Decimal("916.80") for x in r[:-1])
    assert str(r[-1].total) == "912.11" and r[-1].balance == 0


def test_equal_principal_leap_year_month_end_anchor() -> None:
    # 12000 at 12 % ACT/365 from 31 Jan 2024: due 29 Feb (29 d), 31 Mar (31 d), 30 Apr (30 d)
    # I1 = 12000 × .12 × 29/365 = 114.4110 → 114.41
    # I2 =  8000 × .12 × 31/365 =  81.5342 →  81.53
    # I3 =  4000 × .12 × 30/365 =  39.4521 →  39.45
    s = build_schedule(terms("12000.00", 3, "0.12", date(2024, 1, 31), amortization=EP))
    assert rows(s) == [("2024-02-29", "4000.00", "114.41", "8000.00"),
                       ("2024-03-31", "4000.00", "81.53", "4000.00"),
                       ("2024-04-30", "4000.00", "39.45", "0.00")]


def test_interest_only_act360() -> None:
    # 36000 at 10 % ACT/360: Jan 31 d → 310.00; Feb 28 d → 280.00; Mar 31 d → 310.00
    s = build_schedule(terms("36000.00", 3, "0.10", amortization=Amortization.INTEREST_ONLY,
                             day_count=DayCount.ACT_360))
    assert rows(s) == [("2026-02-01", "0.00", "310.00", "36000.00"),
                       ("2026-03-01", "0.00", "280.00", "36000.00"),
                       ("2026-04-01", "36000.00", "310.00", "0.00")]


def test_bullet_act_act_across_year_boundary() -> None:
    # 10000 at 10 %, 15 Dec 2023 → 15 Jan 2024 (one-time, 31 days):
    # 17 days of 2023 / 365 + 14 days of 2024 / 366 = 0.0465753 + 0.0382514 = 0.0848267
    # interest = 1000 × 0.0848267 = 84.83
    s = build_schedule(terms("10000.00", 1, "0.10", date(2023, 12, 15),
                             amortization=Amortization.BULLET, frequency=Frequency.ONE_TIME,
                             every=31, day_count=DayCount.ACT_ACT))
    assert rows(s) == [("2024-01-15", "10000.00", "84.83", "0.00")]
    # the same with ACT/365 would be 10000 × .1 × 31/365 = 84.93
    s2 = build_schedule(terms("10000.00", 1, "0.10", date(2023, 12, 15),
                              amortization=Amortization.BULLET, frequency=Frequency.ONE_TIME,
                              every=31))
    assert s2.installments[0].interest == Decimal("84.93")


def test_bullet_over_monthly_periods_pays_once() -> None:
    # 12 months same-as-repayment: 5000 × 0.12 × 12/12 = 600.00, all at maturity
    s = build_schedule(terms("5000.00", 12, "0.12", amortization=Amortization.BULLET,
                             interest_period=InterestPeriod.SAME_AS_REPAYMENT))
    assert rows(s) == [("2027-01-01", "5000.00", "600.00", "0.00")]


def test_flat() -> None:
    # 12000 at 12 % flat over 12 months: interest = 12000 × .12 × 1 = 1440 → 120/month;
    # principal 1000/month; installment 1120.
    s = build_schedule(terms("12000.00", 12, "0.12", amortization=Amortization.FLAT,
                             interest_period=InterestPeriod.SAME_AS_REPAYMENT))
    assert {(str(r.principal), str(r.interest)) for r in s.installments} == {("1000.00", "120.00")}
    # 1000 over 3 at 10 % flat: I = 1000 × .1 × 3/12 = 25.00 → 8.33, 8.33, 8.34
    # installment = (1000 + 25)/3 = 341.666 → 341.67; P = 333.34, 333.34, 333.32
    s = build_schedule(terms("1000.00", 3, "0.10", amortization=Amortization.FLAT,
                             day_count=DayCount.THIRTY_360))
    assert [(str(r.principal), str(r.interest)) for r in s.installments] == [
        ("333.34", "8.33"), ("333.34", "8.33"), ("333.32", "8.34")]


def test_weekly_equal_principal() -> None:
    # 1000 at 52 % ACT/365 weekly from Mon 5 Jan 2026: 7 days each
    # I = 1000×.52×7/365 = 9.9726 → 9.97; 750 → 7.4795 → 7.48; 500 → 4.9863 → 4.99; 250 → 2.49
    s = build_schedule(terms("1000.00", 4, "0.52", date(2026, 1, 5), amortization=EP,
                             frequency=Frequency.WEEKLY))
    assert [str(r.interest) for r in s.installments] == ["9.97", "7.48", "4.99", "2.49"]
    assert str(s.installments[-1].due_date) == "2026-02-02"


def test_biweekly_every_two() -> None:
    s = build_schedule(terms("1000.00", 2, "0.10", date(2026, 1, 5), amortization=EP,
                             frequency=Frequency.BIWEEKLY, every=2))
    # 28-day periods: I1 = 1000 × .1 × 28/365 = 7.6712 → 7.67; I2 = 500 → 3.8356 → 3.84
    assert [str(r.due_date) for r in s.installments] == ["2026-02-02", "2026-03-02"]
    assert [str(r.interest) for r in s.installments] == ["7.67", "3.84"]


def test_daily_equal_installment() -> None:
    # i = 0.365/365 = 0.001/day; PMT = 300 × .001 × 1.001³ / (1.001³ − 1) = 100.2001 → 100.20
    # I1 = 0.30 → P 99.90 bal 200.10; I2 = 0.2001 → 0.20 → P 100.00 bal 100.10; I3 = 0.10
    s = build_schedule(terms("300.00", 3, "0.365", frequency=Frequency.DAILY))
    assert rows(s) == [("2026-01-02", "99.90", "0.30", "200.10"),
                       ("2026-01-03", "100.00", "0.20", "100.10"),
                       ("2026-01-04", "100.10", "0.10", "0.00")]


def test_quarterly_30_360_month_end() -> None:
    # 4000 at 8 %, quarterly from 31 Jan: 30 Apr, 31 Jul; 30/360 → 90/360 each
    # I1 = 4000 × .08 × .25 = 80.00; I2 = 2000 × .02 = 40.00
    s = build_schedule(terms("4000.00", 2, "0.08", date(2026, 1, 31), amortization=EP,
                             frequency=Frequency.QUARTERLY, day_count=DayCount.THIRTY_360))
    assert rows(s) == [("2026-04-30", "2000.00", "80.00", "2000.00"),
                       ("2026-07-31", "2000.00", "40.00", "0.00")]


def test_fixed_day_broken_first_period() -> None:
    # 2000 at 36.5 % ACT/365, disbursed 10 Jan, due on the 20th:
    # I1 = 2000 × .365 × 41/365 = 82.00 (41-day broken period); I2 = 1000 × .365 × 28/365 = 28.00
    s = build_schedule(terms("2000.00", 2, "0.365", date(2026, 1, 10), amortization=EP,
                             first_due=FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=20)))
    assert rows(s) == [("2026-02-20", "1000.00", "82.00", "1000.00"),
                       ("2026-03-20", "1000.00", "28.00", "0.00")]
    # same_as_repayment: the broken period still uses actual days, the regular one 1/12
    s = build_schedule(terms("2000.00", 2, "0.365", date(2026, 1, 10), amortization=EP,
                             interest_period=InterestPeriod.SAME_AS_REPAYMENT,
                             first_due=FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=20)))
    # I2 = 1000 × .365 / 12 = 30.4167 → 30.42
    assert [str(r.interest) for r in s.installments] == ["82.00", "30.42"]


@pytest.mark.parametrize(("mode", "expected"), [
    (RoundingMode.HALF_UP, ["33.33", "33.33", "33.34"]),
    (RoundingMode.HALF_EVEN, ["33.33", "33.33", "33.34"]),
    (RoundingMode.UP, ["33.34", "33.34", "33.32"]),
    (RoundingMode.DOWN, ["33.33", "33.33", "33.34"]),
])
def test_rounding_modes_last_absorbs(mode: RoundingMode, expected: list[str]) -> None:
    s = build_schedule(terms("100.00", 3, "0", amortization=EP, rounding=Rounding(mode, 2)))
    assert [str(r.principal) for r in s.installments] == expected


def test_minor_unit_zero_and_installment_multiple() -> None:
    # JPY-like minor unit 0: 1000 / 3 → 333, 333, 334
    s = build_schedule(terms("1000", 3, "0", amortization=EP, rounding=Rounding(minor_unit=0)))
    assert [str(r.principal) for r in s.installments] == ["333", "333", "334"]
    # multiple of 1.00: PMT 916.7999 → 917.00 on every row but the last
    s = build_schedule(terms(day_count=DayCount.THIRTY_360,
                             rounding=Rounding(installment_multiple=Decimal("1.00"))))
    assert {r.total for r in s.installments[:-1]} == {Decimal("917.00")}
    assert s.installments[-1].total < Decimal("917.00")


def test_grace_periods() -> None:
    # principal grace 2 of 4: 3000 at 12 % 30/360 equal principal over the last 2
    s = build_schedule(terms("3000.00", 4, "0.12", amortization=EP, day_count=DayCount.THIRTY_360,
                             grace=Grace(principal_periods=2)))
    assert [(str(r.principal), str(r.interest)) for r in s.installments] == [
        ("0.00", "30.00"), ("0.00", "30.00"), ("1500.00", "30.00"), ("1500.00", "15.00")]
    # interest-payment grace 1: row 1's 30.00 is paid with row 2 (20.00 own) = 50.00
    s = build_schedule(terms("3000.00", 3, "0.12", amortization=EP, day_count=DayCount.THIRTY_360,
                             grace=Grace(interest_payment_periods=1)))
    assert [str(r.interest) for r in s.installments] == ["0.00", "50.00", "10.00"]
    # interest-free 1: row 1 charges nothing
    s = build_schedule(terms("3000.00", 3, "0.12", amortization=EP, day_count=DayCount.THIRTY_360,
                             grace=Grace(interest_free_periods=1)))
    assert [str(r.interest) for r in s.installments] == ["0.00", "20.00", "10.00"]


@pytest.mark.parametrize(("kw", "field", "code"), [
    ({"amount": "0.00"}, "amount", "amount_not_positive"),
    ({"amount": "-5.00"}, "amount", "amount_not_positive"),
    ({"amount": "1e15"}, "amount", "amount_too_large"),
    ({"amount": "10.001"}, "amount", "amount_not_in_minor_units"),
    ({"amount": "NaN"}, "amount", "not_a_finite_decimal"),
    ({"term": 0}, "term", "term_not_positive"),
    ({"term": 10**6}, "term", "term_too_large"),
    ({"rate": "-0.01"}, "annual_rate", "rate_negative"),
    ({"rate": "1000"}, "annual_rate", "rate_too_large"),
    ({"rate": "Infinity"}, "annual_rate", "not_a_finite_decimal"),
])
def test_bad_input(kw: dict[str, object], field: str, code: str) -> None:
    with pytest.raises(LoanInputError) as e:
        terms(**kw)  # type: ignore[arg-type]
    assert (e.value.field, e.value.code) == (field, code)


def test_bad_grace_and_every() -> None:
    with pytest.raises(LoanInputError) as e:
        terms(term=3, grace=Grace(principal_periods=3))
    assert e.value.code == "grace_not_below_term"
    with pytest.raises(LoanInputError) as e:
        terms(every=0)
    assert e.value.field == "every"


def test_level_lowered_when_it_would_close_early() -> None:
    # 1.66 over 19 quarters with 18 interest-free quarters, rounding up: the annuity
    # level (0.74) would repay everything in 3 rows; the level is lowered to 0.09 so that
    # 18 rows pay 0.09 (1.62) and the last row takes 0.04 + its interest.
    from lowlend.domain.conventions import Frequency
    s = build_schedule(terms("1.66", 19, "0.585766", date(2000, 1, 1), every=3,
                             frequency=Frequency.QUARTERLY, grace=Grace(interest_free_periods=18),
                             rounding=Rounding(RoundingMode.UP)))
    assert len(s.installments) == 19
    assert {r.principal for r in s.installments[:-1]} == {Decimal("0.09")}
    assert s.installments[-1].principal == Decimal("0.04")
    # 30-year ACT/365 loan from a 31 Jan anchor: actual-day interest is below the nominal
    # annuity rate, so the plain PMT (1264.44) would finish a month early; lowered level
    s = build_schedule(terms("100000.00", 360, "0.15", date(2026, 1, 31)))
    assert len(s.installments) == 360 and s.installments[-1].balance == 0
    assert s.installments[-1].principal > 0
