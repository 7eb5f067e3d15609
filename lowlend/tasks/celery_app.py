"""Celery bound to a Flask app: :func:`make_celery`.

* ``CELERY_BROKER_URL`` unset (the embedded default): ``task_always_eager=True``,
  tasks run in-process, synchronously, exceptions propagate.
* Beat schedule: approval SLA escalation (every ``LOWLEND_APPROVAL_SLA_CHECK_SECONDS``),
  the nightly journal verification (:mod:`lowlend.tasks.ledger`, daily at
  ``LOWLEND_LEDGER_VERIFY_AT``, default 02:30 in the Celery timezone) and the end of day
  (:mod:`lowlend.tasks.eod`, daily at ``LOWLEND_EOD_AT``, default 01:00).
* Every task runs inside the app context and first compares the config version
  counter (:func:`lowlend.web.registry_hooks.refresh_if_stale`), so a worker never
  works on a stale registry snapshot.

Write tasks with ``@celery.shared_task`` (or ``@app.extensions["celery"].task``);
``make_celery`` makes the app's Celery instance the default, so shared tasks bind
to the most recently built app.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask


def make_celery(app: Flask) -> Celery:
    """Create the Celery instance of ``app`` (stored in ``app.extensions["celery"]``)."""

    class FlaskTask(Task):  # type: ignore[misc]
        abstract = True

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            from lowlend.web import registry_hooks

            with app.app_context():
                registry_hooks.refresh_if_stale()
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL") or None
    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or None,
        task_always_eager=broker is None,
        task_eager_propagates=True,
        task_store_eager_result=False,
        timezone=app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"),
        enable_utc=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
    )
    from lowlend.tasks.approvals import ESCALATE_TASK
    from lowlend.tasks.eod import NIGHTLY_TASK as EOD_NIGHTLY_TASK
    from lowlend.tasks.eod import nightly_schedule as eod_schedule
    from lowlend.tasks.ledger import NIGHTLY_VERIFY_TASK, nightly_schedule

    schedule: dict[str, dict[str, Any]] = {
        "approval-sla-escalation": {
            "task": ESCALATE_TASK,
            "schedule": float(app.config.get("LOWLEND_APPROVAL_SLA_CHECK_SECONDS", 300)),
        },
    }
    nightly = nightly_schedule(app.config)  # LOWLEND_LEDGER_VERIFY_AT, default 02:30
    if nightly is not None:
        schedule["ledger-nightly-verification"] = {
            "task": NIGHTLY_VERIFY_TASK,
            "schedule": nightly,
        }
    eod = eod_schedule(app.config)  # LOWLEND_EOD_AT, default 01:00
    if eod is not None:
        schedule["end-of-day"] = {"task": EOD_NIGHTLY_TASK, "schedule": eod}
    celery.conf.beat_schedule = schedule
    extra = app.config.get("CELERY_CONFIG")
    if isinstance(extra, dict):
        celery.conf.update(extra)
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
