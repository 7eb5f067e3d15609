"""Money path: transactions gain their status, channel, reference, request fingerprint,
gateway order and maker-checker columns; loans gain write-off columns.

* ``transactions.status``: ``posted`` | ``pending`` (sent to the payment gateway, no final
  answer yet) | ``failed`` | ``awaiting_approval`` (refunds and reversals until a second
  user approves) | ``rejected``. Existing rows are ``posted``.
* ``transactions.request_hash``: SHA-256 of the canonical request body an
  ``Idempotency-Key`` was first used with (the same key with another body is refused).
* ``transactions.payment_order_id``: the gateway order id (unique), ``gateway_result``
  the last stored gateway answer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 16:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="posted")
        )
        batch.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("note", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("payment_order_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("gateway_result", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("failure_code", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("business_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("approved_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_transactions_status", ["status"])
        batch.create_unique_constraint("uq_transactions_payment_order_id", ["payment_order_id"])
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("written_off_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("written_off_principal", sa.Numeric(18, 2), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("written_off_principal")
        batch.drop_column("written_off_on")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_constraint("uq_transactions_payment_order_id", type_="unique")
        batch.drop_index("ix_transactions_status")
        for name in ("approved_at", "approved_by", "business_date", "failure_code",
                     "gateway_result", "payment_order_id", "request_hash", "note", "reference",
                     "channel", "status"):
            batch.drop_column(name)
