"""Loans from approved applications: the schedule, the contract, credit lines and draws.

* A term or entrusted product: the loan is booked with status ``approved`` (awaiting
  disbursement), its schedule priced from the pinned product version as of the
  approval day (disbursement re-dates it from the actual value date), a snapshot of
  the terms and a contract document per language.
* A revolving product: approval grants a credit line (limit = approved amount, for the
  product's ``limit_term_months``); each :func:`draw` becomes a loan under the line's
  limit and expiry, checked against the product's minimum draw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

from lowlend.domain.approval import Actor
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.quote import Quote
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.ports import (
    ApplicationRow,
    LendingRepository,
    LendingUnitOfWork,
    NewInstallment,
)
from lowlend.services.product_terms import snapshot_of, terms_and_fees
from lowlend.services.quote import QuoteInputError, QuoteRequest, quote

__all__ = [
    "BookedLoan",
    "ContractDocument",
    "ContractRenderer",
    "LoanDraft",
    "available_on_line",
    "book_approved",
    "draw",
]

LOAN_APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class LoanDraft:
    """What a contract shows about a loan being booked (the identity number in clear:
    the renderer masks it)."""

    loan_id: int
    contract_no: str
    customer_id: int
    product: Any  # ProductSpec
    offer: Quote
    signing_date: dt.date
    entrusting_party_id: int | None
    config_version_id: int
    borrower_name: str = ""
    borrower_id_type: str = ""
    borrower_id_number: str = ""
    borrower_phone: str = ""
    purpose_labels: tuple[str, str] | None = None  # (zh_CN, en)
    entrusting_party_name: str = ""
    fee_labels: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContractDocument:
    locale: str
    html: str
    pdf: bytes | None
    sha256: str


class ContractRenderer(Protocol):
    """Renders the contract documents (one per language) of a loan being booked."""

    def __call__(self, draft: LoanDraft, /) -> Sequence[ContractDocument]: ...


@dataclass(frozen=True, slots=True)
class BookedLoan:
    loan_id: int | None
    credit_line_id: int | None


def _offer(registry: Any, product_code: str, amount: Decimal, term: int, rate: Decimal,
           start: dt.date) -> Quote:
    try:
        return quote(registry, QuoteRequest(product_code, amount, term, start, rate))
    except QuoteInputError as exc:
        raise LendingError("application_terms_invalid", errors=exc.errors) from exc


def _fees_of(registry: Any, product_code: str, offer: Quote) -> FeeSchedule | None:
    """The fee schedule the offer was priced with (kept in the terms snapshot, so that
    disbursement and repayments price the loan exactly as the offer did)."""
    return terms_and_fees(
        registry, product_code, amount=offer.terms.amount, term=offer.terms.term,
        annual_rate=offer.terms.annual_rate, start=offer.terms.start,
    )[1]


def _book_loan(
    repo: LendingRepository, registry: Any, product: Any, *, customer_id: int,
    application_id: int | None, amount: Decimal, term: int, rate: Decimal, currency: str,
    config_version_id: int, department_id: int | None, owner_staff_id: int | None,
    custom: dict[str, Any], today: dt.date, credit_line_id: int | None,
    contract: ContractRenderer | None,
) -> int:
    offer = _offer(registry, product.code, amount, term, rate, today)
    rows = offer.schedule.installments
    entrusting = custom.get("entrusting_party")
    entrusting_id = int(entrusting) if isinstance(entrusting, int | str) and str(entrusting).isdigit() else None
    if product.kind.value == "entrusted" and product.entrusted is not None:
        if product.entrusted.entrusting_party_required and entrusting_id is None:
            raise LendingError("entrusting_party_required", field="custom.entrusting_party")
    loan_id = repo.add_loan(
        application_id=application_id, customer_id=customer_id, product_code=product.code,
        config_version_id=config_version_id, principal=amount, annual_rate=offer.terms.annual_rate,
        currency=currency, term=term, status=LOAN_APPROVED,
        maturity_date=rows[-1].due_date if rows else None, department_id=department_id,
        owner_staff_id=owner_staff_id,
        terms_snapshot=snapshot_of(
            offer.terms, _fees_of(registry, product.code, offer), config_version_id=config_version_id
        ),
        custom=dict(custom), credit_line_id=credit_line_id, entrusting_party_id=entrusting_id,
    )
    repo.add_installments(
        loan_id,
        [NewInstallment(r.seq, r.due_date, r.principal, r.interest, r.fee) for r in rows],
    )
    number = f"LL{today:%Y%m%d}{loan_id:06d}"
    repo.set_contract_no(loan_id, number)
    if contract is not None:
        draft = _draft(repo, registry, product, offer, loan_id, number, customer_id, today,
                       entrusting_id, config_version_id, custom)
        for doc in contract(draft):
            repo.add_document(loan_id, "contract", doc.locale, number, doc.html, doc.pdf,
                              doc.sha256)
    return loan_id


def _draft(
    repo: LendingRepository, registry: Any, product: Any, offer: Quote, loan_id: int,
    number: str, customer_id: int, today: dt.date, entrusting_id: int | None,
    config_version_id: int, custom: dict[str, Any],
) -> LoanDraft:
    customer = repo.customer(customer_id)
    purpose = custom.get("purpose")
    purpose_labels = None
    dictionary = registry.dictionaries.get("loan_purpose")
    if purpose and dictionary is not None:
        item = next((i for i in dictionary.items if i.code == purpose), None)
        if item is not None:
            purpose_labels = (item.label.zh_CN, item.label.en)
    party_name = ""
    entity = registry.entities.get("entrusting_parties")
    if entrusting_id is not None and entity is not None:
        party_name = repo.record_name(entity.table, entrusting_id) or ""
    fee_labels: dict[str, tuple[str, str]] = {}
    schedule = registry.fee_schedules.get(product.fee_schedule) if product.fee_schedule else None
    for fee in schedule.fees if schedule is not None else ():
        fee_labels[fee.code] = (fee.label.zh_CN, fee.label.en)
    return LoanDraft(
        loan_id, number, customer_id, product, offer, today, entrusting_id, config_version_id,
        borrower_name=customer.name if customer else "",
        borrower_id_type=customer.id_type if customer else "",
        borrower_id_number=repo.customer_id_number(customer_id) or "",
        borrower_phone=str(getattr(customer, "phone", "") or ""),
        purpose_labels=purpose_labels,
        entrusting_party_name=party_name,
        fee_labels=fee_labels,
    )


def book_approved(
    repo: LendingRepository, registry: Any, product: Any, app: ApplicationRow, today: dt.date,
    contract: ContractRenderer | None,
) -> BookedLoan:
    """Book what an approval grants: a loan (term, entrusted) or a credit line (revolving)."""
    if repo.loan_for_application(app.id) is not None:
        raise LendingError("application_already_booked", status=409, value=app.id)
    if product.kind.value == "revolving" and product.revolving is not None:
        line = repo.add_credit_line(
            customer_id=app.customer_id, application_id=app.id, product_code=product.code,
            config_version_id=app.config_version_id, credit_limit=app.amount,
            currency=app.currency, annual_rate=app.rate, starts_on=today,
            expires_on=today + relativedelta(months=product.revolving.limit_term_months),
            status="active", department_id=app.department_id,
            owner_staff_id=app.owner_staff_id,
        )
        return BookedLoan(None, line.id)
    loan_id = _book_loan(
        repo, registry, product, customer_id=app.customer_id, application_id=app.id,
        amount=app.amount, term=app.term, rate=app.rate, currency=app.currency,
        config_version_id=app.config_version_id, department_id=app.department_id,
        owner_staff_id=app.owner_staff_id, custom=dict(app.custom or {}), today=today,
        credit_line_id=None, contract=contract,
    )
    return BookedLoan(loan_id, None)


def available_on_line(uow: LendingUnitOfWork, line_id: int) -> Decimal | None:
    """What is left to draw on a credit line: its limit less the principal outstanding of its
    loans (``None`` for an unknown line). :func:`draw` refuses more than this."""
    with uow:
        line = uow.lending.credit_line(line_id)
        if line is None:
            return None
        return line.credit_limit - uow.lending.line_principal_outstanding(line.id)


def draw(
    uow: LendingUnitOfWork,
    line_id: int,
    *,
    amount: Decimal,
    term: int,
    actor: Actor,
    registry_for: Callable[[int], Any],
    today: dt.date,
    contract: ContractRenderer | None = None,
) -> int:
    """Draw ``amount`` on a credit line: a new loan under the line; returns its id.

    :raises LendingError: line not found / not active / expired, amount not positive,
        below the product's minimum draw or above the available limit.
    """
    if amount <= 0:
        raise LendingError("amount_not_positive", field="amount")
    with uow:
        repo = uow.lending
        line = repo.credit_line(line_id, for_update=True)
        if line is None:
            raise LendingError("credit_line_not_found", status=404, value=line_id)
        if line.status != "active":
            raise LendingError("credit_line_not_active", status=409, value=line.status)
        if today > line.expires_on:
            raise LendingError("credit_line_expired", status=409, value=line.expires_on.isoformat())
        registry = registry_for(line.config_version_id)
        product = registry.products.get(line.product_code)
        if product is None or product.revolving is None:
            raise LendingError("unknown_product", field="product_code", value=line.product_code)
        if amount < product.revolving.draw_min:
            raise LendingError(
                "amount_below_draw_min", field="amount", value=str(amount),
                draw_min=str(product.revolving.draw_min),
            )
        available = line.credit_limit - repo.line_principal_outstanding(line.id)
        if amount > available:
            raise LendingError(
                "draw_above_available", field="amount", value=str(amount),
                available=str(available),
            )
        loan_id = _book_loan(
            repo, registry, product, customer_id=line.customer_id, application_id=None,
            amount=amount, term=term, rate=line.annual_rate, currency=line.currency,
            config_version_id=line.config_version_id, department_id=line.department_id,
            owner_staff_id=line.owner_staff_id, custom={"drawn_by": actor.username},
            today=today, credit_line_id=line.id, contract=contract,
        )
        uow.commit()
        return loan_id
