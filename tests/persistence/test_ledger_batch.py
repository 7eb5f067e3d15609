"""``SqlLedgerRepository.append_many``: a batch of entries posted with one lock, one head
read and multi-row inserts, on SQLite and PostgreSQL — same chain as one-by-one postings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.ledger import (
    GENESIS_HASH,
    ZERO,
    EntryDraft,
    LedgerError,
    Line,
    PostedEntry,
)
from lowlend.domain.ledger_chain import verify_chain
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.migrate import upgrade

BOOKED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _draft(i: int) -> EntryDraft:
    """Three- to five-line entries, like a loan repayment split into its components."""
    principal = Decimal(1000 + i).scaleb(-1).quantize(Decimal("0.01"))
    interest = Decimal(i % 97 + 1).scaleb(-2)
    lines = [Line("loan_principal", ZERO, principal, "CNY", f"p{i}"),
             Line("interest_income", ZERO, interest, "CNY", "")]
    fee = Decimal(i % 3)
    if fee:
        lines.append(Line("fee_income", ZERO, fee, "CNY", ""))
    lines.insert(0, Line("bank", principal + interest + fee, ZERO, "CNY", "bank"))
    return EntryDraft(dt.date(2026, 3, 1), f"repayment {i}", tuple(lines))


@pytest.fixture
def sessions(database_url: str) -> Iterator[sa.orm.sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _stored(sessions: sa.orm.sessionmaker[Session]) -> list[PostedEntry]:
    with sessions() as session:
        return list(SqlLedgerRepository(session, batch_size=7).entries())


def test_a_batch_is_one_valid_chain(sessions: sa.orm.sessionmaker[Session]) -> None:
    with sessions() as session:
        posted = SqlLedgerRepository(session).append_many(
            (_draft(i) for i in range(25)), booked_at=BOOKED)
        session.commit()
    assert [e.id for e in posted] == sorted(e.id for e in posted)
    assert posted[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(posted))
    stored = _stored(sessions)
    # ids, hashes, lines and their order as posted (SQLite gives booked_at back naive)
    assert [(e.id, e.prev_hash, e.hash, e.lines) for e in stored] == [
        (e.id, e.prev_hash, e.hash, e.lines) for e in posted]
    result = verify_chain(stored)
    assert result.ok and result.entries == 25 and result.last_hash == posted[-1].hash


def test_batches_and_single_postings_interleave(sessions: sa.orm.sessionmaker[Session]) -> None:
    drafts = iter(_draft(i) for i in range(40))
    with sessions() as session:
        repo = SqlLedgerRepository(session)
        singles = [repo.append(next(drafts)) for _ in range(3)]
        session.commit()
    with sessions() as session:
        batch = SqlLedgerRepository(session).append_many([next(drafts) for _ in range(10)])
        session.commit()
    with sessions() as session:
        repo = SqlLedgerRepository(session)
        after = [repo.append(next(drafts)) for _ in range(2)]
        second = repo.append_many([next(drafts) for _ in range(5)])
        last = repo.append(next(drafts))
        session.commit()
    assert batch[0].prev_hash == singles[-1].hash
    assert after[0].prev_hash == batch[-1].hash
    assert second[0].prev_hash == after[-1].hash and last.prev_hash == second[-1].hash
    stored = _stored(sessions)
    assert [e.id for e in stored] == [e.id for e in (*singles, *batch, *after, *second, last)]
    assert verify_chain(stored).ok and len(stored) == 21


def test_an_unbalanced_draft_posts_nothing_of_its_batch(
    sessions: sa.orm.sessionmaker[Session],
) -> None:
    with sessions() as session:
        first = SqlLedgerRepository(session).append(_draft(0))
        session.commit()
    bad = EntryDraft(dt.date(2026, 3, 1), "unbalanced", (
        Line("bank", Decimal("10.00")), Line("fee_income", ZERO, Decimal("9.99"))))
    with sessions() as session:
        repo = SqlLedgerRepository(session)
        with pytest.raises(LedgerError) as caught:
            repo.append_many([_draft(1), _draft(2), bad, _draft(3)])
        assert caught.value.code == "unbalanced"
        session.commit()  # even a commit after the refusal stores nothing of the batch
    stored = _stored(sessions)
    assert [e.id for e in stored] == [first.id]
    with sessions() as session:  # the chain goes on from the same head
        nxt = SqlLedgerRepository(session).append_many([_draft(4), _draft(5)])
        session.commit()
    assert nxt[0].prev_hash == first.hash and verify_chain(_stored(sessions)).ok


def test_an_empty_batch_does_nothing(sessions: sa.orm.sessionmaker[Session]) -> None:
    with sessions() as session:
        assert SqlLedgerRepository(session).append_many([]) == []
        assert SqlLedgerRepository(session).head() == (None, GENESIS_HASH)


def test_ids_ascend_after_other_users_of_the_sequence(postgres_url: str) -> None:
    """PostgreSQL: ids come from the sequence as a block; values another session took in
    between leave a gap, never a descent."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            one = SqlLedgerRepository(session).append_many([_draft(i) for i in range(3)])
            session.commit()
        with engine.begin() as conn:
            conn.execute(sa.text(
                "SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) "
                "FROM generate_series(1, 5)"))
        with sessions() as session:
            two = SqlLedgerRepository(session).append_many([_draft(i) for i in range(3, 7)])
            session.commit()
        ids = [e.id for e in (*one, *two)]
        assert ids == sorted(ids) and two[0].id > one[-1].id + 5
        assert verify_chain(_stored(sessions)).ok
    finally:
        engine.dispose()


