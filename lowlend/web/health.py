"""``GET /health``: liveness/readiness without login.

200 ``{"status": "ok", "database": "ok", "broker": "in-process"|"ok"|"down",
"config_version": <int or null>}``; 503 with ``"status": "error"`` (and
``"database": "down"``) when the database does not answer.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from lowlend.web import registry_hooks
from lowlend.web.backend import backend

log = logging.getLogger(__name__)

bp = Blueprint("lowlend_health", __name__)

HEALTH_ENDPOINT = "lowlend_health.health"


def check_database() -> str:
    try:
        backend().records.ping()
        return "ok"
    except Exception as exc:
        log.warning("health: database check failed: %s", exc)
        try:
            backend().records.rollback()
        except SQLAlchemyError as rollback_exc:  # the connection is gone as well
            log.warning("health: rollback after the failed check failed: %s", rollback_exc)
        return "down"


def check_broker() -> str:
    url = current_app.config.get("CELERY_BROKER_URL")
    if not url:
        return "in-process"
    try:
        from kombu import Connection

        timeout = float(current_app.config.get("LOWLEND_HEALTH_BROKER_TIMEOUT", 2.0))
        with Connection(url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return "ok"
    except Exception as exc:
        log.warning("health: broker check failed: %s", exc)
        return "down"


def config_version() -> int | None:
    try:
        return registry_hooks.current_config_version()
    except Exception as exc:
        log.warning("health: config version unavailable: %s", exc)
        return None


@bp.get("/health")
def health() -> Any:
    database = check_database()
    body = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "broker": check_broker(),
        "config_version": config_version() if database == "ok" else None,
    }
    response = jsonify(body)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
