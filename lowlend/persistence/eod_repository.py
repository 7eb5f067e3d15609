"""SQLAlchemy implementation of :class:`lowlend.services.eod.ports.EodStore` and of the
business date's :class:`~lowlend.services.business_date.BusinessDatePort`.

Set-based: a partition is loaded with three queries (its loans still to close, locked
``FOR UPDATE`` on PostgreSQL; their installments; their posted transactions) and stored
with one statement per table (``executemany``), all in one transaction that also marks
the partition ``closed``. The partition row itself is locked first, so two workers
handed the same partition process it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lowlend.domain.classification_override import ManualClassification
from lowlend.persistence.eod_models import (
    EodFailure,
    EodRun,
    EodRunPartition,
    EodRunStep,
    LoanClassificationChange,
    LoanClassificationOverride,
)
from lowlend.persistence.models import Installment, Loan, Transaction
from lowlend.services.eod.ports import (
    ClassificationChange,
    FailureRecord,
    InstallmentRecord,
    LoanClose,
    LoanRecord,
    PartitionBatch,
    PartitionInfo,
    RunInfo,
    StepRecord,
    TxnRecord,
)

__all__ = ["CLOSED_STATUSES", "SqlBusinessDates", "SqlEodStore"]

RUNS = EodRun.__table__
PARTS = EodRunPartition.__table__
STEPS = EodRunStep.__table__
FAILS = EodFailure.__table__
CHANGES = LoanClassificationChange.__table__
OVERRIDES = LoanClassificationOverride.__table__
LOANS = Loan.__table__
INST = Installment.__table__
TXNS = Transaction.__table__

CLOSED_STATUSES = ("completed", "completed_with_failures")
"""Run statuses whose business date counts as closed."""
OPEN_LOAN_STATUSES = ("active", "overdue")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _last_closed(conn: sa.Connection) -> dt.date | None:
    value = conn.execute(sa.select(sa.func.max(RUNS.c.business_date))
                         .where(RUNS.c.status.in_(CLOSED_STATUSES))).scalar()
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


class SqlBusinessDates:
    """The last closed end-of-day date, read from ``eod_runs``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def last_closed_date(self) -> dt.date | None:
        with self.engine.connect() as conn:
            return _last_closed(conn)


@dataclass
class _Batch(PartitionBatch):
    connection: Any = None


def _run(row: Any) -> RunInfo:
    return RunInfo(row.id, row.business_date, row.status, row.partition_size,
                   tuple(row.steps or ()), row.mode, row.partitions, row.loans_total,
                   row.started_at, row.finished_at)


def _part(row: Any) -> PartitionInfo:
    return PartitionInfo(row.id, row.run_id, row.attempt, row.number, row.first_loan_id,
                         row.last_loan_id, row.status, row.loans, row.closed, row.failed)


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


