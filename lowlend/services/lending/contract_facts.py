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
    "equal_installment": ("等额本息", "Equal instalments"),
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


def _penalty_text(product: Any, locale: str) -> str:
    pen = product.penalty
    rate = f"{(pen.rate_per_day * 100).normalize():f}%"
    if locale == "zh_CN":
        return (
            f"逾期宽限期 {pen.grace_days} 天；逾期后按日 {rate} 计收罚息，"
            f"每期逾期另收滞纳金 {pen.late_fee} 元。"
        )
    return (
        f"{pen.grace_days} days of grace; then penalty interest of {rate} per day on the "
        f"overdue amount and a late fee of {pen.late_fee} per overdue instalment."
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
    term_label = f"{periods} 期" if locale == "zh_CN" else f"{periods} instalments"
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
