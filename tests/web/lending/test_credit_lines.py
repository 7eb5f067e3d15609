"""Revolving products: approval grants a credit line; draws become loans under its limit;
loans' contracts are downloadable within the data scope."""

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


def test_credit_line_draws_and_contract_download(lending_app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.lending_models import CreditLine
    from lowlend.persistence.models import Loan

    client = lending_app.test_client()
    manager = token(client, "manager")
    customer_id = new_customer(lending_app)
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201

    # a limit outside the product's credit_limit range is refused at submission
    too_small = new_application(lending_app, customer_id, "5000.00", "4000.00", "admin",
                                product="revolving_credit_line", term=6)
    r = client.post(f"/api/v1/applications/{too_small}/submit", headers=manager)
    assert r.status_code == 422 and r.get_json()["code"] == "application_terms_invalid"
    assert "amount" in r.get_json()["errors"]

    app_id = new_application(lending_app, customer_id, "50000.00", "4000.00", "admin",
                             product="revolving_credit_line", term=6)
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    if r.get_json()["status"] == "in_review":
        r = client.post(f"/api/v1/applications/{app_id}/decision", headers=manager,
                        json={"decision": "approve"})
        assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == "approved" and body["credit_line_id"] and not body["loan_id"]
    line_id = body["credit_line_id"]
    with lending_app.app_context():
        line = db.session.get(CreditLine, line_id)
        assert line.credit_limit == Decimal("50000.00") and line.status == "active"
        assert (line.expires_on - line.starts_on).days in range(365, 367)

    r = client.post(f"/api/v1/credit_lines/{line_id}/draws", headers=manager,
                    json={"amount": "30000.00", "term": 6})
    assert r.status_code == 201, r.get_data(as_text=True)
    first = r.get_json()["loan_id"]
    r = client.post(f"/api/v1/credit_lines/{line_id}/draws", headers=manager,
                    json={"amount": "25000.00", "term": 6})
    assert r.status_code == 422 and r.get_json()["code"] == "draw_above_available"
    r = client.post(f"/api/v1/credit_lines/{line_id}/draws", headers=manager,
                    json={"amount": "100.00", "term": 6})
    assert r.status_code == 422 and r.get_json()["code"] == "amount_below_draw_min"
    r = client.post(f"/api/v1/credit_lines/{line_id}/draws", headers=manager,
                    json={"amount": "x", "term": 0})
    assert r.status_code == 422 and {"amount", "term"} <= set(r.get_json()["errors"])

    # the web page shows what is left and draws through the same use case
    web_login(client, "manager")
    page = client.get(f"/credit_lines/show/{line_id}").get_data(as_text=True)
    assert "20,000.00" in page  # 50,000 − 30,000
    form = with_csrf(page, {"amount": "5000.00", "term": "3"})
    r = client.post(f"/credit_lines/{line_id}/draw", data=form)
    assert r.status_code == 302 and "/loans/show/" in r.headers["Location"]
    with lending_app.app_context():
        drawn = db.session.execute(
            sa.select(Loan.principal).where(Loan.credit_line_id == line_id).order_by(Loan.id)
        ).scalars().all()
    assert drawn == [Decimal("30000.00"), Decimal("5000.00")]

    # the first draw's contract, in both languages, for those who may see the loan
    pdf = client.get(f"/loans/{first}/contract/zh_CN.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    html = client.get(f"/loans/{first}/contract/en.html")
    assert html.status_code == 200 and "30,000.00" in html.get_data(as_text=True)
    assert client.get(f"/loans/{first}/contract/fr.pdf").status_code == 404
    web_login(client, "collector")  # loans of another department are out of scope
    refused = client.get(f"/loans/{first}/contract/zh_CN.pdf")
    assert refused.status_code in (403, 404, 302) and not refused.data.startswith(b"%PDF")


def test_the_form_and_rest_refuse_what_submission_would(lending_app: Any) -> None:
    """One rule set: every broken bound by field, the product's currency, a limit range."""
    client = lending_app.test_client()
    manager = token(client, "manager")
    customer_id = new_customer(lending_app)
    r = client.post("/api/v1/applications/", headers=manager, json={
        "product_code": "consumer_emi", "customer_id": customer_id, "amount": "1.00",
        "term": 999, "rate": "0.90", "currency": "USD",
        "custom": {"employer": "x", "monthly_income": "5000.00", "purpose": "consumption"},
    })
    assert r.status_code == 422, r.get_data(as_text=True)
    errors = r.get_json()["errors"]
    assert {"amount", "term", "rate", "currency"} <= set(errors), errors
    r = client.post("/api/v1/applications/", headers=manager, json={
        "product_code": "revolving_credit_line", "customer_id": customer_id,
        "amount": "5000.00", "term": 6, "rate": "0.144",
        "custom": {"employer": "x", "monthly_income": "5000.00"},
    })
    assert r.status_code == 422 and "amount" in r.get_json()["errors"], r.get_data(as_text=True)
