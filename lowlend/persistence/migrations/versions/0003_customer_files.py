"""Customer files: derived identity facts, credit limit, relations between customers.

* ``customers.birth_date`` / ``customers.sex``: derived from a resident ID on save
  (never typed by hand); ``customers.credit_limit`` (money) and its currency;
  an index on ``customers.phone`` for the duplicate-phone check (phones are
  stored normalised from now on; existing rows are normalised here).
* ``customer_relations``: guarantor / related party / household links between two
  customers, at most one per (customer, related customer, kind) and never a
  customer with itself. Deleting a customer deletes its relations.
  ``created_by`` is an ``ab_user.id`` without a database-level foreign key (see 0001).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _normalise_phone(phone: str) -> str:
    """Digits only; ``+86``/``0086`` dropped, other country codes kept as ``+<digits>``
    (the rule of ``lowlend.services.lending.customers.normalise_phone`` at this revision)."""
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return text
    international = text.startswith("+")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if international and digits.startswith("86"):
        return digits[2:]
    return ("+" if international else "") + digits


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sex", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("credit_limit", sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column("credit_limit_currency", sa.String(length=3), nullable=True))
        batch_op.create_index("ix_customers_phone", ["phone"], unique=False)

    customers = sa.table("customers", sa.column("id", sa.Integer()), sa.column("phone", sa.String()))
    bind = op.get_bind()
    for row_id, phone in bind.execute(
        sa.select(customers.c.id, customers.c.phone).where(customers.c.phone.is_not(None))
    ).all():
        normalised = _normalise_phone(phone)
        if normalised != phone:
            bind.execute(
                customers.update().where(customers.c.id == row_id).values(phone=normalised)
            )

    op.create_table(
        "customer_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("related_customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "customer_id <> related_customer_id", name="ck_customer_relations_not_self"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_customer_relations_customer_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_customer_id"],
            ["customers.id"],
            name="fk_customer_relations_related_customer_id",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "customer_id", "related_customer_id", "kind", name="uq_customer_relations_pair"
        ),
    )
    op.create_index(
        "ix_customer_relations_customer_id", "customer_relations", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_customer_relations_related_customer_id",
        "customer_relations",
        ["related_customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_customer_relations_related_customer_id", table_name="customer_relations")
    op.drop_index("ix_customer_relations_customer_id", table_name="customer_relations")
    op.drop_table("customer_relations")
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_index("ix_customers_phone")
        batch_op.drop_column("credit_limit_currency")
        batch_op.drop_column("credit_limit")
        batch_op.drop_column("sex")
        batch_op.drop_column("birth_date")
