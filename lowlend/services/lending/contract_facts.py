"""The contract of a loan being booked: :class:`~lowlend.services.contracts.ContractFacts`
from the booking (:class:`~.loans.LoanDraft`), in Chinese and in English.

:func:`contract_renderer` returns the :class:`~.loans.ContractRenderer` the booking use
case calls: one document per language, each with the hash the loan records.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from lowlend.services.contracts import (
    LOCALES,
    ContractFacts,
    ContractFee,
    Lender,
    Party,
    ScheduleRow,
    mask_id_number,
    mask_phone,
    render_contract,
    render_contract_html,
)
from lowlend.services.lending.loans import ContractDocument, LoanDraft

__all__ = ["contract_facts", "contract_renderer"]

_METHODS = {
    "equal_installment": ("等额本息", "Equal installments"),
    "equal_principal": ("等额本金", "Equal principal"),
    "interest_only": ("先息后本", "Interest only, principal at maturity"),
    "bullet": ("利随本清", "Principal and interest at maturity"),
    "flat": ("等本等息", "Flat rate"),
}
_FREQUENCIES = {
    "daily": ("每日", "daily"),
    "weekly": ("每周", "weekly"),
    "biweekly": ("每两周", "every two weeks"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季度", "quarterly"),
    "one_time": ("一次性", "once"),
}
_ID_TYPES = {
    "resident_id": ("居民身份证", "Resident ID card"),
    "unified_credit_code": ("统一社会信用代码", "Unified social credit code"),
    "hkid": ("香港身份证", "HKID"),
    "passport": ("护照", "Passport"),
    "hk_macao_permit": ("港澳居民来往内地通行证", "Home-return permit"),
}


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[0] if locale == "zh_CN" else pair[1]


def _label(value: Any, locale: str) -> str:
    return str(value.get(locale)) if value is not None and hasattr(value, "get") else ""


_PENALTY_BASES = {
    "principal": ("本金", "principal"),
    "principal_and_interest": ("本金和利息", "principal and interest"),
}


def _penalty_text(product: Any, locale: str) -> str:
    """The late-payment clause, saying from when penalty interest counts under the product's
    ``penalty.grace_mode`` (see :mod:`lowlend.domain.penalties`): days late = payment date −
    due date; ``after_grace`` charges the days late beyond the grace days, ``from_due_date``
    every day late once the grace days are exceeded. The late fee is charged once per
    installment paid later than the grace days, in both modes."""
    pen = product.penalty
    rate = f"{(pen.rate_per_day * 100).normalize():f}%"
    grace = pen.grace_days
    base = _pick(_PENALTY_BASES.get(pen.base.value, (pen.base.value,) * 2), locale)
    from_due = pen.grace_mode.value == "from_due_date"
    if locale == "zh_CN":
        late_fee = f"逾期的每一期另收一次滞纳金 {pen.late_fee} 元。"
        if grace == 0:
            return f"无逾期宽限期：自到期日起，按逾期天数对逾期{base}按日 {rate} 计收罚息，{late_fee}"
        head = (
            f"逾期宽限期 {grace} 天（逾期天数为实际还款日与到期日相差的天数）：逾期不超过 {grace} 天"
            "还清的，不计罚息，不收滞纳金。"
        )
        if from_due:
            return (
                f"{head}超过宽限期仍未还清的，自到期日起按全部逾期天数（含宽限期内的 {grace} 天）"
                f"对逾期{base}按日 {rate} 计收罚息，宽限期内的天数按宽限期届满时仍未偿还的金额计算；"
                f"{late_fee}"
            )
        return (
            f"{head}超过宽限期仍未还清的，仅对超过宽限期的逾期天数（逾期天数减 {grace} 天，"
            f"宽限期内的天数不计）对逾期{base}按日 {rate} 计收罚息；{late_fee}"
        )
    late_fee = f"a late fee of {pen.late_fee} is charged once per overdue installment."
    if grace == 0:
        return (
            f"No grace period: penalty interest of {rate} per day is charged on the overdue "
            f"{base} for each day late, counted from the due date; {late_fee}"
        )
    head = (
        f"{grace} days of grace (days late = payment date − due date): an installment paid in "
        f"full no more than {grace} days late bears no penalty interest and no late fee."
    )
    if from_due:
        return (
            f"{head} Once the grace period is exceeded, penalty interest of {rate} per day is "
            f"charged on the overdue {base} for every day late counted from the due date, the "
            f"{grace} grace days included (on what is still unpaid when the grace period ends); "
            f"{late_fee}"
        )
    return (
        f"{head} Once the grace period is exceeded, penalty interest of {rate} per day is "
        f"charged on the overdue {base} only for the days late beyond the {grace} grace days "
        f"(days late − {grace}); {late_fee}"
    )


def _prepayment_text(terms: Any, schedule_fee: Decimal, locale: str) -> str:
    """The early-repayment clause when installments carry fees: what early settlement does to
    them (``prepayment.spread_fees_on_payoff``, see :mod:`lowlend.domain.prepayment`).
    Empty (the template's own wording) when no installment carries a fee."""
    if schedule_fee <= 0:
        return ""
    due = terms.prepayment.spread_fees_on_payoff.value == "due"
    if locale == "zh_CN":
        rule = (
            "提前结清的，分期收取的费用中尚未支付的部分于结清时一次性收取。"
            if due
            else "提前结清的，分期收取的费用按当期已经过的天数收取当期部分，以后各期的费用不再收取。"
        )
        return (
            "借款人可提前偿还全部或部分借款，应提前三个工作日通知贷款人。提前还款时，利息按借款实际"
            f"使用天数计算，已发生的费用不予退还；{rule}"
        )
    rule = (
        "On early settlement, the unpaid rest of the fees payable with the installments falls "
        "due in full."
        if due
        else "On early settlement, the fees payable with the installments are charged for the "
        "current period pro rata to the days elapsed; those of later periods are not charged."
    )
    return (
        "The Borrower may repay all or part of the loan early after giving the Lender three "
        "business days' notice. Interest is charged for the days the loan was actually "
        f"outstanding; fees already incurred are not refunded. {rule}"
    )


def contract_facts(draft: LoanDraft, lender: Lender, locale: str) -> ContractFacts:
    """The facts of ``draft``'s contract in ``locale`` (identity number and phone masked)."""
    product = draft.product
    offer = draft.offer
    terms = offer.terms
    method = _METHODS.get(terms.amortization.value, (terms.amortization.value,) * 2)
    frequency = _FREQUENCIES.get(terms.frequency.value, (terms.frequency.value,) * 2)
    id_type = _ID_TYPES.get(draft.borrower_id_type, (draft.borrower_id_type,) * 2)
    periods = len(offer.schedule.installments)
    term_label = f"{periods} 期" if locale == "zh_CN" else f"{periods} installments"
    fees = tuple(
        ContractFee(draft.fee_labels.get(c.code, (c.code, c.code))[0 if locale == "zh_CN" else 1],
                    c.amount)
        for c in offer.charges
        if c.seq is None and c.amount > 0
    )
    entrusting = None
    if draft.entrusting_party_name:
        entrusting = Party(draft.entrusting_party_name, "", "")
    apr = offer.apr
    return ContractFacts(
        contract_no=draft.contract_no,
        locale=locale,
        lender=lender,
        borrower=Party(
            draft.borrower_name,
            _pick(id_type, locale),
            mask_id_number(draft.borrower_id_number) if draft.borrower_id_number else "",
            mask_phone(draft.borrower_phone) if draft.borrower_phone else "",
        ),
        product_label=_label(product.label, locale),
        loan_kind=product.kind,
        purpose=draft.purpose_labels[0 if locale == "zh_CN" else 1] if draft.purpose_labels else "",
        principal=terms.amount,
        currency=terms.currency,
        annual_rate=terms.annual_rate,
        repayment_method_label=_pick(method, locale),
        term_label=term_label,
        frequency_label=_pick(frequency, locale),
        apr_nominal=apr.nominal if apr else Decimal(0),
        apr_effective=apr.effective if apr else Decimal(0),
        penalty_terms=_penalty_text(product, locale),
        prepayment_terms=_prepayment_text(
            terms, sum((r.fee for r in offer.schedule.installments), Decimal(0)), locale
        ),
        schedule=tuple(ScheduleRow.of(r) for r in offer.schedule.installments),
        signing_date=draft.signing_date,
        signing_place=lender.address,
        config_version=str(draft.config_version_id),
        upfront_fees=fees,
        entrusting_party=entrusting,
    )


def contract_renderer(
    lender: Lender,
    *,
    template_dir: Path | str | None = None,
    with_pdf: bool = True,
    locales: Sequence[str] = LOCALES,
) -> Any:
    """A :class:`~.loans.ContractRenderer`: one document per language of ``locales``."""

    def render(draft: LoanDraft) -> list[ContractDocument]:
        docs: list[ContractDocument] = []
        for locale in locales:
            facts = contract_facts(draft, lender, locale)
            if with_pdf:
                doc = render_contract(facts, template_dir)
                docs.append(ContractDocument(locale, doc.html, doc.pdf, doc.sha256))
            else:
                import hashlib

                html = render_contract_html(facts, template_dir)
                docs.append(
                    ContractDocument(
                        locale, html, None, hashlib.sha256(html.encode("utf-8")).hexdigest()
                    )
                )
        return docs

    return render
