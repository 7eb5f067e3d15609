"""Loan state: per-installment dues and payments, as produced by replaying transactions.

All types are frozen; :mod:`lowlend.domain.replay` builds new states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.conventions import AllocationComponent
from lowlend.domain.schedule import Installment

__all__ = ["AllocationLine", "InstallmentState", "LoanState", "Refund", "from_installment"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """Dues (scheduled amounts plus penalties charged) and what has been paid on them.

    ``penalty`` is what is owed for penalties: ``penalty_interest`` (罚息, kept exact and
    unrounded so accrual does not depend on how days are split) + ``late_fees`` (滞纳金 and
    overdue-triggered fees), limited by the penalty cap, rounded.
    """

    seq: int
    start_date: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    penalty: Decimal = _ZERO
    late_fee_charged: bool = False
    principal_paid: Decimal = _ZERO
    interest_paid: Decimal = _ZERO
    fee_paid: Decimal = _ZERO
    penalty_paid: Decimal = _ZERO
    penalty_interest: Decimal = _ZERO
    late_fees: Decimal = _ZERO
    interest_charged: Decimal | None = None

    @property
    def own_interest(self) -> Decimal:
        """Interest of the row's own period (see :class:`~lowlend.domain.schedule.Installment`)."""
        return self.interest if self.interest_charged is None else self.interest_charged

    def due(self, component: AllocationComponent) -> Decimal:
        return {
            AllocationComponent.PRINCIPAL: self.principal,
            AllocationComponent.INTEREST: self.interest,
            AllocationComponent.FEE: self.fee,
            AllocationComponent.PENALTY: self.penalty,
        }[component]

    def paid(self, component: AllocationComponent) -> Decimal:
        return {
            AllocationComponent.PRINCIPAL: self.principal_paid,
            AllocationComponent.INTEREST: self.interest_paid,
            AllocationComponent.FEE: self.fee_paid,
            AllocationComponent.PENALTY: self.penalty_paid,
        }[component]

    def outstanding(self, component: AllocationComponent) -> Decimal:
        return self.due(component) - self.paid(component)

    @property
    def scheduled_outstanding(self) -> Decimal:
        """Unpaid principal + interest + fee (what makes an installment overdue)."""
        return (self.principal - self.principal_paid + self.interest - self.interest_paid
                + self.fee - self.fee_paid)

    @property
    def total_outstanding(self) -> Decimal:
        return self.scheduled_outstanding + self.penalty - self.penalty_paid

    @property
    def is_settled(self) -> bool:
        return self.total_outstanding == 0


def from_installment(row: Installment) -> InstallmentState:
    """Fresh state of a schedule row (nothing paid)."""
    return InstallmentState(row.seq, row.start_date, row.due_date, row.principal, row.interest,
                            row.fee, interest_charged=row.interest_charged)


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """Part of a payment applied to one component of one installment (``seq``)."""

    txn_id: str
    seq: int
    component: AllocationComponent
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Refund:
    """Overpayment to pay back to the borrower (policy ``refund``): the part of transaction
    ``txn_id`` (value date ``value_date``) that no due or future installment could take."""

    txn_id: str
    value_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LoanState:
    """The loan as of ``as_of`` after replaying every effective transaction.

    ``credit`` is overpayment kept for the borrower (policy ``credit``) and not yet used:
    it is applied automatically at the start of each later due date, before that day's
    transactions, to what is then past due or due (allocation lines with txn id
    ``credit@<due date>``; see :mod:`lowlend.domain.replay`). ``refund_due`` is the total
    overpayment to pay back (policy ``refund``), ``refunds`` the same per transaction.
    ``applied`` lists transaction ids in the order they were applied; ``lines`` every
    allocation line; ``last_applied`` the ``(value_date, txn_id)`` replay key of the last
    one (see ``replay.advance``).
    """

    as_of: date
    installments: tuple[InstallmentState, ...]
    credit: Decimal
    refund_due: Decimal
    lines: tuple[AllocationLine, ...]
    applied: tuple[str, ...]
    fees_charged: Decimal = _ZERO
    last_applied: tuple[date, str] | None = None
    refunds: tuple[Refund, ...] = ()

    @property
    def principal_outstanding(self) -> Decimal:
        return sum((r.principal - r.principal_paid for r in self.installments), _ZERO)

    @property
    def total_outstanding(self) -> Decimal:
        return sum((r.total_outstanding for r in self.installments), _ZERO)

    @property
    def is_closed(self) -> bool:
        return all(r.is_settled for r in self.installments)

    def days_past_due(self, tolerance: Decimal = _ZERO) -> int:
        """DPD: ``as_of`` − due date of the oldest installment with more than ``tolerance`` unpaid."""
        for r in self.installments:
            if r.due_date < self.as_of and r.scheduled_outstanding > tolerance:
                return (self.as_of - r.due_date).days
        return 0
