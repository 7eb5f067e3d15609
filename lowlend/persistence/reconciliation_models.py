"""Tables of reconciliation (对账): imported bank / gateway statements and their lines.

Same conventions as :mod:`lowlend.persistence.models`: explicit names for every
constraint, money ``Numeric(18, 2)``, user ids (``ab_user.id``) as plain integers
without a database-level foreign key (the user's name is kept beside the id, so the
screens need no join with FAB's tables).

* ``statement_imports``: one imported file; ``sha256`` of its bytes is unique, so the
  same file cannot be imported twice.
* ``statement_lines``: one line of a statement. ``amount`` is positive and
  ``direction`` says which way the money went (``in`` = received on our account,
  ``out`` = paid from it). ``status`` is ``unmatched`` | ``matched`` (linked to a posted
  transaction) | ``resolved`` (bank fee, ignored, or posted as a repayment);
  ``resolution`` the code of how (``matched_auto``, ``matched_manual``,
  ``posted_as_repayment``, ``bank_fee``, ``ignored``). A transaction is linked to at
  most one statement line (unique ``transaction_id``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lowlend.persistence.db import db

__all__ = ["RECONCILIATION_TABLES", "StatementImport", "StatementLine"]

Money = sa.Numeric(18, 2)  # as lowlend.persistence.models.Money (not imported: either
# module may be imported first)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StatementImport(db.Model):  # type: ignore[name-defined,misc]
    """An imported statement file (银行 / 支付通道对账单)."""

    __tablename__ = "statement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    line_count: Mapped[int] = mapped_column(default=0)
    period_start: Mapped[dt.date | None] = mapped_column(sa.Date)
    period_end: Mapped[dt.date | None] = mapped_column(sa.Date)
    imported_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    imported_by_name: Mapped[str] = mapped_column(sa.String(100), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=_utcnow, index=True
    )

    __table_args__ = (sa.UniqueConstraint("sha256", name="uq_statement_imports_sha256"),)


class StatementLine(db.Model):  # type: ignore[name-defined,misc]
    """One line of an imported statement and how it was reconciled."""

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statement_imports.id", name="fk_statement_lines_import_id"), index=True
    )
    line_no: Mapped[int] = mapped_column()  # row of the file (the header is row 1)
    value_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    direction: Mapped[str] = mapped_column(sa.String(3))  # in | out
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    reference: Mapped[str] = mapped_column(sa.String(100))
    counterparty: Mapped[str] = mapped_column(sa.String(200), default="")
    memo: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="unmatched", index=True)
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", name="fk_statement_lines_transaction_id")
    )
    resolution: Mapped[str | None] = mapped_column(sa.String(30))
    resolution_note: Mapped[str] = mapped_column(sa.String(500), default="")
    resolved_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    resolved_by_name: Mapped[str] = mapped_column(sa.String(100), default="")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("import_id", "line_no", name="uq_statement_lines_import_line"),
        sa.UniqueConstraint("transaction_id", name="uq_statement_lines_transaction_id"),
        sa.CheckConstraint("amount > 0", name="ck_statement_lines_amount_positive"),
        sa.CheckConstraint("direction IN ('in', 'out')", name="ck_statement_lines_direction"),
        sa.CheckConstraint(
            "status IN ('unmatched', 'matched', 'resolved')", name="ck_statement_lines_status"
        ),
    )


RECONCILIATION_TABLES: frozenset[str] = frozenset(
    {StatementImport.__tablename__, StatementLine.__tablename__}
)
"""Names of the tables of this module (part of ``LOWLEND_TABLES``)."""
