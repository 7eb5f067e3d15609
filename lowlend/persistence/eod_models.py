"""Tables of the end-of-day batch (日终批处理): runs, their partitions and steps, the loans
a step failed for, and the classification history (五级分类变动).

Same conventions as :mod:`lowlend.persistence.models`: explicit names for every
constraint; user ids (``ab_user.id``) as plain integers without a database-level
foreign key.

* ``eod_runs``: one row per business date (unique ``business_date``): a killed run is
  resumed under the same row, a retry of its failed loans too. ``status`` is
  ``running`` | ``completed`` | ``completed_with_failures``; ``steps`` the ordered step
  codes the run was started with.
* ``eod_run_partitions``: the loan-id ranges of a run (``attempt`` 0) and of each retry
  (``attempt`` n): ``status`` ``pending`` → ``closed`` (its database work committed, in
  the same transaction as the loans it closed) → ``done`` (its steps outside the
  database, auto-debit, sent too).
* ``eod_run_steps``: per partition and step: ``status`` ``done`` | ``not_available`` (no
  module yet: shown and counted, never passed as done) | ``disabled``; ``loans`` the
  loans it processed, ``changed`` those whose values it changed, ``failures``, and
  ``duration_ms``.
* ``eod_failures``: a step that failed for one loan (``error_code`` and ``message``);
  ``retried`` is set when a retry processed the loan again.
* ``loan_classification_changes``: a loan's classification history (``source`` ``eod`` or
  ``manual``; ``from_category`` is null for the first classification).
* ``loan_classification_overrides``: manual classification requests (五级分类人工调整):
  ``status`` ``pending`` → ``approved`` | ``rejected``; an approved one is in force until
  it ``lapsed`` (see :mod:`lowlend.domain.classification_override`) or a newer approved
  one ``superseded`` it. At most one pending request per loan.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lowlend.persistence.column_types import JSONType
from lowlend.persistence.column_types import utcnow as _utcnow
from lowlend.persistence.db import db

__all__ = [
    "EOD_TABLES",
    "EodFailure",
    "EodRun",
    "EodRunPartition",
    "EodRunStep",
    "LoanClassificationChange",
    "LoanClassificationOverride",
]


class EodRun(db.Model):  # type: ignore[name-defined,misc]
    """One end-of-day run: the close of one business date."""

    __tablename__ = "eod_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(30), default="running")
    mode: Mapped[str] = mapped_column(sa.String(20), default="in_process")
    partition_size: Mapped[int] = mapped_column()
    partitions: Mapped[int] = mapped_column(default=0)
    loans_total: Mapped[int] = mapped_column(default=0)
    steps: Mapped[list[str]] = mapped_column(JSONType, default=list)
    config_version_id: Mapped[int | None] = mapped_column()
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    started_by: Mapped[str] = mapped_column(sa.String(100), default="")

    __table_args__ = (sa.UniqueConstraint("business_date", name="uq_eod_runs_business_date"),)


class EodRunPartition(db.Model):  # type: ignore[name-defined,misc]
    """A loan-id range of a run (``attempt`` 0) or of a retry (``attempt`` ≥ 1)."""

    __tablename__ = "eod_run_partitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("eod_runs.id", name="fk_eod_run_partitions_run_id"), index=True
    )
    attempt: Mapped[int] = mapped_column(default=0)
    number: Mapped[int] = mapped_column()
    first_loan_id: Mapped[int] = mapped_column()
    last_loan_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    loans: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("run_id", "attempt", "number", name="uq_eod_run_partitions_number"),
    )


class EodRunStep(db.Model):  # type: ignore[name-defined,misc]
    """What one step did in one partition."""

    __tablename__ = "eod_run_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("eod_runs.id", name="fk_eod_run_steps_run_id"), index=True
    )
    partition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("eod_run_partitions.id", name="fk_eod_run_steps_partition_id"), index=True
    )
    position: Mapped[int] = mapped_column()
    step: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20))
    loans: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("partition_id", "step", name="uq_eod_run_steps_partition_step"),
    )


class EodFailure(db.Model):  # type: ignore[name-defined,misc]
    """A step that failed for one loan of a run (the loan was not closed)."""

    __tablename__ = "eod_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("eod_runs.id", name="fk_eod_failures_run_id"), index=True
    )
    loan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_eod_failures_loan_id"), index=True
    )
    attempt: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(40))
    error_code: Mapped[str] = mapped_column(sa.String(60))
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    retried: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)


class LoanClassificationChange(db.Model):  # type: ignore[name-defined,misc]
    """A change of a loan's classification (by the EOD classify step or by hand)."""

    __tablename__ = "loan_classification_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_loan_classification_changes_loan_id"), index=True
    )
    business_date: Mapped[dt.date] = mapped_column(sa.Date)
    from_category: Mapped[str | None] = mapped_column(sa.String(20))
    to_category: Mapped[str] = mapped_column(sa.String(20))
    dpd: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    eod_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("eod_runs.id", name="fk_loan_classification_changes_eod_run_id")
    )
    created_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    __table_args__ = (
        sa.CheckConstraint("source IN ('eod', 'manual')",
                           name="ck_loan_classification_changes_source"),
    )


class LoanClassificationOverride(db.Model):  # type: ignore[name-defined,misc]
    """A manual classification of a loan: requested by one user, decided by another."""

    __tablename__ = "loan_classification_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_loan_classification_overrides_loan_id"), index=True
    )
    category: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: last business date the category is in force (null: until the DPD rule lifts it)
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    #: the loan's category and DPD when the request was decided (approved)
    base_category: Mapped[str | None] = mapped_column(sa.String(20))
    base_dpd: Mapped[int | None] = mapped_column()
    requested_by: Mapped[int] = mapped_column()  # ab_user.id, no DB-level FK
    requested_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True),
                                                      default=_utcnow)
    requested_on: Mapped[dt.date] = mapped_column(sa.Date)  # business date
    decided_by: Mapped[int | None] = mapped_column()
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # lapsed / superseded

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'lapsed', 'superseded')",
            name="ck_loan_classification_overrides_status"),
        sa.Index("ix_loan_classification_overrides_status", "status", "loan_id"),
    )


EOD_TABLES: frozenset[str] = frozenset(
    m.__tablename__
    for m in (EodRun, EodRunPartition, EodRunStep, EodFailure, LoanClassificationChange,
              LoanClassificationOverride)
)
