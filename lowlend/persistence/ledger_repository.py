"""SQL adapter of the journal: stream posted entries, append chained entries, checkpoints.

Implements :class:`lowlend.services.ledger_checkpoints.LedgerRepository`. Never commits
(the unit of work does).

Appending (one entry with ``append``, a batch with ``append_many``: same code, same
guarantees) serialises writers: on PostgreSQL a transaction-scoped advisory lock is
taken before the head of the chain is read (released at commit), the ids come from the
table's sequence (one block per batch), so ids ascend in chain order, the rows go in with
``COPY … FROM STDIN`` and the balance check of migration 0010 checks every entry again at
commit. On SQLite the
database's single writer and the unique ``prev_hash`` index make a concurrent second
posting fail instead of forking the chain.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Iterable, Iterator
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.ledger import (
    GENESIS_HASH,
    EntryDraft,
    PostedEntry,
)
from lowlend.domain.ledger_chain import VerifyResult, post
from lowlend.persistence.ledger_models import LedgerCheckpoint
from lowlend.persistence.ledger_reading import read_entries
from lowlend.persistence.ledger_scan import PARALLEL_MIN_ENTRIES, scan_chain
from lowlend.persistence.models import Installment, JournalEntry, JournalLine, Loan
from lowlend.services.ledger_checkpoints import CheckpointRecord, with_id
from lowlend.services.ledger_verify import LoanAccounts, LoanFigures

__all__ = ["SqlLedgerRepository"]

_PG_APPEND_LOCK_KEY = 741_015_400
"""First key of the PostgreSQL advisory lock serialising journal postings; the second is
a hash of the schema holding the journal (``current_schema()``), so journals in different
schemas of one database (test schemas, several tenants) do not wait for each other."""

_ENTRIES = JournalEntry.__table__
_LINES = JournalLine.__table__
_LOANS = Loan.__table__
_INSTALLMENTS = Installment.__table__
_CENT = Decimal("0.01")


_ENTRY_COLUMNS = ("id", "business_date", "booked_at", "description", "loan_id",
                  "transaction_id", "reversal_of", "prev_hash", "hash")
_LINE_COLUMNS = ("entry_id", "account", "debit", "credit", "currency", "memo")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    """``value`` in PostgreSQL's COPY text format (``\\N`` for NULL; backslash, tab, newline
    and carriage return escaped in strings)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    raise TypeError(f"cannot copy a {type(value).__name__}")


def _cents(value: Any) -> Decimal | None:
    """A summed amount as Decimal cents (SQLite sums NUMERIC as floats)."""
    return None if value is None else Decimal(str(value)).quantize(_CENT)


