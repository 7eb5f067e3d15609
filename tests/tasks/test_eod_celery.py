"""End of day on Celery: a real worker on Redis closes 4 partitions per date and gets the
in-process result; the embedded default (no broker) runs the same tasks eagerly; the
beat entry and its setting."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from celery import _state as celery_state
from celery.schedules import crontab
from flask import Flask

from lowlend.services.eod.runner import plan_run, run_eod
from lowlend.tasks.celery_app import make_celery
from lowlend.tasks.eod import EOD_AT_SETTING, NIGHTLY_TASK, dispatch, nightly_schedule
from tests.services.eod.helpers import START, checksums, disbursed_loan, published_world, services

DAY = dt.timedelta(days=1)
END = START + 3 * DAY


def _portfolio(url: str) -> Any:
    world = published_world(url, partition_size=2)
    products = ["consumer_emi", "installment_flat", "business_equal_principal", "bridge_bullet"]
    for i in range(8):  # 4 partitions of 2 loans
        disbursed_loan(world, products[i % 4])
    return world


def _app(url: str, broker: str | None, queue: str | None = None) -> Flask:
    app = Flask(f"eod-{uuid.uuid4().hex[:6]}")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, CELERY_BROKER_URL=broker,
                      LOWLEND_BUSINESS_DATE_START=START.isoformat())
    if queue:
        app.config["CELERY_CONFIG"] = {"task_default_queue": queue}
    return app


def _wait_closed(world: Any, day: dt.date, timeout: float = 90) -> None:
    store = services(world).store
    deadline = time.monotonic() + timeout
    while True:
        last = store.last_closed_date()
        if last is not None and last >= day:
            return
        assert time.monotonic() < deadline, f"not closed through {day} (last {last})"
        time.sleep(0.2)


def test_a_redis_worker_gets_the_in_process_result(tmp_path: Path, redis_url: str) -> None:
    from celery.contrib.testing.worker import start_worker

    reference = _portfolio(f"sqlite:///{tmp_path / 'in_process.db'}")
    summaries = run_eod(services(reference), START, END, today=END)
    assert [s.run.partitions for s in summaries] == [4, 4, 4, 4]
    url = f"sqlite:///{tmp_path / 'celery.db'}"
    world = _portfolio(url)
    queue = f"eod-test-{uuid.uuid4().hex[:8]}"
    app = _app(url, redis_url, queue)
    celery = make_celery(app)
    celery.conf.update(result_backend=None, worker_hijack_root_logger=False)
    assert not celery.conf.task_always_eager
    try:
        _run_on_a_worker(start_worker, celery, queue, app, world)
    finally:
        # start_worker made its app "current" in this thread: later tests must get the
        # default app (the one their own make_celery sets) again
        celery_state._set_current_app(None)
    runs = [services(world).store.run_for_date(START + i * DAY) for i in range(4)]
    assert [r.status for r in runs if r] == ["completed"] * 4
    assert [r.mode for r in runs if r] == ["celery"] * 4
    assert checksums(world.engine) == checksums(reference.engine)
    world.engine.dispose()
    reference.engine.dispose()


def _run_on_a_worker(start_worker: Any, celery: Any, queue: str, app: Flask, world: Any) -> None:
    with start_worker(celery, pool="solo", perform_ping_check=False, loglevel="WARNING",
                      queues=[queue], shutdown_timeout=30):
        svc = services(world)
        run, created = plan_run(svc, START, mode="celery", today=END)
        assert created and run.partitions == 4
        with app.app_context():
            assert dispatch(svc, run.id, END.isoformat()) == 4
        _wait_closed(world, END)


def test_without_a_broker_the_tasks_run_eagerly(tmp_path: Path) -> None:
    reference = _portfolio(f"sqlite:///{tmp_path / 'a.db'}")
    run_eod(services(reference), START, END, today=END)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    world = _portfolio(url)
    app = _app(url, None)
    celery = make_celery(app)
    assert celery.conf.task_always_eager
    svc = services(world)
    run, _ = plan_run(svc, START, today=END)
    with app.app_context():
        dispatch(svc, run.id, END.isoformat())
    assert services(world).store.last_closed_date() == END
    assert checksums(world.engine) == checksums(reference.engine)


def _schedule(config: dict[str, Any]) -> dict[str, Any]:
    app = Flask("beat-test")
    app.config.update(config)
    return make_celery(app).conf.beat_schedule


def test_beat_closes_the_day_at_0100_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EOD_AT_SETTING, raising=False)
    entry = _schedule({})["end-of-day"]
    assert entry["task"] == NIGHTLY_TASK
    assert entry["schedule"] == crontab(hour=1, minute=0)
    assert "end-of-day" not in _schedule({EOD_AT_SETTING: "off"})
    assert nightly_schedule({EOD_AT_SETTING: "23:30"}) == crontab(hour=23, minute=30)
    with pytest.raises(ValueError, match="LOWLEND_EOD_AT"):
        nightly_schedule({EOD_AT_SETTING: "25:00"})


def test_the_nightly_task_closes_every_date_through_yesterday(tmp_path: Path) -> None:
    from lowlend.tasks.eod import eod_nightly

    first = dt.date.today() - 3 * DAY
    url = f"sqlite:///{tmp_path / 'nightly.db'}"
    world = published_world(url)
    disbursed_loan(world, "consumer_emi", on=first)
    app = _app(url, None)
    app.config["LOWLEND_BUSINESS_DATE_START"] = first.isoformat()
    make_celery(app)
    result = eod_nightly.delay().get()
    assert result["first"] == first.isoformat()
    store = services(world).store
    assert store.last_closed_date() == dt.date.today() - DAY
    assert [r.business_date for r in reversed(store.runs())] == [first + i * DAY for i in range(3)]
    assert eod_nightly.delay().get()["run_id"] is None  # nothing left to close
    world.engine.dispose()
