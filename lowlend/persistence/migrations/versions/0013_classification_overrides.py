"""Manual classification overrides (五级分类人工调整) and the delinquency bucket.

* ``loan_classification_overrides``: a request (category, reason, optional
  ``valid_until``) by one user, approved or rejected by another; an approved one keeps
  the end of day from changing the loan's category until it lapses;
* ``loans.delinquency_bucket`` (M0, M1, … from the DPD, set by the classify step).

See :mod:`lowlend.persistence.eod_models`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "loan_classification_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("base_category", sa.String(length=20), nullable=True),
        sa.Column("base_dpd", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'lapsed', 'superseded')",
            name="ck_loan_classification_overrides_status"),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"],
                                name="fk_loan_classification_overrides_loan_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_loan_classification_overrides_loan_id",
                    "loan_classification_overrides", ["loan_id"])
    op.create_index("ix_loan_classification_overrides_status",
                    "loan_classification_overrides", ["status", "loan_id"])
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("delinquency_bucket", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("delinquency_bucket")
    op.drop_index("ix_loan_classification_overrides_status", "loan_classification_overrides")
    op.drop_index("ix_loan_classification_overrides_loan_id", "loan_classification_overrides")
    op.drop_table("loan_classification_overrides")
