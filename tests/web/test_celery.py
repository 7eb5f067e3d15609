"""Celery: eager without a broker, app context and registry check at task start."""

from __future__ import annotations

from typing import Any

import pytest
from flask import current_app

from lowlend.web import registry_hooks


def test_no_broker_means_eager(make_app: Any) -> None:
    celery = make_app().extensions["celery"]
    assert celery.conf.task_always_eager is True
    assert celery.conf.task_eager_propagates is True


def test_broker_means_not_eager(make_app: Any) -> None:
    celery = make_app(CELERY_BROKER_URL="redis://127.0.0.1:6379/15").extensions["celery"]
    assert celery.conf.task_always_eager is False
    assert celery.conf.broker_url == "redis://127.0.0.1:6379/15"


def test_task_runs_in_app_context_after_registry_check(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(APP_NAME="celery-app")
    celery = app.extensions["celery"]
    calls: list[str] = []
    monkeypatch.setattr(registry_hooks, "refresh_if_stale", lambda: calls.append("checked"))

    @celery.task(name="tests.web.add")
    def add(a: int, b: int) -> tuple[int, str]:
        calls.append("ran")
        return a + b, current_app.config["APP_NAME"]

    assert add.delay(2, 3).get() == (5, "celery-app")
    assert calls == ["checked", "ran"]


def test_registry_check_per_request(demo_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = demo_app
    calls: list[str] = []
    monkeypatch.setattr(registry_hooks, "refresh_if_stale", lambda: calls.append("checked"))
    client = app.test_client()
    client.get("/health")
    assert calls == []  # /health stays independent of the registry
    client.get("/login/")
    assert calls == ["checked"]
