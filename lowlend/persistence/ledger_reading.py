"""Reading posted journal entries with their lines, streamed in id order.

Shared by :class:`~lowlend.persistence.ledger_repository.SqlLedgerRepository` (its
``entries``) and the chunked verification (:mod:`lowlend.persistence.ledger_scan`,
which reloads an entry it cannot pass on the text path through this exact reader).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.ledger import Line, PostedEntry
from lowlend.persistence.models import JournalEntry, JournalLine

__all__ = ["read_entries"]

_ENTRIES = JournalEntry.__table__
_LINES = JournalLine.__table__


def read_entries(session: Session, first_id: int | None = None, last_id: int | None = None,
                 batch_size: int = 5000) -> Iterator[PostedEntry]:
    """Every entry with its lines (with ids from ``first_id`` to ``last_id`` when
    given), ascending id, streamed ``batch_size`` rows at a time (server-side cursors
    on PostgreSQL): memory does not grow with the journal.

    Two ordered streams — the entries, and the lines by entry — merged here, rather
    than one join repeating every entry's columns on each of its lines. On SQLite the
    dates and amounts are read as text and converted here (``fromisoformat``;
    ``printf('%.2f')`` then ``Decimal``: what the NUMERIC(18, 2) type does, without
    its per-value processors); about twice as fast as the join was.
    """
    e, ln = _ENTRIES.c, _LINES.c
    sqlite = session.get_bind().dialect.name == "sqlite"
    entry_columns: list[Any] = [e.id, e.business_date, e.booked_at, e.description,
                                e.loan_id, e.transaction_id, e.reversal_of, e.prev_hash,
                                e.hash]
    line_columns: list[Any] = [ln.entry_id, ln.account, ln.debit, ln.credit, ln.currency,
                               ln.memo]
    if sqlite:
        entry_columns[1:3] = [sa.type_coerce(e.business_date, sa.String),
                              sa.type_coerce(e.booked_at, sa.String)]
        line_columns[2:4] = [sa.type_coerce(sa.func.printf("%.2f", c), sa.String)
                             for c in (ln.debit, ln.credit)]
    stream = {"yield_per": batch_size}
    entry_query = sa.select(*entry_columns).order_by(e.id)
    line_query = sa.select(*line_columns).order_by(ln.entry_id, ln.id)
    if first_id is not None:
        entry_query, line_query = entry_query.where(e.id >= first_id), line_query.where(
            ln.entry_id >= first_id)
    if last_id is not None:
        entry_query, line_query = entry_query.where(e.id <= last_id), line_query.where(
            ln.entry_id <= last_id)
    entry_rows = session.execute(entry_query.execution_options(**stream))
    line_rows = session.execute(line_query.execution_options(**stream))
    to_date, to_datetime, amount = dt.date.fromisoformat, dt.datetime.fromisoformat, Decimal
    try:
        groups = groupby(line_rows, key=itemgetter(0))
        group = next(groups, None)
        for row in entry_rows:
            entry_id = row[0]
            while group is not None and group[0] < entry_id:  # lines of no entry
                group = next(groups, None)
            lines: tuple[Line, ...] = ()
            if group is not None and group[0] == entry_id:
                if sqlite:
                    lines = tuple([Line(r[1], amount(r[2]), amount(r[3]), r[4], r[5])
                                   for r in group[1]])
                else:
                    lines = tuple([Line(r[1], r[2], r[3], r[4], r[5]) for r in group[1]])
                group = next(groups, None)
            business_date, booked_at = row[1], row[2]
            if sqlite:
                business_date, booked_at = to_date(business_date), to_datetime(booked_at)
            yield PostedEntry(
                id=entry_id, business_date=business_date, booked_at=booked_at,
                description=row[3], lines=lines, loan_id=row[4], transaction_id=row[5],
                reversal_of=row[6], prev_hash=row[7], hash=row[8],
            )
    finally:
        line_rows.close()
        entry_rows.close()
