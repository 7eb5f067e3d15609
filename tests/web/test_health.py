"""GET /health."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_health_ok(make_app: Callable[..., Any]) -> None:
    response = make_app().test_client().get("/health")
    assert response.status_code == 200
    assert response.is_json
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "config_version": None,
    }


def test_health_needs_no_login_and_works_on_every_database(database_url: str, make_app: Callable[..., Any]) -> None:
    from lowlend.web.bootstrap import bootstrap_demo

    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True)
    bootstrap_demo(app)
    response = app.test_client().get("/health")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["database"] == "ok"
    assert response.json["config_version"] in (1, None)  # the shipped config (if it validates)


def test_health_503_when_database_is_down(make_app: Callable[..., Any], tmp_path: Path) -> None:
    broken = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    response = make_app(SQLALCHEMY_DATABASE_URI=broken).test_client().get("/health")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["database"] == "down"


def test_health_reports_a_broker_that_is_down(make_app: Callable[..., Any]) -> None:
    app = make_app(CELERY_BROKER_URL="redis://127.0.0.1:1/0", LOWLEND_HEALTH_BROKER_TIMEOUT=0.5)
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json["broker"] == "down"


def test_health_reports_a_live_broker(redis_url: str, make_app: Callable[..., Any]) -> None:
    response = make_app(CELERY_BROKER_URL=redis_url).test_client().get("/health")
    assert response.json["broker"] == "ok"
