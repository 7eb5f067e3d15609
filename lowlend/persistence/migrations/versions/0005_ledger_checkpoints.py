"""Tamper-evident journal: signed checkpoints, no forks of the hash chain, and what the
database itself enforces on ``journal_entries`` / ``journal_lines``.

* ``ledger_checkpoints``: Ed25519-signed (last entry id, last hash, entry count, time).
* ``uq_journal_entries_prev_hash``: two entries cannot follow the same entry.
* PostgreSQL:
  - a *deferred constraint trigger* on ``journal_entries`` and ``journal_lines``
    refuses, at commit, a transaction leaving an entry with fewer than two lines, a
    line with both or neither side, or lines that do not balance per currency;
  - ``BEFORE UPDATE OR DELETE`` (per row) and ``BEFORE TRUNCATE`` triggers refuse any
    change to posted entries and lines.
* SQLite: ``BEFORE UPDATE`` / ``BEFORE DELETE`` triggers refuse any change to posted
  entries and lines. SQLite has no deferred triggers, and a per-row check would refuse
  the normal order of insertion (the entry, then its lines one by one), so balance is
  *not* enforced by SQLite: the repository checks every entry before it inserts it and
  ``lowlend ledger verify`` finds an unbalanced entry. (``DROP TABLE`` does not fire the
  triggers, so downgrading still works.)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JOURNAL_TABLES = ("journal_entries", "journal_lines")

_PG_IMMUTABLE_FUNCTION = """
CREATE FUNCTION lowlend_journal_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lowlend: % on % refused: posted journal records are immutable '
                    '(post a reversal)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

_PG_BALANCED_FUNCTION = """
CREATE FUNCTION lowlend_journal_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    eid integer;
    line_count integer;
    bad record;
BEGIN
    IF TG_TABLE_NAME = 'journal_entries' THEN
        eid := NEW.id;
    ELSE
        eid := NEW.entry_id;
    END IF;
    SELECT count(*) INTO line_count FROM journal_lines WHERE entry_id = eid;
    IF line_count < 2 THEN
        RAISE EXCEPTION 'lowlend: journal entry % has % line(s), at least two are needed',
            eid, line_count USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM journal_lines
               WHERE entry_id = eid AND (debit = 0) = (credit = 0)) THEN
        RAISE EXCEPTION 'lowlend: journal entry % has a line with both or neither side', eid
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT currency, sum(debit) AS debits, sum(credit) AS credits INTO bad
        FROM journal_lines WHERE entry_id = eid
        GROUP BY currency HAVING sum(debit) <> sum(credit)
        ORDER BY currency LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'lowlend: journal entry % does not balance in %: debits % <> credits %',
            eid, bad.currency, bad.debits, bad.credits
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.CheckConstraint("entry_count >= 0", name="ck_ledger_checkpoints_entry_count"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_journal_entries_prev_hash", "journal_entries", ["prev_hash"], unique=True
    )
    if _postgresql():
        op.execute(_PG_IMMUTABLE_FUNCTION)
        op.execute(_PG_BALANCED_FUNCTION)
        for table in _JOURNAL_TABLES:
            op.execute(
                f"CREATE TRIGGER trg_{table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION lowlend_journal_immutable()"
            )
            op.execute(
                f"CREATE TRIGGER trg_{table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lowlend_journal_immutable()"
            )
            op.execute(
                f"CREATE CONSTRAINT TRIGGER trg_{table}_balanced AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION lowlend_journal_entry_balanced()"
            )
    elif _sqlite():
        for table in _JOURNAL_TABLES:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER trg_{table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'lowlend: {event} on {table} refused: posted "
                    "journal records are immutable (post a reversal)'); END"
                )


def downgrade() -> None:
    if _postgresql():
        for table in _JOURNAL_TABLES:
            for trigger in ("immutable", "no_truncate", "balanced"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_{trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS lowlend_journal_entry_balanced()")
        op.execute("DROP FUNCTION IF EXISTS lowlend_journal_immutable()")
    elif _sqlite():
        for table in _JOURNAL_TABLES:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{event}")
    op.drop_index("uq_journal_entries_prev_hash", table_name="journal_entries")
    op.drop_table("ledger_checkpoints")
