"""One spelling for one concept: the ``instalments`` table becomes ``installments``.

The domain, the specification and the configuration codes (``equal_installment``,
``percent_of_installment``) always said *installment*; the table, the ORM class and the
screens said *instalment*. This migration renames the table with its indexes and named
constraints (and, on PostgreSQL, its primary key and id sequence), and the records that
name the screen by its old code: the permission's view (``ab_view_menu``, when the
security tables exist) and the audit log's ``entity``. Rows, ids and foreign keys are
kept as they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rename(old: str, new: str) -> None:
    """Rename the table ``{old}s`` to ``{new}s`` with everything named after it."""
    bind = op.get_bind()
    op.rename_table(f"{old}s", f"{new}s")
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER SEQUENCE IF EXISTS {old}s_id_seq RENAME TO {new}s_id_seq")
        op.execute(f"ALTER TABLE {new}s RENAME CONSTRAINT {old}s_pkey TO {new}s_pkey")
        op.execute(f"ALTER TABLE {new}s RENAME CONSTRAINT fk_{old}s_loan_id TO fk_{new}s_loan_id")
        op.execute(f"ALTER TABLE {new}s RENAME CONSTRAINT uq_{old}s_loan_seq TO uq_{new}s_loan_seq")
        op.execute(f"ALTER INDEX ix_{old}s_due_date RENAME TO ix_{new}s_due_date")
        op.execute(f"ALTER INDEX ix_{old}s_loan_id RENAME TO ix_{new}s_loan_id")
    else:
        # SQLite keeps constraint names in the table's CREATE statement: rebuild the table.
        with op.batch_alter_table(f"{new}s", recreate="always") as batch:
            batch.drop_constraint(f"uq_{old}s_loan_seq", type_="unique")
            batch.create_unique_constraint(f"uq_{new}s_loan_seq", ["loan_id", "seq"])
            batch.drop_constraint(f"fk_{old}s_loan_id", type_="foreignkey")
            batch.create_foreign_key(f"fk_{new}s_loan_id", "loans", ["loan_id"], ["id"])
            batch.drop_index(f"ix_{old}s_due_date")
            batch.drop_index(f"ix_{old}s_loan_id")
            batch.create_index(f"ix_{new}s_due_date", ["due_date"], unique=False)
            batch.create_index(f"ix_{new}s_loan_id", ["loan_id"], unique=False)
    tables = set(sa.inspect(bind).get_table_names())
    if "ab_view_menu" in tables:
        op.execute(
            sa.text("UPDATE ab_view_menu SET name = :new WHERE name = :old").bindparams(
                new=f"{new}s", old=f"{old}s"
            )
        )
    if "audit_log" in tables:
        op.execute(
            sa.text("UPDATE audit_log SET entity = :new WHERE entity = :old").bindparams(
                new=f"{new}s", old=f"{old}s"
            )
        )


def upgrade() -> None:
    _rename("instalment", "installment")


def downgrade() -> None:
    _rename("installment", "instalment")
