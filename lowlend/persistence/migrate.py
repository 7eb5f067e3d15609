"""Schema migrations usable without a Flask app (plain Alembic API).

The Alembic environment lives in the package folder ``lowlend/persistence/migrations``
(no ``alembic.ini`` needed). The migrations cover **lowlend's own tables** only
(:data:`lowlend.persistence.models.LOWLEND_TABLES`); Flask-AppBuilder creates its
``ab_*`` security tables itself (``appbuilder.sm.create_db()``), which is why links
to ``ab_user.id`` are plain integer columns without a database-level foreign key.

>>> head_revision()
'0014'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from lowlend.persistence.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""Alembic ``script_location`` (``env.py``, ``script.py.mako``, ``versions/``)."""

_PG_ADVISORY_LOCK_KEY = 7_410_154_001
"""Key of the PostgreSQL advisory lock serialising concurrent upgrades."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Return an Alembic :class:`~alembic.config.Config` for lowlend's migrations.

    :param connection: when given, ``env.py`` runs the migrations on it (the
        connection's transaction is used; the caller commits).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest migration revision shipped with this version of lowlend."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


Target = str | sa.Engine | sa.Connection
"""A database URL, an engine (e.g. Flask-SQLAlchemy's ``db.engine``) or a connection."""


def _lock(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_ADVISORY_LOCK_KEY}
        )


@contextmanager
def _migration_connection(database: Target) -> Iterator[sa.Connection]:
    if isinstance(database, sa.Connection):
        _lock(database)
        yield database  # the caller owns (and commits) the transaction
        return
    engine = (
        database
        if isinstance(database, sa.Engine)
        else make_engine(database, poolclass=sa.pool.NullPool)
    )
    try:
        with engine.connect() as connection:
            if connection.dialect.name != "sqlite":
                with connection.begin():
                    _lock(connection)
                    yield connection
                return
            # SQLite changes a table by copying it (batch mode) and dropping the original,
            # which other tables' rows refer to: SQLite's own procedure for that is foreign
            # keys off (outside the transaction: the switch is ignored inside one), the
            # change, a foreign-key check before commit, foreign keys on again.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            try:
                with connection.begin():
                    yield connection
                    _check_foreign_keys(connection)
            finally:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    finally:
        if not isinstance(database, sa.Engine):
            engine.dispose()


def _check_foreign_keys(connection: sa.Connection) -> None:
    """Refuse (roll back) a SQLite migration that leaves rows pointing nowhere."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"the migration leaves {len(broken)} row(s) whose foreign keys point nowhere, "
            f"e.g. {table} rowid {rowid} → {parent}"
        )


def upgrade(database_url: Target, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest).

    :param database_url: a URL, an engine (use ``db.engine`` for in-memory SQLite) or
        a connection (migrated inside its transaction; the caller commits).

    Runs in one transaction (transactional DDL on PostgreSQL, where concurrent
    callers are serialised by an advisory lock). Safe to call on an up-to-date
    database: it does nothing then.
    """
    with _migration_connection(database_url) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(database_url: Target, revision: str) -> None:
    """Downgrade the database at ``database_url`` to ``revision`` (``"base"`` = empty)."""
    with _migration_connection(database_url) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(database_url: Target) -> str | None:
    """Return the revision the database is at (``None`` for a database never migrated)."""
    if isinstance(database_url, sa.Connection):
        return MigrationContext.configure(database_url).get_current_revision()
    engine = (
        database_url
        if isinstance(database_url, sa.Engine)
        else make_engine(database_url, poolclass=sa.pool.NullPool)
    )
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if not isinstance(database_url, sa.Engine):
            engine.dispose()


def ensure_schema(database_url: Target) -> None:
    """Create or upgrade lowlend's schema unless it is already at the head revision."""
    if current_revision(database_url) != head_revision():
        upgrade(database_url)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: only lowlend's own tables (not FAB's ``ab_*`` nor others)."""
    if type_ == "table":
        from lowlend.persistence.models import LOWLEND_TABLES

        return name in LOWLEND_TABLES
    return True


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter on the model side: the shared ``db.Model`` metadata also holds FAB's
    tables and the config-declared entity tables, which these migrations do not manage."""
    if type_ == "table":
        from lowlend.persistence.models import LOWLEND_TABLES

        return name in LOWLEND_TABLES
    return True


def schema_diff(database_url: str) -> list[Any]:
    """Return Alembic's differences between the models and the database (``[]`` = in sync)."""
    from lowlend.persistence.models import metadata

    engine = make_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={
                    "include_name": include_name,
                    "include_object": include_object,
                    "compare_type": True,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