def test_the_database_still_checks_each_entry_of_a_batch(postgres_url: str) -> None:
    """PostgreSQL: the deferred balance trigger fires for rows inserted by the batch, so
    a batch whose lines were altered after chaining is refused at commit."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            repo = SqlLedgerRepository(session)
            [entry] = repo.append_many([_draft(1)])
            session.execute(sa.text(
                "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, memo) "
                f"VALUES ({entry.id}, 'bank', 1.00, 0, 'CNY', '')"))
            with pytest.raises(sa.exc.IntegrityError, match="does not balance"):
                session.commit()
    finally:
        engine.dispose()


def test_concurrent_batches_keep_one_chain(postgres_url: str) -> None:
    """PostgreSQL: batches and single postings from several sessions at once are
    serialised by the advisory lock; the journal stays one chain in id order."""
    import threading

    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(4):
                with sessions() as session:
                    repo = SqlLedgerRepository(session)
                    if (n + i) % 2:
                        repo.append_many([_draft(100 * n + 10 * i + k) for k in range(6)])
                    else:
                        repo.append(_draft(100 * n + 10 * i))
                    session.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        stored = _stored(sessions)
        assert len(stored) == 4 * (2 * 6 + 2)
        assert verify_chain(stored).ok
    finally:
        engine.dispose()


def test_entries_stream_in_bounded_memory(sessions: sa.orm.sessionmaker[Session]) -> None:
    """``entries()`` merges two streamed queries: memory does not grow with the journal."""
    import tracemalloc

    with sessions() as session:
        repo = SqlLedgerRepository(session)
        for start in range(0, 6_000, 1_000):
            repo.append_many([_draft(i) for i in range(start, start + 1_000)])
        session.commit()
    with sessions() as session:
        tracemalloc.start()
        try:
            result = verify_chain(SqlLedgerRepository(session, batch_size=500).entries())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.ok and result.entries == 6_000
    assert peak < 3_000_000, peak  # 6,000 entries held at once take well over 5 MB


def test_an_entry_without_lines_comes_back_without_lines(tmp_path: Path) -> None:
    """SQLite stores what it is given: an entry whose lines are missing comes back with
    no lines (and fails verification), the entries around it keep theirs."""
    url = f"sqlite:///{tmp_path / 'j.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session:
            posted = SqlLedgerRepository(session).append_many([_draft(i) for i in range(3)])
            session.commit()
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER trg_journal_lines_no_delete"))
            conn.execute(sa.text(f"DELETE FROM journal_lines WHERE entry_id = {posted[1].id}"))
        stored = _stored(sessions)
        assert [len(e.lines) for e in stored] == [len(posted[0].lines), 0, len(posted[2].lines)]
        bad = verify_chain(stored).first_bad
        assert bad is not None and (bad.entry_id, bad.reason) == (posted[1].id, "too_few_lines")
    finally:
        engine.dispose()


def test_the_posting_lock_is_per_schema(postgres_url: str) -> None:
    """PostgreSQL: the advisory lock serialises postings to one journal (same schema) and
    leaves a journal in another schema of the database alone."""
    import os
    import uuid

    upgrade(postgres_url)
    base = os.environ["LOWLEND_TEST_DATABASE_URL"]
    other = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{other}"'))
    sep = "&" if "?" in base else "?"
    other_url = f"{base}{sep}options=-csearch_path%3D{other}"
    engines = [make_engine(postgres_url), make_engine(other_url)]
    try:
        upgrade(other_url)
        here, there = (make_session_factory(e) for e in engines)
        with here() as holder:
            SqlLedgerRepository(holder).append(_draft(1))  # holds the lock, not committed
            with there() as session:
                session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
                SqlLedgerRepository(session).append(_draft(2))
                session.commit()  # another schema: not blocked
            with here() as session:
                session.execute(sa.text("SET LOCAL lock_timeout = '300ms'"))
                with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                    SqlLedgerRepository(session).append(_draft(3))
            holder.commit()
        assert len(_stored(here)) == 1 and len(_stored(there)) == 1
    finally:
        for engine in engines:
            engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()


def test_awkward_strings_are_stored_as_posted(sessions: sa.orm.sessionmaker[Session]) -> None:
    """PostgreSQL posts through COPY's text format: backslashes, tabs, line breaks, a
    literal ``\\N`` and non-ASCII text come back exactly, NULL ids stay NULL."""
    texts = ["\\N", "a\tb\r\nc\\d", "\\.", "还款 ✓ \"q\"", ""]
    drafts = [EntryDraft(dt.date(2026, 3, 1), text, (
        Line("bank", Decimal("1.50"), ZERO, "CNY", text),
        Line(f"acct{text}", ZERO, Decimal("1.50"), "CNY", text[::-1])))
        for text in texts]
    with sessions() as session:
        posted = SqlLedgerRepository(session).append_many(drafts, booked_at=BOOKED)
        session.commit()
    stored = _stored(sessions)
    assert [(e.description, e.lines, e.loan_id, e.reversal_of) for e in stored] == [
        (e.description, e.lines, None, None) for e in posted]
    assert verify_chain(stored).ok
