"""Payment orders through the gateway: send, then apply what the gateway answers.

An order belongs to one transaction (``transactions.payment_order_id``), stored with
status ``pending`` and committed *before* the order is sent, so a crash between sending
and storing the answer loses nothing: the callback or a later query finds the order.
Each answer (the synchronous one, a callback, a query) goes through
:func:`lowlend.domain.payments.apply_callback` against the stored answer: the first final
status wins, a duplicate is ignored, a contradiction is reported (``conflict``) and never
applied. A final ``succeeded`` posts the transaction — a disbursement
(:func:`~lowlend.services.lending.loan_postings.complete_disbursement`) or an auto-debit
repayment (replayed with :func:`~lowlend.services.lending.loan_postings.resync`); ``failed``
marks it failed with the gateway's failure code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from lowlend.domain.errors import DomainError
from lowlend.domain.payments import (
    Outcome,
    PaymentCallback,
    PaymentOrder,
    PaymentResult,
    apply_callback,
)
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import complete_disbursement, first_tranche, resync
from lowlend.services.lending.money_ports import MoneyUnitOfWork, TxnRow

__all__ = [
    "UNKNOWN_OUTCOME",
    "GatewayPort",
    "apply_result",
    "result_from_json",
    "result_to_json",
    "send_order",
]


UNKNOWN_OUTCOME = "gateway_unavailable"
"""Code of the adapter error meaning "no answer, outcome unknown" (time-out, 5xx)."""


class GatewayPort(Protocol):
    """The part of :class:`lowlend.integrations.payments.PaymentGateway` used here: answers
    a :class:`PaymentResult` or raises a :class:`~lowlend.domain.errors.DomainError`
    (:data:`UNKNOWN_OUTCOME` when the outcome is unknown)."""

    def submit(self, order: PaymentOrder) -> PaymentResult: ...


def result_to_json(result: PaymentResult) -> dict[str, Any]:
    """The stored form of a gateway answer (``transactions.gateway_result``)."""
    return {
        "order_id": result.order_id, "status": result.status, "reference": result.reference,
        "amount": str(result.amount), "settled_amount": str(result.settled_amount),
        "currency": result.currency, "failure_code": result.failure_code,
        "submitted_at": result.submitted_at.isoformat(),
        "settled_at": result.settled_at.isoformat() if result.settled_at else None,
    }


def result_from_json(data: dict[str, Any] | None) -> PaymentResult | None:
    if not data:
        return None
    return PaymentResult(
        data["order_id"], data["status"], data.get("reference"), Decimal(data["amount"]),
        Decimal(data["settled_amount"]), data["currency"], data.get("failure_code"),
        dt.datetime.fromisoformat(data["submitted_at"]),
        dt.datetime.fromisoformat(data["settled_at"]) if data.get("settled_at") else None,
    )


def _as_callback(result: PaymentResult) -> PaymentCallback:
    """A synchronous answer seen as a notice (so one decision rule covers both)."""
    return PaymentCallback(
        result.order_id, result.status, result.reference or result.order_id, result.amount,
        result.settled_amount, result.currency, result.failure_code, result.settled_at,
        str(int(result.submitted_at.timestamp())), "sync", "sync",
    )


def _settle(uow: MoneyUnitOfWork, registry: Any, row: TxnRow, result: PaymentResult,
            business_date: dt.date) -> None:
    loan = uow.money.loan(row.loan_id, for_update=True)
    if loan is None:  # the FK forbids it
        raise LendingError("loan_not_found", status=404, value=row.loan_id)
    row.gateway_result = result_to_json(result)
    if result.reference:
        row.reference = result.reference
    if result.status == "failed":
        row.status, row.failure_code = "failed", result.failure_code
        return
    if result.status != "succeeded":
        return
    if row.type == "disbursement":
        # a first tranche needs a loan still approved, a later one an active loan (not
        # disbursed meanwhile by another channel, not closed or written off since)
        if loan.status != ("approved" if first_tranche(row) else "active"):
            row.status, row.failure_code = "failed", "duplicate_disbursement"
            return
        complete_disbursement(uow, registry, loan, row, business_date=business_date)
        return
    row.amount = result.settled_amount
    row.status = "posted"
    resync(uow, registry, loan, business_date=business_date, received=result.settled_amount,
           description=f"Auto-debit {row.payment_order_id}", transaction_id=row.id)


def apply_result(
    uow_factory: Callable[[], MoneyUnitOfWork],
    notice: PaymentCallback,
    *,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
) -> Outcome:
    """Apply a gateway notice (a callback or an answer) to its transaction in one unit of work.

    :raises LendingError: ``payment_order_unknown`` (404) for an order nobody sent.
    """
    with uow_factory() as uow:
        row = uow.money.by_payment_order(notice.order_id, for_update=True)
        if row is None:
            raise LendingError("payment_order_unknown", status=404, value=notice.order_id)
        stored = result_from_json(row.gateway_result)
        outcome = apply_callback(stored, notice)
        if outcome.applied and outcome.result is not None:
            loan = uow.money.loan(row.loan_id)
            registry = registry_for(loan.config_version_id) if loan is not None else None
            _settle(uow, registry, row, outcome.result, business_date)
            uow.commit()
        return outcome


def send_order(
    uow_factory: Callable[[], MoneyUnitOfWork],
    gateway: GatewayPort,
    order: PaymentOrder,
    *,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
) -> tuple[str, str | None]:
    """Send a stored order and apply the answer; return the transaction's ``(status,
    failure_code)`` afterwards (``pending`` when the gateway did not answer)."""
    try:
        result = gateway.submit(order)
    except DomainError as exc:  # the adapters' errors (lowlend.integrations.payments.errors)
        if exc.code == UNKNOWN_OUTCOME:
            return "pending", None  # stays pending: a callback or a query settles it
        raise LendingError("gateway_refused", status=502, reason=exc.code) from exc
    apply_result(uow_factory, _as_callback(result), registry_for=registry_for,
                 business_date=business_date)
    with uow_factory() as uow:
        row = uow.money.by_payment_order(order.order_id)
        return (row.status, row.failure_code) if row is not None else ("pending", None)
