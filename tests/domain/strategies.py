"""Hypothesis strategies for loan terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from lowlend.domain.calendar import FirstDue
from lowlend.domain.conventions import (
    Amortization,
    DayCount,
    FirstDueRule,
    Frequency,
    InterestPeriod,
    RoundingMode,
)
from lowlend.domain.money import Rounding
from lowlend.domain.terms import Grace, LoanTerms

amounts = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))
rates = st.integers(min_value=0, max_value=600_000).map(lambda m: Decimal(m).scaleb(-6))
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def loan_terms(draw: st.DrawFn, max_term: int = 60, grace: bool = True) -> LoanTerms:
    freq = draw(st.sampled_from([f for f in Frequency if f is not Frequency.ONE_TIME]
                                + [Frequency.ONE_TIME]))
    method = draw(st.sampled_from(list(Amortization)))
    term = 1 if freq is Frequency.ONE_TIME else draw(st.integers(1, max_term))
    rule = draw(st.sampled_from(list(FirstDueRule)))
    if rule is FirstDueRule.FIXED_DAY_OF_MONTH and freq not in (Frequency.MONTHLY,
                                                                Frequency.QUARTERLY):
        rule = FirstDueRule.ONE_PERIOD_AFTER
    first_due = FirstDue(rule, day=draw(st.integers(1, 31)), days=draw(st.integers(1, 60)))
    g = Grace()
    if grace and term > 1 and draw(st.booleans()):
        g = Grace(draw(st.integers(0, term - 1)), draw(st.integers(0, term - 1)),
                  draw(st.integers(0, term - 1)))
    return LoanTerms(
        amount=draw(amounts),
        term=term,
        annual_rate=draw(rates),
        start=draw(starts),
        amortization=method,
        frequency=freq,
        every=draw(st.integers(1, 3)) if freq is not Frequency.ONE_TIME else draw(st.integers(1, 366)),
        first_due=first_due,
        day_count=draw(st.sampled_from(list(DayCount))),
        interest_period=draw(st.sampled_from(list(InterestPeriod))),
        grace=g,
        rounding=Rounding(draw(st.sampled_from(list(RoundingMode))), 2),
    )
