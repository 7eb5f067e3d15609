"""Config store and registry provider on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from spec_fakes import BUNDLE_V1, BUNDLE_V2, fake_load_bundle
from sqlalchemy.orm import Session, sessionmaker

from lowlend.persistence import migrate, wiring
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.models import ConfigState, ConfigVersion, Customer, Loan
from lowlend.services.config_store import ConfigStore, InvalidConfig


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> ConfigStore:
    return wiring.config_store(sessions, fake_load_bundle)


def test_publish_history_rollback(store: ConfigStore, sessions: sessionmaker[Session]) -> None:
    first = store.publish(BUNDLE_V1, "alice", "first")
    assert store.publish(BUNDLE_V1, "alice").created is False
    second = store.publish(BUNDLE_V2, "bob")
    assert (first.version.number, second.version.number) == (1, 2)
    third = store.rollback(1, "carol")
    assert third.version.number == 3 and third.version_counter == 3
    assert [(v.number, v.status) for v in store.history()] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "published"),
    ]
    current = store.current()
    assert current is not None and dict(current.files) == BUNDLE_V1
    assert current.created_at.tzinfo is not None
    assert "+rate: 0.18" in current.diff_from_previous
    with sessions() as session:
        state = session.get(ConfigState, 1)
        assert state is not None
        assert state.current_version_id == third.version.id and state.version_counter == 3


def test_invalid_publish_leaves_everything_untouched(store: ConfigStore) -> None:
    store.publish(BUNDLE_V1, "alice")
    with pytest.raises(InvalidConfig):
        store.publish({"config/a.yaml": "x: INVALID"}, "alice")
    assert len(store.history()) == 1 and store.version_counter() == 1


def test_yaml_export_import(store: ConfigStore, tmp_path: Path) -> None:
    store.publish(BUNDLE_V1, "alice")
    store.publish(BUNDLE_V2, "alice")
    target = tmp_path / "bundle.yaml"
    store.export(target, 1)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("format: lowlend-config-bundle\n") and "您的还款日是" in text
    assert store.read_export(target) == BUNDLE_V1
    assert store.import_(target, "x").version.number == 3


def test_loan_keeps_the_terms_of_its_pinned_version(
    store: ConfigStore, sessions: sessionmaker[Session]
) -> None:
    provider = wiring.registry_provider(sessions, fake_load_bundle)
    v1 = store.publish(BUNDLE_V1, "alice").version
    provider.check()
    with sessions() as session, session.begin():
        customer = Customer(name="张三", id_type="resident_id", id_number_hash="h1")
        loan = Loan(
            customer=customer,
            product_code="cash",
            config_version_id=v1.id,
            principal=Decimal("10000.00"),
            annual_rate=Decimal("0.180000"),
            terms_snapshot={"rate": "0.180000"},
        )
        session.add(loan)
    store.publish(BUNDLE_V2, "bob")
    assert provider.check() is True
    assert "0.24" in provider.current().files["config/products/cash.yaml"]
    with sessions() as session:
        stored = session.execute(sa.select(Loan)).scalar_one()
        assert stored.config_version_id == v1.id
        pinned = provider.for_version(stored.config_version_id)
    assert pinned.files["config/products/cash.yaml"] == "code: cash\nrate: 0.18\n"
    assert pinned.content_hash == v1.content_hash
    assert store.product_snapshot("cash", v1.id) == {"code": "cash", "rate": "0.18"}
    assert store.product_snapshot("cash", provider.version_id or 0) == {
        "code": "cash",
        "rate": "0.24",
    }


def test_store_recreates_a_missing_state_row(
    store: ConfigStore, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        session.execute(sa.delete(ConfigState))
    assert store.current() is None
    assert store.publish(BUNDLE_V1, "alice").version.number == 1


def test_concurrent_publishes_serialise(database_url: str) -> None:
    """Two connections publish at once: distinct consecutive numbers, pointer on the last."""
    migrate.upgrade(database_url)
    engines = [make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)

    def slow_validator(files):  # type: ignore[no-untyped-def]
        registry = fake_load_bundle(files)
        barrier.wait(timeout=10)  # both validated: now both race for the lock
        return registry

    stores = [wiring.config_store(make_session_factory(e), slow_validator) for e in engines]
    results: dict[int, object] = {}

    def run(i: int) -> None:
        try:
            results[i] = stores[i].publish({"config/p.yaml": f"n: {i}\n"}, f"user{i}")
        except Exception as exc:  # pragma: no cover - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        numbers = sorted(r.version.number for r in results.values())  # type: ignore[attr-defined]
        assert numbers == [1, 2], results
        with Session(engines[0]) as session:
            state = session.get(ConfigState, 1)
            assert state is not None and state.version_counter == 2
            last = session.execute(
                sa.select(ConfigVersion).where(ConfigVersion.number == 2)
            ).scalar_one()
            assert state.current_version_id == last.id
            first = session.execute(
                sa.select(ConfigVersion).where(ConfigVersion.number == 1)
            ).scalar_one()
            assert first.status == "superseded"
            assert last.diff_from_previous.startswith("--- v1/config/p.yaml")
    finally:
        for engine in engines:
            engine.dispose()


def test_state_row_lock_blocks_a_second_publisher(postgres_url: str) -> None:
    """While one transaction holds the state row, another publish waits for it."""
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    store = wiring.config_store(make_session_factory(engine), fake_load_bundle)
    finished = threading.Event()
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT * FROM config_state WHERE id = 1 FOR UPDATE"))
            thread = threading.Thread(
                target=lambda: (store.publish(BUNDLE_V1, "x"), finished.set())
            )
            thread.start()
            assert not finished.wait(1.0)  # blocked behind the lock
            holder.rollback()
        thread.join(timeout=30)
        assert finished.is_set()
        assert store.version_counter() == 1
    finally:
        engine.dispose()


def test_created_at_is_stored(store: ConfigStore) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    version = store.publish(BUNDLE_V1, "alice").version
    assert version.created_at >= before
