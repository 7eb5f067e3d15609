"""SQLAlchemy implementation of :class:`lowlend.services.eod.overrides.OverrideStore`.

One connection and one transaction per use case (:meth:`SqlOverrideStore.transaction`);
the loan and the override read by a use case are locked ``FOR UPDATE`` on PostgreSQL, so
two approvals of one request, or an approval racing an end-of-day partition, are
serialised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from lowlend.persistence.eod_models import LoanClassificationChange, LoanClassificationOverride
from lowlend.persistence.eod_repository import SqlBusinessDates
from lowlend.persistence.models import Loan
from lowlend.services.eod.overrides import HistoryRow, LoanFacts, OverrideInfo

__all__ = ["SqlOverrideStore"]

OVR = LoanClassificationOverride.__table__
CHANGES = LoanClassificationChange.__table__
LOANS = Loan.__table__


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _info(row: Any) -> OverrideInfo:
    return OverrideInfo(row.id, row.loan_id, row.category, row.reason, row.status,
                        row.requested_by, row.requested_on, row.valid_until, row.decided_by,
                        row.decided_on, row.decision_note or "", row.base_category,
                        row.base_dpd, row.ended_on)


class _Tx:
    def __init__(self, conn: sa.Connection, lock: bool) -> None:
        self.conn = conn
        self.lock = lock

    def _locked(self, stmt: Any) -> Any:
        return stmt.with_for_update() if self.lock else stmt

    def loan(self, loan_id: int) -> LoanFacts | None:
        row = self.conn.execute(self._locked(
            sa.select(LOANS.c.id, LOANS.c.status, LOANS.c.dpd, LOANS.c.classification)
            .where(LOANS.c.id == loan_id))).first()
        return None if row is None else LoanFacts(row.id, row.status, int(row.dpd or 0),
                                                  row.classification)

    def override(self, override_id: int) -> OverrideInfo | None:
        row = self.conn.execute(self._locked(sa.select(OVR).where(OVR.c.id == override_id))).first()
        return None if row is None else _info(row)

    def pending_for(self, loan_id: int) -> OverrideInfo | None:
        row = self.conn.execute(sa.select(OVR).where(OVR.c.loan_id == loan_id,
                                                     OVR.c.status == "pending")).first()
        return None if row is None else _info(row)

    def add_request(self, loan_id: int, category: str, reason: str, user_id: int,
                    valid_until: dt.date | None, business_date: dt.date) -> int:
        return int(self.conn.execute(OVR.insert().values(
            loan_id=loan_id, category=category, reason=reason, valid_until=valid_until,
            status="pending", requested_by=user_id, requested_at=_now(),
            requested_on=business_date, decision_note="",
        ).returning(OVR.c.id)).scalar_one())

    def decide(self, override_id: int, status: str, user_id: int, note: str,
               business_date: dt.date, base: LoanFacts | None) -> None:
        values: dict[str, Any] = {"status": status, "decided_by": user_id,
                                  "decided_at": _now(), "decided_on": business_date,
                                  "decision_note": note}
        if base is not None:
            values.update(base_category=base.classification, base_dpd=base.dpd)
        self.conn.execute(OVR.update().where(OVR.c.id == override_id).values(**values))

    def supersede(self, loan_id: int, keep_id: int, business_date: dt.date) -> None:
        self.conn.execute(OVR.update().where(OVR.c.loan_id == loan_id, OVR.c.id != keep_id,
                                             OVR.c.status == "approved")
                          .values(status="superseded", ended_on=business_date))

    def set_classification(self, loan_id: int, category: str) -> None:
        self.conn.execute(LOANS.update().where(LOANS.c.id == loan_id)
                          .values(classification=category, updated_at=_now()))

    def add_history(self, loan_id: int, business_date: dt.date, from_category: str | None,
                    to_category: str, dpd: int, reason: str, user_id: int) -> None:
        self.conn.execute(CHANGES.insert().values(
            loan_id=loan_id, business_date=business_date, from_category=from_category,
            to_category=to_category, dpd=dpd, source="manual", reason=reason,
            eod_run_id=None, created_by=user_id, created_at=_now()))


class SqlOverrideStore(SqlBusinessDates):
    """Manual classification requests and decisions, and the classification history."""

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        """One transaction (committed when the block ends normally, else rolled back)."""
        with self.engine.begin() as conn:
            yield _Tx(conn, self.engine.dialect.name == "postgresql")

    def get(self, override_id: int) -> OverrideInfo | None:
        """The override ``override_id`` (``None``: no such request)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(OVR).where(OVR.c.id == override_id)).first()
        return None if row is None else _info(row)

    def for_loan(self, loan_id: int) -> list[OverrideInfo]:
        """Every override of the loan, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(OVR).where(OVR.c.loan_id == loan_id)
                                .order_by(OVR.c.id)).all()
        return [_info(r) for r in rows]

    def history(self, loan_id: int) -> list[HistoryRow]:
        """The loan's classification changes (end of day and manual), oldest first."""
        c = CHANGES.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.business_date, c.from_category, c.to_category,
                                          c.dpd, c.source, c.reason, c.created_by)
                                .where(c.loan_id == loan_id).order_by(c.id)).all()
        return [HistoryRow(r.business_date, r.from_category, r.to_category, int(r.dpd or 0),
                           r.source, r.reason or "", r.created_by) for r in rows]
