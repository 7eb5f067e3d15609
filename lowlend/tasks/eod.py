"""End of day on Celery: one task per partition, a nightly beat entry.

* :data:`CLOSE_PARTITION_TASK` closes one partition (:func:`lowlend.services.eod.runner.close_partition`);
  the task that finds no partition of its run left unfinished sets the run's final status
  (the run's summary: no chord and no result backend needed, and a partition re-delivered
  after a worker died is closed once — the partition row is locked and its status checked).
  With ``until`` it then plans the next business date and sends that date's partitions,
  so dates are closed in order without any task waiting for another.
* :func:`dispatch` sends a run's unfinished partitions as a ``group`` through the app's
  Celery (called in an app context); in the embedded
  default (no broker, ``task_always_eager``) the group runs in this process, the same code.
* :data:`NIGHTLY_TASK` (beat, daily at ``LOWLEND_EOD_AT``, ``HH:MM`` in the Celery
  timezone, default ``01:00``; ``off`` disables it) closes every business date from the
  current one through yesterday.

The database is the app's ``SQLALCHEMY_DATABASE_URI`` (else ``LOWLEND_DATABASE_URL``); the
payment gateway comes from the ``LOWLEND_GATEWAY*`` settings (app config, environment).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from celery import group, shared_task
from celery.schedules import crontab

from lowlend.services.eod.runner import EodServices

__all__ = [
    "CLOSE_PARTITION_TASK",
    "DEFAULT_EOD_AT",
    "EOD_AT_SETTING",
    "NIGHTLY_TASK",
    "app_services",
    "close_partition_task",
    "dispatch",
    "eod_nightly",
    "nightly_schedule",
    "services_for",
]

log = logging.getLogger(__name__)

CLOSE_PARTITION_TASK = "lowlend.eod.close_partition"
NIGHTLY_TASK = "lowlend.eod.nightly"
EOD_AT_SETTING = "LOWLEND_EOD_AT"
DEFAULT_EOD_AT = "01:00"
_EXTENSION = "lowlend_eod"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_OFF = frozenset({"off", "none", "disabled", "0", "false", "no"})


def nightly_schedule(config: Mapping[str, Any]) -> crontab | None:
    """``LOWLEND_EOD_AT`` (app config, else environment, else ``01:00``) as a beat schedule;
    ``None`` when ``off``.

    :raises ValueError: neither ``HH:MM`` nor ``off``.
    """
    raw = config.get(EOD_AT_SETTING)
    if raw is None:
        raw = os.environ.get(EOD_AT_SETTING)
    text = str(raw if raw is not None else DEFAULT_EOD_AT).strip()
    if text.lower() in _OFF:
        return None
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"{EOD_AT_SETTING}={text!r}: expected HH:MM (e.g. 01:00) or 'off'")
    return crontab(hour=int(match.group(1)), minute=int(match.group(2)))


def services_for(database_url: str, config: Mapping[str, Any] | None = None) -> EodServices:
    """EOD services over ``database_url`` with the gateway of the settings (``config``
    before the environment)."""
    from lowlend.integrations.payments import gateway_from_settings
    from lowlend.persistence.engine import make_engine
    from lowlend.persistence.eod_wiring import eod_services

    cfg = dict(config or {})
    gateway_settings = {k: str(v) for k, v in os.environ.items() if k.startswith("LOWLEND_GATEWAY")}
    gateway_settings.update({k: str(v) for k, v in cfg.items() if k.startswith("LOWLEND_GATEWAY")})
    return eod_services(make_engine(database_url), gateway=gateway_from_settings(gateway_settings),
                        settings=cfg)


def app_services() -> EodServices:
    """This app's EOD services (built on first use, kept in ``app.extensions``)."""
    from flask import current_app

    from lowlend.persistence import settings

    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        url = current_app.config.get("SQLALCHEMY_DATABASE_URI") or settings.database_url()
        found = services_for(str(url), current_app.config)
        current_app.extensions[_EXTENSION] = found
    return found  # type: ignore[no-any-return]


def dispatch(services: EodServices, run_id: int, until: str | None = None) -> int:
    """Send the run's unfinished partitions as a group; returns how many. A run with none
    left is finished (and, with ``until``, the next date started) at once."""
    from flask import current_app

    ids = [p.id for p in services.store.partitions(run_id, unfinished=True)]
    if not ids:
        _after_last(services, run_id, until)
        return 0
    # the app's own Celery (not whichever Celery app is "current" in this thread)
    task = current_app.extensions["celery"].tasks[CLOSE_PARTITION_TASK]
    group(task.s(run_id, pid, until) for pid in ids).apply_async()
    return len(ids)


def _after_last(services: EodServices, run_id: int, until: str | None) -> None:
    from lowlend.services.eod.runner import finish_run, plan_run

    run = finish_run(services, run_id).run
    if run.status == "running" or until is None:
        return
    nxt = run.business_date + dt.timedelta(days=1)
    if nxt > dt.date.fromisoformat(until):
        return
    planned, _ = plan_run(services, nxt, mode="celery", started_by="celery")
    dispatch(services, planned.id, until)


@shared_task(name=CLOSE_PARTITION_TASK, acks_late=True)  # type: ignore[untyped-decorator]
def close_partition_task(run_id: int, partition_id: int, until: str | None = None) -> dict[str, Any]:
    """Close one partition; the last one of its run finishes the run (and goes on to the
    next date through ``until``)."""
    from lowlend.services.eod.runner import close_partition

    services = app_services()
    result = close_partition(services, partition_id)
    if not services.store.partitions(run_id, unfinished=True):
        _after_last(services, run_id, until)
    return asdict(result)


@shared_task(name=NIGHTLY_TASK)  # type: ignore[untyped-decorator]
def eod_nightly() -> dict[str, Any]:
    """Close every business date from the current one through yesterday (in order)."""
    from lowlend.services.business_date import current_business_date
    from lowlend.services.eod.runner import plan_run

    services = app_services()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    s = services.settings
    first = current_business_date(services.store, s.start, yesterday)
    if first > yesterday:
        log.info("end of day: nothing to close (the business date is %s)", first)
        return {"first": None, "until": yesterday.isoformat(), "run_id": None}
    run, _ = plan_run(services, first, mode="celery", started_by="celery beat")
    sent = dispatch(services, run.id, yesterday.isoformat())
    log.info("end of day: %s partition(s) of %s sent, through %s", sent, first, yesterday)
    return {"first": first.isoformat(), "until": yesterday.isoformat(), "run_id": run.id}
