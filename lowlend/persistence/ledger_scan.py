"""Reading the journal for verification: raw cursors, stored text, chunks, processes.

:func:`scan_chain` is what :meth:`SqlLedgerRepository.scan_chain
<lowlend.persistence.ledger_repository.SqlLedgerRepository.scan_chain>` runs for
``lowlend ledger verify``: the journal's id range is cut into chunks, each checked
as close to its rows as the database allows. **PostgreSQL** checks a chunk in one query
(``_PG_CHECK``): it builds each entry's canonical form from the stored values, hashes it,
checks the balance rules and the links, and returns only the chunk's first and last
entries, the marked ones and those that did not pass; :func:`lowlend.domain.ledger_scan.
scan_flagged` finishes the check. **SQLite** reads two ordered queries on a raw DB-API
cursor (entries; lines by entry) returning only the columns the hash covers, as the text
the canonical form needs (amounts as printed by the database, ``booked_at`` as UTC
text), checked by :func:`lowlend.domain.ledger_scan.scan_chunk`. Either way, an entry
the fast check does not pass is loaded through :meth:`SqlLedgerRepository.entries` (the
exact path) and checked by the same code as ``verify_chain``, which decides and names
the first bad entry. The chunks are checked in worker processes when the
journal is large enough and the database can be opened by another process (a SQLite
file, PostgreSQL): on PostgreSQL every worker reads in the snapshot of the
coordinating transaction (``pg_export_snapshot`` / ``SET TRANSACTION SNAPSHOT``), so the
chunks describe one state of the journal. Otherwise (small journal, one worker, an
in-memory SQLite database, a daemonic process such as a Celery worker) the chunks are
checked in this process, in the caller's transaction.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Collection, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.ledger import GENESIS_HASH, PostedEntry
from lowlend.domain.ledger_chain import VerifyResult
from lowlend.domain.ledger_scan import ChunkScan, join_chunks, scan_chunk, scan_flagged
from lowlend.persistence.ledger_reading import read_entries

__all__ = ["PARALLEL_MIN_ENTRIES", "scan_chain", "scan_range"]

PARALLEL_MIN_ENTRIES = 100_000
"""Below this many entries the journal is checked in this process (worker processes
would not pay for their start)."""

_CHUNK_ENTRIES = 100_000
"""Entries per chunk (about; chunks are cut by id) when checking in worker processes."""

# PostgreSQL checks each entry where it is stored: the canonical form of
# lowlend.domain.ledger.canonical_bytes built in SQL from the stored values and hashed by
# pg_catalog.sha256, the balance rules on the amounts, the links by lag(); only the
# chunk's first and last entries, the marked ones and those that did not pass come back
# (lowlend.domain.ledger_scan.scan_flagged decides on those). Strings are quoted as they
# are, which is their JSON form when they hold no '"', '\' or control character (what
# json.dumps would escape): an entry with such a string does not pass here and takes the
# exact path. Amounts of NUMERIC(18, 2) print with two decimals. Functions are
# schema-qualified so that no function on the search path can stand in for them.
_PG_PLAIN = r"""'["\\\x01-\x1f]'"""  # a character JSON escapes: '"', '\', U+0001-U+001F
_PG_CHECK = f"""
WITH lines AS (
  SELECT entry_id,
    pg_catalog.string_agg('["' || account || '","' || debit::text || '","' || credit::text
      || '","' || currency || '","' || memo || '"]', ',' ORDER BY id) AS body,
    count(*) >= 2 AND sum(debit) = sum(credit)
      AND bool_and((debit = 0) <> (credit = 0) AND debit >= 0 AND credit >= 0
                   AND (account || currency || memo) !~ {_PG_PLAIN})
      AND min(currency COLLATE "C") = max(currency COLLATE "C")
      AND min(currency COLLATE "C") ~ '^[A-Z]{{3}}$' AS sound
  FROM journal_lines WHERE entry_id BETWEEN %(low)s AND %(high)s GROUP BY entry_id
), checked AS (
  SELECT e.id, e.prev_hash, e.hash,
    row_number() OVER w AS position,
    lag(e.id) OVER w AS prev_id, lag(e.hash) OVER w AS prev_stored,
    coalesce(l.sound AND (e.prev_hash || e.description) !~ {_PG_PLAIN}
      AND pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
      '["lowlend-journal-v1",' || e.id::text || ',"' || e.prev_hash || '","'
      || pg_catalog.to_char(e.business_date, 'YYYY-MM-DD') || '","'
      || pg_catalog.to_char(e.booked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      || '","' || e.description || '",'
      || coalesce(e.loan_id::text, 'null') || ',' || coalesce(e.transaction_id::text, 'null')
      || ',' || coalesce(e.reversal_of::text, 'null') || ',[' || l.body || ']]', 'UTF8')),
      'hex') = e.hash, false) AS sound
  FROM journal_entries e LEFT JOIN lines l ON l.entry_id = e.id
  WHERE e.id BETWEEN %(low)s AND %(high)s
  WINDOW w AS (ORDER BY e.id)
)
SELECT id, prev_hash, hash, position, prev_id, prev_stored, sound FROM checked
WHERE position = 1 OR id = %(last)s OR NOT sound
  OR prev_hash IS DISTINCT FROM prev_stored OR id = ANY(%(marks)s)
