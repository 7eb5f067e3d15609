"""The bulk demo path writes the state of the small path (table by table), idempotently."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from lowlend.cli.ledger_cmd import ledger
from lowlend.persistence.demo_loader import load_demo_data
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import Installment, JournalEntry, Loan, Transaction
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.persistence.wiring import open_config_store
from lowlend.services.ledger_verify import verify_ledger
from lowlend.spec.loader import read_bundle

REPO = Path(__file__).resolve().parents[2]
MASTER_KEY = "bG93bGVuZC10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXM="
USERS = {"admin": 1, "manager": 2, "finance": 4}
LOANS = int(os.environ.get("LOWLEND_TEST_DEMO_BULK_LOANS", "300"))
CHUNK = 100
PIPELINE = 2  # one loan awaiting disbursement, one partly disbursed (shipped config)

# columns whose values are the time of writing (and what hashes them) or a random nonce
VOLATILE = {
    "audit_log": {"id", "at"},
    "transactions": {"booked_at", "approved_at"},
    "journal_entries": {"booked_at", "prev_hash", "hash"},
    "customers": {"id_number_enc"},
    "entrusted_fund_movements": {"booked_at"},
    "departments": {"created_at"},
    "staff": {"created_at"},
    "customer_relations": {"created_at"},
    "installments": {"id"},  # surrogate: rows are compared by loan and seq
}
CORE_TABLES = ("departments", "staff", "customers", "customer_relations", "applications",
               "loans", "installments", "transactions", "journal_entries", "journal_lines",
               "entrusted_fund_movements", "audit_log")


@dataclass
class Db:
    url: str
    sessions: sessionmaker[Session]
    registry: Any
    version_id: int


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    upgrade(database_url)
    files = read_bundle(REPO / "product_configs", REPO / "notification_templates")
    with open_config_store(database_url) as store:
        result = store.publish(files, "tester", "shipped configuration")
        registry = store.validate(files)
    engine = make_engine(database_url)
    try:
        yield Db(database_url, make_session_factory(engine), registry, result.version.id)
    finally:
        engine.dispose()


def _load(db: Db, bulk: bool, loans: int = LOANS) -> Any:
    return load_demo_data(db.sessions, db.registry, db.version_id, loans=loans,
                          user_ids=USERS, master_key=MASTER_KEY, chunk_size=CHUNK, bulk=bulk)


def _tables(db: Db) -> list[str]:
    entity_tables = sorted(e.table for e in db.registry.entities.values())
    return [*CORE_TABLES, *entity_tables]


def _snapshot(db: Db) -> dict[str, list[dict[str, Any]]]:
    """Every row of the demo's tables without the volatile columns, sorted."""
    out: dict[str, list[dict[str, Any]]] = {}
    engine = db.sessions.kw["bind"]
    meta = sa.MetaData()
    with engine.connect() as conn:
        for name in _tables(db):
            table = sa.Table(name, meta, autoload_with=conn)
            skip = VOLATILE.get(name, set())
            cols = [c for c in table.columns if c.name not in skip]
            rows = conn.execute(sa.select(*cols)).all()
            found = [dict(r._mapping) for r in rows]
            if name == "loans":  # linking a party to an entrusted loan stamps the time
                for row in found:
                    if row["entrusting_party_id"] is not None:
                        row["updated_at"] = None
            out[name] = sorted(found, key=lambda r: repr(sorted(r.items())))
    return out


def _reset(db: Db) -> None:
    """Empty the database (a fresh SQLite file / PostgreSQL schema) and publish again."""
    engine = db.sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        engine.dispose()
        Path(engine.url.database).unlink()
    else:
        with engine.begin() as conn:
            schema = conn.scalar(sa.text("SELECT current_schema()"))
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    upgrade(db.url)
    files = read_bundle(REPO / "product_configs", REPO / "notification_templates")
    with open_config_store(db.url) as store:
        assert store.publish(files, "tester", "shipped configuration").version.id == db.version_id


def _verified(db: Db, entries: int) -> None:
    uow = SqlAlchemyUnitOfWork(db.sessions, {"ledger": SqlLedgerRepository})
    report = verify_ledger(uow)  # type: ignore[arg-type]
    assert report.ok and report.chain.entries == entries
    result = CliRunner().invoke(ledger, ["verify"], env={
        "LOWLEND_DATABASE_URL": db.url, "LOWLEND_LEDGER_SIGNING_KEY": "",
        "LOWLEND_LEDGER_PUBLIC_KEY": "", "LOWLEND_DEMO": ""})
    assert result.exit_code == 0, result.output


def test_bulk_path_writes_the_state_of_the_small_path(db: Db) -> None:
    small = _load(db, bulk=False)
    _verified(db, small.journal_entries_created)
    expected = _snapshot(db)
    _reset(db)
    bulk = _load(db, bulk=True)
    _verified(db, bulk.journal_entries_created)
    got = _snapshot(db)
    assert bulk == small
    assert small.loans_created == LOANS + PIPELINE and small.entity_records_created > 0
    differing: dict[str, set[str]] = {}
    for name in _tables(db):
        assert len(got[name]) == len(expected[name]), name
        for row_got, row_expected in zip(got[name], expected[name], strict=True):
            for column, value in row_expected.items():
                if row_got[column] != value:
                    differing.setdefault(name, set()).add(column)
    assert differing == {}
    # what the comparison covered is the money of every loan, over more than one slice
    with db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Loan)) == LOANS + PIPELINE
        for model in (Installment, Transaction, JournalEntry):
            assert (s.scalar(sa.select(sa.func.count()).select_from(model)) or 0) > LOANS


def test_bulk_rerun_adds_nothing_and_more_loans_only_the_missing(db: Db) -> None:
    first = load_demo_data(db.sessions, db.registry, db.version_id, loans=150, user_ids=USERS,
                           chunk_size=CHUNK, bulk=True)
    assert first.loans_created == 150 + PIPELINE and first.loans_already_present == 0
    again = load_demo_data(db.sessions, db.registry, db.version_id, loans=150, user_ids=USERS,
                           chunk_size=CHUNK, bulk=True)
    assert again.loans_created == again.customers_created == again.applications_created == 0
    assert again.entity_records_created == again.journal_entries_created == 0
    assert again.loans_already_present == 150 + PIPELINE
    more = load_demo_data(db.sessions, db.registry, db.version_id, loans=230, user_ids=USERS,
                          chunk_size=CHUNK, bulk=True)
    assert more.loans_created == 80 and more.loans_already_present == 150 + PIPELINE
    with db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Loan)) == 230 + PIPELINE
    _verified(db, first.journal_entries_created + more.journal_entries_created)