class SqlEodStore(SqlBusinessDates):
    """Runs, partitions and the partitions' set-based reads and writes."""

    def _for_update(self, stmt: Any) -> Any:
        return stmt.with_for_update() if self.engine.dialect.name == "postgresql" else stmt

    # -- runs ---------------------------------------------------------------------------

    def run_for_date(self, business_date: dt.date) -> RunInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(RUNS).where(RUNS.c.business_date == business_date)).first()
        return None if row is None else _run(row)

    def run(self, run_id: int) -> RunInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(RUNS).where(RUNS.c.id == run_id)).first()
        return None if row is None else _run(row)

    def runs(self, limit: int = 50) -> list[RunInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(RUNS).order_by(RUNS.c.business_date.desc())
                                .limit(limit)).all()
        return [_run(r) for r in rows]

    @staticmethod
    def _eligible(business_date: dt.date) -> Any:
        return sa.and_(
            LOANS.c.status.in_(OPEN_LOAN_STATUSES),
            LOANS.c.disbursed_on.is_not(None),
            LOANS.c.disbursed_on <= business_date,
            sa.or_(LOANS.c.last_closed_business_date.is_(None),
                   LOANS.c.last_closed_business_date < business_date),
        )

    @staticmethod
    def _insert_partitions(conn: sa.Connection, run_id: int, attempt: int, ids: Sequence[int],
                           size: int) -> int:
        chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
        if chunks:
            conn.execute(PARTS.insert(), [
                {"run_id": run_id, "attempt": attempt, "number": n + 1,
                 "first_loan_id": c[0], "last_loan_id": c[-1], "status": "pending",
                 "loans": len(c), "closed": 0, "failed": 0}
                for n, c in enumerate(chunks)])
        return len(chunks)

    def create_run(self, business_date: dt.date, *, partition_size: int, steps: Sequence[str],
                   mode: str, started_by: str, config_version_id: int | None) -> RunInfo:
        try:
            with self.engine.begin() as conn:
                run_id = conn.execute(RUNS.insert().values(
                    business_date=business_date, status="running", mode=mode,
                    partition_size=partition_size, partitions=0, loans_total=0,
                    steps=list(steps), config_version_id=config_version_id,
                    started_at=_now(), started_by=started_by[:100],
                ).returning(RUNS.c.id)).scalar_one()
                ids = list(conn.execute(sa.select(LOANS.c.id).where(self._eligible(business_date))
                                        .order_by(LOANS.c.id)).scalars())
                n = self._insert_partitions(conn, run_id, 0, ids, partition_size)
                conn.execute(RUNS.update().where(RUNS.c.id == run_id)
                             .values(partitions=n, loans_total=len(ids)))
        except sa.exc.IntegrityError:  # another process created the date's run first
            found = self.run_for_date(business_date)
            if found is None:
                raise
            return found
        found = self.run(run_id)
        assert found is not None
        return found

    def create_retry(self, run_id: int, partition_size: int) -> int:
        with self.engine.begin() as conn:
            ids = list(conn.execute(
                sa.select(FAILS.c.loan_id).where(FAILS.c.run_id == run_id, ~FAILS.c.retried)
                .distinct().order_by(FAILS.c.loan_id)).scalars())
            if not ids:
                return 0
            attempt = 1 + (conn.execute(sa.select(sa.func.max(PARTS.c.attempt))
                                        .where(PARTS.c.run_id == run_id)).scalar() or 0)
            n = self._insert_partitions(conn, run_id, attempt, ids, partition_size)
            conn.execute(RUNS.update().where(RUNS.c.id == run_id)
                         .values(status="running", finished_at=None))
        return n

    def open_failures(self, run_id: int) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count(sa.distinct(FAILS.c.loan_id)))
                                    .where(FAILS.c.run_id == run_id, ~FAILS.c.retried))
                       .scalar() or 0)

    def failures(self, run_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(FAILS).where(FAILS.c.run_id == run_id)
                                .order_by(FAILS.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def partitions(self, run_id: int, *, unfinished: bool = False) -> list[PartitionInfo]:
        stmt = sa.select(PARTS).where(PARTS.c.run_id == run_id)
        if unfinished:
            stmt = stmt.where(PARTS.c.status != "done")
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(PARTS.c.attempt, PARTS.c.number)).all()
        return [_part(r) for r in rows]

    # -- one partition ------------------------------------------------------------------

    @contextmanager
    def partition(self, partition_id: int) -> Iterator[PartitionBatch]:
        with self.engine.connect() as conn, conn.begin() as trans:
            prow = conn.execute(self._for_update(
                sa.select(PARTS).where(PARTS.c.id == partition_id))).first()
            if prow is None:
                raise LookupError(f"no end-of-day partition {partition_id}")
            part = _part(prow)
            rrow = conn.execute(sa.select(RUNS).where(RUNS.c.id == part.run_id)).one()
            run = _run(rrow)
            batch = _Batch(part, run, [], conn)
            if part.status == "pending":
                batch.loans = self._load(conn, part, run.business_date)
            yield batch
            if trans.is_active:
                trans.rollback()

    def _load(self, conn: sa.Connection, part: PartitionInfo, day: dt.date) -> list[LoanRecord]:
        lo, hi = part.first_loan_id, part.last_loan_id
        where = [LOANS.c.id.between(lo, hi), self._eligible(day)]
        if part.attempt > 0:
            where.append(LOANS.c.id.in_(
                sa.select(FAILS.c.loan_id).where(FAILS.c.run_id == part.run_id,
                                                 FAILS.c.attempt < part.attempt, ~FAILS.c.retried)))
        loans = conn.execute(self._for_update(
            sa.select(LOANS.c.id, LOANS.c.terms_snapshot, LOANS.c.status, LOANS.c.dpd,
                      LOANS.c.classification, LOANS.c.accrued_interest, LOANS.c.accrued_penalty,
                      LOANS.c.product_code, LOANS.c.delinquency_bucket)
            .where(*where).order_by(LOANS.c.id))).all()
        if not loans:
            return []
        rows: dict[int, list[InstallmentRecord]] = {}
        for r in conn.execute(sa.select(INST.c.loan_id, INST.c.seq, INST.c.status, INST.c.penalty)
                              .where(INST.c.loan_id.between(lo, hi))
                              .order_by(INST.c.loan_id, INST.c.seq)):
            rows.setdefault(r.loan_id, []).append(InstallmentRecord(r.seq, r.status, _dec(r.penalty)))
        txns: dict[int, list[TxnRecord]] = {}
        for t in conn.execute(sa.select(TXNS.c.id, TXNS.c.loan_id, TXNS.c.type, TXNS.c.status,
                                        TXNS.c.value_date, TXNS.c.amount, TXNS.c.reversed_of,
                                        TXNS.c.allocation)
                              .where(TXNS.c.loan_id.between(lo, hi), TXNS.c.status == "posted")
                              .order_by(TXNS.c.id)):
            txns.setdefault(t.loan_id, []).append(TxnRecord(
                t.id, t.type, t.status, t.value_date, _dec(t.amount), t.reversed_of,
                dict(t.allocation or {})))
        manual = {o.loan_id: ManualClassification(o.id, o.category, int(o.base_dpd or 0),
                                                  o.valid_until)
                  for o in conn.execute(
                      sa.select(OVERRIDES.c.id, OVERRIDES.c.loan_id, OVERRIDES.c.category,
                                OVERRIDES.c.base_dpd, OVERRIDES.c.valid_until)
                      .where(OVERRIDES.c.loan_id.between(lo, hi),
                             OVERRIDES.c.status == "approved")
                      .order_by(OVERRIDES.c.id))}
        return [LoanRecord(x.id, dict(x.terms_snapshot or {}), x.status, int(x.dpd or 0),
                           x.classification, _dec(x.accrued_interest), _dec(x.accrued_penalty),
                           tuple(rows.get(x.id, ())), tuple(txns.get(x.id, ())),
                           x.product_code or "", x.delinquency_bucket, manual.get(x.id))
                for x in loans]

    def close(self, batch: PartitionBatch, closes: Sequence[LoanClose],
              changes: Sequence[ClassificationChange], failures: Sequence[FailureRecord],
              steps: Sequence[StepRecord]) -> None:
        assert isinstance(batch, _Batch)
        conn: sa.Connection = batch.connection
        part, run = batch.partition, batch.run
        day = run.business_date
        if closes:
            conn.execute(
                LOANS.update().where(LOANS.c.id == sa.bindparam("b_id")).values(
                    status=sa.bindparam("b_status"), dpd=sa.bindparam("b_dpd"),
                    classification=sa.bindparam("b_cls"),
                    accrued_interest=sa.bindparam("b_ai"), accrued_penalty=sa.bindparam("b_ap"),
                    delinquency_bucket=sa.bindparam("b_bucket"),
                    last_closed_business_date=day, updated_at=_now()),
                [{"b_id": c.loan_id, "b_status": c.status, "b_dpd": c.dpd,
                  "b_cls": c.classification, "b_ai": c.accrued_interest,
                  "b_ap": c.accrued_penalty, "b_bucket": c.delinquency_bucket}
                 for c in closes])
            lapsed = [c.lapsed_override for c in closes if c.lapsed_override is not None]
            if lapsed:
                conn.execute(OVERRIDES.update().where(OVERRIDES.c.id.in_(lapsed),
                                                      OVERRIDES.c.status == "approved")
                             .values(status="lapsed", ended_on=day))
            rows = [{"b_loan": c.loan_id, "b_seq": r.seq, "b_status": r.status,
                     "b_penalty": r.penalty} for c in closes for r in c.installments]
            if rows:
                conn.execute(
                    INST.update().where(INST.c.loan_id == sa.bindparam("b_loan"),
                                        INST.c.seq == sa.bindparam("b_seq"))
                    .values(status=sa.bindparam("b_status"), penalty=sa.bindparam("b_penalty")),
                    rows)
        if changes:
            conn.execute(CHANGES.insert(), [
                {"loan_id": c.loan_id, "business_date": day, "from_category": c.from_category,
                 "to_category": c.to_category, "dpd": c.dpd, "source": "eod", "reason": c.reason,
                 "eod_run_id": run.id, "created_at": _now()} for c in changes])
        if part.attempt > 0:
            conn.execute(FAILS.update().where(
                FAILS.c.run_id == run.id, FAILS.c.attempt < part.attempt, ~FAILS.c.retried,
                FAILS.c.loan_id.between(part.first_loan_id, part.last_loan_id),
            ).values(retried=True))
        self._failures(conn, part, failures)
        self._steps(conn, part, steps)
        failed = len({f.loan_id for f in failures})
        conn.execute(PARTS.update().where(PARTS.c.id == part.id).values(
            status="closed", loans=len(batch.loans), closed=len(closes), failed=failed))
        conn.commit()

    @staticmethod
    def _failures(conn: sa.Connection, part: PartitionInfo,
                  failures: Sequence[FailureRecord]) -> None:
        if failures:
            conn.execute(FAILS.insert(), [
                {"run_id": part.run_id, "loan_id": f.loan_id, "attempt": part.attempt,
                 "step": f.step, "error_code": f.error_code, "message": f.message,
                 "retried": False, "created_at": _now()} for f in failures])

    @staticmethod
    def _steps(conn: sa.Connection, part: PartitionInfo, steps: Sequence[StepRecord]) -> None:
        if steps:
            conn.execute(STEPS.insert(), [
                {"run_id": part.run_id, "partition_id": part.id, "position": s.position,
                 "step": s.step, "status": s.status, "loans": s.loans, "changed": s.changed,
                 "failures": s.failures, "duration_ms": s.duration_ms} for s in steps])

    def debit_candidates(self, partition: PartitionInfo, business_date: dt.date) -> list[int]:
        next_day = business_date + dt.timedelta(days=1)
        stmt = (sa.select(LOANS.c.id).distinct()
                .join(INST, INST.c.loan_id == LOANS.c.id)
                .where(LOANS.c.id.between(partition.first_loan_id, partition.last_loan_id),
                       LOANS.c.last_closed_business_date == business_date,
                       LOANS.c.status.in_(OPEN_LOAN_STATUSES),
                       INST.c.due_date <= next_day, INST.c.status != "paid")
                .order_by(LOANS.c.id))
        if partition.attempt > 0:
            stmt = stmt.where(LOANS.c.id.in_(sa.select(FAILS.c.loan_id).where(
                FAILS.c.run_id == partition.run_id, FAILS.c.attempt < partition.attempt)))
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def finish_partition(self, partition: PartitionInfo, steps: Sequence[StepRecord],
                         failures: Sequence[FailureRecord]) -> None:
        with self.engine.begin() as conn:
            status = conn.execute(self._for_update(
                sa.select(PARTS.c.status).where(PARTS.c.id == partition.id))).scalar_one()
            if status == "done":
                return
            self._failures(conn, partition, failures)
            self._steps(conn, partition, steps)
            conn.execute(PARTS.update().where(PARTS.c.id == partition.id)
                         .values(status="done", finished_at=_now()))

    def finish_run(self, run_id: int) -> RunInfo:
        with self.engine.begin() as conn:
            left = conn.execute(sa.select(sa.func.count()).select_from(PARTS).where(
                PARTS.c.run_id == run_id, PARTS.c.status != "done")).scalar()
            if not left:
                failed = conn.execute(sa.select(sa.func.count()).select_from(FAILS).where(
                    FAILS.c.run_id == run_id, ~FAILS.c.retried)).scalar()
                conn.execute(RUNS.update().where(RUNS.c.id == run_id,
                                                 RUNS.c.status == "running").values(
                    status="completed_with_failures" if failed else "completed",
                    finished_at=_now()))
        found = self.run(run_id)
        assert found is not None
        return found

    def step_totals(self, run_id: int) -> list[StepRecord]:
        s = STEPS.c
        stmt = (sa.select(sa.func.min(s.position), s.step, s.status, sa.func.sum(s.loans),
                          sa.func.sum(s.changed), sa.func.sum(s.failures),
                          sa.func.sum(s.duration_ms))
                .where(s.run_id == run_id).group_by(s.step, s.status)
                .order_by(sa.func.min(s.position), s.step))
        with self.engine.connect() as conn:
            return [StepRecord(int(r[0]), r[1], r[2], int(r[3] or 0), int(r[4] or 0),
                               int(r[5] or 0), int(r[6] or 0)) for r in conn.execute(stmt)]
