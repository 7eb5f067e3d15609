"""The contract facts of a loan being booked (lowlend.services.lending.contract_facts):
the late-payment clause follows ``penalty.grace_mode``, the early-repayment clause
``prepayment.spread_fees_on_payoff``, in Chinese and in English."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lowlend.domain.conventions import GraceMode, SpreadFeesOnPayoff
from lowlend.domain.quote import build_quote
from lowlend.services.contracts import Lender, render_contract_html
from lowlend.services.lending.contract_facts import contract_facts
from lowlend.services.lending.loans import LoanDraft
from lowlend.services.product_terms import fee_schedule_for, loan_terms_for
from lowlend.spec import SpecRegistry, load_directory

REPO = Path(__file__).resolve().parents[2]
LENDER = Lender("某某小额贷款有限公司", "江西省南昌市红谷滩区", "赣小贷 001")


@pytest.fixture(scope="module")
def registry() -> SpecRegistry:
    return load_directory(REPO / "product_configs", REPO / "notification_templates")


def _draft(registry: SpecRegistry, code: str = "consumer_emi", *,
           grace_mode: GraceMode | None = None, grace_days: int | None = None,
           spread: SpreadFeesOnPayoff | None = None) -> LoanDraft:
    product: Any = registry.products[code]
    penalty = product.penalty
    if grace_mode is not None:
        penalty = dataclasses.replace(penalty, grace_mode=grace_mode)
    if grace_days is not None:
        penalty = dataclasses.replace(penalty, grace_days=grace_days)
    prepayment = product.prepayment
    if spread is not None:
        prepayment = dataclasses.replace(prepayment, spread_fees_on_payoff=spread)
    product = dataclasses.replace(product, penalty=penalty, prepayment=prepayment)
    fee_spec = registry.fee_schedules[product.fee_schedule]
    terms = loan_terms_for(product, fee_spec, amount=product.amount.default,
                           term=product.term.default, annual_rate=None, start=date(2026, 3, 2),
                           region=registry.regions[product.region])
    offer = build_quote(terms, fee_schedule_for(fee_spec))
    return LoanDraft(1, "HT-2026-0001", 1, product, offer, date(2026, 3, 2), None, 7,
                     borrower_name="张三", borrower_id_type="resident_id",
                     borrower_id_number="110101199003071234", borrower_phone="13800138000")


def test_after_grace_says_only_the_days_beyond_the_grace_count(registry: SpecRegistry) -> None:
    draft = _draft(registry, grace_mode=GraceMode.AFTER_GRACE)
    zh = contract_facts(draft, LENDER, "zh_CN").penalty_terms
    en = contract_facts(draft, LENDER, "en").penalty_terms
    assert "逾期宽限期 3 天" in zh and "逾期不超过 3 天还清的，不计罚息，不收滞纳金" in zh
    assert "仅对超过宽限期的逾期天数" in zh and "按日 0.05% 计收罚息" in zh
    assert "自到期日起" not in zh
    assert "no more than 3 days late bears no penalty interest and no late fee" in en
    assert "only for the days late beyond the 3 grace days" in en
    assert "counted from the due date" not in en
    assert "20.00" in zh and "20.00" in en


def test_from_due_date_says_penalty_counts_from_the_due_date(registry: SpecRegistry) -> None:
    draft = _draft(registry, grace_mode=GraceMode.FROM_DUE_DATE)
    zh = contract_facts(draft, LENDER, "zh_CN").penalty_terms
    en = contract_facts(draft, LENDER, "en").penalty_terms
    assert "逾期不超过 3 天还清的，不计罚息，不收滞纳金" in zh
    assert "自到期日起按全部逾期天数（含宽限期内的 3 天）" in zh
    assert "宽限期届满时仍未偿还的金额" in zh
    assert "仅对超过宽限期" not in zh
    assert "for every day late counted from the due date, the 3 grace days included" in en
    assert "beyond the 3 grace days" not in en


@pytest.mark.parametrize("mode", list(GraceMode))
def test_no_grace_days_reads_the_same_in_both_modes(registry: SpecRegistry,
                                                    mode: GraceMode) -> None:
    draft = _draft(registry, grace_mode=mode, grace_days=0)
    zh = contract_facts(draft, LENDER, "zh_CN").penalty_terms
    en = contract_facts(draft, LENDER, "en").penalty_terms
    assert zh.startswith("无逾期宽限期：自到期日起")
    assert en.startswith("No grace period:") and "counted from the due date" in en


@pytest.mark.parametrize(("mode", "zh_rule", "en_rule"), [
    (SpreadFeesOnPayoff.WAIVE, "按当期已经过的天数收取当期部分，以后各期的费用不再收取",
     "pro rata to the days elapsed; those of later periods are not charged"),
    (SpreadFeesOnPayoff.DUE, "尚未支付的部分于结清时一次性收取", "falls due in full"),
])
def test_early_repayment_clause_states_the_installment_fee_rule(
        registry: SpecRegistry, mode: SpreadFeesOnPayoff, zh_rule: str, en_rule: str) -> None:
    draft = _draft(registry, spread=mode)
    assert any(r.fee > 0 for r in draft.offer.schedule.installments)  # consumer_standard spreads
    zh = contract_facts(draft, LENDER, "zh_CN")
    en = contract_facts(draft, LENDER, "en")
    assert zh_rule in zh.prepayment_terms and en_rule in en.prepayment_terms
    assert "提前三个工作日通知贷款人" in zh.prepayment_terms
    assert "three business days' notice" in en.prepayment_terms
    html = render_contract_html(zh)
    assert zh_rule in html and zh.penalty_terms in html


def test_without_installment_fees_the_template_wording_stays(registry: SpecRegistry) -> None:
    draft = _draft(registry, "hk_personal_loan")  # handling fee upfront only
    assert all(r.fee == 0 for r in draft.offer.schedule.installments)
    facts = contract_facts(draft, LENDER, "en")
    assert facts.prepayment_terms == ""
    assert "fees already incurred are not refunded" in render_contract_html(facts)
    assert Decimal(0) == sum(r.fee for r in draft.offer.schedule.installments)
