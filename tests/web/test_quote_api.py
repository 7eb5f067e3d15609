"""``POST /api/v1/quote/`` with the published seed configuration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.web.helpers import login


def _token(client: Any) -> str:
    response = client.post(
        "/api/v1/security/login",
        json={"username": "finance", "password": "lowlend-demo", "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["access_token"])


def test_quote_with_jwt_returns_the_contract_shape(demo_app: Any) -> None:
    client = demo_app.test_client()
    headers = {"Authorization": f"Bearer {_token(client)}"}
    response = client.post("/api/v1/quote/", headers=headers, json={
        "product": "consumer_emi", "amount": "10000", "term": 12, "start": "2026-12-01"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["amount"] == "10000.00" and body["term"] == 12
    assert body["terms"]["method"] == "equal_installment"
    assert len(body["installments"]) == 12
    assert body["installments"][0]["due_date"] == "2027-01-01"
    assert sum(Decimal(r["principal"]) for r in body["installments"]) == Decimal("10000.00")
    assert body["compliance"]["region"] == "CN" and body["compliance"]["ok"] is True
    assert set(body["apr"]) == {"nominal", "effective"}


def test_bad_fields_are_422_with_field_errors(demo_app: Any) -> None:
    client = demo_app.test_client()
    headers = {"Authorization": f"Bearer {_token(client)}"}
    response = client.post("/api/v1/quote/", headers=headers,
                           json={"product": "consumer_emi", "amount": "-5", "term": "x"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"amount", "term"}
    response = client.post("/api/v1/quote/", headers=headers,
                           json={"product": "consumer_emi", "amount": "10000", "term": 99})
    assert response.status_code == 422
    assert "36" in response.get_json()["errors"]["term"][0]
    response = client.post("/api/v1/quote/", headers=headers,
                           json={"product": "nope", "amount": "10000", "term": 12})
    assert response.status_code == 422 and "product" in response.get_json()["errors"]


def test_not_json_is_400_and_anonymous_is_401(demo_app: Any) -> None:
    client = demo_app.test_client()
    anonymous = client.post("/api/v1/quote/", json={"product": "consumer_emi"})
    assert anonymous.status_code == 401
    headers = {"Authorization": f"Bearer {_token(client)}"}
    response = client.post("/api/v1/quote/", headers=headers, data="[1, 2",
                           content_type="application/json")
    assert response.status_code == 400
    assert "message" in response.get_json()


def test_session_login_can_quote_in_chinese(demo_app: Any) -> None:
    client = demo_app.test_client()
    login(client, "manager")
    client.get("/lang/zh_CN")
    response = client.post("/api/v1/quote/", json={
        "product": "consumer_emi", "amount": "10000", "term": 12, "annual_rate": "0.5"})
    assert response.status_code == 422
    assert "年利率" in response.get_json()["errors"]["annual_rate"][0]
