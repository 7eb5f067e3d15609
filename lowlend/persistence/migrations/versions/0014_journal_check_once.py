"""PostgreSQL: the journal's commit-time balance check costs the same however many
statements a transaction posted with.

Migration 0010 records one ``journal_balance_checks`` row per insert statement, and a
deferred constraint trigger fires once per recorded row at commit. Its first firing
takes (deletes) every row of the transaction and checks them all; each later firing
found nothing left, but to find that out it ran ``DELETE … WHERE xact = …`` again, which
visits every row the transaction had already deleted (they stay in the table and its
index until vacuum). A transaction that posted entry by entry therefore committed in
quadratic time: 1,000 postings in 0.3 s, 4,000 in 3.7 s, a bulk load of 20,000 loans
in hours.

Now a firing first looks up its own row by primary key: when an earlier firing of the
transaction has taken it, there is nothing to do. Only a firing whose row is still there
takes and checks the transaction's rows, as before; a row recorded after an early check
(``SET CONSTRAINTS … IMMEDIATE``) is still there, so it is checked. The guarantees of
0010 are unchanged.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHECK_FUNCTION_0010 = """
CREATE OR REPLACE FUNCTION lowlend_journal_check_recorded() RETURNS trigger
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
"""0010's check, restored by :func:`downgrade`."""

_SHORTCUT = """
    IF NOT EXISTS (SELECT 1 FROM journal_balance_checks WHERE id = NEW.id) THEN
        RETURN NULL;  -- an earlier firing of this transaction took this row and checked it
    END IF;"""

_CHECK_FUNCTION = _CHECK_FUNCTION_0010.replace("BEGIN", "BEGIN" + _SHORTCUT, 1)
"""0010's check with the shortcut first."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CHECK_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CHECK_FUNCTION_0010)
