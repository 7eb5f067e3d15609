"""Fixtures of the attachment tests: a demo app on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.web.generic.conftest import _sync

#: smallest files whose first bytes match their type
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"lowlend test invoice\n" * 20


@pytest.fixture
def app(
    database_url: str, make_demo_app: Callable[..., Any], make_app: Callable[..., Any]
) -> Iterator[Any]:
    """A bootstrapped demo app (CSRF off, permissions synced) on SQLite or PostgreSQL."""
    from lowlend.persistence.db import db
    from lowlend.web.bootstrap import bootstrap_demo

    if database_url.startswith("sqlite"):
        yield _sync(make_demo_app(WTF_CSRF_ENABLED=False))
        return
    first = make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True)
    bootstrap_demo(first)
    with first.app_context():
        db.session.remove()
        db.engine.dispose()
    built = _sync(
        make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True, WTF_CSRF_ENABLED=False)
    )
    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()
