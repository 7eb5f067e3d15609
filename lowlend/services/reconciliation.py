"""Reconciliation (对账): import bank / gateway statements, match them with the postings,
list what is unmatched on both sides, resolve it with an audit trail, report per day.

* :func:`import_statement` reads a CSV or XLSX file (pandas), checks every row
  (:mod:`lowlend.domain.statement_lines`, :mod:`lowlend.domain.reconciliation`), stores the import and its lines and matches
  them automatically — in ONE transaction: a bad file stores nothing, and the same file
  (same SHA-256) is refused the second time.
* :func:`statement` — an import, its lines, and the posted non-cash transactions of its
  period that no statement line accounts for.
* Resolving a line (each writes who/when on the line and an ``audit_log`` row):
  :func:`link_line` (to a posted transaction; a different amount needs a note),
  :func:`mark_line` (``bank_fee`` / ``ignored``, note required),
  :func:`post_as_repayment` (money in that no posting explains: posted through
  :func:`lowlend.services.lending.repayments.repay` with channel ``statement``, the line's
  reference and an idempotency key derived from the line, so it posts once however often
  it is resolved), :func:`reopen_line` (undo a match or a mark; a posted repayment is
  undone by reversing it, not here).
* :func:`daily_report` / :func:`report_csv` — the figures of one value date.

The storage port is :class:`ReconciliationRepository`
(:mod:`lowlend.persistence.reconciliation_repository`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import pandas as pd

from lowlend.domain.approval import Actor
from lowlend.domain.errors import DomainError
from lowlend.domain.reconciliation import (
    MATCH_WINDOW_DAYS,
    REPORT_CATEGORIES,
    RESOLUTIONS,
    LineFacts,
    Posting,
    ReportSection,
    auto_match,
    daily_figures,
)
from lowlend.domain.statement_lines import ParsedLine, StatementFormatError, map_headers, parse_rows
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.money_ports import MoneyUnitOfWork
from lowlend.services.lending.repayments import RepaymentRequest, repay
from lowlend.services.spreadsheet_safety import safe_rows
from lowlend.services.unit_of_work import AbstractUnitOfWork

__all__ = [
    "MANUAL_MARKS",
    "MAX_FILE_BYTES",
    "MAX_LINES",
    "DailyReport",
    "ImportRecord",
    "ImportResult",
    "LineRecord",
    "ReconciliationError",
    "ReconciliationRepository",
    "ReconciliationUnitOfWork",
    "StatementView",
    "daily_report",
    "import_statement",
    "imports",
    "link_line",
    "mark_line",
    "match_again",
    "post_as_repayment",
    "read_statement",
    "reopen_line",
    "repayment_key",
    "report_csv",
    "statement",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_LINES = 20_000
HEADER_SEARCH_ROWS = 20
"""The header may follow a few title rows (bank exports); it is looked for this far."""

MANUAL_MARKS = ("bank_fee", "ignored")


class ReconciliationError(DomainError):
    """A refused reconciliation operation: stable ``code``, the ``field`` at fault and the
    HTTP ``status`` the edge answers with."""

    def __init__(self, code: str, field: str | None = None, *, status: int = 422,
                 **params: object) -> None:
        super().__init__(code, field, **params)
        self.status = status


# -- records and the port --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRecord:
    id: int
    source: str
    file_name: str
    sha256: str
    currency: str
    line_count: int
    period_start: dt.date | None
    period_end: dt.date | None
    imported_by: int | None
    imported_by_name: str
    imported_at: dt.datetime
    counts: Mapping[str, int] = field(default_factory=dict)  # status → lines


@dataclass(frozen=True, slots=True)
class LineRecord:
    id: int
    import_id: int
    line_no: int
    value_date: dt.date
    direction: str
    amount: Decimal
    currency: str
    reference: str
    counterparty: str
    memo: str
    status: str
    transaction_id: int | None
    resolution: str | None
    resolution_note: str
    resolved_by: int | None
    resolved_by_name: str
    resolved_at: dt.datetime | None

    @property
    def facts(self) -> LineFacts:
        return LineFacts(self.id, self.direction, self.amount, self.currency, self.value_date,
                         self.reference, self.resolution)

    def image(self) -> dict[str, Any]:
        """The resolution columns, JSON-safe (the audit images)."""
        return {
            "status": self.status, "transaction_id": self.transaction_id,
            "resolution": self.resolution, "resolution_note": self.resolution_note,
            "resolved_by": self.resolved_by,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
        }


class ReconciliationRepository(Protocol):
    """Statement imports, their lines and the postings they are matched with."""

    def import_by_sha(self, sha256: str) -> ImportRecord | None: ...

    def add_import(self, *, source: str, file_name: str, sha256: str, currency: str,
                   lines: Sequence[ParsedLine], actor: Actor, at: dt.datetime) -> int:
        """Store an import and its lines (status ``unmatched``); its id.
        :class:`ReconciliationError` ``statement_duplicate`` (409) when a concurrent import
        of the same file won."""
        ...

    def imports(self, limit: int = 200) -> list[ImportRecord]: ...

    def get_import(self, import_id: int) -> ImportRecord | None: ...

    def lines(self, *, import_id: int | None = None, status: str | None = None,
              value_date: dt.date | None = None) -> list[LineRecord]: ...

    def line(self, line_id: int, *, for_update: bool = False) -> LineRecord | None: ...

    def postings(self, currency: str | None, start: dt.date, end: dt.date, *,
                 unmatched_only: bool) -> list[tuple[Posting, bool]]:
        """Posted transactions valued ``start``..``end`` (inclusive) that a statement can
        show (money in or out, not cash, not reversed), with whether a line is linked to
        each."""
        ...

    def postings_with_references(self, currency: str, references: set[str]) -> list[Posting]:
        """Posted, matchable, not yet matched transactions whose reference is one of
        ``references`` (compared without case and surrounding blanks), any date."""
        ...

    def posting(self, txn_id: int) -> tuple[Posting, str, int | None] | None:
        """A transaction, its status (``reversed`` when a posted reversal undoes it) and
        the id of the line linked to it."""
        ...

    def resolve(self, line_id: int, *, status: str, resolution: str | None,
                transaction_id: int | None, note: str, actor: Actor | None,
                at: dt.datetime | None) -> bool:
        """Write a line's resolution; ``False`` (nothing written) when ``transaction_id``
        is already linked to another line."""
        ...

    def loan_currency(self, loan_id: int) -> str | None: ...

    def audit(self, *, entity: str, entity_id: int, action: str,
              before: dict[str, Any] | None, after: dict[str, Any] | None,
              actor: Actor) -> None: ...


class ReconciliationUnitOfWork(AbstractUnitOfWork):
    """A unit of work exposing :attr:`reconciliation`."""

    reconciliation: ReconciliationRepository


UowFactory = Callable[[], ReconciliationUnitOfWork]


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


# -- reading a file (pandas) -----------------------------------------------------------


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReconciliationError("statement_unreadable", "file", detail="encoding")


def _frame(data: bytes, file_name: str) -> pd.DataFrame:
    name = file_name.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(".xls") or name.endswith((".xlsm", ".ods")):
        raise ReconciliationError("statement_type_unsupported", "file", name=file_name)
    if is_zip or name.endswith(".xlsx"):
        return pd.read_excel(io.BytesIO(data), header=None, dtype=str, engine="openpyxl",
                             keep_default_na=False)
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    width = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)), default=0)
    if width == 0:
        raise StatementFormatError("statement_empty")
    return pd.read_csv(io.StringIO(text), header=None, names=list(range(width)), dtype=str,
                       keep_default_na=False, skip_blank_lines=False, sep=delimiter,
                       engine="python")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    return str(value).strip()


def read_statement(data: bytes, file_name: str
                   ) -> tuple[int, list[tuple[int, str]], list[list[str]]]:
    """The header's file row number, its known columns as ``(position, canonical)`` and
    the rows under it, as text.

    :raises ReconciliationError: ``statement_unreadable`` / ``statement_type_unsupported``
        / ``statement_too_large``.
    :raises StatementFormatError: columns missing or named twice, no rows.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ReconciliationError("statement_too_large", "file", max=MAX_FILE_BYTES)
    if not data.strip():
        raise StatementFormatError("statement_empty")
    try:
        frame = _frame(data, file_name)
    except (ValueError, KeyError, IndexError, OSError, zipfile.BadZipFile, csv.Error,
            pd.errors.ParserError) as exc:
        raise ReconciliationError("statement_unreadable", "file",
                                  detail=str(exc)[:200]) from None
    rows = [[_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    first_error: StatementFormatError | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not any(row):
            continue
        try:
            mapping = map_headers(row)
        except StatementFormatError as exc:
            first_error = first_error or exc
            continue
        columns = [(pos, mapping[cell]) for pos, cell in enumerate(row) if cell in mapping]
        return index + 1, columns, rows[index + 1:]
    raise first_error or StatementFormatError("statement_empty")


def parse_statement(data: bytes, file_name: str, currency: str) -> list[ParsedLine]:
    """The lines of a statement file (every problem reported at once)."""
    header_row, columns, rows = read_statement(data, file_name)
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) > MAX_LINES:
        raise ReconciliationError("statement_too_many_lines", "file", max=MAX_LINES)
    cells = [
        {canonical: (row[pos] if pos < len(row) else "") for pos, canonical in columns}
        for row in rows
    ]
    return parse_rows(cells, currency, first_row=header_row + 1)


# -- import and automatic matching -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportResult:
    import_id: int
    line_count: int
    matched: int


def _check_source(source: str, currency: str) -> tuple[str, str]:
    source, currency = source.strip(), currency.strip().upper()
    if not source:
        raise ReconciliationError("statement_source_required", "source")
    if len(source) > 100:
        raise ReconciliationError("statement_source_too_long", "source", max=100)
    if len(currency) != 3 or not currency.isalpha():
        raise ReconciliationError("statement_currency_invalid", "currency", value=currency)
    return source, currency


def _match(uow: ReconciliationUnitOfWork, lines: Sequence[LineRecord],
           at: dt.datetime) -> int:
    """Link the unmatched ``lines`` to unmatched postings (see
    :func:`lowlend.domain.reconciliation.auto_match`); the number linked."""
    open_lines = [ln for ln in lines if ln.status == "unmatched"]
    if not open_lines:
        return 0
    repo = uow.reconciliation
    currency = open_lines[0].currency
    days = [ln.value_date for ln in open_lines]
    window = dt.timedelta(days=MATCH_WINDOW_DAYS)
    pool = {p.id: p for p, _ in repo.postings(currency, min(days) - window,
                                               max(days) + window, unmatched_only=True)}
    for p in repo.postings_with_references(currency, {ln.reference for ln in open_lines}):
        pool.setdefault(p.id, p)  # a reference matches whatever the date
    done = 0
    for line_id, txn_id in auto_match([ln.facts for ln in open_lines], pool.values()):
        if repo.resolve(line_id, status="matched", resolution="matched_auto",
                        transaction_id=txn_id, note="", actor=None, at=at):
            done += 1
    return done


def import_statement(uow_factory: UowFactory, data: bytes, *, file_name: str, source: str,
                     currency: str = "CNY", actor: Actor,
                     now: dt.datetime | None = None) -> ImportResult:
    """Import a statement file and match its lines (one transaction, see the module text).

    :raises StatementFormatError: columns missing / named twice, bad rows, no rows (422).
    :raises ReconciliationError: ``statement_duplicate`` (409), ``statement_unreadable``,
        ``statement_type_unsupported``, ``statement_too_large``,
        ``statement_too_many_lines``, ``statement_source_required``,
        ``statement_currency_invalid`` (422).
    """
    source, currency = _check_source(source, currency)
    file_name = (file_name or "").strip()[-255:] or "statement"
    sha = hashlib.sha256(data).hexdigest()
    at = _now(now)
    with uow_factory() as uow:
        repo = uow.reconciliation
        _refuse_duplicate(repo.import_by_sha(sha))
        lines = parse_statement(data, file_name, currency)
        import_id = repo.add_import(source=source, file_name=file_name, sha256=sha,
                                    currency=currency, lines=lines, actor=actor, at=at)
        matched = _match(uow, repo.lines(import_id=import_id), at)
        repo.audit(entity="statement_imports", entity_id=import_id, action="create",
                   before=None, after={"source": source, "file_name": file_name,
                                       "sha256": sha, "currency": currency,
                                       "line_count": len(lines), "matched": matched},
                   actor=actor)
        uow.commit()
    return ImportResult(import_id, len(lines), matched)


def _refuse_duplicate(found: ImportRecord | None) -> None:
    if found is not None:
        raise ReconciliationError(
            "statement_duplicate", "file", status=409, import_id=found.id,
            file_name=found.file_name, imported_at=found.imported_at.date().isoformat(),
            imported_by=found.imported_by_name,
        )


def match_again(uow_factory: UowFactory, import_id: int,
                now: dt.datetime | None = None) -> int:
    """Match the still unmatched lines of an import again (postings made since); the
    number of lines linked now."""
    with uow_factory() as uow:
        if uow.reconciliation.get_import(import_id) is None:
            raise ReconciliationError("statement_not_found", status=404, value=import_id)
        done = _match(uow, uow.reconciliation.lines(import_id=import_id, status="unmatched"),
                      _now(now))
        uow.commit()
    return done


# -- reading ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementView:
    """An import, its lines, and the unmatched postings of its period."""

    record: ImportRecord
    lines: list[LineRecord]
    unmatched_postings: list[Posting]

    @property
    def unmatched_lines(self) -> list[LineRecord]:
        return [ln for ln in self.lines if ln.status == "unmatched"]


def imports(uow_factory: UowFactory, limit: int = 200) -> list[ImportRecord]:
    """The latest imports, newest first."""
    with uow_factory() as uow:
        return uow.reconciliation.imports(limit)


def statement(uow_factory: UowFactory, import_id: int) -> StatementView:
    """An import with its lines and the posted non-cash transactions of its period
    (first to last value date) that no statement line accounts for.

    :raises ReconciliationError: ``statement_not_found`` (404).
    """
    with uow_factory() as uow:
        repo = uow.reconciliation
        record = repo.get_import(import_id)
        if record is None:
            raise ReconciliationError("statement_not_found", status=404, value=import_id)
        lines = repo.lines(import_id=import_id)
        postings: list[Posting] = []
        if record.period_start is not None and record.period_end is not None:
            postings = [p for p, _ in repo.postings(record.currency, record.period_start,
                                                    record.period_end, unmatched_only=True)]
        return StatementView(record, lines, postings)


# -- resolving -------------------------------------------------------------------------


def _clean_note(note: str | None) -> str:
    return (note or "").strip()[:500]


def _open_line(uow: ReconciliationUnitOfWork, line_id: int) -> LineRecord:
    line = uow.reconciliation.line(line_id, for_update=True)
    if line is None:
        raise ReconciliationError("statement_line_not_found", status=404, value=line_id)
    if line.status != "unmatched":
        raise ReconciliationError("statement_line_resolved", status=409, value=line_id,
                                  resolution=line.resolution or "")
    return line


def _record(uow: ReconciliationUnitOfWork, before: LineRecord, actor: Actor) -> LineRecord:
    after = uow.reconciliation.line(before.id)
    assert after is not None
    uow.reconciliation.audit(entity="statement_lines", entity_id=before.id, action="update",
                             before=before.image(), after=after.image(), actor=actor)
    return after


def link_line(uow_factory: UowFactory, line_id: int, transaction_id: int, *, actor: Actor,
              note: str = "", now: dt.datetime | None = None) -> LineRecord:
    """Link an unmatched line to a posted transaction by hand (``matched_manual``).

    The transaction must be posted, not cash, of the line's direction and currency and
    not linked to another line; an amount different from the line's needs a note.

    :raises ReconciliationError: ``statement_line_not_found`` / ``transaction_not_found``
        (404), ``statement_line_resolved`` / ``transaction_already_matched`` (409),
        ``transaction_not_matchable``, ``transaction_direction_mismatch``,
        ``transaction_currency_mismatch``, ``note_required_amount_differs`` (422).
    """
    note = _clean_note(note)
    with uow_factory() as uow:
        line = _open_line(uow, line_id)
        found = uow.reconciliation.posting(transaction_id)
        if found is None:
            raise ReconciliationError("transaction_not_found", "transaction_id", status=404,
                                      value=transaction_id)
        posting, status, linked = found
        if linked is not None:
            raise ReconciliationError("transaction_already_matched", "transaction_id",
                                      status=409, value=transaction_id, line=linked)
        if status != "posted" or not posting.matchable:
            raise ReconciliationError("transaction_not_matchable", "transaction_id",
                                      value=transaction_id)
        if posting.direction != line.direction:
            raise ReconciliationError("transaction_direction_mismatch", "transaction_id",
                                      value=transaction_id)
        if posting.currency != line.currency:
            raise ReconciliationError("transaction_currency_mismatch", "transaction_id",
                                      value=posting.currency, expected=line.currency)
        if posting.amount != line.amount and not note:
            raise ReconciliationError("note_required_amount_differs", "note",
                                      amount=str(posting.amount), line_amount=str(line.amount))
        if not uow.reconciliation.resolve(line.id, status="matched", resolution="matched_manual",
                                          transaction_id=transaction_id, note=note,
                                          actor=actor, at=_now(now)):
            raise ReconciliationError("transaction_already_matched", "transaction_id",
                                      status=409, value=transaction_id)
        after = _record(uow, line, actor)
        uow.commit()
    return after


def mark_line(uow_factory: UowFactory, line_id: int, resolution: str, *, actor: Actor,
              note: str, now: dt.datetime | None = None) -> LineRecord:
    """Resolve a line without a posting: ``bank_fee`` or ``ignored``; the note (why) is
    required.

    :raises ReconciliationError: ``resolution_invalid`` / ``note_required`` (422),
        ``statement_line_not_found`` (404), ``statement_line_resolved`` (409).
    """
    if resolution not in MANUAL_MARKS:
        raise ReconciliationError("resolution_invalid", "resolution", value=resolution)
    note = _clean_note(note)
    if not note:
        raise ReconciliationError("note_required", "note")
    with uow_factory() as uow:
        line = _open_line(uow, line_id)
        uow.reconciliation.resolve(line.id, status=RESOLUTIONS[resolution],
                                   resolution=resolution, transaction_id=None, note=note,
                                   actor=actor, at=_now(now))
        after = _record(uow, line, actor)
        uow.commit()
    return after


def reopen_line(uow_factory: UowFactory, line_id: int, *, actor: Actor, note: str,
                now: dt.datetime | None = None) -> LineRecord:
    """Make a matched or marked line unmatched again (the note says why). A line posted as
    a repayment stays: reverse the repayment instead.

    :raises ReconciliationError: ``note_required``, ``statement_line_posted`` (409),
        ``statement_line_not_found`` (404), ``statement_line_unmatched`` (409).
    """
    note = _clean_note(note)
    if not note:
        raise ReconciliationError("note_required", "note")
    with uow_factory() as uow:
        line = uow.reconciliation.line(line_id, for_update=True)
        if line is None:
            raise ReconciliationError("statement_line_not_found", status=404, value=line_id)
        if line.status == "unmatched":
            raise ReconciliationError("statement_line_unmatched", status=409, value=line_id)
        if line.resolution == "posted_as_repayment":
            raise ReconciliationError("statement_line_posted", status=409, value=line_id,
                                      transaction=line.transaction_id)
        uow.reconciliation.resolve(line.id, status="unmatched", resolution=None,
                                   transaction_id=None, note=note, actor=actor, at=_now(now))
        after = _record(uow, line, actor)
        uow.commit()
    return after


def repayment_key(record: ImportRecord, line: LineRecord) -> str:
    """The idempotency key of posting ``line`` as a repayment: derived from the file's
    SHA-256 and the line's row, so the line can never be posted twice.

    >>> rec = ImportRecord(1, "bank", "a.csv", "ab" * 32, "CNY", 1, None, None, None, "",
    ...                    dt.datetime(2026, 1, 1))
    >>> repayment_key(rec, LineRecord(5, 1, 3, dt.date(2026, 1, 1), "in", Decimal(1), "CNY",
    ...     "R", "", "", "unmatched", None, None, "", None, "", None))
    'statement:abababababababababababababababababababab:3'
    """
    return f"statement:{record.sha256[:40]}:{line.line_no}"


def post_as_repayment(
    uow_factory: UowFactory,
    money_uow_factory: Callable[[], MoneyUnitOfWork],
    line_id: int,
    loan_id: int,
    *,
    actor: Actor,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> LineRecord:
    """Post an unmatched incoming line as a repayment of ``loan_id`` and resolve the line
    (``posted_as_repayment``, linked to the new transaction).

    The repayment goes through :func:`~lowlend.services.lending.repayments.repay`
    (channel ``statement``, the line's reference and value date) with the key of
    :func:`repayment_key`: resolving the line again — twice at once included — never
    posts a second time. A line already posted to this loan answers its record unchanged.

    :raises ReconciliationError: ``statement_line_not_found`` (404),
        ``statement_line_resolved`` / ``statement_line_posted_elsewhere`` (409),
        ``statement_line_not_incoming``, ``loan_currency_mismatch`` (422), and
        ``loan_not_found`` (404).
    :raises LendingError: what :func:`repay` refuses (closed loan, future value date …).
    """
    note = _clean_note(note)
    with uow_factory() as uow:
        repo = uow.reconciliation
        line = repo.line(line_id)
        if line is None:
            raise ReconciliationError("statement_line_not_found", status=404, value=line_id)
        if line.resolution == "posted_as_repayment" and line.transaction_id is not None:
            found = repo.posting(line.transaction_id)
            if found is not None and found[0].loan_id == loan_id:
                return line  # posted before: nothing more to do
        if line.status != "unmatched":
            raise ReconciliationError("statement_line_resolved", status=409, value=line_id,
                                      resolution=line.resolution or "")
        if line.direction != "in":
            raise ReconciliationError("statement_line_not_incoming", value=line_id)
        currency = repo.loan_currency(loan_id)
        if currency is None:
            raise ReconciliationError("loan_not_found", "loan_id", status=404, value=loan_id)
        if currency != line.currency:
            raise ReconciliationError("loan_currency_mismatch", "loan_id", value=currency,
                                      expected=line.currency)
        record = repo.get_import(line.import_id)
        assert record is not None
    request = RepaymentRequest(
        amount=line.amount, value_date=line.value_date, channel="statement",
        reference=line.reference,
        note=f"{record.source} · {record.file_name} · {line.line_no}"[:500],
    )
    try:
        result = repay(money_uow_factory, loan_id, request, actor=actor,
                       registry_for=registry_for, business_date=business_date,
                       idempotency_key=repayment_key(record, line))
    except LendingError as exc:
        if exc.code == "idempotency_key_reused":  # posted before, to another loan
            raise ReconciliationError("statement_line_posted_elsewhere", "loan_id", status=409,
                                      value=line_id) from None
        raise
    with uow_factory() as uow:
        repo = uow.reconciliation
        current = repo.line(line_id, for_update=True)
        assert current is not None
        if current.resolution == "posted_as_repayment" and \
                current.transaction_id == result.transaction_id:
            return current  # a twin request recorded it first
        if current.status != "unmatched" or not repo.resolve(
            line_id, status="resolved", resolution="posted_as_repayment",
            transaction_id=result.transaction_id, note=note, actor=actor, at=_now(now),
        ):
            raise ReconciliationError("statement_line_posted_elsewhere", status=409,
                                      value=line_id, transaction=result.transaction_id)
        after = _record(uow, current, actor)
        uow.commit()
    return after


# -- the daily report ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DailyReport:
    """The reconciliation figures of one value date (see
    :class:`lowlend.domain.reconciliation.ReportSection`)."""

    day: dt.date
    sections: list[ReportSection]

    def rows(self) -> list[tuple[str, str, str, str, int, Decimal]]:
        """``(currency, direction, side, category, count, amount)`` rows: side
        ``statement`` (categories ``total`` and :data:`REPORT_CATEGORIES`) and ``ledger``
        (``total``, ``matched``, ``unmatched``)."""
        out: list[tuple[str, str, str, str, int, Decimal]] = []
        for s in self.sections:
            for category in ("total", *REPORT_CATEGORIES):
                f = s.lines[category]
                out.append((s.currency, s.direction, "statement", category, f.count, f.amount))
            for category in ("total", "matched", "unmatched"):
                f = s.postings[category]
                out.append((s.currency, s.direction, "ledger", category, f.count, f.amount))
        return out


def daily_report(uow_factory: UowFactory, day: dt.date) -> DailyReport:
    """Statement lines valued ``day`` by how they were reconciled, and the posted non-cash
    transactions valued ``day``, matched or not, per currency and direction."""
    with uow_factory() as uow:
        repo = uow.reconciliation
        lines = [ln.facts for ln in repo.lines(value_date=day)]
        postings = repo.postings(None, day, day, unmatched_only=False)
    return DailyReport(day, daily_figures(lines, postings))


REPORT_COLUMNS = ("date", "currency", "direction", "side", "category", "count", "amount")


def report_csv(report: DailyReport, label: Callable[[str], str] = str) -> str:
    """The report as CSV (UTF-8 text; one row per currency, direction, side and category).
    ``label`` words the column names and codes (e.g. in the user's language)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows: list[list[Any]] = [[label(c) for c in REPORT_COLUMNS]]
    for currency, direction, side, category, count, amount in report.rows():
        rows.append([report.day.isoformat(), currency, label(direction), label(side),
                     label(category), count, f"{amount:.2f}"])
    writer.writerows(safe_rows(rows))  # no spreadsheet formula injection
    return out.getvalue()
