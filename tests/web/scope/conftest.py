"""Fixtures of the permission-sync and data-scope tests (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def seed_app(make_app: Callable[..., Any], database_url: str) -> Iterator[Any]:
    """The app on an empty database (SQLite file or PostgreSQL schema) after what
    ``lowlend demo`` does: schema, shipped configuration published, demo roles/users,
    permissions synced from the seed roles.yaml (the real FAB security manager)."""
    from lowlend.cli.run_cmd import _bootstrap

    app = make_app(LOWLEND_DEMO=True, SQLALCHEMY_DATABASE_URI=database_url)
    result = _bootstrap(app, None, None)
    assert result["config"].startswith("published"), result["config"]
    assert result["permissions"].added  # the first sync did something
    yield app
    with app.app_context():
        from lowlend.persistence.db import db

        db.session.remove()
        db.engine.dispose()
