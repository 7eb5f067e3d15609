"""The nightly journal verification (``lowlend.tasks.ledger``): the task function on a
real database (loans through the money use cases), the alert in the audit log, the beat
schedule and its setting, and one eager run through a Flask app's Celery."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery.schedules import crontab
from flask import Flask

from lowlend.domain.ledger import ZERO, EntryDraft, Line
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import AuditLog
from lowlend.persistence.wiring import open_config_store
from lowlend.services.config_store import NoPublishedConfig
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.repayments import RepaymentRequest, repay
from lowlend.spec.loader import read_bundle
from lowlend.tasks.celery_app import make_celery
from lowlend.tasks.ledger import (
    NIGHTLY_VERIFY_TASK,
    VERIFY_AT_SETTING,
    nightly_schedule,
    run_verification,
    verify_ledger_nightly,
)
from tests.services.money.world import MAKER, World, make_world

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    w = make_world(database_url)
    for amount in ("12000.00", "8000.00"):
        loan_id = w.approved_loan(amount=amount)
        disburse(w.uow, loan_id, DisbursementRequest(dt.date(2026, 1, 6), reference="BK"),
                 actor=MAKER, registry_for=w.registry_for, business_date=dt.date(2026, 1, 6))
        repay(w.uow, loan_id, RepaymentRequest(Decimal("900.00"), dt.date(2026, 2, 6)),
              actor=MAKER, registry_for=w.registry_for, business_date=dt.date(2026, 2, 7),
              idempotency_key=f"n{loan_id}")
    yield w
    w.engine.dispose()


def _run(world: World) -> dict[str, Any]:
    return run_verification(make_session_factory(world.engine), lambda: world.registry)


def _alerts(engine: sa.Engine) -> list[AuditLog]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(sa.select(AuditLog).where(AuditLog.entity == "ledger")))


def _entry_ids(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM journal_entries ORDER BY id")).scalars())


def _tamper_amount(engine: sa.Engine, entry_id: int) -> None:
    """Alter a stored amount after dropping the trigger that refuses it."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER trg_journal_lines_immutable ON journal_lines"))
        else:
            conn.execute(sa.text("DROP TRIGGER trg_journal_lines_no_update"))
        conn.execute(sa.text(
            f"UPDATE journal_lines SET debit = debit + 100 WHERE entry_id = {entry_id} "
            "AND debit > 0"))


def test_a_good_journal_is_ok_and_records_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lowlend.tasks.ledger"):
        summary = _run(world)
    assert summary["ok"] is True
    assert summary["entries"] == len(_entry_ids(world.engine)) == 4
    assert summary["loans_checked"] == 2 and summary["first_bad_entry"] is None
    assert "alert_id" not in summary
    assert _alerts(world.engine) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "ledger verification ok: 4 entries" in caplog.text


