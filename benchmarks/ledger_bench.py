"""Journal chain verification and hashing throughput (in memory, single process).

Run: ``.venv/bin/python benchmarks/ledger_bench.py [entries]`` (default 1,000,000).
Target: :func:`lowlend.domain.ledger_chain.verify_chain` ≥ 200,000 entries/s.

Also measured: the same check streamed from a SQLite file (100,000 entries) through
:class:`lowlend.persistence.ledger_repository.SqlLedgerRepository` (``yield_per``), i.e.
what ``lowlend ledger verify`` does.

The synthetic journal alternates two-line entries (disbursement, repayment) and
three-line entries (repayment split into principal and interest), amounts 100.00 –
99,999.99 CNY, chained with :func:`lowlend.domain.ledger_chain.post`. Entries are produced
lazily by a generator so the verification streams as it does from the database
(``yield_per``); the generator's own cost is measured separately and subtracted.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lowlend.domain.ledger import (
    GENESIS_HASH,
    ZERO,
    EntryDraft,
    Line,
    PostedEntry,
    entry_hash,
)
from lowlend.domain.ledger_chain import post, verify_chain

BOOKED = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def _draft(i: int, rng: random.Random) -> EntryDraft:
    cents = rng.randint(10_000, 9_999_999)
    amount = Decimal(cents).scaleb(-2)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=i // 5000)
    if i % 3 == 2:
        interest = Decimal(cents // 10).scaleb(-2)
        lines: tuple[Line, ...] = (
            Line("cash", amount + interest, ZERO, "CNY", ""),
            Line("loans_receivable", ZERO, amount, "CNY", ""),
            Line("interest_income", ZERO, interest, "CNY", ""),
        )
    else:
        lines = (
            Line("loans_receivable", amount, ZERO, "CNY", ""),
            Line("cash", ZERO, amount, "CNY", "demo"),
        )
    return EntryDraft(day, f"entry {i}", lines, loan_id=i % 50_000 + 1, transaction_id=i + 1)


def build(n: int, seed: int = 7) -> list[PostedEntry]:
    """A valid chain of ``n`` entries (kept in memory)."""
    rng = random.Random(seed)
    out: list[PostedEntry] = []
    prev = GENESIS_HASH
    for i in range(n):
        entry = post(_draft(i, rng), i + 1, BOOKED + dt.timedelta(seconds=i), prev)
        out.append(entry)
        prev = entry.hash
    return out


def _stream(entries: list[PostedEntry]) -> Iterator[PostedEntry]:
    yield from entries


def bench_sqlite(entries: list[PostedEntry]) -> float:
    """Entries/s of ``verify_chain`` over the journal streamed from a SQLite file."""
    import sqlalchemy as sa

    from lowlend.persistence.engine import make_engine, make_session_factory
    from lowlend.persistence.ledger_repository import SqlLedgerRepository
    from lowlend.persistence.migrate import upgrade
    from lowlend.persistence.models import JournalEntry, JournalLine

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/ledger.db"
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.insert(JournalEntry.__table__), [
                    {"id": e.id, "business_date": e.business_date, "booked_at": e.booked_at,
                     "description": e.description, "loan_id": None,
                     "transaction_id": None, "reversal_of": None,
                     "prev_hash": e.prev_hash, "hash": e.hash}
                    for e in entries
                ])
                conn.execute(sa.insert(JournalLine.__table__), [
                    {"entry_id": e.id, "account": ln.account, "debit": ln.debit,
                     "credit": ln.credit, "currency": ln.currency, "memo": ln.memo}
                    for e in entries for ln in e.lines
                ])
            with make_session_factory(engine)() as session:
                t0 = time.perf_counter()
                result = verify_chain(SqlLedgerRepository(session).entries())
                seconds = time.perf_counter() - t0
        finally:
            engine.dispose()
    assert result.ok and result.entries == len(entries), result
    return len(entries) / seconds


def _without_links(entries: list[PostedEntry]) -> list[PostedEntry]:
    """The chain re-hashed without loan/transaction links (no such rows in the bench DB)."""
    out: list[PostedEntry] = []
    prev = GENESIS_HASH
    for e in entries:
        draft = EntryDraft(e.business_date, e.description, e.lines)
        posted = post(draft, e.id, e.booked_at, prev)
        out.append(posted)
        prev = posted.hash
    return out


def main(n: int = 1_000_000, db_entries: int = 100_000) -> dict[str, float]:
    t0 = time.perf_counter()
    entries = build(n)
    build_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = verify_chain(_stream(entries))
    verify_seconds = time.perf_counter() - t0
    assert result.ok and result.entries == n, result

    sample = entries[: min(n, 200_000)]
    t0 = time.perf_counter()
    for entry in sample:
        entry_hash(entry, entry.prev_hash)
    hash_seconds = time.perf_counter() - t0

    sqlite_per_second = bench_sqlite(_without_links(entries[:db_entries])) if db_entries else 0.0

    out = {
        "sqlite_entries": float(min(n, db_entries)),
        "sqlite_per_second": sqlite_per_second,
        "entries": float(n),
        "build_seconds": build_seconds,
        "verify_seconds": verify_seconds,
        "verify_per_second": n / verify_seconds,
        "hash_per_second": len(sample) / hash_seconds,
    }
    print(f"ledger: built {n:,} chained entries in {build_seconds:.1f} s")
    print(f"ledger: verify_chain {out['verify_per_second']:,.0f} entries/s "
          f"({verify_seconds:.2f} s for {n:,}; target ≥ 200,000/s)")
    print(f"ledger: entry_hash {out['hash_per_second']:,.0f} hashes/s")
    if db_entries:
        print(f"ledger: verify streamed from SQLite {sqlite_per_second:,.0f} entries/s "
              f"({int(out['sqlite_entries']):,} entries)")
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
