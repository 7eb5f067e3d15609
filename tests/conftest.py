"""Shared fixtures.

Database-backed tests take the ``database_url`` fixture, which runs them on SQLite
and — when ``LOWLEND_TEST_DATABASE_URL`` is set — again on PostgreSQL, each test in
a schema of its own. Redis-backed tests take ``redis_url``.

With ``LOWLEND_REQUIRE_SERVICES=1`` (CI) a missing service is a failure, not a
skip, and the run fails if no PostgreSQL-backed test ran at all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "product_configs"
TEMPLATES_DIR = REPO_ROOT / "notification_templates"

_REQUIRE = os.environ.get("LOWLEND_REQUIRE_SERVICES") == "1"
_PG_URL = os.environ.get("LOWLEND_TEST_DATABASE_URL")
_REDIS_URL = os.environ.get("LOWLEND_TEST_REDIS_URL")
_ran = {"postgresql": 0, "redis": 0}


def _missing(what: str, var: str) -> None:
    message = f"{what} not configured: set {var}"
    if _REQUIRE:
        pytest.fail(message + " (LOWLEND_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@contextmanager
def _fresh_pg_schema() -> Iterator[str]:
    if not _PG_URL:
        _missing("PostgreSQL", "LOWLEND_TEST_DATABASE_URL")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(str(_PG_URL))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in str(_PG_URL) else "?"
    _ran["postgresql"] += 1
    try:
        yield f"{_PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Any, schema: str) -> None:
    """Drop a test's schema; a connection the test left idle in a transaction would
    block the DROP for ever, so it is ended (tests run one at a time)."""
    import sqlalchemy as sa

    drop = sa.text(f'DROP SCHEMA "{schema}" CASCADE')
    try:
        with admin.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            conn.execute(drop)
        return
    except sa.exc.OperationalError:
        pass
    with admin.begin() as conn:
        leaked = conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state LIKE 'idle in transaction%'"
        )).all()
    print(f"\nended {len(leaked)} connection(s) left idle in a transaction by the test")
    with admin.begin() as conn:
        conn.execute(drop)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a fresh SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with _fresh_pg_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Only PostgreSQL (tests of PostgreSQL-specific behaviour such as concurrency)."""
    with _fresh_pg_schema() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    if not _REDIS_URL:
        _missing("Redis", "LOWLEND_TEST_REDIS_URL")
    _ran["redis"] += 1
    return str(_REDIS_URL)


@pytest.fixture
def config_dir() -> Path:
    return CONFIG_DIR


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _REQUIRE and session.testscollected and _ran["postgresql"] == 0:
        print("\nLOWLEND_REQUIRE_SERVICES=1 but no PostgreSQL-backed test ran")
        session.exitstatus = 1
