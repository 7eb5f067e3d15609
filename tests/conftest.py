"""Shared fixtures.

Database-backed tests take the ``database_url`` fixture, which runs them on SQLite
and — when ``LOWLEND_TEST_DATABASE_URL`` is set — again on PostgreSQL, each test in
a schema of its own. Redis-backed tests take ``redis_url``.

With ``LOWLEND_REQUIRE_SERVICES=1`` (CI) a missing service is a failure, not a
skip, and the run fails if no PostgreSQL-backed test ran at all.

The suite runs in parallel under pytest-xdist (``make test`` passes ``-n``): every
test has its own SQLite file or PostgreSQL schema, a schema's connections carry the
schema as ``application_name`` (so cleaning up after one test never touches another
worker's connections), and the workers' PostgreSQL counts are summed by the controller.
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
        yield f"{_PG_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Any, schema: str) -> None:
    """Drop a test's schema; a connection the test left idle in a transaction would
    block the DROP for ever, so it is ended (only the schema's own connections: they
    carry its name as ``application_name``)."""
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
            "AND application_name = :schema AND state LIKE 'idle in transaction%'"
        ), {"schema": schema}).all()
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


_worker_counts: list[int] = []


def pytest_testnodedown(node: Any, error: Any) -> None:
    """(xdist controller) a worker's count of PostgreSQL-backed tests."""
    _worker_counts.append(int(getattr(node, "workeroutput", {}).get("lowlend_pg_tests", 0)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller decides
        workeroutput["lowlend_pg_tests"] = _ran["postgresql"]
        return
    ran = _ran["postgresql"] + sum(_worker_counts)
    if _REQUIRE and session.testscollected and ran == 0:
        print("\nLOWLEND_REQUIRE_SERVICES=1 but no PostgreSQL-backed test ran")
        session.exitstatus = 1
