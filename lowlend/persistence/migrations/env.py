"""Alembic environment of lowlend's own tables.

Run through :mod:`lowlend.persistence.migrate` (which passes a connection in
``config.attributes["connection"]``), through ``alembic`` with ``sqlalchemy.url``
set, or through Flask-Migrate (``Migrate(app, db, directory=MIGRATIONS_DIR)``).
Importing this module outside Alembic does nothing (pytest's doctest collection
imports every module).
"""

from __future__ import annotations

from typing import Any

from alembic import context


def _configure_kwargs() -> dict[str, Any]:
    from lowlend.persistence.migrate import include_name, include_object
    from lowlend.persistence.models import metadata

    return {
        "target_metadata": metadata,
        "include_name": include_name,
        "include_object": include_object,
        "compare_type": True,
        "render_as_batch": True,  # SQLite: ALTER via table copy
    }


def _run_on(connection: Any) -> None:
    context.configure(connection=connection, **_configure_kwargs())
    with context.begin_transaction():
        context.run_migrations()


def _url_from_flask() -> str | None:
    try:
        from flask import current_app

        return str(current_app.extensions["migrate"].db.engine.url.render_as_string(False))
    except Exception:
        return None


def run() -> None:
    """Run the migrations offline (SQL script) or online."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or _url_from_flask()
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **_configure_kwargs())
        with context.begin_transaction():
            context.run_migrations()
        return
    from lowlend.persistence.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run_on(conn)
    finally:
        engine.dispose()


if getattr(context, "_proxy", None) is not None:
    run()
