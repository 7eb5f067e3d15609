"""SQLAlchemy implementation of :class:`lowlend.services.lending.money_ports.FundsRepository`.

An entrusting party is a record of a config-declared entity table (``x_entrusting_parties``
in the shipped configuration), read through a light table object; ``for_update`` locks
its row on PostgreSQL. The funds figures are sums over the journal: the entries of the
party's movements (``entrusted_fund_movements.journal_entry_id``) and of its loans
(``loans.entrusting_party_id``). Never commits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence.models import (
    EntrustedFundMovement,
    JournalEntry,
    JournalLine,
    Loan,
    Transaction,
)

__all__ = ["SqlFundsRepository"]

_CENT = Decimal("0.01")


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT)


class SqlFundsRepository:
    """Entrusting parties' movements and funds over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def party_name(self, table: str, party_id: int, *, for_update: bool = False) -> str | None:
        t = sa.table(table, sa.column("id", sa.Integer), sa.column("name", sa.String))
        stmt = sa.select(t.c.name).where(t.c.id == party_id)
        if for_update:
            stmt = stmt.with_for_update()
        try:
            with self.session.begin_nested():
                found = self.session.execute(stmt).scalar_one_or_none()
        except sa.exc.DBAPIError:  # the entity's table is not created yet
            return None
        return None if found is None else str(found)

    def add_movement(self, **values: Any) -> EntrustedFundMovement:
        row = EntrustedFundMovement(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def movements(self, party_id: int) -> list[EntrustedFundMovement]:
        m = EntrustedFundMovement
        return list(self.session.scalars(
            sa.select(m).where(m.party_id == party_id).order_by(m.id.desc())
        ))

    def journal_figures(self, party_id: int, currency: str, funds_account: str,
                        principal_account: str) -> tuple[Decimal, Decimal]:
        e, ln = JournalEntry, JournalLine
        loans = sa.select(Loan.id).where(Loan.entrusting_party_id == party_id)
        moved = sa.select(EntrustedFundMovement.journal_entry_id).where(
            EntrustedFundMovement.party_id == party_id,
            EntrustedFundMovement.journal_entry_id.is_not(None),
        )
        balance = self.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ln.credit - ln.debit), 0))
            .join(e, e.id == ln.entry_id)
            .where(ln.account == funds_account, ln.currency == currency,
                   sa.or_(e.id.in_(moved), e.loan_id.in_(loans)))
        ).scalar_one()
        out = self.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ln.debit - ln.credit), 0))
            .join(e, e.id == ln.entry_id)
            .where(ln.account == principal_account, ln.currency == currency,
                   e.loan_id.in_(loans))
        ).scalar_one()
        return _dec(balance), _dec(out)

    def pending_disbursements(self, party_id: int) -> Decimal:
        rows = self.session.scalars(
            sa.select(Transaction.allocation)
            .join(Loan, Loan.id == Transaction.loan_id)
            .where(Loan.entrusting_party_id == party_id, Transaction.type == "disbursement",
                   Transaction.status == "pending")
        )
        return sum((_dec((a or {}).get("principal")) for a in rows), Decimal("0.00"))
