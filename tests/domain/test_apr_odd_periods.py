"""APR of single-payment loans and of schedules with a broken first period (hand-checked)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lowlend.domain.calendar import FirstDue
from lowlend.domain.conventions import Amortization, DayCount, FirstDueRule, Frequency
from lowlend.domain.quote import build_quote, unit_period_times
from lowlend.domain.terms import LoanTerms


def test_single_payment_apr_uses_the_term_as_unit_period() -> None:
    # 10,000 for 90 days at 15 % ACT/365: interest = 10000 × 0.15 × 90/365 = 369.86.
    # One unit period = 90 days, k = 365/90; r = 369.86/10000 = 0.036986;
    # nominal = r × k = 0.147944 + 0.036986 × 0.055556 (0.0020548) = 0.1499988 → 0.149999
    # (just under 15 % because the interest was rounded to the cent);
    # effective = exp(4.055556 × ln 1.036986) − 1 = exp(4.055556 × 0.0363187) − 1 = 0.158692.
    terms = LoanTerms(
        amount=Decimal("10000.00"), term=1, annual_rate=Decimal("0.15"), start=date(2026, 1, 1),
        amortization=Amortization.BULLET, frequency=Frequency.ONE_TIME,
        first_due=FirstDue(FirstDueRule.DAYS_AFTER_DISBURSEMENT, days=90),
        day_count=DayCount.ACT_365,
    )
    q = build_quote(terms)
    assert q.schedule.installments[0].interest == Decimal("369.86")
    assert q.apr is not None
    assert q.apr.nominal == Decimal("0.149999")
    assert abs(q.apr.effective - Decimal("0.158692")) <= Decimal("0.000001")


def test_broken_first_period_counts_as_a_fraction_of_a_period() -> None:
    # Disbursed 2026-01-10, due on the 20th monthly: the first due date is 20 Feb, so the
    # first period 10 Jan → 20 Feb is 41 days measured against the regular period
    # 20 Jan → 20 Feb (31 days): t1 = 41/31 = 1 + 10/31, then t1 + 1, t1 + 2.
    terms = LoanTerms(
        amount=Decimal("12000.00"), term=3, annual_rate=Decimal("0.12"), start=date(2026, 1, 10),
        amortization=Amortization.EQUAL_PRINCIPAL, frequency=Frequency.MONTHLY,
        first_due=FirstDue(FirstDueRule.FIXED_DAY_OF_MONTH, day=20), day_count=DayCount.ACT_365,
    )
    q = build_quote(terms)
    times, k = unit_period_times(q.schedule)
    assert k == 12
    assert q.schedule.installments[0].due_date == date(2026, 2, 20)
    assert [round(t, 6) for t in times] == [round(41 / 31, 6), round(1 + 41 / 31, 6),
                                            round(2 + 41 / 31, 6)]
    # With daily interest on actual days and no fees the cost is close to the note rate:
    # the short first period must not drag the APR far below 12 % as whole periods would.
    assert q.apr is not None
    assert Decimal("0.115") < q.apr.nominal < Decimal("0.125")
