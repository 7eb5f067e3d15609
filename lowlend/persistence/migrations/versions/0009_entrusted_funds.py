"""Entrusted funds (委托资金) and disbursement in tranches (分笔放款).

* ``entrusted_fund_movements``: one row per deposit or withdrawal of an entrusting party
  (``party_id`` is the record id of the config entity ``entrusting_parties``, without a
  database-level foreign key: its table is declared by configuration), with the journal
  entry it posted (``journal_entry_id``, unique). The party's funds are computed from
  the journal: the entries of its movements and of its loans (``loans.entrusting_party_id``);
  the journal tables themselves are not changed.

* ``loans.disbursed_principal``: the principal paid out so far (the sum of the loan's
  posted disbursement tranches; ``principal`` stays the approved principal). Loans
  disbursed before this revision were paid out in full: they get their principal.

``created_by`` is ``ab_user.id`` without a database-level foreign key (see 0001).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entrusted_fund_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("journal_entry_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount > 0", name="ck_entrusted_fund_movements_amount_positive"),
        sa.CheckConstraint(
            "type IN ('deposit', 'withdrawal')", name="ck_entrusted_fund_movements_type"
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"], ["journal_entries.id"],
            name="fk_entrusted_fund_movements_journal_entry_id",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "journal_entry_id", name="uq_entrusted_fund_movements_journal_entry_id"
        ),
    )
    with op.batch_alter_table("entrusted_fund_movements") as batch:
        batch.create_index("ix_entrusted_fund_movements_party_id", ["party_id"], unique=False)
    with op.batch_alter_table("loans") as batch:
        batch.create_index("ix_loans_entrusting_party_id", ["entrusting_party_id"], unique=False)
        batch.add_column(sa.Column("disbursed_principal", sa.Numeric(18, 2),
                                   server_default="0", nullable=False))
    op.execute("UPDATE loans SET disbursed_principal = principal WHERE disbursed_on IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("disbursed_principal")
        batch.drop_index("ix_loans_entrusting_party_id")
    with op.batch_alter_table("entrusted_fund_movements") as batch:
        batch.drop_index("ix_entrusted_fund_movements_party_id")
    op.drop_table("entrusted_fund_movements")
