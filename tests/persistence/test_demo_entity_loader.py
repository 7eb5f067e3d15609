"""Loading the demo records of config-declared entities (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from lowlend.persistence.demo_loader import DEMO_ACTION, load_demo_data
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.entity_tables import STANDARD_COLUMNS, entity_model
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import AuditLog, Department, Loan
from lowlend.persistence.wiring import open_config_store
from lowlend.services.custom_fields import validate_record
from lowlend.services.demo_data import generate_demo_data
from lowlend.services.demo_data.entity_records import generate_entity_records
from lowlend.spec.loader import read_bundle
from lowlend.spec.model import FieldKind

REPO = Path(__file__).resolve().parents[2]
LOANS = 40
USERS = {"admin": 1, "manager": 2, "risk": 3, "finance": 4, "collector": 5, "auditor": 6}


@dataclass
class Db:
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
        yield Db(make_session_factory(engine), registry, result.version.id)
    finally:
        engine.dispose()


def _load(db: Db, **kwargs: Any) -> Any:
    kwargs.setdefault("loans", LOANS)
    kwargs.setdefault("user_ids", USERS)
    return load_demo_data(db.sessions(), db.registry, db.version_id, **kwargs)


def _rows(s: Session, code: str, registry: Any) -> list[Any]:
    model = entity_model(registry.entities[code])
    return list(s.scalars(sa.select(model).order_by(model.id)))  # type: ignore[attr-defined]


def _counts(s: Session, registry: Any) -> dict[str, int]:
    return {code: len(_rows(s, code, registry)) for code in sorted(registry.entities)}


def test_records_of_every_entity_are_loaded_once(db: Db) -> None:
    expected = generate_entity_records(
        db.registry, generate_demo_data(db.registry, loans=LOANS)
    )
    first = _load(db)
    assert first.entity_records_created == len(expected) > 0
    assert "records of config entities" in first.describe()
    with db.sessions() as s:
        counts = _counts(s, db.registry)
        audit = s.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    assert all(n > 0 for n in counts.values()), counts
    assert sum(counts.values()) == len(expected)

    again = _load(db)
    assert again.entity_records_created == 0 and not again.created_anything
    with db.sessions() as s:
        assert _counts(s, db.registry) == counts
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == audit


def test_more_loans_add_only_their_records(db: Db) -> None:
    _load(db, loans=20)
    with db.sessions() as s:
        before = _counts(s, db.registry)
    more = _load(db, loans=LOANS)
    with db.sessions() as s:
        after = _counts(s, db.registry)
    assert more.entity_records_created == sum(after.values()) - sum(before.values()) > 0
    registry = db.registry
    for code, n in after.items():
        if registry.entities[code].parent is None and not any(
            f.kind is FieldKind.REFERENCE and f.reference == code
            for spec in registry.entities.values()
            for f in spec.fields
        ):
            assert n == before[code]  # the pool does not grow with the loans


def test_stored_records_are_valid_and_linked(db: Db) -> None:
    _load(db)
    registry = db.registry
    with db.sessions() as s:
        loans = {loan.id: loan for loan in s.scalars(sa.select(Loan))}
        departments = {d.id: d.code for d in s.scalars(sa.select(Department))}
        demo_refs = {
            (a.entity, a.entity_id): a.after["ref"]
            for a in s.scalars(sa.select(AuditLog).where(AuditLog.action == DEMO_ACTION))
        }
        stored = {code: _rows(s, code, registry) for code in registry.entities}
        ids = {code: {row.id for row in rows} for code, rows in stored.items()}
        gps_linked = 0
        for code, rows in stored.items():
            spec = registry.entities[code]
            for row in rows:
                assert (code, str(row.id)) in demo_refs
                values = {f.code: getattr(row, f.code) for f in spec.fields}
                result = validate_record(spec.fields, values, registry.dictionaries)
                assert result.ok, (code, row.id, result.messages())
                assert row.config_version_id == db.version_id
                assert row.created_by == USERS["admin"]
                assert departments[row.department_id] in {
                    "HQ", "BIZ1", "BIZ2", "RISK", "FIN", "COLL", "JX-NC", "HK",
                }
                if spec.owner_field:
                    owner = getattr(row, spec.owner_field)
                    assert owner in USERS and row.owner_id == USERS[owner]
                if spec.parent == "loans":
                    loan = loans[row.parent_id]
                    assert departments[row.department_id] == departments[loan.department_id]
                else:
                    assert row.parent_id is None
                for f in spec.fields:
                    value = getattr(row, f.code)
                    if f.kind is FieldKind.REFERENCE and value is not None:
                        assert value in ids[f.reference or ""]  # an existing record
                        gps_linked += f.reference == "gps_devices"
                    if f.kind is FieldKind.MONEY and value is not None:
                        assert isinstance(value, Decimal)
                    if f.kind is FieldKind.FILE:
                        assert value is None
                assert not {c for c in STANDARD_COLUMNS if c != "parent_id"} & set(values)
        assert gps_linked > 0


def test_visit_records_belong_to_the_collector(db: Db) -> None:
    _load(db)
    with db.sessions() as s:
        visits = _rows(s, "visit_record", db.registry)
        status = {i: st for i, st in s.execute(sa.select(Loan.id, Loan.status))}
    overdue = {i for i, st in status.items() if st == "overdue"}
    parents = {v.parent_id for v in visits}
    assert visits and overdue <= parents  # every overdue loan was visited
    assert all(status[p] != "closed" for p in parents)
    if len(overdue) >= 3:
        assert parents == overdue
    assert {v.visitor for v in visits} == {"collector"}
    assert {v.owner_id for v in visits} == {USERS["collector"]}
