"""Reversals (冲正), refunds (退款) and write-offs (核销) under maker-checker.

Whoever enters a request cannot approve it: a request is stored with status
``awaiting_approval`` by its maker; a second user approves (the money moves and posts) or
rejects it (nothing moves). What a request may do is checked twice, when it is entered and
again when it is approved (the loan may have changed in between).

* **Reversal** of a posted repayment or prepayment: the loan is replayed without it (a
  reversal of an early payment re-allocates every later one) and the change is posted.
* **Refund** of an overpayment: at most what is held for the borrower — what the refund
  policy owes back, or on a closed loan whatever credit is left.
* **Write-off** of a loan whose days past due reached the product's ``write_off.min_dpd``:
  its principal outstanding leaves the principal account (``write_off`` rule); later
  money received is a recovery (:func:`record_recovery`, no approval needed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lowlend.domain.approval import Actor
from lowlend.domain.conventions import PostingEvent
from lowlend.domain.ledger import ZERO
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import (
    loan_state,
    overpayment_held,
    post_event,
    resync,
)
from lowlend.services.lending.money_ports import LoanMoneyRow, MoneyUnitOfWork, TxnRow
from lowlend.services.lending.repayments import check_money

__all__ = [
    "AWAITING",
    "Decision",
    "approve",
    "record_recovery",
    "refundable",
    "reject",
    "request_refund",
    "request_reversal",
    "request_write_off",
]

AWAITING = "awaiting_approval"
_REVERSIBLE = ("repayment", "prepayment")


@dataclass(frozen=True, slots=True)
class Decision:
    transaction_id: int
    status: str
    loan_status: str


def _loan(uow: MoneyUnitOfWork, loan_id: int, lock: bool = True) -> LoanMoneyRow:
    loan = uow.money.loan(loan_id, for_update=lock)
    if loan is None:
        raise LendingError("loan_not_found", status=404, value=loan_id)
    return loan


def refundable(loan: LoanMoneyRow, rows: list[TxnRow], as_of: dt.date) -> Decimal:
    """What may be refunded now: refunds due under the ``refund`` policy (less refunds paid
    or awaiting approval), or on a closed loan all overpayment held."""
    state = loan_state(loan, rows, as_of)
    held = overpayment_held(state, rows)
    waiting = sum((r.amount for r in rows if r.type == "refund" and r.status == AWAITING), ZERO)
    if loan.status == "closed":
        return max(held - waiting, ZERO)
    refunded = held - state.credit  # refund_due − refunds paid
    return max(refunded - waiting, ZERO)


def request_reversal(
    uow_factory: Callable[[], MoneyUnitOfWork], transaction_id: int, *, reason: str,
    actor: Actor, business_date: dt.date,
) -> int:
    """Enter a reversal of a posted repayment; returns the request's transaction id.

    :raises LendingError: ``transaction_not_found`` (404), ``reversal_not_allowed`` /
        ``already_reversed`` (409), ``reason_required`` (422).
    """
    if not reason.strip():
        raise LendingError("reason_required", "reason")
    with uow_factory() as uow:
        target = uow.money.transaction(transaction_id)
        if target is None:
            raise LendingError("transaction_not_found", status=404, value=transaction_id)
        loan = _loan(uow, target.loan_id)
        _check_reversible(uow, target)
        row = uow.money.add_transaction(
            loan_id=loan.id, type="reversal", status=AWAITING, value_date=target.value_date,
            business_date=business_date, amount=target.amount, currency=target.currency,
            reversed_of=target.id, note=reason.strip(), created_by=actor.user_id or None,
        )
        uow.commit()
        return row.id


def _check_reversible(uow: MoneyUnitOfWork, target: TxnRow, request_id: int | None = None) -> None:
    """``target`` is a posted payment no other reversal (posted or awaiting) targets."""
    if target.type not in _REVERSIBLE or target.status != "posted":
        raise LendingError("reversal_not_allowed", status=409, value=target.type)
    for other in uow.money.transactions(target.loan_id):
        if (other.id != request_id and other.type == "reversal" and other.reversed_of == target.id
                and other.status in ("posted", AWAITING)):
            raise LendingError("already_reversed", status=409, value=target.id)
        if other.type == "refund" and other.status == "posted" and other.id > target.id:
            # the refund paid out overpayment this payment may have made: reverse it first
            raise LendingError("reversal_after_refund", status=409, value=other.id)


def request_refund(
    uow_factory: Callable[[], MoneyUnitOfWork], loan_id: int, amount: Decimal, *,
    reference: str, note: str, actor: Actor, business_date: dt.date,
) -> int:
    """Enter a refund of an overpayment; returns the request's transaction id.

    :raises LendingError: ``amount_*`` / ``refund_above_refundable`` / ``reference_required``
        (422), ``loan_not_found`` (404).
    """
    check_money(amount)
    if not reference.strip():
        raise LendingError("reference_required", "reference")
    with uow_factory() as uow:
        loan = _loan(uow, loan_id)
        rows = uow.money.transactions(loan_id)
        available = refundable(loan, rows, business_date)
        if amount > available:
            raise LendingError("refund_above_refundable", "amount", value=str(amount),
                               available=str(available))
        row = uow.money.add_transaction(
            loan_id=loan.id, type="refund", status=AWAITING, value_date=business_date,
            business_date=business_date, amount=amount, currency=loan.currency,
            channel="transfer", reference=reference.strip(), note=note.strip(),
            created_by=actor.user_id or None,
        )
        uow.commit()
        return row.id


def _min_dpd(registry: Any, loan: LoanMoneyRow) -> tuple[int, bool]:
    """The product's ``write_off`` rule: (min_dpd, requires_approval)."""
    product = registry.products.get(loan.product_code)
    if product is None:
        raise LendingError("unknown_product", "product_code", value=loan.product_code)
    return product.write_off.min_dpd, product.write_off.requires_approval


