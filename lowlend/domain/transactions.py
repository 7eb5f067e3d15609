"""Loan transactions as entered (value-dated), replayed by :mod:`lowlend.domain.replay`.

A transaction's ``value_date`` is when it takes economic effect; it may be earlier
than the day it is entered (back-dated). A :class:`Reversal` cancels an earlier
transaction by id; the loan is then replayed without it. A :class:`Tranche` is a later
disbursement tranche (分笔放款): it adds principal on its value date
(:mod:`lowlend.domain.tranches`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.conventions import PrepaymentEffect
from lowlend.domain.errors import LoanInputError

__all__ = ["CREDIT_TXN_PREFIX", "Prepayment", "Repayment", "Reversal", "Tranche", "Transaction"]

#: Allocation lines that apply a credit balance carry ``txn_id = "credit@<due date>"``;
#: the prefix is reserved (no transaction id may start with it).
CREDIT_TXN_PREFIX = "credit@"


def _check_id(txn_id: str) -> None:
    if not txn_id:
        raise LoanInputError("txn_id", "txn_id_missing")
    if txn_id.startswith(CREDIT_TXN_PREFIX):
        raise LoanInputError("txn_id", "txn_id_reserved", value=txn_id)


def _check(txn_id: str, amount: Decimal, zero_ok: bool = False) -> None:
    _check_id(txn_id)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0 or (
            amount == 0 and not zero_ok):
        raise LoanInputError("amount", "amount_not_positive", value=amount)


@dataclass(frozen=True, slots=True)
class Repayment:
    """A payment allocated by the product's allocation rule (overpayment → credit/refund)."""

    txn_id: str
    value_date: date
    amount: Decimal

    def __post_init__(self) -> None:
        _check(self.txn_id, self.amount)


@dataclass(frozen=True, slots=True)
class Prepayment:
    """Early repayment: clears arrears and dues, then interest to date, the prepayment fee
    and principal; the rest of the schedule is rebuilt (reduce term / reduce installment).

    An ``amount`` of zero is a *settlement* (结清): interest and fees paid in advance on
    future installments are taken back into the payoff, which closes the loan when they
    cover it; what they pay beyond it (unearned) becomes the borrower's credit or refund.
    """

    txn_id: str
    value_date: date
    amount: Decimal
    effect: PrepaymentEffect | None = None

    def __post_init__(self) -> None:
        _check(self.txn_id, self.amount, zero_ok=True)


@dataclass(frozen=True, slots=True)
class Tranche:
    """A later disbursement tranche: ``amount`` of principal paid out on ``value_date``
    (the first tranche is the schedule itself); ``fee``: one-off fees collected spread
    that the tranche adds to the remaining installments."""

    txn_id: str
    value_date: date
    amount: Decimal
    fee: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _check(self.txn_id, self.amount)
        if not isinstance(self.fee, Decimal) or not self.fee.is_finite() or self.fee < 0:
            raise LoanInputError("fee", "amount_negative", value=self.fee)


@dataclass(frozen=True, slots=True)
class Reversal:
    """Cancels transaction ``target_id`` (posted records stay; the replay skips the target)."""

    txn_id: str
    target_id: str

    def __post_init__(self) -> None:
        if not self.txn_id or not self.target_id:
            raise LoanInputError("target_id", "txn_id_missing")
        _check_id(self.txn_id)


Transaction = Repayment | Prepayment | Tranche | Reversal
