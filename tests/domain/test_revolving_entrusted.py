"""Revolving credit lines and entrusted-loan collection splits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lowlend.domain.conventions import (
    AllocationComponent,
    Amortization,
    DayCount,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
)
from lowlend.domain.entrusted import split_collections
from lowlend.domain.errors import LoanInputError
from lowlend.domain.fees import FeeRule, FeeSchedule, apply_fees
from lowlend.domain.replay import replay
from lowlend.domain.revolving import CreditLine, Draw, DrawWithTransactions, line_state, renew
from lowlend.domain.schedule import build_schedule
from lowlend.domain.transactions import Repayment, Reversal

from .helpers import terms

LINE = CreditLine("L1", Decimal("10000.00"), date(2026, 1, 1), date(2026, 6, 30),
                  draw_minimum=Decimal("500.00"))


def _draw(i: str, amount: str, on: date) -> Draw:
    return Draw(i, terms(amount, 3, "0", on, amortization=Amortization.EQUAL_PRINCIPAL))


def test_draws_use_and_restore_the_limit() -> None:
    d1 = _draw("d1", "6000.00", date(2026, 1, 5))      # 2000.00 principal a month
    d2 = _draw("d2", "4000.00", date(2026, 1, 20))     # uses the rest
    st = line_state(LINE, [d1, d2], date(2026, 1, 31))
    assert (st.used, st.available) == (Decimal("10000.00"), Decimal("0.00"))
    with pytest.raises(LoanInputError) as e:
        line_state(LINE, [d1, d2, _draw("d3", "500.00", date(2026, 1, 25))], date(2026, 2, 1))
    assert (e.value.field, e.value.code) == ("amount", "draw_exceeds_available")
    # d1's first installment repaid on 5 Feb restores 2000.00 → a 2000.00 draw on 6 Feb fits
    paid = DrawWithTransactions(d1, (Repayment("r1", date(2026, 2, 5), Decimal("2000.00")),))
    d3 = _draw("d3", "2000.00", date(2026, 2, 6))
    st = line_state(LINE, [paid, d2, d3], date(2026, 2, 6))
    assert (st.used, st.available) == (Decimal("10000.00"), Decimal("0.00"))
    # reversing that repayment makes the same draw invalid (back-dated consistency)
    reversed_ = DrawWithTransactions(d1, (*paid.transactions, Reversal("x", "r1")))
    with pytest.raises(LoanInputError):
        line_state(LINE, [reversed_, d2, d3], date(2026, 2, 6))


def test_minimum_expiry_and_renewal() -> None:
    with pytest.raises(LoanInputError) as e:
        line_state(LINE, [_draw("d", "100.00", date(2026, 1, 5))], date(2026, 1, 6))
    assert e.value.code == "draw_below_minimum"
    late = _draw("d", "1000.00", date(2026, 7, 1))
    with pytest.raises(LoanInputError) as e:
        line_state(LINE, [late], date(2026, 7, 2))
    assert e.value.code == "draw_outside_line_period"
    st = line_state(LINE, [], date(2026, 7, 1))
    assert st.expired and st.available == 0
    renewed = renew(LINE, date(2027, 6, 30), Decimal("20000.00"))
    assert line_state(renewed, [late], date(2026, 7, 2)).available == Decimal("19000.00")
    with pytest.raises(LoanInputError):
        renew(LINE, date(2026, 1, 1))


def test_entrusted_split() -> None:
    # 1200.00 at 12 % 30/360 equal principal: row 1 = 400 + 12.00 interest + fees
    # agency fee 5.00/installment to the lender, guarantee fee 0.1 % of outstanding (1.20)
    # to the guarantor, 3.00 upfront service fee to a third party
    fees = FeeSchedule("e", (
        FeeRule("agency_fee", FeeTrigger.INSTALLMENT, FeeCalculation.FIXED,
                amount=Decimal("5.00"), party=FeeParty.LENDER),
        FeeRule("guarantee_fee", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
                rate=Decimal("0.001"), party=FeeParty.GUARANTOR),
        FeeRule("svc", FeeTrigger.DISBURSEMENT, FeeCalculation.FIXED, amount=Decimal("3.00"),
                collection=FeeCollection.UPFRONT, party=FeeParty.THIRD_PARTY),
    ))
    t = terms("1200.00", 3, "0.12", amortization=Amortization.EQUAL_PRINCIPAL,
              day_count=DayCount.THIRTY_360)
    s, charges = apply_fees(build_schedule(t), fees)
    assert s.installments[0].total == Decimal("418.20")
    # pay 415.00: fee first (5.00 agency then 1.20 guarantee), interest 12.00, principal 396.80
    st = replay(s, [Repayment("r", date(2026, 2, 1), Decimal("415.00"))], date(2026, 2, 1))
    sp = split_collections(st, charges)
    assert sp.to_party[FeeParty.LENDER] == Decimal("5.00")
    assert sp.to_party[FeeParty.GUARANTOR] == Decimal("1.20")
    assert sp.to_party[FeeParty.ENTRUSTING_PARTY] == Decimal("408.80")
    assert sp.by_component[(FeeParty.ENTRUSTING_PARTY, AllocationComponent.INTEREST)] == Decimal("12.00")
    assert sp.upfront_to_party == {FeeParty.THIRD_PARTY: Decimal("3.00")}
    assert sum(sp.to_party.values()) == Decimal("415.00")
    assert sp.lender_income == Decimal("5.00")