ORDER BY id
"""
_PG_BOUNDS = (
    "SELECT count(*), max(id) FROM journal_entries WHERE id BETWEEN %(low)s AND %(high)s"
)
# SQLite keeps dates as text ("YYYY-MM-DD", booked_at "YYYY-MM-DD HH:MM:SS.ffffff" in UTC)
# and amounts as numbers, printed with printf('%.2f') as SqlLedgerRepository.entries()
# reads them. A date or time in any other form (an untyped column holds anything) is
# read as NULL: such an entry goes to the exact check.
_D = "[0-9][0-9]"
_SQLITE_ENTRIES = (
    f"SELECT id, prev_hash, hash, "
    f"CASE WHEN business_date GLOB '{_D}{_D}-{_D}-{_D}' THEN business_date END, "
    f"CASE WHEN booked_at GLOB '{_D}{_D}-{_D}-{_D} {_D}:{_D}:{_D}.{_D}{_D}{_D}' "
    "THEN substr(booked_at, 1, 10) || 'T' || substr(booked_at, 12) || 'Z' END, "
    "description, loan_id, transaction_id, reversal_of FROM journal_entries "
    "WHERE id BETWEEN ? AND ? ORDER BY id"
)
_SQLITE_LINES = (
    "SELECT entry_id, account, printf('%.2f', debit), printf('%.2f', credit), currency, memo "
    "FROM journal_lines WHERE entry_id BETWEEN ? AND ? ORDER BY entry_id, id"
)


def _before(connection: sa.Connection, low: int) -> tuple[int | None, str]:
    row = connection.execute(
        sa.text("SELECT id, hash FROM journal_entries WHERE id < :low ORDER BY id DESC LIMIT 1"),
        {"low": low},
    ).first()
    return (None, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _rows(cursor: Any, sql: str, params: Any, size: int) -> Iterator[Any]:
    cursor.execute(sql, params)
    fetch = cursor.fetchmany
    while rows := fetch(size):
        yield from rows


def scan_range(
    connection: sa.Connection, low: int, high: int, marks: Collection[int] = ()
) -> ChunkScan:
    """Check the entries with ids in ``[low, high]`` read on ``connection`` (in its
    transaction), the first against the entry just below ``low``."""
    before = _before(connection, low)
    raw: Any = connection.connection.dbapi_connection  # the driver's own (psycopg2 / sqlite3)
    assert raw is not None
    session = Session(bind=connection)

    def exact(entry_id: int) -> PostedEntry:
        return next(read_entries(session, entry_id, entry_id))

    frozen = frozenset(marks)
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor()
        try:
            cursor.execute(_PG_BOUNDS, {"low": low, "high": high})
            total, last = cursor.fetchone()
            cursor.execute(_PG_CHECK, {"low": low, "high": high, "last": last,
                                       "marks": sorted(frozen)})
            rows = cursor.fetchall()
        finally:
            cursor.close()
        try:
            return scan_flagged(rows, low=low, high=high, total=total, before=before,
                                marks=frozen, exact=exact)
        finally:
            session.close()
    entries_cursor, lines_cursor = raw.cursor(), raw.cursor()
    entries = _rows(entries_cursor, _SQLITE_ENTRIES, (low, high), 5_000)
    lines = _rows(lines_cursor, _SQLITE_LINES, (low, high), 20_000)
    try:
        return scan_chunk(entries, lines, low=low, high=high, before=before,
                          marks=frozen, exact=exact)
    finally:
        entries_cursor.close()
        lines_cursor.close()
        session.close()


# -- worker processes ----------------------------------------------------------------------
_ENGINES: dict[str, sa.Engine] = {}


def _scan_in_worker(url: str, low: int, high: int, marks: tuple[int, ...],
                    snapshot: str | None) -> ChunkScan:
    """One chunk in a worker process (its own connection; on PostgreSQL in ``snapshot``)."""
    engine = _ENGINES.get(url)
    if engine is None:
        from lowlend.persistence.engine import make_engine

        engine = _ENGINES[url] = make_engine(url)
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"} if snapshot else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        if snapshot:
            connection.execute(sa.text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        return scan_range(connection, low, high, marks)


def _ranges(low: int, high: int, count: int, chunk_entries: int) -> list[tuple[int, int]]:
    parts = max(1, -(-count // chunk_entries))
    step = -(-(high - low + 1) // parts)
    return [(start, min(high, start + step - 1)) for start in range(low, high + 1, step)]


def _bounds(connection: sa.Connection) -> tuple[int, int, int]:
    low, high, count = connection.execute(
        sa.text("SELECT min(id), max(id), count(*) FROM journal_entries")
    ).one()
    return (0, -1, 0) if count == 0 else (int(low), int(high), int(count))


def _can_fork_workers(engine: sa.Engine) -> bool:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return False
    return not multiprocessing.current_process().daemon


def scan_chain(
    session: Session,
    marks: Collection[int] = (),
    *,
    workers: int | None = None,
    chunk_entries: int = _CHUNK_ENTRIES,
    parallel_min: int = PARALLEL_MIN_ENTRIES,
) -> tuple[VerifyResult, dict[int, tuple[int, str]]]:
    """Verify the whole journal (module doc): the result of ``verify_chain`` over it and,
    for each id of ``marks`` met before the first bad entry, its position (1 = first)
    and hash.

    :param workers: processes (default: the number of CPUs).
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    here = session.connection()
    low, high, count = _bounds(here)
    if count == 0:
        return VerifyResult(0, None, GENESIS_HASH), {}
    marked = tuple(sorted(marks))
    if workers > 1 and count >= parallel_min and _can_fork_workers(engine):
        joined = _scan_in_workers(engine, workers, chunk_entries, marked)
        if joined is not None:
            return joined
    chunks: list[ChunkScan] = []
    for lo, hi in _ranges(low, high, count, chunk_entries):
        chunks.append(scan_range(here, lo, hi, marked))
        if chunks[-1].first_bad is not None:
            break
    joined = join_chunks(chunks)
    assert joined is not None  # one transaction: the chunks join up
    return joined


def _scan_in_workers(
    engine: sa.Engine, workers: int, chunk_entries: int, marks: tuple[int, ...]
) -> tuple[VerifyResult, dict[int, tuple[int, str]]] | None:
    """The chunks in ``workers`` processes, or ``None`` when they do not join up (the
    journal changed under a SQLite reader; the caller then checks in this process)."""
    postgresql = engine.dialect.name == "postgresql"
    url = engine.url.render_as_string(hide_password=False)
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"} if postgresql else {}
    with engine.connect().execution_options(**options) as coordinator, coordinator.begin():
        snapshot = (coordinator.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                    if postgresql else None)
        low, high, count = _bounds(coordinator)
        ranges = _ranges(low, high, count, chunk_entries)
        # fork: no re-import of the caller's main module; a worker opens its own
        # connections and never touches those it inherited (it ends with os._exit).
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(min(workers, len(ranges)), mp_context=context) as pool:
            futures = [pool.submit(_scan_in_worker, url, lo, hi, marks, snapshot)
                       for lo, hi in ranges]
            chunks = [future.result() for future in futures]
    return join_chunks(chunks)