def test_a_tampered_line_is_logged_and_recorded(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    entry = _entry_ids(world.engine)[2]
    _tamper_amount(world.engine, entry)
    with caplog.at_level(logging.INFO, logger="lowlend.tasks.ledger"):
        summary = _run(world)
    assert summary["ok"] is False
    assert summary["first_bad_entry"]["entry_id"] == entry
    assert summary["first_bad_entry"]["reason"] == "unbalanced"
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.getMessage().startswith(
        f"ledger verification FAILED: journal entry {entry}: unbalanced")
    [alert] = _alerts(world.engine)
    assert (alert.action, alert.entity_id, alert.username) == (
        "verify_failed", str(entry), "celery:ledger-verify")
    assert alert.after["first_bad_entry"]["entry_id"] == entry
    assert alert.after["message"] == summary["message"] and summary["alert_id"] == alert.id


def test_a_loan_that_disagrees_is_recorded(world: World) -> None:
    with world.engine.begin() as conn:
        loan_id = conn.execute(sa.text("SELECT max(loan_id) FROM journal_entries")).scalar_one()
        conn.execute(sa.text(f"UPDATE loans SET written_off_principal = 100 WHERE id = {loan_id}"))
    summary = _run(world)
    assert summary["ok"] is False and summary["first_bad_entry"] is None
    assert summary["first_bad_loan"]["loan_id"] == loan_id
    [alert] = _alerts(world.engine)
    assert alert.entity_id == f"loan {loan_id}"
    assert alert.after["first_bad_loan"]["reason"] == "principal_differs"
    assert "1 of 2 loans differ" in alert.after["message"]


def test_nothing_published_is_a_warning_not_a_failure(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    def nothing() -> Any:
        raise NoPublishedConfig()

    with caplog.at_level(logging.INFO, logger="lowlend.tasks.ledger"):
        summary = run_verification(make_session_factory(world.engine), nothing)
    assert summary["ok"] is True and summary["loans_checked"] is None
    assert "no configuration is published" in summary["loans_note"]
    assert [r.levelname for r in caplog.records if "no configuration" in r.getMessage()] == [
        "WARNING"]


def test_a_verification_that_cannot_run_is_an_alert(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        def broken() -> Any:
            raise RuntimeError("registry unavailable")

        with caplog.at_level(logging.INFO, logger="lowlend.tasks.ledger"):
            summary = run_verification(make_session_factory(engine), broken)
        assert summary["ok"] is False and "registry unavailable" in summary["error"]
        [alert] = _alerts(engine)
        assert alert.entity_id == "journal" and "registry unavailable" in alert.after["error"]
    finally:
        engine.dispose()


# -- beat schedule ---------------------------------------------------------------------
def _beat(monkeypatch: pytest.MonkeyPatch, env: str | None = None, **config: Any) -> Any:
    if env is None:
        monkeypatch.delenv(VERIFY_AT_SETTING, raising=False)
    else:
        monkeypatch.setenv(VERIFY_AT_SETTING, env)
    app = Flask("beat-test")
    app.config.update(config)
    return make_celery(app).conf.beat_schedule


def test_beat_runs_the_verification_at_0230_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = _beat(monkeypatch)
    entry = schedule["ledger-nightly-verification"]
    assert entry["task"] == NIGHTLY_VERIFY_TASK == verify_ledger_nightly.name
    assert entry["schedule"] == crontab(hour=2, minute=30)
    assert "approval-sla-escalation" in schedule


def test_beat_time_from_config_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _beat(monkeypatch, **{VERIFY_AT_SETTING: "04:05"})[
        "ledger-nightly-verification"]["schedule"] == crontab(hour=4, minute=5)
    assert _beat(monkeypatch, env="23:59")[
        "ledger-nightly-verification"]["schedule"] == crontab(hour=23, minute=59)
    # the app config wins over the environment
    assert _beat(monkeypatch, env="23:59", **{VERIFY_AT_SETTING: "1:00"})[
        "ledger-nightly-verification"]["schedule"] == crontab(hour=1, minute=0)
    assert "ledger-nightly-verification" not in _beat(monkeypatch, env="off")


@pytest.mark.parametrize("bad", ["25:00", "2.30", "nightly", "02:60"])
def test_a_bad_time_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=VERIFY_AT_SETTING):
        nightly_schedule({VERIFY_AT_SETTING: bad})


# -- through the app's Celery (eager) -------------------------------------------------------
def test_the_task_runs_eagerly_in_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lowlend.app import create_app

    for name in ("LOWLEND_DATABASE_URL", "LOWLEND_BROKER_URL", "LOWLEND_LEDGER_PUBLIC_KEY"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    files = read_bundle(REPO / "product_configs", REPO / "notification_templates")
    with open_config_store(url) as store:
        store.publish(files, "tester", "shipped configuration")
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            SqlLedgerRepository(session).append_many([
                EntryDraft(dt.date(2026, 3, 1), f"bank interest {i}",
                           (Line("bank", Decimal(i + 1)), Line("interest_income", ZERO, Decimal(i + 1))))
                for i in range(5)
            ])
            session.commit()
        app = create_app({"TESTING": True, "SECRET_KEY": "s", "INSTANCE_DIR": str(tmp_path),
                          "MASTER_KEY": "dGVzdC1tYXN0ZXIta2V5LW9mLWxvd2xlbmQtdGVzdHMhIQ==",
                          "SQLALCHEMY_DATABASE_URI": url})
        assert app.extensions["celery"].conf.task_always_eager
        good = verify_ledger_nightly.delay().get()
        assert good["ok"] is True and good["entries"] == 5 and good["loans_checked"] == 0
        _tamper_amount(engine, 3)
        bad = verify_ledger_nightly.delay().get()
        assert bad["ok"] is False and bad["first_bad_entry"]["entry_id"] == 3
        [alert] = _alerts(engine)
        assert alert.entity_id == "3" and alert.action == "verify_failed"
    finally:
        engine.dispose()
