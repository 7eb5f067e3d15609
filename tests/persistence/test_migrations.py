"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence import migrate
from lowlend.persistence.engine import make_engine
from lowlend.persistence.models import (
    LOWLEND_TABLES,
    ConfigState,
    ImmutableRecordError,
    JournalEntry,
    JournalLine,
)


def test_upgrade_from_empty_matches_models(database_url: str) -> None:
    assert migrate.current_revision(database_url) is None
    migrate.upgrade(database_url)
    assert migrate.current_revision(database_url) == migrate.head_revision()
    assert migrate.schema_diff(database_url) == []
    engine = make_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert LOWLEND_TABLES <= tables
        with Session(engine) as session:
            state = session.get(ConfigState, 1)
            assert state is not None
            assert state.version_counter == 0
            assert state.current_version_id is None
    finally:
        engine.dispose()


def test_upgrade_is_idempotent_and_downgrade_empties(database_url: str) -> None:
    migrate.ensure_schema(database_url)
    migrate.ensure_schema(database_url)
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "base")
    engine = make_engine(database_url)
    try:
        assert not LOWLEND_TABLES & set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_money_round_trips_as_decimal_and_journal_is_immutable(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            entry = JournalEntry(
                business_date=dt.date(2026, 1, 1), prev_hash="0" * 64, hash="a" * 64
            )
            entry.lines = [
                JournalLine(account="loans_receivable", debit=Decimal("1234.50")),
                JournalLine(account="cash", credit=Decimal("1234.50")),
            ]
            session.add(entry)
            session.commit()
            entry_id = entry.id
        with Session(engine) as session:
            stored = session.get(JournalEntry, entry_id)
            assert stored is not None
            assert [line.debit for line in stored.lines] == [Decimal("1234.50"), Decimal("0.00")]
            stored.description = "tampered"
            with pytest.raises(ImmutableRecordError):
                session.flush()
            session.rollback()
            stored = session.get(JournalEntry, entry_id)
            session.delete(stored)
            with pytest.raises(ImmutableRecordError):
                session.flush()
    finally:
        engine.dispose()


def test_migration_env_is_import_safe() -> None:
    """pytest's doctest collection imports env.py outside Alembic: it must do nothing."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_env", migrate.MIGRATIONS_DIR / "env.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def test_upgrade_accepts_an_engine_of_an_in_memory_database() -> None:
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert LOWLEND_TABLES <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_empty_database_differs_from_models(database_url: str) -> None:
    assert migrate.schema_diff(database_url)  # sanity: the comparison does see tables
