"""SQLAlchemy implementation of :class:`lowlend.services.reconciliation.ReconciliationRepository`.

Never commits (the unit of work does). ``line(..., for_update=True)`` locks the line's
row on PostgreSQL, so two people resolving one line serialize. A transaction is linked
to at most one line (unique ``statement_lines.transaction_id``): a link that loses a race
is undone in its savepoint and reported, not committed twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from lowlend.domain.approval import Actor
from lowlend.domain.reconciliation import IN_TYPES, NEVER_MATCHED_CHANNELS, OUT_TYPES, Posting
from lowlend.domain.statement_lines import ParsedLine
from lowlend.persistence.audit import add_audit
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.models import Loan, Transaction
from lowlend.persistence.money_repository import SqlMoneyRepository
from lowlend.persistence.reconciliation_models import StatementImport, StatementLine
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.reconciliation import ImportRecord, LineRecord, ReconciliationError

__all__ = ["SqlReconciliationRepository", "reconciliation_uow_factory"]

_MONEY_TYPES = tuple(sorted(IN_TYPES | OUT_TYPES))


def _reversed(txn_id: Any) -> Any:
    """Whether a posted reversal undoes the transaction (it is then nothing to match)."""
    r = aliased(Transaction)
    return sa.select(r.id).where(r.reversed_of == txn_id, r.status == "posted").exists()


def _line_record(row: StatementLine) -> LineRecord:
    return LineRecord(
        id=row.id, import_id=row.import_id, line_no=row.line_no, value_date=row.value_date,
        direction=row.direction, amount=Decimal(row.amount).quantize(Decimal("0.01")),
        currency=row.currency, reference=row.reference, counterparty=row.counterparty or "",
        memo=row.memo or "", status=row.status, transaction_id=row.transaction_id,
        resolution=row.resolution, resolution_note=row.resolution_note or "",
        resolved_by=row.resolved_by, resolved_by_name=row.resolved_by_name or "",
        resolved_at=row.resolved_at,
    )


def _posting(row: Transaction) -> Posting:
    return Posting(
        id=row.id, loan_id=row.loan_id, type=row.type, channel=row.channel,
        amount=Decimal(row.amount).quantize(Decimal("0.01")), currency=row.currency,
        value_date=row.value_date, reference=row.reference,
    )


class SqlReconciliationRepository:
    """Statement imports and lines, and the transactions they are matched with."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- imports --------------------------------------------------------------------

    def _record(self, row: StatementImport, counts: dict[str, int] | None = None) -> ImportRecord:
        if counts is None:
            counts = self._counts([row.id]).get(row.id, {})
        return ImportRecord(
            id=row.id, source=row.source, file_name=row.file_name, sha256=row.sha256,
            currency=row.currency, line_count=row.line_count, period_start=row.period_start,
            period_end=row.period_end, imported_by=row.imported_by,
            imported_by_name=row.imported_by_name or "", imported_at=row.imported_at,
            counts=counts,
        )

    def _counts(self, import_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        if not import_ids:
            return {}
        ln = StatementLine
        out: dict[int, dict[str, int]] = {}
        for import_id, status, count in self.session.execute(
            sa.select(ln.import_id, ln.status, sa.func.count())
            .where(ln.import_id.in_(import_ids))
            .group_by(ln.import_id, ln.status)
        ):
            out.setdefault(int(import_id), {})[str(status)] = int(count)
        return out

    def import_by_sha(self, sha256: str) -> ImportRecord | None:
        row = self.session.execute(
            sa.select(StatementImport).where(StatementImport.sha256 == sha256)
        ).scalar_one_or_none()
        return None if row is None else self._record(row, {})

    def add_import(self, *, source: str, file_name: str, sha256: str, currency: str,
                   lines: Sequence[ParsedLine], actor: Actor, at: dt.datetime) -> int:
        row = StatementImport(
            source=source, file_name=file_name, sha256=sha256, currency=currency,
            line_count=len(lines),
            period_start=min((ln.value_date for ln in lines), default=None),
            period_end=max((ln.value_date for ln in lines), default=None),
            imported_by=actor.user_id or None, imported_by_name=actor.username,
            imported_at=at,
        )
        nested = self.session.begin_nested()
        try:
            self.session.add(row)
            self.session.flush()
        except IntegrityError:
            nested.rollback()
            found = self.import_by_sha(sha256)
            raise ReconciliationError(
                "statement_duplicate", "file", status=409,
                import_id=found.id if found else "", file_name=found.file_name if found else "",
                imported_at=found.imported_at.date().isoformat() if found else "",
                imported_by=found.imported_by_name if found else "",
            ) from None
        nested.commit()
        self.session.add_all([
            StatementLine(
                import_id=row.id, line_no=ln.line_no, value_date=ln.value_date,
                direction=ln.direction, amount=ln.amount, currency=ln.currency,
                reference=ln.reference, counterparty=ln.counterparty, memo=ln.memo,
                status="unmatched", resolution_note="", resolved_by_name="",
            )
            for ln in lines
        ])
        self.session.flush()
        return int(row.id)

    def imports(self, limit: int = 200) -> list[ImportRecord]:
        rows = list(self.session.scalars(
            sa.select(StatementImport).order_by(StatementImport.id.desc()).limit(limit)
        ))
        counts = self._counts([r.id for r in rows])
        return [self._record(r, counts.get(r.id, {})) for r in rows]

    def get_import(self, import_id: int) -> ImportRecord | None:
        row = self.session.get(StatementImport, import_id)
        return None if row is None else self._record(row)

    # -- lines ----------------------------------------------------------------------

    def lines(self, *, import_id: int | None = None, status: str | None = None,
              value_date: dt.date | None = None) -> list[LineRecord]:
        stmt = sa.select(StatementLine).order_by(StatementLine.import_id, StatementLine.line_no)
        if import_id is not None:
            stmt = stmt.where(StatementLine.import_id == import_id)
        if status is not None:
            stmt = stmt.where(StatementLine.status == status)
        if value_date is not None:
            stmt = stmt.where(StatementLine.value_date == value_date)
        return [_line_record(r) for r in self.session.scalars(stmt)]

    def line(self, line_id: int, *, for_update: bool = False) -> LineRecord | None:
        stmt = sa.select(StatementLine).where(StatementLine.id == line_id)
        if for_update:  # and what the lock holder committed
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        row = self.session.execute(stmt).scalar_one_or_none()
        return None if row is None else _line_record(row)

    def resolve(self, line_id: int, *, status: str, resolution: str | None,
                transaction_id: int | None, note: str, actor: Actor | None,
                at: dt.datetime | None) -> bool:
        row = self.session.get(StatementLine, line_id)
        if row is None:
            return False
        nested = self.session.begin_nested()
        try:
            row.status, row.resolution, row.transaction_id = status, resolution, transaction_id
            row.resolution_note = note
            row.resolved_by = (actor.user_id or None) if actor else None
            row.resolved_by_name = actor.username if actor else ""
            row.resolved_at = at
            self.session.flush()
        except IntegrityError:
            nested.rollback()
            return False
        nested.commit()
        return True

    # -- postings -------------------------------------------------------------------

    def _postings_query(self, currency: str | None) -> Any:
        t = Transaction
        linked = sa.select(StatementLine.id).where(StatementLine.transaction_id == t.id)
        stmt = (
            sa.select(t, linked.exists().label("matched"))
            .where(t.status == "posted", t.type.in_(_MONEY_TYPES),
                   sa.or_(t.channel.is_(None), t.channel.not_in(NEVER_MATCHED_CHANNELS)),
                   ~_reversed(t.id))
            .order_by(t.value_date, t.id)
        )
        if currency is not None:
            stmt = stmt.where(t.currency == currency)
        return stmt, linked

    def postings(self, currency: str | None, start: dt.date, end: dt.date, *,
                 unmatched_only: bool) -> list[tuple[Posting, bool]]:
        stmt, linked = self._postings_query(currency)
        stmt = stmt.where(Transaction.value_date.between(start, end))
        if unmatched_only:
            stmt = stmt.where(~linked.exists())
        return [(_posting(row), bool(matched)) for row, matched in self.session.execute(stmt)]

    def postings_with_references(self, currency: str, references: set[str]) -> list[Posting]:
        wanted = sorted({r.strip().upper() for r in references if r and r.strip()})
        if not wanted:
            return []
        stmt, linked = self._postings_query(currency)
        found: list[Posting] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            query = stmt.where(~linked.exists(),
                               sa.func.upper(sa.func.trim(Transaction.reference)).in_(chunk))
            found += [_posting(row) for row, _ in self.session.execute(query)]
        return found

    def posting(self, txn_id: int) -> tuple[Posting, str, int | None] | None:
        row = self.session.get(Transaction, txn_id)
        if row is None:
            return None
        linked = self.session.execute(
            sa.select(StatementLine.id).where(StatementLine.transaction_id == txn_id)
        ).scalar_one_or_none()
        status = row.status
        if status == "posted" and self.session.execute(sa.select(_reversed(txn_id))).scalar():
            status = "reversed"
        return _posting(row), status, linked

    def loan_currency(self, loan_id: int) -> str | None:
        found = self.session.execute(
            sa.select(Loan.currency).where(Loan.id == loan_id)
        ).scalar_one_or_none()
        return None if found is None else str(found)

    # -- audit ----------------------------------------------------------------------

    def audit(self, *, entity: str, entity_id: int, action: str,
              before: dict[str, Any] | None, after: dict[str, Any] | None,
              actor: Actor) -> None:
        add_audit(self.session, entity=entity, entity_id=entity_id, action=action,
                  before=before, after=after, user_id=actor.user_id or None,
                  username=actor.username)
        self.session.flush()


def reconciliation_uow_factory(
    session_factory: Callable[[], Session],
) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A factory of units of work exposing ``uow.reconciliation`` (and ``uow.money`` /
    ``uow.journal``, so one factory also serves the money use cases)."""
    return lambda: SqlAlchemyUnitOfWork(
        session_factory,
        {"reconciliation": SqlReconciliationRepository, "money": SqlMoneyRepository,
         "journal": SqlLedgerRepository},
    )
