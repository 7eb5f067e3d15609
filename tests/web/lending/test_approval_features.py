"""Approval features through the REST API and the use cases, on SQLite and PostgreSQL:
return for correction and resubmission, delegation, SLA escalation, withdrawal.

Every test starts from the origination flow's referral: a customer born 1990-03-07 with
the sandbox bureau's clean file asks for 80 000.00 at an income of 4 000.00 a month; the
scorecard refers and the consumer chain opens ``risk_review`` (then ``manager_approval``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from tests.web.lending.helpers import new_application, new_customer, token


def _referred(app: Any) -> tuple[Any, int]:
    """A referred application in review (created by ``admin``, submitted by ``manager``)."""
    client = app.test_client()
    manager = token(client, "manager")
    customer_id = new_customer(app)
    r = client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                    json={"valid_days": 30, "channel": "paper"})
    assert r.status_code == 201, r.get_data(as_text=True)
    app_id = new_application(app, customer_id, "80000.00", "4000.00", "admin")
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "in_review", r.get_json()
    return client, app_id


def _tasks(app: Any, app_id: int) -> list[Any]:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import ApprovalTask

    with app.app_context():
        rows = db.session.execute(
            sa.select(ApprovalTask).where(ApprovalTask.application_id == app_id)
            .order_by(ApprovalTask.round, ApprovalTask.stage, ApprovalTask.id)
        ).scalars().all()
        db.session.expunge_all()
        return list(rows)


def _user_id(app: Any, username: str) -> int:
    from lowlend.persistence.db import db

    with app.app_context():
        return int(db.session.execute(
            sa.text("SELECT id FROM ab_user WHERE username = :u"), {"u": username}
        ).scalar_one())


def _staff_id(app: Any, username: str) -> int:
    from lowlend.persistence.db import db

    with app.app_context():
        return int(db.session.execute(
            sa.text("SELECT s.id FROM staff s JOIN ab_user u ON u.id = s.user_id "
                    "WHERE u.username = :u"), {"u": username}
        ).scalar_one())


def _status(app: Any, app_id: int) -> tuple[str, int]:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with app.app_context():
        row = db.session.get(Application, app_id)
        assert row is not None
        return str(row.status), int(row.round)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _decide(client: Any, headers: dict[str, str], app_id: int, decision: str,
            comment: str | None = None, task_id: int | None = None) -> Any:
    body: dict[str, Any] = {"decision": decision}
    if comment is not None:
        body["comment"] = comment
    if task_id is not None:
        body["task_id"] = task_id
    return client.post(f"/api/v1/applications/{app_id}/decision", headers=headers, json=body)


def test_return_for_correction_then_a_new_round(
    lending_app: Any, database_url: str, request: pytest.FixtureRequest
) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import (
        ApplicationDecision,
        ApprovalVote,
        CreditReportRecord,
    )

    client, app_id = _referred(lending_app)
    risk, manager = token(client, "risk"), token(client, "manager")
    first = _tasks(lending_app, app_id)
    assert [(t.round, t.step_code, t.status) for t in first] == [
        (1, "risk_review", "open"), (1, "manager_approval", "waiting"),
    ]

    # reject and return need a comment; nothing is recorded without one
    for decision, comment in (("reject", None), ("return", ""), ("return", "   ")):
        r = _decide(client, risk, app_id, decision, comment)
        assert r.status_code == 422, r.get_data(as_text=True)
        assert r.get_json()["code"] == "decision_comment_required"
    assert _status(lending_app, app_id) == ("in_review", 1)

    r = _decide(client, risk, app_id, "return", "请补充近六个月银行流水")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "returned" and r.get_json()["open_tasks"] == []
    assert _status(lending_app, app_id) == ("returned", 1)
    returned = _tasks(lending_app, app_id)
    assert [(t.step_code, t.status) for t in returned] == [
        ("risk_review", "cancelled"), ("manager_approval", "cancelled"),
    ]
    assert all(t.closed_at is not None for t in returned)
    with lending_app.app_context():
        votes = db.session.execute(sa.select(ApprovalVote.verdict, ApprovalVote.comment)).all()
        assert [tuple(v) for v in votes] == [("return", "请补充近六个月银行流水")]
        finals = db.session.execute(
            sa.select(ApplicationDecision.decision)
            .where(ApplicationDecision.application_id == app_id, ApplicationDecision.kind == "final")
        ).scalars().all()
        assert finals == ["returned"]

    # nobody decides a returned application
    r = _decide(client, manager, app_id, "approve", task_id=first[1].id)
    assert r.status_code == 409 and r.get_json()["code"] == "application_not_in_review"

    # the applicant side resubmits: a new round with new tasks, the report is reused
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == "in_review" and body["decision"] == "refer"
    assert _status(lending_app, app_id) == ("in_review", 2)
    every = _tasks(lending_app, app_id)
    second = [t for t in every if t.round == 2]
    assert [(t.step_code, t.status) for t in second] == [
        ("risk_review", "open"), ("manager_approval", "waiting"),
    ]
    assert body["open_tasks"] == [second[0].id]
    assert not {t.id for t in second} & {t.id for t in first}
    assert [(t.round, t.status) for t in every if t.round == 1] == [(1, "cancelled")] * 2
    with lending_app.app_context():
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(CreditReportRecord)
        ).scalar_one() == 1

    # the round-1 "return" vote does not count in round 2: the same officer acts again
    r = _decide(client, risk, app_id, "approve", "已补充")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "in_review"
    assert [(t.step_code, t.status) for t in _tasks(lending_app, app_id) if t.round == 2] == [
        ("risk_review", "done"), ("manager_approval", "open"),
    ]


def test_delegation_only_within_its_dates(lending_app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import ApprovalDelegation, ApprovalVote

    client, app_id = _referred(lending_app)
    delegate = token(client, "manager")  # a business manager, no risk officer
    risk_id, manager_id = _user_id(lending_app, "risk"), _user_id(lending_app, "manager")
    today = dt.date.today()
    day = dt.timedelta(days=1)

    # without a delegation the manager may not take the risk step
    risk_task, manager_task = _tasks(lending_app, app_id)
    r = _decide(client, delegate, app_id, "approve", task_id=risk_task.id)
    assert r.status_code == 403 and r.get_json()["code"] == "approval_not_eligible"

    with lending_app.app_context():
        row = ApprovalDelegation(delegator_staff_id=_staff_id(lending_app, "risk"),
                                 delegate_staff_id=_staff_id(lending_app, "manager"),
                                 starts_on=today + day, ends_on=today + 10 * day, note="休假")
        db.session.add(row)
        db.session.commit()
        delegation_id = row.id

    def move(starts: dt.date, ends: dt.date) -> None:
        with lending_app.app_context():
            found = db.session.get(ApprovalDelegation, delegation_id)
            assert found is not None
            found.starts_on, found.ends_on = starts, ends
            db.session.commit()

    # not yet valid, then already over: refused
    r = _decide(client, delegate, app_id, "approve", task_id=risk_task.id)
    assert r.status_code == 403 and r.get_json()["code"] == "approval_not_eligible"
    move(today - 10 * day, today - day)
    r = _decide(client, delegate, app_id, "approve", task_id=risk_task.id)
    assert r.status_code == 403 and r.get_json()["code"] == "approval_not_eligible"

    # valid today: the delegate approves the risk step in the risk officer's place
    move(today - day, today + day)
    r = _decide(client, delegate, app_id, "approve", "代风控审核", task_id=risk_task.id)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "in_review"
    with lending_app.app_context():
        votes = db.session.execute(
            sa.select(ApprovalVote.task_id, ApprovalVote.user_id, ApprovalVote.acting_for_user_id)
        ).all()
        assert [tuple(v) for v in votes] == [(risk_task.id, manager_id, risk_id)]

    # the delegate approved (for risk) once already: with distinct approvers they may not
    # also take the manager step themselves
    r = _decide(client, delegate, app_id, "approve", task_id=manager_task.id)
    assert r.status_code == 403 and r.get_json()["code"] == "approval_not_distinct"
    assert [(t.step_code, t.status) for t in _tasks(lending_app, app_id)] == [
        ("risk_review", "done"), ("manager_approval", "open"),
    ]


def test_sla_escalation_once_to_the_escalation_role(lending_app: Any) -> None:
    from sqlalchemy.orm import sessionmaker

    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import ApprovalTask, Assignment
    from lowlend.persistence.lending_repository import lending_uow_factory
    from lowlend.services.lending import approvals

    _client, app_id = _referred(lending_app)
    risk_task, _manager_task = _tasks(lending_app, app_id)
    assert risk_task.role == "risk_officer" and risk_task.escalated_at is None
    assert risk_task.assignee_staff_id == _staff_id(lending_app, "risk")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with lending_app.app_context():
        task = db.session.get(ApprovalTask, risk_task.id)
        assert task is not None
        task.due_at = now - dt.timedelta(hours=1)
        db.session.commit()
        uow: Callable[[], Any] = lending_uow_factory(
            sessionmaker(bind=db.engine, expire_on_commit=False)
        )

    # not overdue yet at an earlier time
    assert approvals.escalate_overdue(uow(), now=now - dt.timedelta(hours=2)) == []
    # the Celery beat entry runs the task (in-process here: no broker configured)
    from lowlend.tasks.approvals import ESCALATE_TASK

    celery = lending_app.extensions["celery"]
    assert celery.conf.beat_schedule["approval-sla-escalation"]["task"] == ESCALATE_TASK
    assert celery.tasks[ESCALATE_TASK].apply().get() == [risk_task.id]

    escalated, waiting = _tasks(lending_app, app_id)
    assert escalated.escalated_at is not None
    assert _utc(escalated.escalated_at) >= now
    assert escalated.role == "risk_officer"  # the step's own approvers keep it …
    assert escalated.status == "open" and escalated.escalate_to == "business_manager"
    assert escalated.assignee_staff_id == _staff_id(lending_app, "manager")
    assert (waiting.role, waiting.status, waiting.escalated_at) == (
        "business_manager", "waiting", None,
    )
    with lending_app.app_context():
        log = db.session.execute(
            sa.select(Assignment.reason, Assignment.staff_id, Assignment.previous_staff_id,
                      Assignment.by_user_id)
            .where(Assignment.subject == "approval_task", Assignment.subject_id == risk_task.id)
            .order_by(Assignment.id)
        ).all()
    assert [tuple(x) for x in log] == [
        ("least_loaded", risk_task.assignee_staff_id, None, _user_id(lending_app, "manager")),
        ("sla_escalation", _staff_id(lending_app, "manager"), risk_task.assignee_staff_id, None),
    ]

    # … and the escalation role may act too (Step.also_roles)
    from lowlend.domain.approval import Actor
    from lowlend.services.lending.approvals import route_of

    route = route_of([escalated])
    assert Actor(1, "m", frozenset({"business_manager"})).may_take(route[0])
    assert Actor(2, "r", frozenset({"risk_officer"})).may_take(route[0])
    assert not Actor(3, "f", frozenset({"finance"})).may_take(route[0])

    # each task is escalated once
    assert approvals.escalate_overdue(uow(), now=now + dt.timedelta(days=3)) == []
    assert len(_tasks(lending_app, app_id)) == 2
    with lending_app.app_context():
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(Assignment)
            .where(Assignment.reason == "sla_escalation")
        ).scalar_one() == 1


def test_withdraw_cancels_the_open_tasks(lending_app: Any) -> None:
    client, app_id = _referred(lending_app)
    manager, risk = token(client, "manager"), token(client, "risk")

    r = client.post(f"/api/v1/applications/{app_id}/withdraw", headers=manager,
                    json={"reason": "客户不再需要"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "withdrawn"
    assert _status(lending_app, app_id)[0] == "withdrawn"
    tasks = _tasks(lending_app, app_id)
    assert [(t.step_code, t.status) for t in tasks] == [
        ("risk_review", "cancelled"), ("manager_approval", "cancelled"),
    ]
    assert all(t.closed_at is not None for t in tasks)

    r = _decide(client, risk, app_id, "approve")
    assert r.status_code == 409 and r.get_json()["code"] == "application_not_in_review"
    r = client.post(f"/api/v1/applications/{app_id}/withdraw", headers=manager)
    assert r.status_code == 409 and r.get_json()["code"] == "application_bad_transition"
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 409, r.get_data(as_text=True)
    assert _status(lending_app, app_id)[0] == "withdrawn"
