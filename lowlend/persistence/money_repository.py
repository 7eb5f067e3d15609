"""SQLAlchemy implementation of :class:`lowlend.services.lending.money_ports.MoneyRepository`.

Never commits (the unit of work does). ``for_update`` takes a row lock on PostgreSQL
(``SELECT … FOR UPDATE``): money operations on one loan serialize there; SQLite
serializes writers anyway. A second transaction with a stored idempotency key fails
the insert (unique index) and is reported as ``idempotency_key_taken``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lowlend.persistence.entrusted_funds_repository import SqlFundsRepository
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.models import (
    Application,
    Customer,
    Installment,
    JournalEntry,
    JournalLine,
    Loan,
    Transaction,
)
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.money_ports import InstallmentWrite

__all__ = ["SqlMoneyRepository", "money_uow_factory"]

_CENT = Decimal("0.01")


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT)


class SqlMoneyRepository:
    """Loans, transactions and schedule rows over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _one(self, stmt: Any, for_update: bool) -> Any:
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def loan(self, loan_id: int, *, for_update: bool = False) -> Loan | None:
        return self._one(sa.select(Loan).where(Loan.id == loan_id), for_update)  # type: ignore[no-any-return]

    def transactions(self, loan_id: int) -> list[Transaction]:
        return list(
            self.session.scalars(
                sa.select(Transaction).where(Transaction.loan_id == loan_id).order_by(Transaction.id)
            )
        )

    def transaction(self, txn_id: int, *, for_update: bool = False) -> Transaction | None:
        return self._one(sa.select(Transaction).where(Transaction.id == txn_id), for_update)  # type: ignore[no-any-return]

    def by_idempotency_key(self, key: str) -> Transaction | None:
        return self._one(sa.select(Transaction).where(Transaction.idempotency_key == key), False)  # type: ignore[no-any-return]

    def by_payment_order(self, order_id: str, *, for_update: bool = False) -> Transaction | None:
        return self._one(  # type: ignore[no-any-return]
            sa.select(Transaction).where(Transaction.payment_order_id == order_id), for_update
        )

    def add_transaction(self, **values: Any) -> Transaction:
        row = Transaction(**values)
        key = values.get("idempotency_key")
        if key is None:
            self.session.add(row)
            self.session.flush()
            return row
        nested = self.session.begin_nested()
        try:
            self.session.add(row)
            self.session.flush()
        except IntegrityError:
            nested.rollback()
            raise LendingError("idempotency_key_taken", "Idempotency-Key", status=409) from None
        nested.commit()
        return row

    def paid_totals(self, loan_id: int) -> dict[str, Decimal]:
        i = Installment
        row = self.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(i.principal_paid), 0),
                sa.func.coalesce(sa.func.sum(i.interest_paid), 0),
                sa.func.coalesce(sa.func.sum(i.fee_paid), 0),
                sa.func.coalesce(sa.func.sum(i.penalty_paid), 0),
            ).where(i.loan_id == loan_id)
        ).one()
        return dict(zip(("principal", "interest", "fee", "penalty"), map(_dec, row), strict=True))

    def write_installments(self, loan_id: int, rows: Sequence[InstallmentWrite]) -> None:
        existing = {
            r.seq: r
            for r in self.session.scalars(sa.select(Installment).where(Installment.loan_id == loan_id))
        }
        wanted = {w.seq for w in rows}
        for seq, row in existing.items():
            if seq not in wanted:
                self.session.delete(row)
        for w in rows:
            found = existing.get(w.seq)
            if found is None:
                found = Installment(loan_id=loan_id, seq=w.seq)
                self.session.add(found)
            row = found
            row.due_date = w.due_date
            row.principal, row.interest, row.fee, row.penalty = (
                w.principal, w.interest, w.fee, w.penalty
            )
            row.principal_paid, row.interest_paid = w.principal_paid, w.interest_paid
            row.fee_paid, row.penalty_paid = w.fee_paid, w.penalty_paid
            row.status, row.paid_off_on = w.status, w.paid_off_on
        self.session.flush()

    def account_balance(self, loan_id: int, account: str) -> Decimal:
        e, ln = JournalEntry, JournalLine
        total = self.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ln.debit - ln.credit), 0))
            .join(e, e.id == ln.entry_id)
            .where(e.loan_id == loan_id, ln.account == account)
        ).scalar_one()
        return _dec(total)

    def bank_card(self, loan_id: int) -> str | None:
        loan = self.session.get(Loan, loan_id)
        if loan is None:
            return None
        for custom in (loan.custom or {}, self._application_custom(loan.application_id)):
            card = custom.get("auto_debit_card")
            if isinstance(card, str) and card:
                return card
        return None

    def _application_custom(self, application_id: int | None) -> dict[str, Any]:
        if application_id is None:
            return {}
        app = self.session.get(Application, application_id)
        return dict(app.custom or {}) if app is not None else {}

    def customer_name(self, customer_id: int) -> str:
        return str(
            self.session.execute(
                sa.select(Customer.name).where(Customer.id == customer_id)
            ).scalar_one_or_none() or ""
        )


def money_uow_factory(
    session_factory: Callable[[], Session],
) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A factory of units of work exposing ``uow.money``, ``uow.journal`` and ``uow.funds``."""
    return lambda: SqlAlchemyUnitOfWork(
        session_factory,
        {"money": SqlMoneyRepository, "journal": SqlLedgerRepository,
         "funds": SqlFundsRepository},
    )
