"""What the finance screens and the loan page read
(:class:`~lowlend.services.admin_ports.FinanceQueries`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, scoped_session

from lowlend.persistence.ledger_balances_repository import SqlLedgerBalances
from lowlend.persistence.models import (
    Customer,
    Department,
    Installment,
    JournalEntry,
    JournalLine,
    Loan,
    Transaction,
)
from lowlend.persistence.scope import count_in_scope, scope_condition
from lowlend.services.admin_ports import TransactionFilter
from lowlend.services.ledger_balances import LoanScope

__all__ = ["SqlFinanceQueries"]


def _loan_named(raw: str) -> sa.ColumnElement[bool]:
    """Loans whose number (all digits, short) or contract number is ``raw``."""
    if raw.isdigit() and len(raw) < 16:
        return sa.or_(Loan.id == int(raw), Loan.contract_no == raw)
    return Loan.contract_no == raw


class SqlFinanceQueries:
    """:class:`~lowlend.services.admin_ports.FinanceQueries` on ``session``."""

    def __init__(self, session: Session | scoped_session[Any]) -> None:
        self.session = session

    @staticmethod
    def _visible(scope: LoanScope) -> sa.ColumnElement[bool] | None:
        return scope_condition(Loan, scope.scope, scope.principal)

    def loan(self, loan_id: int) -> Any | None:
        """Loan ``loan_id``."""
        return self.session.get(Loan, loan_id)

    def customer(self, customer_id: int) -> Any | None:
        """Customer ``customer_id``."""
        return self.session.get(Customer, customer_id)

    def transaction(self, txn_id: int) -> Any | None:
        """Transaction ``txn_id``."""
        return self.session.get(Transaction, txn_id)

    def loan_visible(self, loan_id: int, scope: LoanScope) -> bool:
        """Whether the loan exists within the scope."""
        if scope.scope is None:
            return False
        return count_in_scope(self.session, Loan, scope.scope, scope.principal,
                              where=[Loan.id == loan_id]) > 0

    def find_loan(self, text: str, scope: LoanScope) -> int | None:
        """The loan named by ``text`` within the scope (lowest id first)."""
        stmt = sa.select(Loan.id).where(_loan_named(text))
        visible = self._visible(scope)
        if visible is not None:
            stmt = stmt.where(visible)
        found = self.session.execute(stmt.order_by(Loan.id).limit(1)).scalar_one_or_none()
        return None if found is None else int(found)

    def installments(self, loan_id: int) -> list[Any]:
        """The loan's installments in order."""
        return list(self.session.execute(
            sa.select(Installment).where(Installment.loan_id == loan_id).order_by(Installment.seq)
        ).scalars())

    def transactions(self, loan_id: int) -> list[Any]:
        """The loan's transactions, newest first."""
        return list(self.session.execute(
            sa.select(Transaction).where(Transaction.loan_id == loan_id)
            .order_by(Transaction.id.desc())
        ).scalars())

    def awaiting_disbursement(self, scope: LoanScope) -> Any:
        """Approved loans and active ones with principal left to pay out in tranches."""
        stmt = (
            sa.select(Loan, Customer.name, Department.name)
            .join(Customer, Customer.id == Loan.customer_id)
            .outerjoin(Department, Department.id == Loan.department_id)
            .where(sa.or_(Loan.status == "approved",
                          sa.and_(Loan.status == "active", Loan.disbursed_principal > 0,
                                  Loan.disbursed_principal < Loan.principal)))
            .order_by(Loan.created_at, Loan.id)
        )
        visible = self._visible(scope)
        return stmt if visible is None else stmt.where(visible)

    def disbursements(self, scope: LoanScope, statuses: Sequence[str]) -> Any:
        """Disbursement transactions in ``statuses``, newest first."""
        stmt = (
            sa.select(Transaction, Loan.contract_no, Customer.name)
            .join(Loan, Loan.id == Transaction.loan_id)
            .join(Customer, Customer.id == Loan.customer_id)
            .where(Transaction.type == "disbursement", Transaction.status.in_(list(statuses)))
            .order_by(Transaction.id.desc())
        )
        visible = self._visible(scope)
        return stmt if visible is None else stmt.where(visible)

    def repayments(self, scope: LoanScope, types: Sequence[str], flt: TransactionFilter) -> Any:
        """Transactions of ``types`` meeting ``flt``, newest first."""
        where: list[sa.ColumnElement[bool]] = []
        if flt.loan is not None:
            where.append(_loan_named(flt.loan))
        if flt.date_from is not None:
            where.append(Transaction.value_date >= flt.date_from)
        if flt.date_to is not None:
            where.append(Transaction.value_date <= flt.date_to)
        for value, column in ((flt.channel, Transaction.channel),
                              (flt.status, Transaction.status), (flt.type, Transaction.type)):
            if value:
                where.append(column == value)
        stmt = (
            sa.select(Transaction, Loan.contract_no, Customer.name)
            .join(Loan, Loan.id == Transaction.loan_id)
            .join(Customer, Customer.id == Loan.customer_id)
            .where(Transaction.type.in_(list(types)), *where)
            .order_by(Transaction.id.desc())
        )
        visible = self._visible(scope)
        return stmt if visible is None else stmt.where(visible)

    def reversed_ids(self, ids: Sequence[int], statuses: Sequence[str]) -> set[int]:
        """Which of ``ids`` a reversal in ``statuses`` already targets."""
        if not ids:
            return set()
        targets = self.session.execute(
            sa.select(Transaction.reversed_of).where(
                Transaction.type == "reversal", Transaction.reversed_of.in_(list(ids)),
                Transaction.status.in_(list(statuses)),
            )
        ).scalars()
        return {i for i in targets if i is not None}

    def refund_requests(
        self, scope: LoanScope, kinds: Sequence[str], statuses: Sequence[str], *,
        decided: bool, limit: int | None,
    ) -> list[Any]:
        """Requests in ``statuses``: waiting ones oldest first, decided ones newest first
        (only those a user decided)."""
        target = aliased(Transaction)
        stmt = (
            sa.select(Transaction, Loan.contract_no, Customer.name, target)
            .join(Loan, Loan.id == Transaction.loan_id)
            .join(Customer, Customer.id == Loan.customer_id)
            .outerjoin(target, target.id == Transaction.reversed_of)
            .where(Transaction.type.in_(list(kinds)), Transaction.status.in_(list(statuses)))
            .order_by(Transaction.id.desc() if decided else Transaction.id)
        )
        if decided:
            stmt = stmt.where(Transaction.approved_by.is_not(None))
        visible = self._visible(scope)
        if visible is not None:
            stmt = stmt.where(visible)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(self.session.execute(stmt).all())

    def journal_entries(
        self, scope: LoanScope, loan: str | None, date_from: dt.date | None,
        date_to: dt.date | None,
    ) -> Any:
        """Journal entries (of the loan named ``loan`` unless ``None``, between the dates),
        newest first."""
        where: list[sa.ColumnElement[bool]] = []
        if loan is not None:
            where.append(JournalEntry.loan_id.in_(sa.select(Loan.id).where(_loan_named(loan))))
        if date_from is not None:
            where.append(JournalEntry.business_date >= date_from)
        if date_to is not None:
            where.append(JournalEntry.business_date <= date_to)
        visible = self._visible(scope)
        if visible is not None:
            where.append(JournalEntry.loan_id.in_(sa.select(Loan.id).where(visible)))
        return sa.select(JournalEntry).where(*where).order_by(JournalEntry.id.desc())

    def journal_lines(self, entry_ids: Sequence[int]) -> dict[int, list[Any]]:
        """Entry id → its lines in order."""
        out: dict[int, list[Any]] = {i: [] for i in entry_ids}
        if entry_ids:
            for line in self.session.execute(
                sa.select(JournalLine).where(JournalLine.entry_id.in_(list(entry_ids)))
                .order_by(JournalLine.id)
            ).scalars():
                out[line.entry_id].append(line)
        return out

    def transaction_kinds(self, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """Transaction id → (type, reference)."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            sa.select(Transaction.id, Transaction.type, Transaction.reference)
            .where(Transaction.id.in_(wanted))
        )
        return {int(i): (str(t), r) for i, t, r in rows}

    def parties(self, model: Any, condition: Any) -> Any:
        """(id, name) of the records of ``model`` meeting ``condition``, by id."""
        return sa.select(model.id, model.name).where(condition).order_by(model.id)

    def ledger_balances(self) -> SqlLedgerBalances:
        """The journal's balances on the request's session."""
        return SqlLedgerBalances(self.session)

    def currencies(self) -> list[str]:
        """The currencies of the journal."""
        return SqlLedgerBalances(self.session).currencies()
