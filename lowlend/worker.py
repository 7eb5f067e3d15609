"""Entry point of the Celery processes::

    celery -A lowlend.worker worker     # any number, on any machine
    celery -A lowlend.worker beat       # exactly one (approval SLA escalation, ...)

The Flask app — and with it the Celery instance, its tasks and beat schedule — is built
with :func:`lowlend.app.create_app` when Celery first asks for ``app`` / ``celery``, not on
import (importing this module has no side effect).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        from lowlend.app import create_app

        flask_app = create_app()
        celery = flask_app.extensions["celery"]
        globals().update(flask_app=flask_app, app=celery, celery=celery)
        return celery
    raise AttributeError(name)
