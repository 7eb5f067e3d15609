"""``SqlLedgerRepository.scan_chain``: the journal checked from stored text in chunks (in
this process and in worker processes) says exactly what ``verify_chain`` over
``entries()`` says — the same first bad entry, reason and message — on SQLite and
PostgreSQL, wherever the tampered entry sits relative to the chunk boundaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.ledger import ZERO, EntryDraft, Line, PostedEntry
from lowlend.domain.ledger_chain import VerifyResult, verify_chain
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.ledger_scan import scan_range
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.ledger_checkpoints import sign_checkpoint, signing_key_from_base64
from lowlend.services.ledger_verify import verify_ledger

BOOKED = dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=dt.UTC)
CHUNK = 10  # entries per chunk: ids 1-10, 11-20, ... (the journal is dense)
KEY = signing_key_from_base64("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")


def _draft(i: int) -> EntryDraft:
    """Two to five lines; some with strings that need JSON escapes or are not ASCII, some
    in two currencies (the fast check passes those on to the exact one), reversal ids."""
    amount = Decimal(1000 + 7 * i).scaleb(-2)
    fee = Decimal(i % 3).scaleb(-1)
    memo = {3: 'quote " and \\ backslash', 4: "line\nbreak\t", 5: "还款 ✓"}.get(i % 9, "")
    lines = [Line("bank", amount + fee, ZERO, "CNY", memo),
             Line("loan_principal", ZERO, amount, "CNY", "")]
    if fee:
        lines.append(Line("fee_income", ZERO, fee, "CNY", "fee"))
    if i % 17 == 8:
        lines += [Line("fx_bank", Decimal("12.34"), ZERO, "USD"),
                  Line("fx_clearing", ZERO, Decimal("12.34"), "USD")]
    return EntryDraft(dt.date(2026, 3, 1) + dt.timedelta(days=i % 40),
                      f"repayment {i}" + (" «x»" if i % 5 == 0 else ""), tuple(lines),
                      reversal_of=i - 3 if i % 6 == 0 else None)


@dataclass
class Journal:
    url: str
    engine: sa.Engine
    sessions: Callable[[], Session]
    posted: list[PostedEntry]

    @property
    def postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def execute(self, *statements: str) -> None:
        with self.engine.begin() as conn:
            if self.postgresql:
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.execute(sa.text(statement))

    def allow_changes(self) -> None:
        if self.postgresql:
            return  # execute() runs with the triggers off (what a superuser can do)
        for table in ("journal_entries", "journal_lines"):
            self.execute(f"DROP TRIGGER trg_{table}_no_update",
                         f"DROP TRIGGER trg_{table}_no_delete")

    def scan(self, **options: int) -> VerifyResult:
        with self.sessions() as session:
            result, _ = SqlLedgerRepository(session, **options).scan_chain()
        return result

    def sequential(self) -> VerifyResult:
        with self.sessions() as session:
            return verify_chain(SqlLedgerRepository(session).entries())


@pytest.fixture
def journal(database_url: str) -> Iterator[Journal]:
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        posted: list[PostedEntry] = []
        for batch in (range(1, 6), range(6, 46)):
            with sessions() as session:
                posted += SqlLedgerRepository(session).append_many(
                    [_draft(i) for i in batch], booked_at=BOOKED)
                session.commit()
        assert [e.id for e in posted] == list(range(1, 46))
        yield Journal(database_url, engine, sessions, posted)
    finally:
        engine.dispose()


IN_CHUNKS = {"workers": 1, "chunk_entries": CHUNK}
IN_WORKERS = {"workers": 2, "chunk_entries": CHUNK, "parallel_min": 0}


@pytest.mark.parametrize("options", [IN_CHUNKS, IN_WORKERS], ids=["chunks", "workers"])
def test_an_intact_journal_verifies_the_same(journal: Journal, options: dict[str, int]) -> None:
    expected = journal.sequential()
    assert expected.ok and expected.entries == 45
    assert journal.scan(**options) == expected
    assert journal.scan() == expected  # defaults: one chunk in this process


TAMPERING = {
    # an amount changed on one side: unbalanced (the first entry of the third chunk)
    "first_of_chunk_unbalanced":
        (21, "UPDATE journal_lines SET debit = debit + 1 WHERE entry_id = 21 AND debit > 0"),
    # the last entry of a chunk, its hash replaced: hash_mismatch there (the next chunk's
    # first entry no longer links either, but it comes later)
    "last_of_chunk_hash": (20, f"UPDATE journal_entries SET hash = '{'e' * 64}' WHERE id = 20"),
    # both sides of a two-currency entry changed: still balanced, the hash differs
    "both_sides": (25, "UPDATE journal_lines SET debit = 99.99 WHERE entry_id = 25 AND "
                       "currency = 'USD' AND debit > 0; UPDATE journal_lines SET credit = 99.99 "
                       "WHERE entry_id = 25 AND currency = 'USD' AND credit > 0"),
    # a memo that needs escaping changed (the exact check decides)
    "escaped_memo": (39, "UPDATE journal_lines SET memo = 'quote \" and / slash' "
                         "WHERE entry_id = 39 AND account = 'bank'"),
    # a description changed inside a chunk
    "description": (14, "UPDATE journal_entries SET description = 'x' WHERE id = 14"),
}


@pytest.mark.parametrize("options", [IN_CHUNKS, IN_WORKERS], ids=["chunks", "workers"])
@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_names_the_same_entry(
    journal: Journal, options: dict[str, int], case: str
) -> None:
    entry, statements = TAMPERING[case]
    journal.allow_changes()
    journal.execute(*statements.split("; "))
    expected = journal.sequential()
    assert expected.first_bad is not None and expected.first_bad.entry_id == entry
    assert journal.scan(**options) == expected
    assert journal.scan() == expected


@pytest.mark.parametrize("options", [IN_CHUNKS, IN_WORKERS], ids=["chunks", "workers"])
@pytest.mark.parametrize("removed", [11, 20, 45])
def test_a_removed_entry_at_a_chunk_boundary(
    journal: Journal, options: dict[str, int], removed: int
) -> None:
    """The first entry of a chunk removed: the next entry's prev_hash no longer matches
    the stored hash of the entry before it (in the chunk before); the last one of a
    chunk: the first entry of the next chunk breaks; the newest: the chain stays valid
    (the checkpoints see it)."""
    journal.allow_changes()
    journal.execute(f"DELETE FROM journal_lines WHERE entry_id = {removed}",
                    f"DELETE FROM journal_entries WHERE id = {removed}")
    expected = journal.sequential()
    if removed == 45:
        assert expected.ok and expected.entries == 44
    else:
        assert expected.first_bad is not None
        assert (expected.first_bad.entry_id, expected.first_bad.reason) == (
            removed + 1, "broken_link")
    assert journal.scan(**options) == expected


def test_an_entry_without_lines_and_lines_of_no_entry(journal: Journal) -> None:
    journal.allow_changes()
    journal.execute("DELETE FROM journal_lines WHERE entry_id = 30")
    expected = journal.sequential()
    assert expected.first_bad is not None
    assert (expected.first_bad.entry_id, expected.first_bad.reason) == (30, "too_few_lines")
    assert journal.scan(**IN_CHUNKS) == expected == journal.scan(**IN_WORKERS)


@pytest.mark.parametrize("options", [IN_CHUNKS, IN_WORKERS], ids=["chunks", "workers"])
def test_checkpoints_are_checked_at_their_positions(
    journal: Journal, options: dict[str, int]
) -> None:
    """Checkpoints at a chunk's last entry and inside a chunk hold; one whose count no
    longer matches (an entry removed before it, the chain recomputed) is named."""
    with journal.sessions() as session:
        repo = SqlLedgerRepository(session)
        for entry in (journal.posted[19], journal.posted[32]):
            repo.add_checkpoint(sign_checkpoint(KEY, entry.id, entry.hash, entry.id, BOOKED))
        repo.add_checkpoint(sign_checkpoint(KEY, 40, journal.posted[39].hash, 41, BOOKED))
        session.commit()

    uow = SqlAlchemyUnitOfWork(
        journal.sessions, {"ledger": lambda s: SqlLedgerRepository(s, **options)})
    report = verify_ledger(uow, checkpoints=True)
    assert report.chain.ok and report.checkpoints_checked == 3
    assert report.checkpoint_problem is not None
    assert report.checkpoint_problem.reason == "count_differs"
    assert "entry 40 is entry number 40 now, number 41 was signed" in (
        report.checkpoint_problem.detail)


def test_the_fast_check_passes_the_honest_entries_it_can(journal: Journal) -> None:
    """The fast check is a filter: it must pass what it can, else every entry would take
    the exact path. SQLite's passes all but the two-currency entries (8, 25, 42);
    PostgreSQL's also leaves the entries whose memo needs JSON escapes (a quote or a
    backslash: i % 9 == 3; a line break: i % 9 == 4) to the exact path, and passes the
    non-ASCII ones (« », 还款 ✓)."""
    with journal.engine.connect() as connection, connection.begin():
        scan = scan_range(connection, 1, 45, marks=(7, 30))
    assert scan.first_bad is None and scan.count == 45
    two_currencies = {8, 25, 42}
    escapes = {i for i in range(1, 46) if i % 9 in (3, 4)} if journal.postgresql else set()
    assert scan.rechecked == len(two_currencies | escapes)
    assert scan.marks == {7: (7, journal.posted[6].hash), 30: (30, journal.posted[29].hash)}
    assert (scan.last_id, scan.last_hash) == (45, journal.posted[44].hash)
