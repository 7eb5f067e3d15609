"""Config store and registry provider on SQLite and PostgreSQL, with the real spec layer.

Version 1 is the shipped configuration; version 2 raises ``consumer_emi``'s
``interest.annual_rate.default`` from 0.15 to 0.16.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from lowlend.persistence import migrate, wiring
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.models import ConfigState, ConfigVersion, Customer, Loan
from lowlend.services.config_store import ConfigStore, InvalidConfig
from lowlend.spec import SpecRegistry
from tests.config_fixtures import (
    PRODUCT,
    PRODUCT_KEY,
    bundle_with_rate,
    cached_load_bundle,
    default_rate,
    shipped_bundle,
    shipped_registry,
)

V1 = shipped_bundle()
V2 = bundle_with_rate("0.160000")


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
    return wiring.config_store(sessions, cached_load_bundle)


def test_publish_history_rollback(store: ConfigStore, sessions: sessionmaker[Session]) -> None:
    first = store.publish(V1, "alice", "first")
    assert store.publish(V1, "alice").created is False
    second = store.publish(V2, "bob")
    assert (first.version.number, second.version.number) == (1, 2)
    third = store.rollback(1, "carol")
    assert third.version.number == 3 and third.version_counter == 3
    assert [(v.number, v.status, v.author) for v in store.history()] == [
        (1, "superseded", "alice"),
        (2, "superseded", "bob"),
        (3, "published", "carol"),
    ]
    current = store.current()
    assert current is not None and store.current_number() == current.number
    assert current is not None and dict(current.files) == V1
    assert current.content_hash == shipped_registry().content_hash
    assert current.created_at.tzinfo is not None
    assert '+  annual_rate: {min: "0.080000", max: "0.180000", default: "0.150000"}' in (
        current.diff_from_previous.splitlines()
    )
    with sessions() as session:
        state = session.get(ConfigState, 1)
        assert state is not None
        assert state.current_version_id == third.version.id and state.version_counter == 3


def test_invalid_publish_leaves_everything_untouched(store: ConfigStore) -> None:
    store.publish(V1, "alice")
    bad = {**V2, PRODUCT_KEY: V2[PRODUCT_KEY].replace("day_count: ACT/365", "day_count: ACT/366")}
    with pytest.raises(InvalidConfig) as info:
        store.publish(bad, "alice")
    assert len(info.value.errors) == 1 and info.value.errors[0].startswith(f"{PRODUCT_KEY}:")
    assert ": day_count: " in info.value.errors[0]
    assert len(store.history()) == 1 and store.version_counter() == 1
    current = store.current()
    assert current is not None and current.number == 1


def test_yaml_export_import(store: ConfigStore, tmp_path: Path) -> None:
    store.publish(V1, "alice")
    store.publish(V2, "alice")
    target = tmp_path / "bundle.yaml"
    store.export(target, 1)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("format: lowlend-config-bundle\n") and "个人消费贷" in text
    assert store.read_export(target) == V1
    imported = store.import_(target, "x").version
    assert imported.number == 3 and imported.content_hash == shipped_registry().content_hash


def test_loan_keeps_the_terms_of_its_pinned_version(
    store: ConfigStore, sessions: sessionmaker[Session]
) -> None:
    provider = wiring.registry_provider(sessions)  # lowlend.spec.load_bundle
    v1 = store.publish(V1, "alice").version
    provider.check()
    terms = provider.current()
    assert isinstance(terms, SpecRegistry)
    rate = default_rate(terms)
    with sessions() as session, session.begin():
        customer = Customer(name="张三", id_type="resident_id", id_number_hash="h1")
        loan = Loan(
            customer=customer,
            product_code=PRODUCT,
            config_version_id=v1.id,
            principal=Decimal("10000.00"),
            annual_rate=rate,
            terms_snapshot={"annual_rate": str(rate)},
        )
        session.add(loan)
    v2 = store.publish(V2, "bob").version
    assert provider.check() is True
    current = provider.current()
    assert isinstance(current, SpecRegistry) and default_rate(current) == Decimal("0.160000")
    with sessions() as session:
        stored = session.execute(sa.select(Loan)).scalar_one()
        assert stored.config_version_id == v1.id
        pinned = provider.for_version(stored.config_version_id)
        assert isinstance(pinned, SpecRegistry)
        assert default_rate(pinned) == stored.annual_rate == Decimal("0.150000")
    assert pinned.content_hash == v1.content_hash
    assert pinned.products[PRODUCT] == shipped_registry().products[PRODUCT]
    snapshot_v1 = store.product_snapshot(PRODUCT, v1.id)
    snapshot_v2 = store.product_snapshot(PRODUCT, v2.id)
    assert snapshot_v1 is not None and snapshot_v2 is not None
    assert _rate_of(snapshot_v1) == "0.150000" and _rate_of(snapshot_v2) == "0.160000"
    assert snapshot_v1["interest"]["method"] == "declining_balance"  # type: ignore[index]


def _rate_of(snapshot: Mapping[str, object]) -> object:
    return snapshot["interest"]["annual_rate"]["default"]  # type: ignore[index]


def test_store_recreates_a_missing_state_row(
    store: ConfigStore, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        session.execute(sa.delete(ConfigState))
    assert store.current() is None
    assert store.publish(V1, "alice").version.number == 1


def test_concurrent_publishes_serialise(database_url: str) -> None:
    """Two connections publish at once: distinct consecutive numbers, pointer on the last."""
    migrate.upgrade(database_url)
    engines = [make_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(2)

    def validate_then_wait(files: Mapping[str, str]) -> SpecRegistry:
        registry = cached_load_bundle(files)
        barrier.wait(timeout=30)  # both validated: now both race for the lock
        return registry

    stores = [wiring.config_store(make_session_factory(e), validate_then_wait) for e in engines]
    bundles = [bundle_with_rate("0.110000"), bundle_with_rate("0.120000")]
    results: dict[int, object] = {}

    def run(i: int) -> None:
        try:
            results[i] = stores[i].publish(bundles[i], f"user{i}")
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
            assert last.diff_from_previous.startswith(f"--- v1/{PRODUCT_KEY}")
    finally:
        for engine in engines:
            engine.dispose()


def test_state_row_lock_blocks_a_second_publisher(postgres_url: str) -> None:
    """While one transaction holds the state row, another publish waits for it."""
    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    store = wiring.config_store(make_session_factory(engine), cached_load_bundle)
    cached_load_bundle(V1)  # validated before the lock is taken: the wait below is the lock's
    finished = threading.Event()
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT * FROM config_state WHERE id = 1 FOR UPDATE"))
            thread = threading.Thread(target=lambda: _publish_then_set(store, finished))
            thread.start()
            assert not finished.wait(1.0)  # blocked behind the lock
            holder.rollback()
        thread.join(timeout=30)
        assert finished.is_set()
        assert store.version_counter() == 1
    finally:
        engine.dispose()


def _publish_then_set(store: ConfigStore, finished: threading.Event) -> None:
    store.publish(V1, "x")
    finished.set()


def test_created_at_is_stored(store: ConfigStore) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    version = store.publish(V1, "alice").version
    assert version.created_at >= before
