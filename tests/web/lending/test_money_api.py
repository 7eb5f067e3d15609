"""The money path over REST: disburse an approved loan, repay (idempotent), reverse under
maker-checker, payoff figures; the journal verifies and agrees with the loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import new_application, new_customer, token


def approved_loan(app: Any, client: Any, amount: str = "12000.00") -> int:
    """A consumer loan through submission and approval (the scorecard may approve it
    outright or refer it to the chain)."""
    manager, risk = token(client, "manager"), token(client, "risk")
    customer_id = new_customer(app)
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201
    app_id = new_application(app, customer_id, amount, "20000.00", "admin")
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
    assert r.status_code == 200, r.get_data(as_text=True)
    for headers in (risk, manager, token(client, "admin")):
        if r.get_json()["status"] != "in_review":
            break
        r = client.post(f"/api/v1/applications/{app_id}/decision", headers=headers,
                        json={"decision": "approve"})
    assert r.get_json()["status"] == "approved", r.get_data(as_text=True)
    return int(r.get_json()["loan_id"])


def _journal_total(app: Any, loan_id: int, account: str) -> Decimal:
    from lowlend.persistence.db import db

    with app.app_context():
        value = db.session.execute(sa.text(
            "SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l "
            "JOIN journal_entries e ON e.id = l.entry_id WHERE e.loan_id = :l AND l.account = :a"
        ), {"l": loan_id, "a": account}).scalar_one()
        return Decimal(str(value)).quantize(Decimal("0.01"))


def _principal_outstanding(app: Any, loan_id: int) -> Decimal:
    from lowlend.persistence.db import db

    with app.app_context():
        value = db.session.execute(sa.text(
            "SELECT coalesce(sum(principal - principal_paid), 0) FROM installments WHERE loan_id = :l"
        ), {"l": loan_id}).scalar_one()
        return Decimal(str(value)).quantize(Decimal("0.01"))


def test_disburse_repay_reverse_payoff(lending_app: Any) -> None:
    client = lending_app.test_client()
    loan_id = approved_loan(lending_app, client)
    finance, admin = token(client, "finance"), token(client, "admin")
    today = dt.date.today()

    # bad input first: nothing moves
    r = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=finance, json={"amount": "100"})
    assert r.status_code == 409 and r.get_json()["code"] == "loan_not_disbursed"
    r = client.post(f"/api/v1/loans/{loan_id}/disburse", headers=finance, json={"channel": "transfer"})
    assert r.status_code == 422 and "reference" in r.get_json()["errors"]
    r = client.post(f"/api/v1/loans/{loan_id}/disburse", headers=token(client, "manager"),
                    json={"reference": "BK-1"})
    assert r.status_code == 403

    r = client.post(f"/api/v1/loans/{loan_id}/disburse", headers=finance,
                    json={"channel": "transfer", "reference": "BK-1", "value_date": today.isoformat()})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["status"] == "posted" and r.get_json()["principal"] == "12000.00"
    r = client.post(f"/api/v1/loans/{loan_id}/disburse", headers=finance, json={"reference": "BK-2"})
    assert r.status_code == 409 and r.get_json()["code"] == "loan_not_awaiting_disbursement"
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("12000.00")

    for body, field in (({"amount": "0"}, "amount"), ({"amount": "-5"}, "amount"),
                        ({"amount": "1.234"}, "amount"), ({"amount": "x"}, "amount"),
                        ({"amount": "10", "value_date": "2999-01-01"}, "value_date")):
        r = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=finance, json=body)
        assert r.status_code == 422 and field in r.get_json()["errors"], (body, r.get_json())

    key = {**finance, "Idempotency-Key": "pay-0001"}
    body = {"amount": "1500.00", "reference": "BK-R1", "channel": "transfer"}
    first = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=key, json=body)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=key, json=body)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=key,
                        json={**body, "amount": "1600.00"})
    assert other.status_code == 409 and other.get_json()["code"] == "idempotency_key_reused"
    paid = Decimal(first.get_json()["allocation"]["principal"])
    assert paid > 0
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("12000.00") - paid
    assert _principal_outstanding(lending_app, loan_id) == Decimal("12000.00") - paid

    # reversal: the maker cannot approve; another user can
    txn = first.get_json()["transaction_id"]
    r = client.post(f"/api/v1/transactions/{txn}/reverse", headers=finance, json={"reason": ""})
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    r = client.post(f"/api/v1/transactions/{txn}/reverse", headers=finance,
                    json={"reason": "bounced transfer"})
    assert r.status_code == 201, r.get_data(as_text=True)
    request_id = r.get_json()["transaction_id"]
    r = client.post(f"/api/v1/transactions/{request_id}/approve", headers=finance, json={})
    assert r.status_code == 403 and r.get_json()["code"] == "maker_checker"
    r = client.post(f"/api/v1/transactions/{request_id}/approve", headers=admin, json={})
    assert r.status_code == 200 and r.get_json()["status"] == "posted", r.get_data(as_text=True)
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("12000.00")
    assert _principal_outstanding(lending_app, loan_id) == Decimal("12000.00")

    # payoff figures, then settle with exactly that amount: the loan closes
    figures = client.get(f"/api/v1/loans/{loan_id}/payoff", headers=finance).get_json()
    assert Decimal(figures["principal"]) == Decimal("12000.00")
    r = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=finance,
                    json={"amount": str(Decimal(figures["total"]) + 1), "kind": "payoff"})
    assert r.status_code == 422 and r.get_json()["code"] == "payoff_amount_mismatch"
    r = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=finance,
                    json={"amount": figures["total"], "kind": "payoff", "reference": "BK-P"})
    # consumer_emi allows prepayment only after some installments: refused, nothing posted
    assert r.status_code == 422 and r.get_json()["code"] == "prepayment_not_allowed_yet"
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("12000.00")

    # the whole journal verifies
    from click.testing import CliRunner

    from lowlend.cli import _register, cli

    _register()
    result = CliRunner().invoke(cli, ["ledger", "verify", "--database-url",
                                      lending_app.config["SQLALCHEMY_DATABASE_URI"]])
    assert result.exit_code == 0, result.output


def test_gateway_disbursement_settled_by_signed_callback(lending_app: Any) -> None:
    from lowlend.integrations.payments import SANDBOX_CARDS

    client = lending_app.test_client()
    loan_id = approved_loan(lending_app, client)
    finance = token(client, "finance")
    r = client.post(f"/api/v1/loans/{loan_id}/disburse", headers=finance, json={
        "channel": "gateway", "card_number": SANDBOX_CARDS["duplicate_callback"],
        "bank_code": "ICBC"})
    assert r.status_code == 202 and r.get_json()["status"] == "pending", r.get_data(as_text=True)
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("0.00")

    gateway = lending_app.extensions["lowlend_lending"].gateway
    first, second = gateway.release_callbacks()  # the sandbox sends its notice twice
    tampered = dict(first.headers)
    tampered[next(k for k in tampered if "ignature" in k)] = "0" * 64
    r = client.post("/api/v1/payments/callback", headers=tampered, data=first.body)
    assert r.status_code == 401
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("0.00")
    r = client.post("/api/v1/payments/callback", headers=dict(first.headers), data=first.body)
    assert r.status_code == 200 and r.get_json() == {"action": "apply", "reason": "settled"}
    r = client.post("/api/v1/payments/callback", headers=dict(second.headers), data=second.body)
    assert r.status_code == 200 and r.get_json()["action"] == "ignore"
    assert _journal_total(lending_app, loan_id, "loan_principal") == Decimal("12000.00")
