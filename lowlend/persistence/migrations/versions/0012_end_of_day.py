"""End of day (日终批处理): runs, partitions, steps, per-loan failures, classification history,
and each loan's accrual as of its last closed business date.

* ``eod_runs`` (one per business date), ``eod_run_partitions`` (loan-id ranges of a run or
  of a retry), ``eod_run_steps`` (per partition and step: status, loans, changed,
  failures, duration), ``eod_failures`` (a step that failed for one loan),
  ``loan_classification_changes`` (from → to, source ``eod`` | ``manual``);
* ``loans.accrued_interest`` and ``loans.accrued_penalty`` (as of the end of
  ``last_closed_business_date``).

See :mod:`lowlend.persistence.eod_models`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "eod_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("partition_size", sa.Integer(), nullable=False),
        sa.Column("partitions", sa.Integer(), nullable=False),
        sa.Column("loans_total", sa.Integer(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("config_version_id", sa.Integer(), nullable=True),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_date", name="uq_eod_runs_business_date"),
    )
    op.create_table(
        "eod_run_partitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("first_loan_id", sa.Integer(), nullable=False),
        sa.Column("last_loan_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["eod_runs.id"], name="fk_eod_run_partitions_run_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "attempt", "number", name="uq_eod_run_partitions_number"),
    )
    op.create_index("ix_eod_run_partitions_run_id", "eod_run_partitions", ["run_id"])
    op.create_table(
        "eod_run_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("partition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["eod_runs.id"], name="fk_eod_run_steps_run_id"),
        sa.ForeignKeyConstraint(["partition_id"], ["eod_run_partitions.id"],
                                name="fk_eod_run_steps_partition_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partition_id", "step", name="uq_eod_run_steps_partition_step"),
    )
    op.create_index("ix_eod_run_steps_run_id", "eod_run_steps", ["run_id"])
    op.create_index("ix_eod_run_steps_partition_id", "eod_run_steps", ["partition_id"])
    op.create_table(
        "eod_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("error_code", sa.String(length=60), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("retried", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["eod_runs.id"], name="fk_eod_failures_run_id"),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name="fk_eod_failures_loan_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_eod_failures_run_id", "eod_failures", ["run_id"])
    op.create_index("ix_eod_failures_loan_id", "eod_failures", ["loan_id"])
    op.create_table(
        "loan_classification_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("from_category", sa.String(length=20), nullable=True),
        sa.Column("to_category", sa.String(length=20), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("eod_run_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("source IN ('eod', 'manual')",
                           name="ck_loan_classification_changes_source"),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"],
                                name="fk_loan_classification_changes_loan_id"),
        sa.ForeignKeyConstraint(["eod_run_id"], ["eod_runs.id"],
                                name="fk_loan_classification_changes_eod_run_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_loan_classification_changes_loan_id", "loan_classification_changes",
                    ["loan_id"])
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("accrued_interest", sa.Numeric(18, 2), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("accrued_penalty", sa.Numeric(18, 2), server_default="0",
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("accrued_penalty")
        batch.drop_column("accrued_interest")
    op.drop_index("ix_loan_classification_changes_loan_id", "loan_classification_changes")
    op.drop_table("loan_classification_changes")
    op.drop_index("ix_eod_failures_loan_id", "eod_failures")
    op.drop_index("ix_eod_failures_run_id", "eod_failures")
    op.drop_table("eod_failures")
    op.drop_index("ix_eod_run_steps_partition_id", "eod_run_steps")
    op.drop_index("ix_eod_run_steps_run_id", "eod_run_steps")
    op.drop_table("eod_run_steps")
    op.drop_index("ix_eod_run_partitions_run_id", "eod_run_partitions")
    op.drop_table("eod_run_partitions")
    op.drop_table("eod_runs")
