"""The editor's "changed since you opened it" check when the base version cannot be read."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from lowlend.services.config_store import UnknownVersion
from lowlend.web.config_admin import item_views

CURRENT = SimpleNamespace(number=3, files={"roles.yaml": "roles: []\n"})


class _Store:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, number: int) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "logged"),
    [(UnknownVersion(2), False), (OperationalError("SELECT", {}, Exception("gone")), True)],
)
def test_an_unreadable_base_version_counts_as_changed(
    make_app: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    logged: bool,
) -> None:
    monkeypatch.setattr(item_views, "store", lambda: _Store(error))
    with make_app().test_request_context(), caplog.at_level(logging.WARNING):
        message = item_views.conflict_message("2", CURRENT, "roles.yaml")
    assert message is not None and "3" in message
    assert any("config version 2 unreadable" in r.getMessage() for r in caplog.records) is logged


def test_the_current_version_as_base_is_no_conflict(make_app: Any) -> None:
    with make_app().test_request_context():
        assert item_views.conflict_message("3", CURRENT, "roles.yaml") is None
