"""Reconciliation (对账): imported statements and their lines.

* ``statement_imports``: one imported bank / gateway statement file; the SHA-256 of its
  bytes is unique (the same file cannot be imported twice).
* ``statement_lines``: its lines (positive ``amount`` with ``direction`` ``in``/``out``),
  their status (``unmatched`` | ``matched`` | ``resolved``), the posted transaction they
  are linked to (at most one line per transaction), how and by whom they were resolved.

User ids (``imported_by``, ``resolved_by``) are ``ab_user.id`` without a database-level
foreign key (see 0001).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column("imported_by_name", sa.String(length=100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", name="uq_statement_imports_sha256"),
    )
    with op.batch_alter_table("statement_imports") as batch:
        batch.create_index("ix_statement_imports_imported_at", ["imported_at"], unique=False)

    op.create_table(
        "statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=30), nullable=True),
        sa.Column("resolution_note", sa.String(length=500), nullable=False),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolved_by_name", sa.String(length=100), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name="ck_statement_lines_amount_positive"),
        sa.CheckConstraint("direction IN ('in', 'out')", name="ck_statement_lines_direction"),
        sa.CheckConstraint(
            "status IN ('unmatched', 'matched', 'resolved')", name="ck_statement_lines_status"
        ),
        sa.ForeignKeyConstraint(
            ["import_id"], ["statement_imports.id"], name="fk_statement_lines_import_id"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["transactions.id"], name="fk_statement_lines_transaction_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("import_id", "line_no", name="uq_statement_lines_import_line"),
        sa.UniqueConstraint("transaction_id", name="uq_statement_lines_transaction_id"),
    )
    with op.batch_alter_table("statement_lines") as batch:
        batch.create_index("ix_statement_lines_import_id", ["import_id"], unique=False)
        batch.create_index("ix_statement_lines_value_date", ["value_date"], unique=False)
        batch.create_index("ix_statement_lines_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("statement_lines") as batch:
        batch.drop_index("ix_statement_lines_status")
        batch.drop_index("ix_statement_lines_value_date")
        batch.drop_index("ix_statement_lines_import_id")
    op.drop_table("statement_lines")
    with op.batch_alter_table("statement_imports") as batch:
        batch.drop_index("ix_statement_imports_imported_at")
    op.drop_table("statement_imports")
