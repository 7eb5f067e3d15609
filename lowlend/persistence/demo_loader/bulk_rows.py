"""Rows in bulk for the demo loader: ids handed out by the loader, rows written in chunks.

* :class:`IdBlocks` — the loader hands out the ids of the tables it fills in bulk
  (``max(id) + 1`` on, as SQLite's rowid does; on PostgreSQL the tables are locked
  against other writers (``EXCLUSIVE``: reading goes on) and the sequences are moved past
  the last id at the end, :meth:`IdBlocks.finish`).
* :func:`write_rows` — PostgreSQL: ``COPY … FROM STDIN`` (text format) through
  psycopg2's ``copy_expert`` in the loader's transaction (constraints and triggers apply
  as to an ``INSERT``); SQLite: one ``executemany`` ``INSERT``.
* :func:`lock_journal` — the journal's posting lock (PostgreSQL advisory lock, as
  :class:`~lowlend.persistence.ledger_repository.SqlLedgerRepository` takes it), held
  until commit, and the head of the chain.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence.ledger_repository import SqlLedgerRepository

__all__ = ["IdBlocks", "is_postgresql", "lock_journal", "write_rows"]

_PG_APPEND_LOCK_KEY = 741_015_400  # as lowlend.persistence.ledger_repository's
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_ROWS = 20_000


def is_postgresql(session: Session) -> bool:
    """Whether ``session`` is bound to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def _copy_field(value: Any, is_json: bool) -> str:
    if value is None:
        return "\\N"
    if is_json:
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    raise TypeError(f"cannot copy a {type(value).__name__}")


def write_rows(session: Session, table: sa.Table, columns: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` in the session's
    transaction; returns how many. JSON columns take Python values."""
    rows = list(rows)
    if not rows:
        return 0
    session.flush()
    if not is_postgresql(session):
        session.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return len(rows)
    json_cols = [isinstance(table.c[name].type, sa.JSON) for name in columns]
    raw: Any = session.connection().connection.dbapi_connection
    assert raw is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor:
        for start in range(0, len(rows), _COPY_ROWS):
            text = "".join(
                "\t".join(_copy_field(v, j) for v, j in zip(row, json_cols, strict=True)) + "\n"
                for row in rows[start:start + _COPY_ROWS]
            )
            cursor.copy_expert(statement, io.StringIO(text))
    return len(rows)


class IdBlocks:
    """The next free id of each table the loader fills in bulk (module text)."""

    def __init__(self, session: Session, tables: Sequence[sa.Table]) -> None:
        self.session = session
        self.tables = {t.name: t for t in tables}
        self.pg = is_postgresql(session)
        if self.pg:
            names = ", ".join(self.tables)
            session.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        self.next: dict[str, int] = {}
        for name, table in self.tables.items():
            top = int(session.scalar(sa.select(sa.func.max(table.c.id))) or 0)
            if self.pg:
                seq = session.scalar(sa.text(
                    f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
                    f"FROM {self._sequence(name)}"))
                top = max(top, int(seq or 0))
            self.next[name] = top + 1

    def _sequence(self, name: str) -> str:
        seq = self.session.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name})
        if not seq:
            raise RuntimeError(f"table {name} has no id sequence")
        return str(seq)

    def take(self, name: str, count: int = 1) -> int:
        """The first of ``count`` new ids of table ``name``."""
        first = self.next[name]
        self.next[name] = first + count
        return first

    def finish(self) -> None:
        """PostgreSQL: move each sequence past the last id handed out."""
        if not self.pg:
            return
        for name in self.tables:
            last = self.next[name] - 1
            if last > 0:
                self.session.execute(sa.text("SELECT setval(:s, :v)"),
                                     {"s": self._sequence(name), "v": last})


def lock_journal(session: Session) -> tuple[int | None, str]:
    """Take the journal's posting lock (PostgreSQL; SQLite's writer lock is held already)
    and return the id and hash of the newest entry."""
    if is_postgresql(session):
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
            {"key": _PG_APPEND_LOCK_KEY},
        )
    return SqlLedgerRepository(session).head()
