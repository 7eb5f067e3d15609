"""Disbursement (放款): pay an approved loan out, re-date its schedule, post the entry.

Two channels:

* ``transfer`` / ``cash``: the money already left by bank transfer or in cash (the
  reference names it); the disbursement is posted at once.
* ``gateway``: a payment order to the borrower's bank card goes to the payment gateway.
  The order is stored first (status ``pending``) and committed, then sent; a success
  posts the disbursement, a failure leaves the loan awaiting disbursement (send again),
  ``pending`` or a gateway that did not answer waits for the callback
  (:func:`lowlend.services.lending.payment_flow.apply_result`).

Posting re-dates the schedule from the actual value date (the pinned terms, priced
again from that day), deducts the upfront fees from the proceeds where the product says
so (``net_proceeds = principal − upfront fees``), and posts the ``disbursement`` entry of
the loan's kind (an entrusted loan lends the entrusting party's funds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lowlend.domain.approval import Actor
from lowlend.domain.errors import DomainError
from lowlend.domain.payments import PaymentOrder
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import (
    complete_disbursement,
    disbursement_figures,
    priced_from,
)
from lowlend.services.lending.money_ports import LoanMoneyRow, MoneyUnitOfWork, TxnRow
from lowlend.services.lending.payment_flow import GatewayPort, send_order

__all__ = [
    "CHANNELS",
    "DisbursementRequest",
    "DisbursementResult",
    "disburse",
]

CHANNELS = ("transfer", "cash", "gateway")
AWAITING = "approved"


@dataclass(frozen=True, slots=True)
class DisbursementRequest:
    """What the operator asks for.

    :param card_number: / ``bank_code`` / ``holder_name``: the borrower's account for the
        ``gateway`` channel (the card of the application's ``auto_debit_card`` when blank).
    """

    value_date: dt.date
    channel: Literal["transfer", "cash", "gateway"] = "transfer"
    reference: str = ""
    note: str = ""
    card_number: str = ""
    bank_code: str = ""
    holder_name: str = ""


@dataclass(frozen=True, slots=True)
class DisbursementResult:
    transaction_id: int
    status: str  # posted | pending | failed
    principal: Decimal
    upfront_fees: Decimal
    net_proceeds: Decimal
    failure_code: str | None = None


def _check(loan: LoanMoneyRow | None, loan_id: int, request: DisbursementRequest,
           business_date: dt.date, pending: bool) -> LoanMoneyRow:
    if loan is None:
        raise LendingError("loan_not_found", status=404, value=loan_id)
    if loan.status != AWAITING:
        raise LendingError("loan_not_awaiting_disbursement", status=409, value=loan.status)
    if pending:
        raise LendingError("disbursement_in_progress", status=409, value=loan_id)
    if request.channel not in CHANNELS:
        raise LendingError("channel_invalid", "channel", value=request.channel)
    if request.value_date > business_date:
        raise LendingError("value_date_in_future", "value_date",
                           value=request.value_date.isoformat())
    if request.channel != "gateway" and not request.reference.strip():
        raise LendingError("reference_required", "reference")
    return loan


def _result(row: TxnRow, allocation: dict[str, Any]) -> DisbursementResult:
    return DisbursementResult(
        row.id, row.status, Decimal(allocation.get("principal", "0")),
        Decimal(allocation.get("upfront_fees", "0")),
        Decimal(allocation.get("net_proceeds", "0")), row.failure_code,
    )


def disburse(
    uow_factory: Callable[[], MoneyUnitOfWork],
    loan_id: int,
    request: DisbursementRequest,
    *,
    actor: Actor,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
    gateway: GatewayPort | None = None,
) -> DisbursementResult:
    """Disburse an approved loan in full (see the module text).

    :raises LendingError: ``loan_not_found`` (404), ``loan_not_awaiting_disbursement`` /
        ``disbursement_in_progress`` (409), ``channel_invalid``, ``value_date_in_future``,
        ``reference_required``, ``bank_card_missing``, a bad card (422),
        ``gateway_not_configured`` (503).
    """
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id, for_update=True)
        rows = uow.money.transactions(loan_id) if loan is not None else []
        pending = any(r.type == "disbursement" and r.status == "pending" for r in rows)
        loan = _check(loan, loan_id, request, business_date, pending)
        registry = registry_for(loan.config_version_id)
        _terms, _fees, quote = priced_from(loan, request.value_date)
        order: PaymentOrder | None = None
        values: dict[str, Any] = dict(
            loan_id=loan.id, type="disbursement", value_date=request.value_date,
            business_date=business_date, amount=quote.net_proceeds, currency=loan.currency,
            channel=request.channel, reference=request.reference.strip() or None,
            note=request.note.strip(), created_by=actor.user_id or None,
        )
        if request.channel == "gateway":
            if gateway is None:
                raise LendingError("gateway_not_configured", status=503)
            attempt = sum(1 for r in rows if r.type == "disbursement") + 1
            card = request.card_number.strip() or (uow.money.bank_card(loan.id) or "")
            if not card:
                raise LendingError("bank_card_missing", "card_number")
            try:
                order = PaymentOrder(
                    "disbursement", f"DSB{loan.id}-{attempt}", quote.net_proceeds, loan.currency,
                    request.holder_name.strip() or uow.money.customer_name(loan.customer_id),
                    card, request.bank_code.strip() or "UNKNOWN", str(loan.id),
                    f"Loan {loan.contract_no or loan.id}",
                )
            except DomainError as exc:
                raise LendingError.of(exc) from None
            values.update(status="pending", payment_order_id=order.order_id)
        row = uow.money.add_transaction(**values, allocation=disbursement_figures(quote))
        if order is None:
            complete_disbursement(uow, registry, loan, row, business_date=business_date)
        uow.commit()
        result = _result(row, row.allocation)
    if order is None or gateway is None:
        return result
    return _result_after(
        send_order(uow_factory, gateway, order, registry_for=registry_for,
                   business_date=business_date),
        result,
    )


def _result_after(status: tuple[str, str | None], before: DisbursementResult) -> DisbursementResult:
    return DisbursementResult(before.transaction_id, status[0], before.principal,
                              before.upfront_fees, before.net_proceeds, status[1])
