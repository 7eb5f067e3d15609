"""PostgreSQL: the journal's balance check once per transaction, not once per row.

Migration 0005 checked every entry's balance with a *deferred constraint trigger per
row* of ``journal_entries`` and of ``journal_lines``: at commit, three queries for the
entry row and again for each of its lines (a five-line entry was checked six times).
This migration replaces it with the same guarantee at a fraction of the cost:

1. ``AFTER INSERT … FOR EACH STATEMENT`` triggers with a transition table
   (``REFERENCING NEW TABLE AS new_rows``) on ``journal_entries`` and
   ``journal_lines`` record the ids of the entries each statement touched: one row in
   ``journal_balance_checks`` per statement (``entry_ids``, and ``xact``, the
   transaction's id). Every insert is recorded however it is made (one row or many,
   ``INSERT … SELECT``, ``COPY``), and however an entry's lines are split over
   statements;
2. a *deferred constraint trigger* on ``journal_balance_checks`` runs at commit. Its
   first firing in a transaction takes (deletes) every row the transaction recorded and
   checks all the entries named, set-based: each has at least two lines, no line with
   both or neither side, debits equal credits per currency. Later firings find nothing
   left and return. A broken rule fails the commit (``integrity_constraint_violation``)
   naming the lowest bad entry, with the messages of 0005;
3. ``journal_balance_checks`` refuses ``UPDATE``, ``DELETE`` and ``TRUNCATE`` except from
   inside a trigger (``pg_trigger_depth() >= 2``: the check's own delete), so a session
   with plain DML rights cannot remove what its transaction recorded before the check
   runs. (Dropping a trigger needs the table owner's rights, as in 0005.)

The check still runs at commit, so an entry may be inserted before its lines and its
lines in several statements, as before; an entry that later gains a line (another
transaction) is checked again. SQLite is unchanged (no deferred triggers there: the
repository checks every entry before inserting it, ``lowlend ledger verify`` after).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JOURNAL_TABLES = ("journal_entries", "journal_lines")

_QUEUE_TABLE = """
CREATE TABLE journal_balance_checks (
    id bigserial PRIMARY KEY,
    xact bigint NOT NULL DEFAULT txid_current(),
    entry_ids integer[] NOT NULL
)
"""

_RECORD_FUNCTION = """
CREATE FUNCTION lowlend_journal_record_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'journal_entries' THEN
        INSERT INTO journal_balance_checks (entry_ids)
            SELECT array_agg(id) FROM new_rows HAVING count(*) > 0;
    ELSE
        INSERT INTO journal_balance_checks (entry_ids)
            SELECT array_agg(DISTINCT entry_id) FROM new_rows HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$
"""

_CHECK_FUNCTION = """
CREATE FUNCTION lowlend_journal_check_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    bad record;
BEGIN
    WITH taken AS (
        DELETE FROM journal_balance_checks WHERE xact = txid_current() RETURNING entry_ids
    )
    SELECT array_agg(DISTINCT e) INTO ids FROM taken, unnest(taken.entry_ids) AS e;
    IF ids IS NULL THEN
        RETURN NULL;  -- an earlier firing of this transaction checked everything
    END IF;
    SELECT t.id, count(l.id) AS line_count,
           coalesce(bool_or((l.debit = 0) = (l.credit = 0)), false) AS bad_side
        INTO bad
        FROM unnest(ids) AS t(id) LEFT JOIN journal_lines l ON l.entry_id = t.id
        GROUP BY t.id
        HAVING count(l.id) < 2 OR bool_or((l.debit = 0) = (l.credit = 0))
        ORDER BY t.id LIMIT 1;
    IF FOUND THEN
        IF bad.line_count < 2 THEN
            RAISE EXCEPTION 'lowlend: journal entry % has % line(s), at least two are needed',
                bad.id, bad.line_count USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RAISE EXCEPTION 'lowlend: journal entry % has a line with both or neither side', bad.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT entry_id, currency, sum(debit) AS debits, sum(credit) AS credits INTO bad
        FROM journal_lines WHERE entry_id = ANY (ids)
        GROUP BY entry_id, currency HAVING sum(debit) <> sum(credit)
        ORDER BY entry_id, currency LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'lowlend: journal entry % does not balance in %: debits % <> credits %',
            bad.entry_id, bad.currency, bad.debits, bad.credits
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$
"""

_GUARD_FUNCTION = """
CREATE FUNCTION lowlend_journal_checks_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'lowlend: % on journal_balance_checks refused: recorded checks run '
                        'at commit', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$
"""

_PG_BALANCED_FUNCTION_0005 = """
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
"""0005's per-row check, restored by :func:`downgrade`."""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    for table in _JOURNAL_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_balanced ON {table}")
    op.execute("DROP FUNCTION IF EXISTS lowlend_journal_entry_balanced()")
    op.execute(_QUEUE_TABLE)
    op.execute("CREATE INDEX ix_journal_balance_checks_xact ON journal_balance_checks (xact)")
    for statement in (_RECORD_FUNCTION, _CHECK_FUNCTION, _GUARD_FUNCTION):
        op.execute(statement)
    for table in _JOURNAL_TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_record_inserted AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION lowlend_journal_record_inserted()"
        )
    op.execute(
        "CREATE CONSTRAINT TRIGGER trg_journal_balance_checks_run "
        "AFTER INSERT ON journal_balance_checks DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION lowlend_journal_check_recorded()"
    )
    op.execute(
        "CREATE TRIGGER trg_journal_balance_checks_guard "
        "BEFORE UPDATE OR DELETE ON journal_balance_checks "
        "FOR EACH ROW EXECUTE FUNCTION lowlend_journal_checks_guard()"
    )
    op.execute(
        "CREATE TRIGGER trg_journal_balance_checks_no_truncate "
        "BEFORE TRUNCATE ON journal_balance_checks "
        "FOR EACH STATEMENT EXECUTE FUNCTION lowlend_journal_checks_guard()"
    )


def downgrade() -> None:
    if not _postgresql():
        return
    for table in _JOURNAL_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_record_inserted ON {table}")
    op.execute("DROP TABLE IF EXISTS journal_balance_checks")  # and its triggers
    for function in ("lowlend_journal_record_inserted", "lowlend_journal_check_recorded",
                     "lowlend_journal_checks_guard"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute(_PG_BALANCED_FUNCTION_0005)
    for table in _JOURNAL_TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER trg_{table}_balanced AFTER INSERT ON {table} "
            "DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION lowlend_journal_entry_balanced()"
        )