class SqlLedgerRepository:
    """The journal in ``journal_entries`` / ``journal_lines`` and ``ledger_checkpoints``.

    :param batch_size: rows fetched per round trip while streaming (``yield_per``).
    :param workers: processes :meth:`scan_chain` may use (default: the number of CPUs).
    :param chunk_entries: entries per chunk of :meth:`scan_chain` (about).
    :param parallel_min: :meth:`scan_chain` checks smaller journals in this process.
    """

    def __init__(self, session: Session, batch_size: int = 5000, *,
                 workers: int | None = None, chunk_entries: int = 100_000,
                 parallel_min: int = PARALLEL_MIN_ENTRIES) -> None:
        self.session = session
        self.batch_size = batch_size
        self.workers = workers
        self.chunk_entries = chunk_entries
        self.parallel_min = parallel_min

    # -- reading -----------------------------------------------------------------------
    def scan_chain(
        self, marks: Collection[int] = ()
    ) -> tuple[VerifyResult, dict[int, tuple[int, str]]]:
        """Verify the whole journal as ``verify_chain(self.entries())`` would, reading
        stored text in chunks, in worker processes for a large journal
        (:mod:`lowlend.persistence.ledger_scan`); also the position (1 = first) and hash
        of each entry of ``marks`` met before the first bad entry."""
        return scan_chain(self.session, marks, workers=self.workers,
                          chunk_entries=self.chunk_entries, parallel_min=self.parallel_min)

    def entries(self, first_id: int | None = None,
                last_id: int | None = None) -> Iterator[PostedEntry]:
        """Every entry with its lines (with ids from ``first_id`` to ``last_id`` when
        given), ascending id, streamed ``batch_size`` rows at a time
        (:func:`lowlend.persistence.ledger_reading.read_entries`)."""
        return read_entries(self.session, first_id, last_id, self.batch_size)

    def head(self) -> tuple[int | None, str]:
        """Id and hash of the newest entry (``(None, GENESIS_HASH)`` when empty)."""
        row = self.session.execute(
            sa.select(_ENTRIES.c.id, _ENTRIES.c.hash).order_by(_ENTRIES.c.id.desc()).limit(1)
        ).first()
        return (None, GENESIS_HASH) if row is None else (row[0], row[1])

    # -- posting ---------------------------------------------------------------------
    def _is_postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _next_ids(self, last_id: int | None, count: int) -> list[int]:
        """``count`` new entry ids, ascending, all above ``last_id``: on PostgreSQL a block
        from the table's sequence in one query; on SQLite ``last_id + 1 …``."""
        if self._is_postgresql():
            values = self.session.execute(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": count},
            ).scalars()
            return sorted(int(v) for v in values)
        first = (last_id or 0) + 1
        return list(range(first, first + count))

    def append(self, draft: EntryDraft, booked_at: dt.datetime | None = None) -> PostedEntry:
        """Check ``draft``, chain it to the newest entry and insert it with its lines.

        :raises lowlend.domain.ledger.LedgerError: when the draft does not balance.
        """
        return self.append_many((draft,), booked_at)[0]

    def append_many(
        self, drafts: Iterable[EntryDraft], booked_at: dt.datetime | None = None
    ) -> list[PostedEntry]:
        """Check, chain and insert ``drafts`` in order, all booked at ``booked_at`` (now by
        default): one lock, one read of the head, one block of ids, the entries and their
        lines inserted with one statement each (PostgreSQL: ``COPY … FROM STDIN``; SQLite:
        a multi-row ``INSERT``).

        Every draft is checked and chained in memory before anything is written, so when
        one does not balance nothing of the batch is posted.

        :returns: the posted entries, in chain (and id) order.
        :raises lowlend.domain.ledger.LedgerError: when a draft does not balance.
        """
        batch = list(drafts)
        if not batch:
            return []
        when = booked_at or dt.datetime.now(dt.UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        when = when.astimezone(dt.UTC)
        if self._is_postgresql():
            self.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                {"key": _PG_APPEND_LOCK_KEY},
            )
        last_id, prev_hash = self.head()
        posted: list[PostedEntry] = []
        for draft, entry_id in zip(batch, self._next_ids(last_id, len(batch)), strict=True):
            entry = post(draft, entry_id, when, prev_hash)
            posted.append(entry)
            prev_hash = entry.hash
        entry_rows = [
            (e.id, e.business_date, e.booked_at, e.description, e.loan_id, e.transaction_id,
             e.reversal_of, e.prev_hash, e.hash)
            for e in posted
        ]
        line_rows = [
            (e.id, ln.account, ln.debit, ln.credit, ln.currency, ln.memo)
            for e in posted
            for ln in e.lines
        ]
        if self._is_postgresql():
            self._copy(_ENTRIES, _ENTRY_COLUMNS, entry_rows)
            self._copy(_LINES, _LINE_COLUMNS, line_rows)
        else:
            self.session.execute(sa.insert(_ENTRIES), [dict(zip(_ENTRY_COLUMNS, row, strict=True))
                                                       for row in entry_rows])
            self.session.execute(sa.insert(_LINES), [dict(zip(_LINE_COLUMNS, row, strict=True))
                                                     for row in line_rows])
        return posted

    def _copy(self, table: sa.Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: insert ``rows`` with one ``COPY … FROM STDIN`` in the session's
        transaction (text format; the insert triggers and constraints apply as to an
        ``INSERT``), without the parsing of a multi-row ``VALUES`` statement."""
        self.session.flush()
        raw: Any = self.session.connection().connection.dbapi_connection  # psycopg2's
        assert raw is not None
        text = "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows)
        with raw.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))

    # -- loans against the journal ----------------------------------------------------
    def loan_figures(self, accounts: LoanAccounts) -> dict[int, LoanFigures]:
        """Every loan with journal entries: the balances of its ``accounts`` in the journal
        and its principal outstanding from its installments, minus written-off principal.

        One grouped query per side, sent as ONE statement (``UNION ALL``) so that both
        sides come from the same snapshot of the database (a repayment committed while
        this runs is in both or in neither) on PostgreSQL and SQLite alike.
        """
        e, ln, loan, inst = _ENTRIES.c, _LINES.c, _LOANS.c, _INSTALLMENTS.c
        null = sa.null().cast(sa.Numeric(18, 2))
        ledger_side = (
            sa.select(
                sa.literal(0).label("side"),
                e.loan_id.label("loan_id"),
                sa.func.sum(sa.case((ln.account == accounts.principal, ln.debit - ln.credit),
                                    else_=0)).label("a"),
                sa.func.sum(sa.case((ln.account == accounts.overpayment, ln.credit - ln.debit),
                                    else_=0)).label("b"),
            )
            .select_from(_ENTRIES.join(_LINES, ln.entry_id == e.id))
            .where(e.loan_id.is_not(None))
            .group_by(e.loan_id)
        )
        with_entries = sa.select(e.loan_id).where(e.loan_id.is_not(None)).distinct()
        loan_side = (
            sa.select(
                sa.literal(1).label("side"),
                loan.id.label("loan_id"),
                (sa.func.coalesce(sa.func.sum(inst.principal - inst.principal_paid), 0)
                 - loan.written_off_principal).label("a"),
                null.label("b"),
            )
            .select_from(_LOANS.outerjoin(_INSTALLMENTS, inst.loan_id == loan.id))
            .where(loan.id.in_(with_entries))
            .group_by(loan.id, loan.written_off_principal)
        )
        ledger: dict[int, tuple[Decimal | None, Decimal | None]] = {}
        loans: dict[int, Decimal | None] = {}
        for side, loan_id, a, b in self.session.execute(sa.union_all(ledger_side, loan_side)):
            if side == 0:
                ledger[int(loan_id)] = (_cents(a), _cents(b))
            else:
                loans[int(loan_id)] = _cents(a)
        return {
            loan_id: LoanFigures(loan_id, *ledger.get(loan_id, (None, None)), loans.get(loan_id))
            for loan_id in sorted(ledger.keys() | loans.keys())
        }

    # -- checkpoints -----------------------------------------------------------------
    def checkpoints(self) -> list[CheckpointRecord]:
        """Every checkpoint, oldest first."""
        rows = self.session.scalars(sa.select(LedgerCheckpoint).order_by(LedgerCheckpoint.id))
        return [
            CheckpointRecord(
                last_entry_id=row.last_entry_id, last_hash=row.last_hash,
                entry_count=row.entry_count, created_at=row.created_at,
                public_key=row.public_key, signature=row.signature, id=row.id,
            )
            for row in rows
        ]

    def add_checkpoint(self, record: CheckpointRecord) -> CheckpointRecord:
        """Insert ``record``; return it with its id."""
        row = LedgerCheckpoint(
            last_entry_id=record.last_entry_id, last_hash=record.last_hash,
            entry_count=record.entry_count, created_at=record.created_at,
            public_key=record.public_key, signature=record.signature,
        )
        self.session.add(row)
        self.session.flush()
        return with_id(record, row.id)
