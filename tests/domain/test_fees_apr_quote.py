"""Fees, APR/IRR and the quote JSON contract."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings

from lowlend.domain.apr import annualise, periodic_irr, xirr
from lowlend.domain.compliance import RateCap, check_rate_caps
from lowlend.domain.conventions import (
    Annualisation,
    ComplianceAction,
    DayCount,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
)
from lowlend.domain.errors import LoanInputError, NoSolutionError
from lowlend.domain.fees import FeeRule, FeeSchedule, FeeTier, apply_fees
from lowlend.domain.quote import build_quote, quote_to_json
from lowlend.domain.schedule import build_schedule

from .helpers import terms
from .strategies import loan_terms

# product_configs/fees/consumer_standard.yaml as domain objects
CONSUMER_STANDARD = FeeSchedule("consumer_standard", (
    FeeRule("service_fee", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
            rate=Decimal("0.010000"), collection=FeeCollection.SPREAD, party=FeeParty.LENDER),
    FeeRule("guarantee_fee", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
            rate=Decimal("0.000500"), collection=FeeCollection.ON_EVENT, party=FeeParty.GUARANTOR),
    FeeRule("prepayment_fee", FeeTrigger.PREPAYMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
            rate=Decimal("0.010000"), collection=FeeCollection.ON_EVENT, party=FeeParty.LENDER,
            tiers=(FeeTier(rate=Decimal("0.020000"), term_max=6),
                   FeeTier(rate=Decimal("0.005000"), amount_min=Decimal("100000.00")))),
))


def test_consumer_standard_fee_lines() -> None:
    t = terms(rate="0.15")
    s, charges = apply_fees(build_schedule(t), CONSUMER_STANDARD)
    # service fee 1 % × 10000 = 100.00 spread: 100/12 = 8.33 × 11 + 8.37 on the last row
    svc = [c.amount for c in charges if c.code == "service_fee"]
    assert svc == [Decimal("8.33")] * 11 + [Decimal("8.37")]
    # guarantee fee 0.05 % of the opening balance: row 1 = 10000 × 0.0005 = 5.00
    gua = [c for c in charges if c.code == "guarantee_fee"]
    assert gua[0].amount == Decimal("5.00") and gua[0].party is FeeParty.GUARANTOR
    assert s.installments[0].fee == Decimal("13.33")
    assert not [c for c in charges if c.code == "prepayment_fee"]  # event fee, not scheduled
    assert all(c.seq is not None for c in charges)


def test_fee_tiers_first_match_wins() -> None:
    rule = CONSUMER_STANDARD.fees[2]
    assert rule.resolve(Decimal("5000"), 6)[0] == Decimal("0.02")
    assert rule.resolve(Decimal("200000"), 6)[0] == Decimal("0.02")   # first tier matched first
    assert rule.resolve(Decimal("200000"), 12)[0] == Decimal("0.005")
    assert rule.resolve(Decimal("5000"), 12)[0] == Decimal("0.01")


def test_upfront_fee_reduces_net_proceeds_and_counts_in_apr() -> None:
    fees = FeeSchedule("x", (
        FeeRule("app", FeeTrigger.APPLICATION, FeeCalculation.FIXED, amount=Decimal("200.00"),
                collection=FeeCollection.UPFRONT, party=FeeParty.THIRD_PARTY),))
    q0 = build_quote(terms(day_count=DayCount.THIRTY_360))
    q = build_quote(terms(day_count=DayCount.THIRTY_360), fees)
    assert q.net_proceeds == Decimal("9800.00") and q.upfront_fees == Decimal("200.00")
    assert q0.apr is not None and q.apr is not None
    assert q0.apr.nominal == Decimal("0.180002")  # 30/360 equal installments ≈ the note rate
    assert q.apr.nominal > Decimal("0.21")
    with pytest.raises(LoanInputError) as e:
        build_quote(terms("100.00"), FeeSchedule("y", (FeeRule(
            "app", FeeTrigger.APPLICATION, FeeCalculation.FIXED, amount=Decimal("100.00"),
            collection=FeeCollection.UPFRONT),)))
    assert (e.value.field, e.value.code) == ("fees", "fees_exceed_amount")


def test_pboc_2021_no3_worked_example() -> None:
    # 100,000 lent, 1,000 upfront fee, 12 × 8,833.30 → monthly IRR 1.067 %, ×12 = 12.80 %,
    # (1+r)^12 − 1 = 13.58 %
    r = periodic_irr([Decimal(-99000)] + [Decimal("8833.30")] * 12)
    apr = annualise(r, 12)
    assert apr.nominal.quantize(Decimal("0.0001")) == Decimal("0.1280")
    assert apr.effective.quantize(Decimal("0.0001")) == Decimal("0.1358")


def test_cap_convention_matters() -> None:
    # COMPLIANCE.md: 10,000 repaid in 12 × 940: nominal 22.84 % passes 24 %, effective 25.39 % fails
    apr = annualise(periodic_irr([Decimal(-10000)] + [Decimal(940)] * 12), 12)
    assert apr.nominal.quantize(Decimal("0.0001")) == Decimal("0.2284")
    assert apr.effective.quantize(Decimal("0.0001")) == Decimal("0.2539")
    nominal = RateCap("cn.cap.nominal", Decimal("0.24"), Annualisation.NOMINAL)
    effective = RateCap("cn.cap.effective", Decimal("0.24"))
    warn = RateCap("cn.lpr4", Decimal("0.12"), action=ComplianceAction.WARN)
    v = check_rate_caps(apr, (nominal, warn), "CN")
    assert v.ok and [x.rule_id for x in v.violations] == ["cn.lpr4"]
    v = check_rate_caps(apr, (nominal, effective), "CN")
    assert not v.ok and [x.rule_id for x in v.violations] == ["cn.cap.effective"]
    assert "超过上限" in v.violations[0].message("zh_CN")
    assert v.violations[0].message("en").startswith("Annualised rate 0.253")


def test_irr_no_solution_and_zero_rate() -> None:
    with pytest.raises(NoSolutionError):
        periodic_irr([Decimal(100), Decimal(5)])
    with pytest.raises(NoSolutionError):
        periodic_irr([Decimal(0), Decimal(0)])
    assert periodic_irr([Decimal(-100), Decimal(50), Decimal(50)]) == 0.0
    # repaying less than received: negative but finite rate
    assert -0.2 < periodic_irr([Decimal(-100), Decimal(45), Decimal(45)]) < 0
    # absurd flows still terminate
    with pytest.raises(NoSolutionError):
        periodic_irr([Decimal(-1), Decimal(10) ** 40])
    # XIRR, one year of 365 days
    assert abs(xirr([(date(2025, 1, 1), Decimal(-100)), (date(2026, 1, 1), Decimal(110))]) - 0.1) < 1e-9


def test_quote_json_contract() -> None:
    t = terms(rate="0.15", product_code="consumer_emi")
    caps = (RateCap("cn.mlc.new_loan.hard_cap", Decimal("0.24")),
            RateCap("cn.mlc.new_loan.lpr4_target", Decimal("0.12"), action=ComplianceAction.WARN))
    d = quote_to_json(build_quote(t, CONSUMER_STANDARD, caps, region="CN"), locale="zh_CN")
    json.dumps(d)
    assert list(d) == ["product", "amount", "term", "annual_rate", "terms", "net_proceeds",
                       "installments", "totals", "apr", "compliance"]
    assert d["product"] == "consumer_emi" and d["amount"] == "10000.00" and d["term"] == 12
    assert d["annual_rate"] == "0.150000" and d["net_proceeds"] == "10000.00"
    assert d["terms"] == {"method": "equal_installment", "frequency": "monthly",
                          "day_count": "ACT/365", "interest_period": "daily",
                          "rounding": "half_up", "currency": "CNY"}
    first = d["installments"][0]
    assert list(first) == ["seq", "due_date", "principal", "interest", "fee", "total", "balance"]
    assert first["seq"] == 1 and first["due_date"] == "2026-02-01"
    for row in d["installments"]:
        assert Decimal(row["total"]) == (Decimal(row["principal"]) + Decimal(row["interest"])
                                         + Decimal(row["fee"]))
        assert all(len(row[k].split(".")[1]) == 2 for k in ("principal", "interest", "fee"))
    assert d["totals"]["principal"] == "10000.00"
    assert len(d["apr"]["nominal"].split(".")[1]) == 6
    assert d["compliance"]["region"] == "CN" and d["compliance"]["ok"] is True
    assert [v["rule"] for v in d["compliance"]["violations"]] == ["cn.mlc.new_loan.lpr4_target"]
    assert "年化利率" in d["compliance"]["violations"][0]["message"]


@settings(max_examples=60, deadline=None)
@given(loan_terms(max_term=36))
def test_quote_always_terminates(t) -> None:  # type: ignore[no-untyped-def]
    q = build_quote(t, CONSUMER_STANDARD, (RateCap("cap", Decimal("0.24")),))
    d = quote_to_json(q)
    assert sum(Decimal(r["principal"]) for r in d["installments"]) == t.amount
    if q.apr is not None and q.apr.periods_per_year >= 1 and q.apr.nominal >= 0:
        assert q.apr.effective >= q.apr.nominal   # compounding only adds for k ≥ 1


def test_fee_min_max_and_agency_fee() -> None:
    from lowlend.domain.entrusted import agency_fee_rule

    fees = FeeSchedule("m", (
        FeeRule("floor", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
                rate=Decimal("0.001"), min_amount=Decimal("50.00"),
                collection=FeeCollection.UPFRONT),          # 0.1 % × 10000 = 10 → floor 50
        FeeRule("ceiling", FeeTrigger.INSTALLMENT, FeeCalculation.PERCENT_OF_OUTSTANDING,
                rate=Decimal("0.01"), max_amount=Decimal("30.00")),  # 1 % × 10000 = 100 → 30
        agency_fee_rule(Decimal("0.012")),                  # 120.00 spread: 10.00 a month
    ))
    _s, charges = apply_fees(build_schedule(terms()), fees)
    assert [c.amount for c in charges if c.code == "floor"] == [Decimal("50.00")]
    assert next(c.amount for c in charges if c.code == "ceiling") == Decimal("30.00")
    agency = [c for c in charges if c.code == "agency_fee"]
    assert {c.amount for c in agency} == {Decimal("10.00")} and agency[0].party is FeeParty.LENDER
    with pytest.raises(LoanInputError) as e:
        FeeRule("bad", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
                rate=Decimal("-0.1"))
    assert e.value.field == "fees.bad.rate"