def request_write_off(
    uow_factory: Callable[[], MoneyUnitOfWork], loan_id: int, *, reason: str, actor: Actor,
    registry_for: Callable[[int], Any], business_date: dt.date,
) -> int:
    """Enter the write-off of a loan (its principal outstanding); returns the request's id.
    Products that do not require approval post it at once.

    :raises LendingError: ``write_off_too_early`` / ``loan_not_open`` (409),
        ``reason_required`` (422), ``loan_not_found`` (404).
    """
    if not reason.strip():
        raise LendingError("reason_required", "reason")
    with uow_factory() as uow:
        loan = _loan(uow, loan_id)
        registry = registry_for(loan.config_version_id)
        min_dpd, needs_approval = _min_dpd(registry, loan)
        principal = _write_off_check(uow, loan, min_dpd, business_date)
        row = uow.money.add_transaction(
            loan_id=loan.id, type="write_off", status=AWAITING, value_date=business_date,
            business_date=business_date, amount=principal, currency=loan.currency,
            note=reason.strip(), created_by=actor.user_id or None,
        )
        if not needs_approval:
            _apply(uow, registry, loan, row, business_date)
        uow.commit()
        return row.id


def _write_off_check(uow: MoneyUnitOfWork, loan: LoanMoneyRow, min_dpd: int,
                     business_date: dt.date, request_id: int | None = None) -> Decimal:
    """The principal to write off; the loan must be open, past ``min_dpd`` and without
    another write-off awaiting approval."""
    if loan.status not in ("active", "overdue"):
        raise LendingError("loan_not_open", status=409, value=loan.status)
    rows = uow.money.transactions(loan.id)
    if any(r.type == "write_off" and r.status == AWAITING and r.id != request_id for r in rows):
        raise LendingError("write_off_pending", status=409, value=loan.id)
    state = loan_state(loan, rows, business_date)
    dpd = state.days_past_due()
    if dpd < min_dpd:
        raise LendingError("write_off_too_early", status=409, dpd=dpd, min_dpd=min_dpd)
    return state.principal_outstanding


def _apply(uow: MoneyUnitOfWork, registry: Any, loan: LoanMoneyRow, row: TxnRow,
           business_date: dt.date) -> None:
    if row.type == "reversal":
        target = uow.money.transaction(row.reversed_of or 0)
        if target is None:
            raise LendingError("transaction_not_found", status=404, value=row.reversed_of)
        _check_reversible(uow, target, row.id)
        row.status = "posted"
        amounts = resync(uow, registry, loan, business_date=business_date, received=-target.amount,
                         description=f"Reversal of transaction {target.id}", transaction_id=row.id)
        row.allocation = {k: str(v) for k, v in amounts.items()}
    elif row.type == "refund":
        available = refundable(loan, [r for r in uow.money.transactions(loan.id) if r.id != row.id],
                               business_date)
        if row.amount > available:
            raise LendingError("refund_above_refundable", "amount", status=409,
                               value=str(row.amount), available=str(available))
        row.status = "posted"
        post_event(uow, registry, loan, PostingEvent.REFUND, {"amount": row.amount},
                   business_date=business_date, description=f"Refund {row.reference or row.id}",
                   transaction_id=row.id)
    elif row.type == "write_off":
        min_dpd, _ = _min_dpd(registry, loan)
        principal = _write_off_check(uow, loan, min_dpd, business_date, row.id)
        row.amount = principal
        row.status = "posted"
        post_event(uow, registry, loan, PostingEvent.WRITE_OFF, {"principal": principal},
                   business_date=business_date, description=f"Write-off of loan {loan.contract_no or loan.id}",
                   transaction_id=row.id)
        loan.status = "written_off"
        loan.written_off_on = business_date
        loan.written_off_principal = principal
    else:
        raise LendingError("approval_not_applicable", status=409, value=row.type)


