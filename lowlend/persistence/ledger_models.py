"""Tables of the tamper-evident journal: signed checkpoints of the hash chain.

Same conventions as :mod:`lowlend.persistence.models`. A checkpoint is evidence
*about* the journal (the last entry id, its hash and the number of entries when it was
signed), so ``last_entry_id`` is a plain integer without a foreign key: a checkpoint
must still testify after someone removed the entry it names.

The unique index ``uq_journal_entries_prev_hash`` (two entries cannot follow the same
entry, so two concurrent postings cannot fork the chain: one of them fails at commit)
is declared with :class:`lowlend.persistence.models.JournalEntry`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lowlend.persistence.db import db

__all__ = ["LEDGER_TABLES", "LedgerCheckpoint"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LedgerCheckpoint(db.Model):  # type: ignore[name-defined,misc]
    """An Ed25519-signed statement "the journal had ``entry_count`` entries ending with
    entry ``last_entry_id`` whose hash is ``last_hash``" (see
    :mod:`lowlend.services.ledger_checkpoints` for the signed message)."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_entry_id: Mapped[int | None] = mapped_column()  # no FK: evidence outlives the entry
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    entry_count: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    public_key: Mapped[str] = mapped_column(sa.String(64))  # base64 of the raw 32-byte key
    signature: Mapped[str] = mapped_column(sa.String(100))  # base64 of the 64-byte signature

    __table_args__ = (
        sa.CheckConstraint("entry_count >= 0", name="ck_ledger_checkpoints_entry_count"),
    )


LEDGER_TABLES: frozenset[str] = frozenset({LedgerCheckpoint.__tablename__})
"""Names of the tables of this module (part of ``LOWLEND_TABLES``)."""
