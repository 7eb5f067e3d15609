"""PostgreSQL: every entry balances at commit (migration 0010's per-statement recording
and one deferred check per transaction), however the entries and lines are inserted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lowlend.domain.ledger import ZERO, EntryDraft, Line
from lowlend.domain.ledger_chain import verify_chain
from lowlend.persistence import migrate
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository

_ENTRY = ("INSERT INTO journal_entries (id, business_date, booked_at, description, prev_hash, "
          "hash) VALUES ")
_LINE = "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, memo) VALUES "


@pytest.fixture
def engine(postgres_url: str) -> Iterator[sa.Engine]:
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _entries(ids: range) -> str:
    return _ENTRY + ", ".join(
        f"({i}, '2026-02-01', '2026-02-01 00:00:00+00', 'e{i}', '{i:064x}', '{i + 10**6:064x}')"
        for i in ids)


def _lines(ids: range, bad: int | None = None) -> str:
    """Two lines per entry; entry ``bad`` credits 0.01 less than it debits."""
    rows = []
    for i in ids:
        credit = "9.99" if i == bad else "10.00"
        rows += [f"({i}, 'bank', 10.00, 0, 'CNY', '')", f"({i}, 'fees', 0, {credit}, 'CNY', '')"]
    return _LINE + ", ".join(rows)


def _commit(engine: sa.Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))


def _count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM journal_entries")).scalar_one())


def test_a_multi_entry_batch_with_one_bad_entry_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError,
                       match=r"journal entry 37 does not balance in CNY: debits 10\.00 <> "
                             r"credits 9\.99"):
        _commit(engine, _entries(range(1, 51)), _lines(range(1, 51), bad=37))
    assert _count(engine) == 0
    _commit(engine, _entries(range(1, 51)), _lines(range(1, 51)))  # the same, balanced
    assert _count(engine) == 50


def test_lines_of_an_entry_split_over_statements(engine: sa.Engine) -> None:
    """The check runs at commit: an entry's lines may come in several statements (and
    each statement may carry lines of several entries)."""
    _commit(engine, _entries(range(1, 4)),
            _LINE + "(1, 'bank', 10.00, 0, 'CNY', ''), (2, 'bank', 5.00, 0, 'CNY', '')",
            _LINE + "(1, 'fees', 0, 10.00, 'CNY', ''), (2, 'fees', 0, 5.00, 'CNY', '')",
            _lines(range(3, 4)))
    with pytest.raises(sa.exc.IntegrityError, match="journal entry 5 has 1 line"):
        _commit(engine, _entries(range(4, 6)), _lines(range(4, 5)),
                _LINE + "(5, 'bank', 1.00, 0, 'CNY', '')")
    with pytest.raises(sa.exc.IntegrityError, match="journal entry 6 has a line with both"):
        _commit(engine, _entries(range(6, 7)),
                _LINE + "(6, 'bank', 1.00, 1.00, 'CNY', ''), (6, 'fees', 0, 0, 'CNY', '')")
    assert _count(engine) == 3


def test_a_line_added_later_to_a_posted_entry_is_refused(engine: sa.Engine) -> None:
    _commit(engine, _entries(range(1, 3)), _lines(range(1, 3)))
    with pytest.raises(sa.exc.IntegrityError, match="journal entry 2 does not balance"):
        _commit(engine, _LINE + "(2, 'bank', 0.01, 0, 'CNY', '')")


def test_the_recorded_checks_cannot_be_removed_before_commit(engine: sa.Engine) -> None:
    """A session with plain DML rights cannot skip the check by removing what its
    transaction recorded (PostgreSQL itself refuses to truncate a table with pending
    trigger events; the guard trigger also refuses a TRUNCATE outside that case)."""
    for removal in ("DELETE FROM journal_balance_checks",
                    "UPDATE journal_balance_checks SET entry_ids = '{}'",
                    "TRUNCATE journal_balance_checks"):
        with pytest.raises(sa.exc.DBAPIError,
                           match=r"journal_balance_checks refused|pending trigger events"):
            _commit(engine, _entries(range(1, 2)), _lines(range(1, 2), bad=1), removal)
    with pytest.raises(sa.exc.IntegrityError, match="TRUNCATE on journal_balance_checks"):
        _commit(engine, "TRUNCATE journal_balance_checks")
    assert _count(engine) == 0


def test_one_check_per_transaction_and_nothing_left_recorded(engine: sa.Engine) -> None:
    """append_many in batches: all postings accepted, the recording table empty after
    each commit (the first deferred firing took every row of its transaction)."""
    sessions = make_session_factory(engine)
    drafts = [EntryDraft(dt.date(2026, 3, 1), f"r{i}", (
        Line("bank", Decimal(i + 2), ZERO), Line("loan_principal", ZERO, Decimal(i + 1)),
        Line("interest_income", ZERO, Decimal(1)))) for i in range(2_500)]
    for start in range(0, len(drafts), 1_250):  # 3,750 lines: several insert statements
        with sessions() as session:
            SqlLedgerRepository(session).append_many(drafts[start:start + 1_250])
            session.commit()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM journal_balance_checks")).scalar() == 0
    with sessions() as session:
        assert verify_chain(SqlLedgerRepository(session).entries()).entries == 2_500


def test_downgrade_restores_the_per_row_check(postgres_url: str) -> None:
    migrate.upgrade(postgres_url)
    migrate.downgrade(postgres_url, "0009")
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as conn:
            triggers = set(conn.execute(sa.text(  # this test's schema only (parallel runs)
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE NOT t.tgisinternal AND n.nspname = current_schema()")).scalars())
        assert {"trg_journal_entries_balanced", "trg_journal_lines_balanced"} <= triggers
        assert not any("record_inserted" in name for name in triggers)
        with pytest.raises(sa.exc.IntegrityError, match="journal entry 2 does not balance"):
            _commit(engine, _entries(range(1, 3)), _lines(range(1, 3), bad=2))
        migrate.upgrade(postgres_url)
        _commit(engine, _entries(range(1, 3)), _lines(range(1, 3)))
        assert _count(engine) == 2
    finally:
        engine.dispose()


def test_an_entry_posted_after_an_early_check_is_checked_at_commit(engine: sa.Engine) -> None:
    """Migration 0014: a firing whose recorded row an earlier firing took returns at once
    (commit time no longer grows with the square of the statements); a row recorded
    after an early check (constraints made immediate) is still there and is checked."""
    with pytest.raises(sa.exc.IntegrityError, match=r"journal entry 12 does not balance"):
        _commit(engine, _entries(range(1, 11)), _lines(range(1, 11)),
                "SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED",
                *[s for i in range(11, 21) for s in (_entries(range(i, i + 1)),
                                                      _lines(range(i, i + 1), bad=12))])
    assert _count(engine) == 0
    _commit(engine, *[s for i in range(1, 201) for s in (_entries(range(i, i + 1)),
                                                         _lines(range(i, i + 1)))])
    assert _count(engine) == 200
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM journal_balance_checks")).scalar() == 0
