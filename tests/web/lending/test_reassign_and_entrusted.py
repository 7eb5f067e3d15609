"""Reassigning an approval step by hand, and an entrusted loan through the business chain."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import (
    new_application,
    new_customer,
    token,
    web_login,
    with_csrf,
)
from tests.web.lending.test_approval_features import _referred, _staff_id, _tasks


def test_a_step_is_reassigned_by_rest_and_on_its_page(lending_app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import Assignment, StaffAbsence

    client, app_id = _referred(lending_app)
    manager = token(client, "manager")
    risk_task, _waiting = _tasks(lending_app, app_id)
    risk_staff = _staff_id(lending_app, "risk")
    assert risk_task.assignee_staff_id == risk_staff

    # back to the pool, then to someone without the role (refused), then to risk again
    r = client.post(f"/api/v1/approval_tasks/{risk_task.id}/assign", headers=manager,
                    json={"staff_id": None, "reason": "重新分配"})
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.post(f"/api/v1/approval_tasks/{risk_task.id}/assign", headers=manager,
                    json={"staff_id": _staff_id(lending_app, "collector")})
    assert r.status_code == 422 and r.get_json()["code"] == "assignee_not_eligible"
    r = client.post(f"/api/v1/approval_tasks/{risk_task.id}/assign", headers=manager,
                    json={"staff_id": "x"})
    assert r.status_code == 422 and "staff_id" in r.get_json()["errors"]
    # a risk officer on leave cannot take it
    import datetime as dt

    with lending_app.app_context():
        db.session.add(StaffAbsence(staff_id=risk_staff, starts_on=dt.date.today(),
                                    ends_on=dt.date.today(), reason="病假"))
        db.session.commit()
    r = client.post(f"/api/v1/approval_tasks/{risk_task.id}/assign", headers=manager,
                    json={"staff_id": risk_staff})
    assert r.status_code == 422 and r.get_json()["code"] == "assignee_not_eligible"
    with lending_app.app_context():
        db.session.execute(sa.delete(StaffAbsence))
        db.session.commit()

    # the page offers the eligible staff and reassigns through the same use case
    web_login(client, "manager")
    page = client.get(f"/approval_tasks/show/{risk_task.id}").get_data(as_text=True)
    assert f'<option value="{risk_staff}">' in page
    form = with_csrf(page, {"staff_id": str(risk_staff)})
    r = client.post(f"/approval_tasks/{risk_task.id}/assign", data=form)
    assert r.status_code == 302
    with lending_app.app_context():
        log = db.session.execute(
            sa.select(Assignment.reason, Assignment.staff_id, Assignment.previous_staff_id)
            .where(Assignment.subject_id == risk_task.id).order_by(Assignment.id)
        ).all()
    assert [tuple(x) for x in log][1:] == [
        ("重新分配", None, risk_staff), ("manual", risk_staff, None),
    ]
    # the collector may not reassign
    fresh = lending_app.test_client()  # no manager session
    collector = token(fresh, "collector")
    r = fresh.post(f"/api/v1/approval_tasks/{risk_task.id}/assign", headers=collector,
                    json={"staff_id": None})
    assert r.status_code == 403


def test_entrusted_loan_records_its_entrusting_party(lending_app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import LoanDocument
    from lowlend.persistence.models import Application, Loan

    client = lending_app.test_client()
    manager, risk, finance = token(client, "manager"), token(client, "risk"), token(client, "finance")
    customer_id = new_customer(lending_app)
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201
    with lending_app.app_context():
        from lowlend.persistence.entity_tables import entity_model
        from lowlend.web import registry_hooks

        table = entity_model(registry_hooks.current_registry().entities["entrusting_parties"])
        party = db.session.execute(sa.select(table.id, table.name).limit(1)).first()
        assert party is not None
        app_id = new_application(lending_app, customer_id, "600000.00", "50000.00", "admin",
                                 product="entrusted_loan", term=4)
        row = db.session.get(Application, app_id)
        row.custom = {"entrusting_party": party.id, "entrustment_contract_no": "WT-2026-001",
                      "collateral_type": "mortgage"}
        row.rate = Decimal("0.10")
        db.session.commit()

    # no scorecard: straight to the business chain — risk, then manager and finance together
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "in_review" and r.get_json()["score"] is None
    steps = {t.step_code: t.status for t in _tasks(lending_app, app_id)}
    assert steps == {"risk_review": "open", "manager_approval": "waiting",
                     "finance_check": "waiting"}
    assert client.post(f"/api/v1/applications/{app_id}/decision", headers=risk,
                       json={"decision": "approve"}).status_code == 200
    steps = {t.step_code: t.status for t in _tasks(lending_app, app_id)}
    assert steps == {"risk_review": "done", "manager_approval": "open", "finance_check": "open"}
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=finance,
                    json={"decision": "approve"})
    assert r.status_code == 200 and r.get_json()["status"] == "in_review"
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=manager,
                    json={"decision": "approve"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved", r.get_data(as_text=True)
    with lending_app.app_context():
        loan = db.session.get(Loan, r.get_json()["loan_id"])
        assert loan.entrusting_party_id == party.id and loan.status == "approved"
        zh = db.session.execute(
            sa.select(LoanDocument.html).where(LoanDocument.loan_id == loan.id,
                                               LoanDocument.locale == "zh_CN")
        ).scalar_one()
        assert party.name in zh  # the contract names the entrusting party


def test_periods_are_checked_next_to_their_fields(lending_app: Any) -> None:
    from tests.web.lending.test_approval_features import _staff_id as staff_of

    client = lending_app.test_client()
    manager = token(client, "manager")
    risk, collector = staff_of(lending_app, "risk"), staff_of(lending_app, "collector")
    r = client.post("/api/v1/staff_absences/", headers=manager, json={
        "staff_id": collector, "starts_on": "2027-01-10", "ends_on": "2027-01-01"})
    assert r.status_code == 422 and "ends_on" in r.get_json()["errors"], r.get_data(as_text=True)
    r = client.post("/api/v1/approval_delegations/", headers=manager, json={
        "delegator_staff_id": risk, "delegate_staff_id": risk,
        "starts_on": "2027-01-01", "ends_on": "2027-01-05"})
    assert r.status_code == 422 and "delegate_staff_id" in r.get_json()["errors"]
    r = client.post("/api/v1/approval_delegations/", headers=manager, json={
        "delegator_staff_id": risk, "delegate_staff_id": collector,
        "starts_on": "2027-01-01", "ends_on": "2027-01-05", "note": "年假"})
    assert r.status_code == 201, r.get_data(as_text=True)
