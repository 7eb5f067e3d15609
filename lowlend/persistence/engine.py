"""Engines and session factories for code that runs without a Flask app (CLI, tasks, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Create an engine for ``url``.

    For SQLite files the parent folder is created, foreign keys are enforced and a
    busy timeout lets concurrent writers wait instead of failing at once.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        return enforce_sqlite_foreign_keys(sa.create_engine(url, **kwargs))
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def enforce_sqlite_foreign_keys(engine: sa.Engine) -> sa.Engine:
    """Make every new connection of a SQLite ``engine`` enforce foreign keys (SQLite does
    not by default); other engines are returned unchanged. Used by :func:`make_engine`
    and by the Flask app's engines (:mod:`lowlend.persistence.db`)."""
    if engine.dialect.name == "sqlite" and not event.contains(
        engine, "connect", _sqlite_pragmas
    ):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
