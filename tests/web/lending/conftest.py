"""An app on a small demo data set, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def lending_app(make_app: Callable[..., Any], database_url: str) -> Iterator[Any]:
    from lowlend.web.bootstrap import bootstrap_demo

    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True)
    bootstrap_demo(app, loans=10)
    with app.app_context():
        app.appbuilder.add_permissions(update_perms=True)
    yield app
    with app.app_context():
        from lowlend.persistence.db import db

        db.session.remove()
        db.engine.dispose()
