"""Fixtures of the config-screen tests: demo apps (CSRF on) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


def _grant_view_permissions(app: Any) -> Any:
    with app.app_context():
        # FAB_UPDATE_PERMS is off in lowlend: create the registered views' permissions and
        # grant them to the admin role, as `lowlend demo` does at boot.
        app.appbuilder.add_permissions(update_perms=True)
    return app


@pytest.fixture
def config_app(make_app: Callable[..., Any], database_url: str) -> Iterator[Any]:
    """A bootstrapped demo app (shipped config published as version 1), CSRF on."""
    from lowlend.web.bootstrap import bootstrap_demo

    first = make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True)
    bootstrap_demo(first, loans=20)
    with first.app_context():
        from lowlend.persistence.db import db

        db.session.remove()
    app = _grant_view_permissions(make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True))
    yield app
    for one in (first, app):
        with one.app_context():
            from lowlend.persistence.db import db

            db.session.remove()
            db.engine.dispose()
