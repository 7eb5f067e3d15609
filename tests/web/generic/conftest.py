"""Fixtures of the generated-admin tests: demo apps with every permission synced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def _sync(app: Any) -> Any:
    with app.app_context():
        # FAB_UPDATE_PERMS is off in lowlend: create the generated views' permissions
        # (and grant them to the admin role) as `lowlend demo` / the role sync do.
        app.appbuilder.add_permissions(update_perms=True)
    return app


@pytest.fixture
def generic_app(make_demo_app: Callable[..., Any]) -> Any:
    """A demo app (SQLite copy, published seed config) with CSRF off and permissions synced."""
    return _sync(make_demo_app(WTF_CSRF_ENABLED=False))


@pytest.fixture
def make_generic_app(make_app: Callable[..., Any]) -> Callable[[str], Any]:
    """Build a bootstrapped demo app on ``url`` (e.g. a PostgreSQL schema)."""

    def build(url: str) -> Any:
        from lowlend.web.bootstrap import bootstrap_demo

        first = make_app(SQLALCHEMY_DATABASE_URI=url, LOWLEND_DEMO=True, WTF_CSRF_ENABLED=False)
        bootstrap_demo(first)
        with first.app_context():
            from lowlend.persistence.db import db

            db.session.remove()
        # a second app boots with the published registry: config entities registered
        return _sync(
            make_app(SQLALCHEMY_DATABASE_URI=url, LOWLEND_DEMO=True, WTF_CSRF_ENABLED=False)
        )

    return build


def login(client: Any, username: str, password: str = "lowlend-demo") -> Any:
    """Log in through the real form (CSRF is off in these apps)."""
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def admin_client(generic_app: Any) -> Any:
    client = generic_app.test_client()
    login(client, "admin")
    return client
