"""The demo's entrusted loans are funded: each has an entrusting party, each party deposited
what its loans lent (posted through the deposit use case), no party is overdrawn and the
journal verifies (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from lowlend.persistence.demo_loader import load_demo_data
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import EntrustedFundMovement, Loan
from lowlend.persistence.money_repository import money_uow_factory
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.persistence.wiring import open_config_store
from lowlend.services.ledger_verify import verify_ledger
from lowlend.services.lending.entrusted_funds import party_funds
from lowlend.spec.loader import read_bundle

REPO = Path(__file__).resolve().parents[2]
USERS = {"admin": 1, "manager": 2, "risk": 3, "finance": 4, "collector": 5, "auditor": 6}


@dataclass
class Db:
    engine: sa.Engine
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
        yield Db(engine, make_session_factory(engine), registry, result.version.id)
    finally:
        engine.dispose()


def test_demo_entrusted_loans_draw_on_deposited_funds(db: Db) -> None:
    load_demo_data(db.sessions(), db.registry, db.version_id, loans=60, user_ids=USERS)
    with db.sessions() as s:
        loans = list(s.scalars(sa.select(Loan).where(Loan.product_code == "entrusted_loan",
                                                     Loan.disbursed_on.is_not(None))))
        deposits = list(s.scalars(sa.select(EntrustedFundMovement)))
    assert loans, "the demo has entrusted loans"
    assert all(loan.entrusting_party_id is not None for loan in loans)
    parties = {loan.entrusting_party_id for loan in loans}
    assert {d.party_id for d in deposits} == parties
    assert all(d.type == "deposit" and d.journal_entry_id is not None for d in deposits)
    for party in parties:
        lent = sum(loan.disbursed_principal for loan in loans if loan.entrusting_party_id == party)
        assert sum(d.amount for d in deposits if d.party_id == party) == lent
        funds = party_funds(money_uow_factory(db.sessions), db.registry, party)[0]
        assert funds.available >= 0
    report = verify_ledger(SqlAlchemyUnitOfWork(db.sessions, {"ledger": SqlLedgerRepository}),
                           current_registry=lambda: db.registry)
    assert report.ok, report
