"""Auto-debit (代扣): collect what is due and overdue from the borrower's card.

The amount is everything due up to the business date (past-due and due installments with
their penalties). The order is stored as a ``pending`` repayment (channel
``auto_debit``) before it is sent (:mod:`lowlend.services.lending.payment_flow`); its success
posts the amount the gateway settled, as of the business date.

Retry rules: at most ``max_attempts_per_day`` attempts per loan and day (the ``auto_debit``
step's ``params.max_attempts_per_day`` in ``eod.yaml``, 1 if absent); an attempt still
pending blocks another; after ``account_invalid`` the card is not tried again until an
operator sends one by hand (``force``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lowlend.domain.approval import Actor
from lowlend.domain.errors import DomainError
from lowlend.domain.ledger import ZERO
from lowlend.domain.payments import PaymentOrder
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import loan_state
from lowlend.services.lending.money_ports import MoneyUnitOfWork
from lowlend.services.lending.payment_flow import GatewayPort, send_order

__all__ = ["AutoDebitResult", "auto_debit", "max_attempts_per_day"]

NOT_RETRIED = frozenset({"account_invalid"})


@dataclass(frozen=True, slots=True)
class AutoDebitResult:
    transaction_id: int
    order_id: str
    amount: Decimal
    status: str  # posted | pending | failed
    failure_code: str | None


def max_attempts_per_day(registry: Any) -> int:
    """``params.max_attempts_per_day`` of the ``auto_debit`` EOD step (1 when absent)."""
    for step in registry.eod.steps:
        if step.code.value == "auto_debit":
            value = step.params.get("max_attempts_per_day", 1)
            return max(int(value), 1)
    return 1


def auto_debit(
    uow_factory: Callable[[], MoneyUnitOfWork],
    loan_id: int,
    *,
    gateway: GatewayPort,
    actor: Actor,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
    bank_code: str = "UNKNOWN",
    force: bool = False,
    idempotency_key: str | None = None,
) -> AutoDebitResult:
    """Send one auto-debit order for what the loan owes up to ``business_date``.

    With ``idempotency_key`` (the end-of-day batch sends ``eod:<date>:<loan id>``), an
    attempt already stored under that key is answered as it stands and nothing is sent.

    :raises LendingError: ``loan_not_found`` (404), ``loan_not_open`` / ``nothing_due`` /
        ``auto_debit_in_progress`` / ``auto_debit_attempts_exhausted`` /
        ``auto_debit_not_retryable`` (409), ``bank_card_missing`` (422).
    """
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id, for_update=True)
        if loan is None:
            raise LendingError("loan_not_found", status=404, value=loan_id)
        if idempotency_key is not None:
            done = uow.money.by_idempotency_key(idempotency_key)
            if done is not None and done.loan_id == loan_id:
                return AutoDebitResult(done.id, done.payment_order_id or "", done.amount,
                                       done.status, done.failure_code)
        if loan.status not in ("active", "overdue"):
            raise LendingError("loan_not_open", status=409, value=loan.status)
        registry = registry_for(loan.config_version_id)
        rows = uow.money.transactions(loan_id)
        today = [r for r in rows if r.channel == "auto_debit" and r.business_date == business_date]
        if any(r.status == "pending" for r in rows if r.channel == "auto_debit"):
            raise LendingError("auto_debit_in_progress", status=409, value=loan_id)
        if not force and len(today) >= max_attempts_per_day(registry):
            raise LendingError("auto_debit_attempts_exhausted", status=409, value=len(today))
        last = max((r for r in rows if r.channel == "auto_debit"), key=lambda r: r.id, default=None)
        if not force and last is not None and last.failure_code in NOT_RETRIED:
            raise LendingError("auto_debit_not_retryable", status=409, value=last.failure_code)
        state = loan_state(loan, rows, business_date)
        due = sum((r.total_outstanding for r in state.installments
                   if r.due_date <= business_date), ZERO)
        if due <= 0:
            raise LendingError("nothing_due", status=409, value=loan_id)
        card = uow.money.bank_card(loan_id)
        if not card:
            raise LendingError("bank_card_missing", "card_number")
        attempt = sum(1 for r in rows if r.channel == "auto_debit") + 1
        try:
            order = PaymentOrder(
                "debit", f"DBT{loan.id}-{business_date:%Y%m%d}-{attempt}", due, loan.currency,
                uow.money.customer_name(loan.customer_id), card, bank_code, str(loan.id),
                f"Loan {loan.contract_no or loan.id}",
            )
        except DomainError as exc:
            raise LendingError.of(exc) from None
        row = uow.money.add_transaction(
            loan_id=loan.id, type="repayment", status="pending", value_date=business_date,
            business_date=business_date, amount=due, currency=loan.currency,
            channel="auto_debit", payment_order_id=order.order_id,
            created_by=actor.user_id or None, idempotency_key=idempotency_key,
        )
        uow.commit()
        row_id = row.id
    status, failure = send_order(uow_factory, gateway, order, registry_for=registry_for,
                                 business_date=business_date)
    return AutoDebitResult(row_id, order.order_id, due, status, failure)
