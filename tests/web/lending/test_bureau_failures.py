"""A bureau that times out or answers garbage leaves the application submitted and retryable."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import CLEAN_ID, new_application, new_customer, token

TIMES_OUT = "110101199003079016"  # sandbox: slow → unavailable
GARBAGE = "110101199003079040"  # sandbox: an answer that is not a report


def test_bureau_failures_keep_the_application_retryable(lending_app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import ApplicationDecision, CreditReportRecord
    from lowlend.persistence.models import Application, Customer
    from lowlend.web.generic.stamping import id_protector

    client = lending_app.test_client()
    manager = token(client, "manager")
    customer_id = new_customer(lending_app, TIMES_OUT)
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201
    app_id = new_application(lending_app, customer_id, "80000.00", "4000.00", "admin")

    def status() -> tuple[str, int, int]:
        with lending_app.app_context():
            return (
                db.session.get(Application, app_id).status,
                db.session.execute(sa.select(sa.func.count()).select_from(ApplicationDecision)
                                   .where(ApplicationDecision.application_id == app_id)
                                   ).scalar_one(),
                db.session.execute(sa.select(sa.func.count()).select_from(CreditReportRecord)
                                   .where(CreditReportRecord.customer_id == customer_id)
                                   ).scalar_one(),
            )

    def set_number(number: str) -> None:
        with lending_app.app_context():
            protector = id_protector()
            row = db.session.get(Customer, customer_id)
            row.id_number_hash, row.id_number_enc = protector.hash(number), protector.encrypt(number)
            db.session.commit()

    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 503 and r.get_json()["code"] == "bureau_unavailable_retry"
    assert status() == ("submitted", 0, 0)  # the submission stands, nothing decided

    set_number(GARBAGE)
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 502 and r.get_json()["code"] == "bureau_bad_response"
    assert status() == ("submitted", 0, 0)

    set_number(CLEAN_ID)  # the bureau answers again: the same submission is scored
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert status() == ("in_review", 1, 1)