def _awaiting(uow: MoneyUnitOfWork, transaction_id: int, actor: Actor) -> TxnRow:
    """The request (locked), awaiting approval and entered by someone other than ``actor``."""
    row = uow.money.transaction(transaction_id, for_update=True)
    if row is None:
        raise LendingError("transaction_not_found", status=404, value=transaction_id)
    if row.status != AWAITING:
        raise LendingError("not_awaiting_approval", status=409, value=row.status)
    if row.created_by is not None and row.created_by == actor.user_id:
        raise LendingError("maker_checker", status=403)
    return row


def approve(
    uow_factory: Callable[[], MoneyUnitOfWork], transaction_id: int, *, actor: Actor,
    registry_for: Callable[[int], Any], business_date: dt.date,
) -> Decision:
    """Approve a request entered by someone else: the money moves and posts.

    :raises LendingError: ``transaction_not_found`` (404), ``maker_checker`` (403: the
        maker cannot approve), ``not_awaiting_approval`` (409), and what the request's own
        checks find now.
    """
    with uow_factory() as uow:
        row = _awaiting(uow, transaction_id, actor)
        loan = _loan(uow, row.loan_id)
        _apply(uow, registry_for(loan.config_version_id), loan, row, business_date)
        row.approved_by = actor.user_id or None
        row.approved_at = dt.datetime.now(dt.UTC)
        uow.commit()
        return Decision(row.id, row.status, loan.status)


def reject(
    uow_factory: Callable[[], MoneyUnitOfWork], transaction_id: int, *, reason: str,
    actor: Actor,
) -> Decision:
    """Reject a request (nothing moves); the maker cannot reject their own either."""
    if not reason.strip():
        raise LendingError("reason_required", "reason")
    with uow_factory() as uow:
        row = _awaiting(uow, transaction_id, actor)
        row.status = "rejected"
        row.note = f"{row.note} — {reason.strip()}".strip(" —")[:500]
        row.approved_by = actor.user_id or None
        row.approved_at = dt.datetime.now(dt.UTC)
        loan = _loan(uow, row.loan_id, lock=False)
        uow.commit()
        return Decision(row.id, row.status, loan.status)


def record_recovery(
    uow_factory: Callable[[], MoneyUnitOfWork], loan_id: int, amount: Decimal, *,
    value_date: dt.date, reference: str, actor: Actor, registry_for: Callable[[int], Any],
    business_date: dt.date, idempotency_key: str | None = None,
) -> int:
    """Money received on a written-off loan (核销后收回): posted as a recovery.

    :raises LendingError: ``loan_not_written_off`` (409), ``amount_*`` /
        ``value_date_in_future`` / ``reference_required`` (422).
    """
    check_money(amount)
    if not reference.strip():
        raise LendingError("reference_required", "reference")
    if value_date > business_date:
        raise LendingError("value_date_in_future", "value_date", value=value_date.isoformat())
    with uow_factory() as uow:
        loan = _loan(uow, loan_id)
        if loan.status != "written_off":
            raise LendingError("loan_not_written_off", status=409, value=loan.status)
        row = uow.money.add_transaction(
            loan_id=loan.id, type="recovery", status="posted", value_date=value_date,
            business_date=business_date, amount=amount, currency=loan.currency,
            channel="transfer", reference=reference.strip(), idempotency_key=idempotency_key,
            created_by=actor.user_id or None,
        )
        post_event(uow, registry_for(loan.config_version_id), loan, PostingEvent.RECOVERY,
                   {"received": amount}, business_date=business_date,
                   description=f"Recovery {reference.strip()}", transaction_id=row.id)
        uow.commit()
        return row.id
