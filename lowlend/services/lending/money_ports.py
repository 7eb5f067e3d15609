"""What the money use cases (disburse, repay, reverse, refund, write off) need from storage.

The SQLAlchemy implementation is :mod:`lowlend.persistence.money_repository`; ORM rows
satisfy the record protocols structurally. Nothing here commits: the unit of work does,
once per use case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from lowlend.domain.ledger import EntryDraft, PostedEntry
from lowlend.services.unit_of_work import AbstractUnitOfWork

__all__ = [
    "FundsRepository",
    "InstallmentWrite",
    "JournalPort",
    "LoanMoneyRow",
    "MoneyRepository",
    "MoneyUnitOfWork",
    "MovementRow",
    "TxnRow",
]


class LoanMoneyRow(Protocol):
    id: int
    customer_id: int
    product_code: str
    config_version_id: int
    principal: Decimal
    currency: str
    term: int
    status: str
    disbursed_on: dt.date | None
    maturity_date: dt.date | None
    terms_snapshot: dict[str, Any]
    custom: dict[str, Any]
    entrusting_party_id: int | None
    department_id: int | None
    dpd: int
    written_off_on: dt.date | None
    written_off_principal: Decimal
    disbursed_principal: Decimal
    contract_no: str | None


class TxnRow(Protocol):
    id: int
    loan_id: int
    type: str
    status: str
    value_date: dt.date
    business_date: dt.date | None
    amount: Decimal
    currency: str
    reversed_of: int | None
    idempotency_key: str | None
    request_hash: str | None
    channel: str | None
    reference: str | None
    note: str
    allocation: dict[str, Any]
    created_by: int | None
    approved_by: int | None
    approved_at: dt.datetime | None
    payment_order_id: str | None
    gateway_result: dict[str, Any] | None
    failure_code: str | None
    booked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class InstallmentWrite:
    """A schedule row as the loan's state has it now (dues and what is paid)."""

    seq: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    penalty: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    fee_paid: Decimal
    penalty_paid: Decimal
    status: str
    paid_off_on: dt.date | None


class JournalPort(Protocol):
    """Appends chained entries (:class:`lowlend.persistence.ledger_repository.SqlLedgerRepository`)."""

    def append(self, draft: EntryDraft, booked_at: dt.datetime | None = None) -> PostedEntry: ...

    def entries(self) -> Iterator[PostedEntry]: ...


class MoneyRepository(Protocol):
    """Loans, their transactions and schedules inside one unit of work."""

    def loan(self, loan_id: int, *, for_update: bool = False) -> LoanMoneyRow | None:
        """The loan; ``for_update`` locks its row (PostgreSQL) so money operations on one
        loan serialize."""
        ...

    def transactions(self, loan_id: int) -> list[TxnRow]:
        """Every transaction of the loan, in id order."""
        ...

    def transaction(self, txn_id: int, *, for_update: bool = False) -> TxnRow | None: ...

    def by_idempotency_key(self, key: str) -> TxnRow | None: ...

    def by_payment_order(self, order_id: str, *, for_update: bool = False) -> TxnRow | None: ...

    def add_transaction(self, **values: Any) -> TxnRow:
        """Insert a transaction; :class:`~lowlend.services.lending.errors.LendingError`
        ``idempotency_key_taken`` (409) when its idempotency key is already stored."""
        ...

    def write_installments(self, loan_id: int, rows: Sequence[InstallmentWrite]) -> None:
        """Make the loan's schedule rows exactly ``rows`` (by ``seq``: update, add, remove)."""
        ...

    def paid_totals(self, loan_id: int) -> dict[str, Decimal]:
        """What the stored schedule rows say is paid: ``principal``, ``interest``, ``fee``,
        ``penalty``."""
        ...

    def account_balance(self, loan_id: int, account: str) -> Decimal:
        """Debits − credits of ``account`` in the loan's journal entries."""
        ...

    def bank_card(self, loan_id: int) -> str | None:
        """The card number of the loan's application (``auto_debit_card``), if any."""
        ...

    def customer_name(self, customer_id: int) -> str: ...


class MovementRow(Protocol):
    """A deposit or withdrawal of an entrusting party (``entrusted_fund_movements``)."""

    id: int
    party_id: int
    type: str
    value_date: dt.date
    business_date: dt.date
    amount: Decimal
    currency: str
    reference: str
    note: str
    created_by: int | None
    booked_at: dt.datetime
    journal_entry_id: int | None


class FundsRepository(Protocol):
    """Entrusting parties' funds: their movements and their figures from the journal."""

    def party_name(self, table: str, party_id: int, *, for_update: bool = False) -> str | None:
        """The name of record ``party_id`` of the entity table ``table`` (``None`` when it
        does not exist); ``for_update`` locks the record (PostgreSQL) so that the funds
        of one party are checked and moved one operation at a time."""
        ...

    def add_movement(self, **values: Any) -> MovementRow: ...

    def movements(self, party_id: int) -> list[MovementRow]:
        """The party's deposits and withdrawals, newest first."""
        ...

    def journal_figures(self, party_id: int, currency: str, funds_account: str,
                        principal_account: str) -> tuple[Decimal, Decimal]:
        """From the journal, in ``currency``: credits − debits of ``funds_account`` over the
        entries of the party's movements and loans, and debits − credits of
        ``principal_account`` over the entries of its loans."""
        ...

    def pending_disbursements(self, party_id: int) -> Decimal:
        """The principal of the party's loans' disbursements waiting for the gateway."""
        ...


class MoneyUnitOfWork(AbstractUnitOfWork):
    """A unit of work exposing :attr:`money`, :attr:`journal` and :attr:`funds`."""

    money: MoneyRepository
    journal: JournalPort
    funds: FundsRepository
