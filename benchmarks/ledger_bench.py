"""Journal benchmarks: verification throughput and batch posting throughput.

Run: ``.venv/bin/python benchmarks/ledger_bench.py [entries]`` (default 1,000,000).

* ``verify_chain`` in memory (target ≥ 200,000 entries/s): the synthetic journal alternates
  two-line entries (disbursement, repayment) and three-line entries (repayment split into
  principal and interest), amounts 100.00 – 99,999.99 CNY, chained with
  :func:`lowlend.domain.ledger_chain.post`. Entries are produced lazily by a generator so the
  verification streams as it does from the database (``yield_per``).
* ``lowlend ledger verify`` from a database (target ≥ 200,000 entries/s): what the command
  runs — :func:`lowlend.services.ledger_verify.verify_ledger` with checkpoints and the loan
  comparison, the chain read through ``SqlLedgerRepository.scan_chain`` in one process and
  with one worker process per CPU — over ``entries`` realistic loan entries (3–6 lines, 2,000 loans whose
  installments agree with the journal) stored in a SQLite file and, when
  ``LOWLEND_BENCH_DATABASE_URL`` or ``LOWLEND_TEST_DATABASE_URL`` names a PostgreSQL
  database, in a fresh schema there (dropped afterwards). The rows are bulk-loaded first (on
  PostgreSQL with ``session_replication_role = replica``, i.e. without the journal triggers;
  verification reads them as any other rows).
* Batch posting (target ≥ 5,000 postings/s): 100,000 realistic loan entries (3–6 lines, one of
  2,000 loans each) posted through
  :meth:`lowlend.persistence.ledger_repository.SqlLedgerRepository.append_many` in batches of
  1,000, one commit per batch, on an empty journal in a SQLite file and on PostgreSQL (with its
  triggers: the balance check of migration 0010 runs at every commit).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

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


# -- realistic loan entries, a database to hold them -------------------------------------
_CENTS = Decimal("0.01")
LOANS = 2_000


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(_CENTS)


def _loan_draft(i: int, rng: random.Random, loan_id: int) -> EntryDraft:
    """A disbursement (3 lines) or a repayment (3–6 lines: bank, principal, interest, then
    fee, penalty, overpayment when there are some) of loan ``loan_id``."""
    day = dt.date(2026, 1, 1) + dt.timedelta(days=i // 5000)
    if i < LOANS or i % 8 == 0:  # every loan starts with its disbursement
        principal = rng.randint(100_000, 20_000_000)
        fee = principal // 50
        lines = (
            Line("loan_principal", _money(principal), ZERO, "CNY", ""),
            Line("bank", ZERO, _money(principal - fee), "CNY", "放款"),
            Line("fee_income", ZERO, _money(fee), "CNY", ""),
        )
        return EntryDraft(day, f"Disbursement of loan {loan_id}", lines, loan_id=loan_id)
    parts = [("loan_principal", rng.randint(5_000, 900_000)),
             ("interest_income", rng.randint(100, 90_000))]
    extra = i % 4
    if extra >= 1:
        parts.append(("fee_income", rng.randint(100, 5_000)))
    if extra >= 2:
        parts.append(("penalty_income", rng.randint(100, 3_000)))
    if extra >= 3:
        parts.append(("borrower_credit", rng.randint(1, 2_000)))
    received = sum(cents for _, cents in parts)
    lines = (Line("bank", _money(received), ZERO, "CNY", "还款"),
             *(Line(account, ZERO, _money(cents), "CNY", "") for account, cents in parts))
    return EntryDraft(day, f"Repayment of loan {loan_id}", lines, loan_id=loan_id)


def _loan_drafts(n: int, seed: int = 11) -> Iterator[EntryDraft]:
    rng = random.Random(seed)
    for i in range(n):
        yield _loan_draft(i, rng, i % LOANS + 1)


class _Database:
    """An empty, migrated database (SQLite file or a fresh PostgreSQL schema) with
    ``LOANS`` loans; ``close()`` removes it."""

    def __init__(self, kind: str, folder: str) -> None:
        import sqlalchemy as sa

        from lowlend.persistence.engine import make_engine
        from lowlend.persistence.migrate import upgrade

        self.kind = kind
        self.schema: str | None = None
        self._admin: Any = None
        if kind == "sqlite":
            self.url = f"sqlite:///{folder}/ledger-{random.randrange(10**9)}.db"
        else:
            base = _postgres_url()
            assert base is not None
            self.schema = f"bench_{random.randrange(16**10):010x}"
            self._admin = sa.create_engine(base)
            with self._admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            sep = "&" if "?" in base else "?"
            self.url = f"{base}{sep}options=-csearch_path%3D{self.schema}"
        upgrade(self.url)
        self.engine = make_engine(self.url)
        self._add_loans()

    def _add_loans(self) -> None:
        import sqlalchemy as sa

        from lowlend.persistence.models import ConfigVersion, Customer, Loan

        with self.engine.begin() as conn:
            version = conn.execute(sa.insert(ConfigVersion.__table__).values(
                number=1, content_hash="bench", bundle="{}", author="bench", comment="",
                diff_from_previous="", status="published",
                created_at=dt.datetime.now(dt.UTC)).returning(ConfigVersion.__table__.c.id)
            ).scalar_one()
            customer = conn.execute(sa.insert(Customer.__table__).values(
                kind="individual", name="bench", id_type="resident_id", id_number_hash="h",
                custom={}, created_at=dt.datetime.now(dt.UTC)
            ).returning(Customer.__table__.c.id)).scalar_one()
            now = dt.datetime.now(dt.UTC)
            conn.execute(sa.insert(Loan.__table__), [
                {"id": k, "customer_id": customer, "product_code": "bench",
                 "config_version_id": version, "principal": Decimal("10000.00"),
                 "annual_rate": Decimal("0.180000"), "currency": "CNY", "term": 12,
                 "status": "active", "dpd": 0, "terms_snapshot": {}, "custom": {},
                 "written_off_principal": ZERO, "created_at": now, "updated_at": now}
                for k in range(1, LOANS + 1)
            ])

    def close(self) -> None:
        import sqlalchemy as sa

        self.engine.dispose()
        if self._admin is not None:
            with self._admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self._admin.dispose()


def _postgres_url() -> str | None:
    url = os.environ.get("LOWLEND_BENCH_DATABASE_URL") or os.environ.get(
        "LOWLEND_TEST_DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


def _kinds() -> list[str]:
    return ["sqlite", "postgresql"] if _postgres_url() else ["sqlite"]


# -- batch posting ----------------------------------------------------------------------
def bench_postings(kind: str, n: int = 100_000, batch: int = 1_000) -> dict[str, float]:
    """Postings/s of ``append_many`` in batches of ``batch``, one commit per batch."""
    from lowlend.persistence.engine import make_session_factory
    from lowlend.persistence.ledger_repository import SqlLedgerRepository

    drafts = list(_loan_drafts(n))
    lines = sum(len(d.lines) for d in drafts)
    with tempfile.TemporaryDirectory() as folder:
        db = _Database(kind, folder)
        try:
            sessions = make_session_factory(db.engine)
            t0, c0 = time.perf_counter(), time.process_time()
            for start in range(0, n, batch):
                with sessions() as session:
                    SqlLedgerRepository(session).append_many(drafts[start:start + batch])
                    session.commit()
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            with sessions() as session:
                result = verify_chain(SqlLedgerRepository(session).entries())
        finally:
            db.close()
    assert result.ok and result.entries == n, result
    return {"postings": float(n), "lines": float(lines), "batch": float(batch),
            "seconds": seconds, "per_second": n / seconds, "cpu_seconds": cpu}


# -- verification from the database ----------------------------------------------------------
class _Accounts:
    principal_account, overpayment_account = "loan_principal", "borrower_credit"


class _Registry:
    """What the loan comparison reads of the published registry."""

    ledger = _Accounts()


def _fill(db: _Database, n: int, chunk: int = 20_000) -> None:
    """``n`` chained loan entries bulk-inserted in chunks; one installment per loan holding
    the principal the journal says is outstanding (so every loan agrees)."""
    import sqlalchemy as sa

    from lowlend.persistence.models import Installment, JournalEntry, JournalLine

    outstanding: dict[int, Decimal] = {}
    prev, booked = GENESIS_HASH, dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
    drafts = _loan_drafts(n)
    entry_id = 0
    with db.engine.begin() as conn:
        if db.kind == "postgresql":  # bulk load without the journal triggers
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        while entry_id < n:
            entries = []
            for draft in itertools.islice(drafts, chunk):
                entry_id += 1
                entry = post(draft, entry_id, booked, prev)
                prev = entry.hash
                entries.append(entry)
                for ln in entry.lines:
                    if ln.account == "loan_principal":
                        assert entry.loan_id is not None
                        outstanding[entry.loan_id] = (
                            outstanding.get(entry.loan_id, ZERO) + ln.debit - ln.credit)
            conn.execute(sa.insert(JournalEntry.__table__), [
                {"id": e.id, "business_date": e.business_date, "booked_at": e.booked_at,
                 "description": e.description, "loan_id": e.loan_id, "transaction_id": None,
                 "reversal_of": None, "prev_hash": e.prev_hash, "hash": e.hash}
                for e in entries])
            conn.execute(sa.insert(JournalLine.__table__), [
                {"entry_id": e.id, "account": ln.account, "debit": ln.debit,
                 "credit": ln.credit, "currency": ln.currency, "memo": ln.memo}
                for e in entries for ln in e.lines])
        conn.execute(sa.insert(Installment.__table__), [
            {"loan_id": loan_id, "seq": 1, "due_date": dt.date(2027, 1, 5), "principal": amount,
             "interest": ZERO, "fee": ZERO, "penalty": ZERO, "principal_paid": ZERO,
             "interest_paid": ZERO, "fee_paid": ZERO, "penalty_paid": ZERO, "status": "pending"}
            for loan_id, amount in outstanding.items()])
        if db.kind == "postgresql":
            conn.execute(sa.text(
                "SELECT setval(pg_get_serial_sequence('journal_entries', 'id'), :n)"), {"n": n})
    if db.kind == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the workers)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bench_verify_db(kind: str, n: int, workers: tuple[int, ...] = ()) -> dict[str, Any]:
    """Entries/s of what ``lowlend ledger verify`` runs over ``n`` entries in ``kind``, in
    one process and with each number of worker processes of ``workers`` (default: the
    number of CPUs)."""
    from lowlend.persistence.engine import make_session_factory
    from lowlend.persistence.ledger_repository import SqlLedgerRepository
    from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
    from lowlend.services.ledger_verify import LoanAccounts, verify_ledger

    cpus = os.cpu_count() or 1
    settings = (1, *(workers or ((cpus,) if cpus > 1 else ())))
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        db = _Database(kind, folder)
        try:
            t0 = time.perf_counter()
            _fill(db, n)
            fill_seconds = time.perf_counter() - t0
            sessions = make_session_factory(db.engine)
            for count in settings:
                uow: Any = SqlAlchemyUnitOfWork(sessions, {
                    "ledger": lambda s, c=count: SqlLedgerRepository(s, workers=c)})
                load = os.getloadavg()[0]
                t0, c0 = time.perf_counter(), _cpu()
                report = verify_ledger(uow, checkpoints=True, current_registry=_Registry)
                seconds, cpu = time.perf_counter() - t0, _cpu() - c0
                assert report.ok and report.chain.entries == n, report
                runs.append({"workers": float(count), "seconds": seconds, "cpu_seconds": cpu,
                             "per_second": n / seconds, "load": load})
            with sessions() as session:
                t0 = time.perf_counter()
                figures = SqlLedgerRepository(session).loan_figures(
                    LoanAccounts.of(_Registry()))
                loans_seconds = time.perf_counter() - t0
        finally:
            db.close()
    assert report.loans_checked == len(figures) == min(n, LOANS), report
    return {"entries": float(n), "runs": runs, "fill_seconds": fill_seconds,
            "loans": float(len(figures)), "loans_seconds": loans_seconds}


def main(n: int = 1_000_000, db_entries: int | None = None,
         postings: int = 100_000) -> dict[str, Any]:
    """Every journal benchmark; ``db_entries`` (default ``n``) entries in the databases."""
    db_entries = n if db_entries is None else db_entries
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
    del entries, sample

    out: dict[str, Any] = {
        "entries": float(n),
        "build_seconds": build_seconds,
        "verify_seconds": verify_seconds,
        "verify_per_second": n / verify_seconds,
        "hash_entries": float(min(n, 200_000)),
        "hash_seconds": hash_seconds,
        "hash_per_second": min(n, 200_000) / hash_seconds,
        "databases": {},
    }
    print(f"ledger: built {n:,} chained entries in {build_seconds:.1f} s")
    print(f"ledger: verify_chain {out['verify_per_second']:,.0f} entries/s "
          f"({verify_seconds:.2f} s for {n:,}; target ≥ 200,000/s)")
    print(f"ledger: entry_hash {out['hash_per_second']:,.0f} hashes/s")
    for kind in _kinds():
        found: dict[str, Any] = {}
        if postings:  # first: the bulk load and drop of the big journal leave the disk busy
            load = os.getloadavg()[0]
            p = found["postings"] = bench_postings(kind, postings)
            p["load"] = load
            print(f"ledger: {kind}: append_many {p['per_second']:,.0f} postings/s "
                  f"({int(p['postings']):,} entries, {int(p['lines']):,} lines, batches of "
                  f"{int(p['batch']):,}, {p['seconds']:.1f} s, of which {p['cpu_seconds']:.1f} s "
                  "CPU in this process; target ≥ 5,000/s)")
        if db_entries:
            v = found["verify"] = bench_verify_db(kind, db_entries)
            for run in v["runs"]:
                print(f"ledger: {kind}: `ledger verify` with {int(run['workers'])} process(es) "
                      f"{run['per_second']:,.0f} entries/s ({run['seconds']:.1f} s for "
                      f"{int(v['entries']):,}, {run['cpu_seconds']:.1f} s CPU in this process "
                      f"and its workers, load {run['load']:.2f}; target ≥ 200,000/s)")
            print(f"ledger: {kind}: loan comparison {v['loans_seconds']:.2f} s for "
                  f"{int(v['loans']):,} loans; bulk load {v['fill_seconds']:.0f} s")
        out["databases"][kind] = found
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
