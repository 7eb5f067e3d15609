"""The origination story through the REST API on the demo data set.

customer → consent → sandbox bureau pull → application → scorecard refers to manual
review → dispatch assigns a risk officer → two-step approval (amount above the
consumer chain's threshold) by two different users → loan with schedule and contract.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import (
    customer_from_id_card,
    new_application,
    new_customer,
    token,
    web_login,
    with_csrf,
)


def test_customer_to_loan_with_referral_dispatch_and_two_step_approval(lending_app: Any) -> None:
    client = lending_app.test_client()
    manager, risk, admin = token(client, "manager"), token(client, "risk"), token(client, "admin")
    customer_id = customer_from_id_card(lending_app, client, manager)
    from lowlend.persistence.db import db as _db
    from lowlend.persistence.models import Customer

    with lending_app.app_context():
        stored = _db.session.get(Customer, customer_id)
        assert (stored.birth_date.isoformat(), stored.sex) == ("1990-03-07", "male")

    # no consent yet: the pull is refused, nothing is decided
    app_id = new_application(lending_app, customer_id, "80000.00", "4000.00", "admin")
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.get_json()["code"] == "bureau_consent_required"

    r = client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                    json={"valid_days": 30, "channel": "paper"})
    assert r.status_code == 201, r.get_data(as_text=True)

    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == "in_review", body["reasons"]
    assert 560 <= body["score"] < 650
    assert body["open_tasks"]

    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import ApprovalTask, Assignment, CreditReportRecord

    with lending_app.app_context():
        tasks = db.session.execute(
            sa.select(ApprovalTask).where(ApprovalTask.application_id == app_id)
            .order_by(ApprovalTask.stage)
        ).scalars().all()
        assert [(t.step_code, t.status) for t in tasks] == [
            ("risk_review", "open"), ("manager_approval", "waiting"),
        ]
        assert tasks[0].assignee_staff_id is not None  # dispatched to a risk officer
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(Assignment)
            .where(Assignment.subject_id == tasks[0].id)
        ).scalar_one() == 1
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(CreditReportRecord)
            .where(CreditReportRecord.customer_id == customer_id)
        ).scalar_one() == 1

    # out of turn: the manager's step waits for the risk review
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=manager,
                    json={"decision": "approve", "task_id": tasks[1].id})
    assert r.status_code == 409 and r.get_json()["code"] == "approval_step_not_open"
    # the applicant (admin) may not approve their own application
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=admin,
                    json={"decision": "approve"})
    assert r.status_code == 403 and r.get_json()["code"] == "approval_self"
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=risk,
                    json={"decision": "approve", "comment": "收入与征信核实"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["status"] == "in_review"
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=risk,
                    json={"decision": "approve"})
    assert r.status_code in (403, 409)  # acting again is refused
    r = client.post(f"/api/v1/applications/{app_id}/decision", headers=manager,
                    json={"decision": "approve", "comment": "同意放款"})
    assert r.status_code == 200, r.get_data(as_text=True)
    result = r.get_json()
    assert result["status"] == "approved" and result["loan_id"]

    from lowlend.persistence.lending_models import ApplicationDecision, LoanDocument
    from lowlend.persistence.models import Application, Installment, Loan

    with lending_app.app_context():
        loan = db.session.get(Loan, result["loan_id"])
        assert loan.status == "approved" and loan.application_id == app_id
        assert loan.principal == Decimal("80000.00") and loan.contract_no
        rows = db.session.execute(
            sa.select(Installment).where(Installment.loan_id == loan.id).order_by(Installment.seq)
        ).scalars().all()
        assert len(rows) == 12
        assert sum(r.principal for r in rows) == Decimal("80000.00")
        docs = db.session.execute(
            sa.select(LoanDocument).where(LoanDocument.loan_id == loan.id)
        ).scalars().all()
        assert sorted(d.locale for d in docs) == ["en", "zh_CN"]
        assert all(d.pdf and d.pdf.startswith(b"%PDF") for d in docs)
        zh = next(d for d in docs if d.locale == "zh_CN")
        assert stored.name in zh.html and loan.contract_no in zh.html
        assert db.session.get(Application, app_id).status == "approved"
        kinds = db.session.execute(
            sa.select(ApplicationDecision.kind, ApplicationDecision.decision)
            .where(ApplicationDecision.application_id == app_id)
            .order_by(ApplicationDecision.id)
        ).all()
        assert [tuple(k) for k in kinds] == [
            ("scorecard", "refer"), ("approval", "approve"), ("approval", "approve"),
            ("final", "approved"),
        ]


def test_my_tasks_lists_the_open_step_and_decides_it(lending_app: Any) -> None:
    import re

    client = lending_app.test_client()
    manager = token(client, "manager")
    customer_id = new_customer(lending_app)
    app_id = new_application(lending_app, customer_id, "80000.00", "4000.00", "admin")
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201
    assert client.post(f"/api/v1/applications/{app_id}/submit", headers=manager).status_code == 200

    web_login(client, "risk")
    page = client.get("/my_tasks/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/applications/show/{app_id}" in html and ("风控审核" in html or "Risk review" in html)
    task = re.search(r'data-task="(\d+)"', html).group(1)
    form = with_csrf(html, {"decision": "approve", "comment": "ok"})
    done = client.post(f"/my_tasks/{task}/decide", data=form)
    assert done.status_code == 302
    after = client.get("/my_tasks/").get_data(as_text=True)
    assert f"/applications/show/{app_id}" not in after  # the manager's step is not risk's
    web_login(client, "manager")
    assert f"/applications/show/{app_id}" in client.get("/my_tasks/").get_data(as_text=True)


def test_application_page_submits_explains_and_decides(lending_app: Any) -> None:
    client = lending_app.test_client()
    customer_id = new_customer(lending_app)
    app_id = new_application(lending_app, customer_id, "30000.00", "4000.00", "admin")
    manager = token(client, "manager")
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201

    def act(action: str, comment: str = "") -> Any:
        page = client.get(f"/applications/show/{app_id}").get_data(as_text=True)
        data = with_csrf(page, {"action": action, "comment": comment})
        return client.post(f"/applications/{app_id}/act", data=data)

    web_login(client, "manager")
    page = client.get(f"/applications/show/{app_id}").get_data(as_text=True)
    assert 'value="submit"' in page and 'value="approve"' not in page
    r = act("submit")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/applications/show/{app_id}")
    page = client.get(f"/applications/show/{app_id}").get_data(as_text=True)
    assert 'data-status="in_review"' in page
    assert "lowlend-reasons" in page and "(+50)" in page  # the age bin, with its points
    assert "lowlend-credit-report" in page  # the facts the scorecard saw
    # the consumer chain's small-amount step is the business manager's own
    r = act("approve", "同意")
    assert r.status_code == 302
    page = client.get(f"/applications/show/{app_id}").get_data(as_text=True)
    assert 'data-status="approved"' in page and "/loans/show/" in page

    # an approved application cannot be edited any more, on the web or by REST
    r = client.get(f"/applications/edit/{app_id}")
    assert r.status_code == 302 and f"/applications/show/{app_id}" in r.headers["Location"]
    r = client.put(f"/api/v1/applications/{app_id}", headers=manager, json={"term": 6})
    assert r.status_code == 409

    # a collector may see neither the actions nor act
    web_login(client, "collector")
    assert act("withdraw").status_code in (302, 403, 404)
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with lending_app.app_context():
        assert db.session.get(Application, app_id).status == "approved"


def test_approval_queue_bulk_approves_what_the_user_may_take(lending_app: Any) -> None:
    import re

    client = lending_app.test_client()
    manager = token(client, "manager")
    ids = []
    customer_id = new_customer(lending_app)
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201
    for amount in ("20000.00", "30000.00"):  # the consumer chain's one-step path
        app_id = new_application(lending_app, customer_id, amount, "4000.00", "admin")
        r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
        assert r.status_code == 200, r.get_data(as_text=True)
        ids.append((app_id, r.get_json()))
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import ApprovalTask
    from lowlend.persistence.models import Application

    with lending_app.app_context():
        tasks = db.session.execute(
            sa.select(ApprovalTask.id).where(
                ApprovalTask.application_id.in_([i for i, _ in ids]), ApprovalTask.status == "open"
            )
        ).scalars().all()
    assert tasks, [body for _, body in ids]

    web_login(client, "manager")
    page = client.get("/approval_tasks/list/").get_data(as_text=True)
    form = with_csrf(page, {"action": "approve", "rowid": [str(t) for t in tasks]})
    r = client.post("/approval_tasks/action_post", data=form)
    assert r.status_code == 302, (r.status_code, r.get_data(as_text=True)[:300])
    with lending_app.app_context():
        statuses = {db.session.get(Application, i).status for i, _ in ids}
    assert statuses == {"approved"}, re.findall(r"alert-\w+[^>]*>(.*?)<", r.get_data(as_text=True), re.S)


def test_origination_menu_entries_open_working_screens(lending_app: Any) -> None:
    from lowlend.web.menu import view_url

    client = lending_app.test_client()
    web_login(client, "manager")
    codes = ("my_tasks", "approval_tasks", "credit_lines", "approval_delegations",
             "staff_absences", "applications")
    with lending_app.test_request_context():
        urls = {code: view_url(code) for code in codes}
    assert "#" not in urls.values(), urls
    for code, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (code, url, response.status_code)
