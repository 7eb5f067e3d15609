"""Live ``visible_if``/``required_if``: ``POST /<code>/_conditions`` answers from the server's CEL."""

from __future__ import annotations

from typing import Any

from tests.web.generic.conftest import login

URL = "/vehicle_collateral/_conditions"


def _fields(client: Any, url: str, values: Any) -> dict[str, dict[str, bool]]:
    response = client.post(url, json=values)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    fields: dict[str, dict[str, bool]] = response.get_json()["fields"]
    return fields


def test_entity_conditions_follow_the_cel_rules(admin_client: Any) -> None:
    off = _fields(admin_client, URL, {"plate_no": "赣A1", "pledge_registered": False})
    assert off["registration_date"] == {"visible": False, "required": False}
    assert off["plate_no"] == {"visible": True, "required": True}  # plain `required`
    assert off["pledge_registered"] == {"visible": True, "required": False}
    on = _fields(admin_client, URL, {"pledge_registered": True})
    assert on["registration_date"] == {"visible": True, "required": True}
    # form strings are coerced as on save ("y" from a checkbox, "" unchecked)
    assert _fields(admin_client, URL, {"pledge_registered": "y"})["registration_date"]["visible"]
    assert not _fields(admin_client, URL, {"pledge_registered": ""})["registration_date"]["visible"]
    # an enum condition of another entity
    url = "/property_collateral/_conditions"
    assert _fields(admin_client, url, {"second_charge": True})["first_charge_holder"] == {
        "visible": True,
        "required": True,
    }
    hidden = _fields(admin_client, url, {"second_charge": False})["first_charge_holder"]
    assert hidden == {"visible": False, "required": False}


def test_a_wrong_value_type_is_no_error(admin_client: Any) -> None:
    fields = _fields(admin_client, URL, {"pledge_registered": "maybe", "appraised_value": [1]})
    assert fields["registration_date"] == {"visible": False, "required": False}


def test_application_conditions_use_the_product_and_standard_values(admin_client: Any) -> None:
    url = "/applications/_conditions?product=consumer_emi"
    other = _fields(admin_client, url, {"custom__purpose": "other"})
    assert other["custom__purpose_detail"] == {"visible": True, "required": True}
    assert other["amount"] == {"visible": True, "required": True}
    travel = _fields(admin_client, url, {"custom__purpose": "travel"})
    assert travel["custom__purpose_detail"] == {"visible": False, "required": False}
    # application.amount (minor units) from the standard field
    url = "/applications/_conditions?product=business_equal_principal"
    values = {"custom__collateral_type": "guarantee", "amount": "100000"}
    small = _fields(admin_client, url, values)
    assert small["custom__guarantor"] == {"visible": True, "required": False}
    assert small["custom__collateral"] == {"visible": False, "required": False}
    big = _fields(admin_client, url, {**values, "amount": "300000"})
    assert big["custom__guarantor"] == {"visible": True, "required": True}


def test_application_edit_uses_the_pinned_product(generic_app: Any, admin_client: Any) -> None:
    payload = {
        "product_code": "consumer_emi",
        "customer_id": 1,
        "amount": "10000",
        "term": 12,
        "rate": "0.15",
        "custom": {"employer": "ACME", "monthly_income": "8000", "purpose": "travel"},
    }
    response = admin_client.post("/api/v1/applications/", json=payload)
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    page = admin_client.get(f"/applications/edit/{pk}").get_data(as_text=True)
    assert f'data-conditions-url="/applications/_conditions?pk={pk}"' in page
    url = f"/applications/_conditions?pk={pk}"
    fields = _fields(admin_client, url, {"custom__purpose": "other"})
    assert fields["custom__purpose_detail"] == {"visible": True, "required": True}
    assert admin_client.post("/applications/_conditions?pk=999999", json={}).status_code == 404


def test_bad_input_is_a_4xx_json_answer(admin_client: Any) -> None:
    cases = [
        admin_client.post(URL, data="pledge_registered=y"),  # a plain form post
        admin_client.post(URL, data="{not json", content_type="application/json"),
        admin_client.post(URL, json=[1, 2]),
        admin_client.post(URL, json="text"),
    ]
    for response in cases:
        assert response.status_code == 400
        assert isinstance(response.get_json()["message"], str)
    for url in ("/applications/_conditions?product=nope", "/applications/_conditions"):
        response = admin_client.post(url, json={})
        assert response.status_code == 404 and response.get_json()["message"]
    # read-only views have no forms and no conditions endpoint
    assert admin_client.post("/installments/_conditions", json={}).status_code in (404, 405)


def test_permission_is_that_of_the_forms(generic_app: Any) -> None:
    anonymous = generic_app.test_client()
    response = anonymous.post(URL, json={})
    assert response.status_code == 401 and response.get_json()["message"]
    collector = generic_app.test_client()
    login(collector, "collector")
    response = collector.post(URL, json={"pledge_registered": True})
    assert response.status_code == 403 and "fields" not in response.get_json()
    # the collector may add visit records: their conditions answer (no rule: all visible)
    fields = _fields(collector, "/visit_record/_conditions", {})
    assert fields["staff"] == {"visible": True, "required": True}
    auditor = generic_app.test_client()
    login(auditor, "auditor")
    assert (
        auditor.post("/applications/_conditions?product=consumer_emi", json={}).status_code == 403
    )


def test_pages_load_the_script_and_the_endpoint_when_rules_exist(admin_client: Any) -> None:
    page = admin_client.get("/vehicle_collateral/add").get_data(as_text=True)
    assert 'data-conditions-url="/vehicle_collateral/_conditions"' in page
    assert '<script src="/static/lowlend/lowlend-forms.js"' in page
    # no rule on departments: the script still runs (child tables) but asks nothing
    page = admin_client.get("/departments/add").get_data(as_text=True)
    assert 'data-conditions-url=""' in page
    page = admin_client.get("/applications/add?product=consumer_emi").get_data(as_text=True)
    assert 'data-conditions-url="/applications/_conditions?product=consumer_emi"' in page
    script = admin_client.get("/static/lowlend/lowlend-forms.js")
    assert script.status_code == 200 and b"X-CSRFToken" in script.data
    script.close()


def test_csrf_protected_app_answers_the_script(make_demo_app: Any) -> None:
    from tests.web.generic.conftest import _sync
    from tests.web.helpers import csrf_token
    from tests.web.helpers import login as csrf_login

    app = _sync(make_demo_app())  # CSRF on, as in production
    client = app.test_client()
    csrf_login(client, "admin")
    token = csrf_token(client.get("/vehicle_collateral/add").get_data(as_text=True))
    response = client.post(URL, json={"pledge_registered": True}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["fields"]["registration_date"]["visible"] is True
    # without the token the JSON request is refused with a JSON answer, not an HTML page
    refused = client.post(URL, json={"pledge_registered": True})
    assert refused.status_code == 400 and "message" in refused.get_json()
