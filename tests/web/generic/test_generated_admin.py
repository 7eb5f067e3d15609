"""Generated CRUD views + REST APIs for every entity, built from the seed configuration."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.generic.conftest import login

CORE = (
    "customers",
    "applications",
    "loans",
    "departments",
    "staff",
    "installments",
    "transactions",
    "audit_log",
)
READ_ONLY = {
    "installments", "transactions", "audit_log",
    # business records: they change only through the lending use cases
    "loans", "approval_tasks", "credit_lines",
}
CONFIG_ENTITIES = ("guarantor", "property_collateral", "vehicle_collateral", "visit_record")

#: valid records per writable code (web form values; REST takes the same as JSON)
VALID: dict[str, dict[str, Any]] = {
    "guarantor": {
        "guarantor_type": "person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": "360426199101010071",
        "phone": "13800138000",
    },
    "property_collateral": {
        "certificate_no": "赣(2026)南昌市不动产权第0001号",
        "address": "南昌市红谷滩区",
        "appraised_value": "1500000",
        "ltv_max": "0.6",
        "usage": "residential",
    },
    "vehicle_collateral": {
        "plate_no": "赣A12345",
        "vin": "LSVAB4186E2012345",
        "brand_model": "大众 朗逸",
        "appraised_value": "80000",
        "first_registered": "2022-05-01",
    },
    "visit_record": {
        "visit_date": "2026-11-01",
        "visit_type": "post_loan",
        "staff": '[{"name": "张三"}, {"name": "李四"}]',
        "borrower_consented": "y",
        "findings": "经营正常",
    },
    "departments": {"code": "T-01", "name": "测试营业部", "region": "CN", "active": "y"},
    "staff": {"employee_no": "T-0001", "name": "测试员工", "capacity": "10", "active": "y"},
    "customers": {
        "kind": "individual",
        "name": "王五",
        "id_type": "resident_id",
        "id_number": "360426199202020076",
        "phone": "13900139000",
        "region": "CN",
    },
}
EDIT: dict[str, tuple[str, str]] = {
    "guarantor": ("name", "张三丰"),
    "property_collateral": ("address", "南昌市东湖区"),
    "vehicle_collateral": ("brand_model", "大众 帕萨特"),
    "visit_record": ("findings", "经营正常，有新订单"),
    "departments": ("name", "测试营业部二"),
    "staff": ("name", "测试员工二"),
    "customers": ("name", "王五六"),
}


def _json(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key, value in values.items():
        if value == "y":
            out[key] = True
        elif isinstance(value, str) and value.startswith("["):
            import json

            out[key] = json.loads(value)
    return out


def _errors(html: str) -> list[str]:
    return [e.strip() for e in re.findall(r'alert alert-danger">\s*([^<]*)<', html)]


def _model(app: Any, code: str) -> Any:
    return app.extensions["lowlend_generic"][code].model


def _count(app: Any, code: str) -> int:
    from lowlend.persistence.db import db

    with app.app_context():
        return db.session.query(_model(app, code)).count()


def _audit(app: Any, code: str) -> list[Any]:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import AuditLog

    with app.app_context():
        rows = (
            db.session.query(AuditLog).filter(AuditLog.entity == code).order_by(AuditLog.id).all()
        )
        db.session.expunge_all()
        return rows


# -- registration ---------------------------------------------------------------------


def test_every_entity_has_view_and_api_endpoints(generic_app: Any) -> None:
    registered = generic_app.extensions["lowlend_generic"]
    assert set(CORE) | set(CONFIG_ENTITIES) <= set(registered)
    rules = {r.rule for r in generic_app.url_map.iter_rules()}
    for code, desc in registered.items():
        assert f"/{code}/list/" in rules and f"/{code}/show/<pk>" in rules, code
        assert f"/api/v1/{code}/" in rules and f"/api/v1/{code}/<int:pk>" in rules, code
        writable = {f"/{code}/add", f"/{code}/edit/<pk>", f"/{code}/delete/<pk>"}
        if code in READ_ONLY:
            assert not writable & rules, code
            assert f"/api/v1/{code}/<pk>" not in rules  # no PUT/DELETE
            assert desc.read_only
        else:
            assert writable <= rules, code
            assert f"/api/v1/{code}/<pk>" in rules  # PUT/DELETE
    # views and APIs share the code as FAB view-menu, with the roles.yaml action names
    views = {
        v.class_permission_name: v
        for v in generic_app.appbuilder.baseviews
        if type(v).__name__.startswith("GenericView_")
    }
    assert views["guarantor"].method_permission_name["list"] == "list"
    assert set(views["customers"].base_permissions) == {
        "can_list",
        "can_show",
        "can_add",
        "can_edit",
        "can_delete",
        "can_export",
        "can_view_pii",
        "can_approve",  # the credit limit (授信) is set only with can_approve
    }
    assert set(views["audit_log"].base_permissions) == {
        "can_list", "can_show", "can_export", "can_view_pii"}
    assert set(views["installments"].base_permissions) == {"can_list", "can_show", "can_export"}


def test_entity_tables_created_with_typed_columns(generic_app: Any) -> None:
    import sqlalchemy as sa

    from lowlend.persistence.db import db

    with generic_app.app_context():
        inspector = sa.inspect(db.engine)
        columns = {c["name"]: c for c in inspector.get_columns("x_property_collateral")}
    for name in (
        "id",
        "department_id",
        "owner_id",
        "parent_id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "config_version_id",
        "appraised_value",
        "ltv_max",
    ):
        assert name in columns, name
    assert "NUMERIC(18, 2)" in str(columns["appraised_value"]["type"]).upper()
    # idempotent
    from lowlend.persistence.entity_tables import ensure_tables

    with generic_app.app_context():
        assert ensure_tables(db.engine, [_model(generic_app, "property_collateral")]) == []


def test_menu_links_resolve_to_generated_views(admin_client: Any) -> None:
    page = admin_client.get("/").get_data(as_text=True)
    assert 'href="/customers/list/"' in page
    assert 'href="/guarantor/list/"' in page


# -- web CRUD -------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(VALID))
def test_web_add_list_show_edit_delete(generic_app: Any, admin_client: Any, code: str) -> None:
    before = _count(generic_app, code)
    assert admin_client.get(f"/{code}/add").status_code == 200
    response = admin_client.post(f"/{code}/add", data=VALID[code])
    assert response.status_code == 302, _errors(response.get_data(as_text=True))
    assert _count(generic_app, code) == before + 1
    from lowlend.persistence.db import db

    with generic_app.app_context():
        item = (
            db.session.query(_model(generic_app, code))
            .order_by(_model(generic_app, code).id.desc())
            .first()
        )
        pk = item.id
    listing = admin_client.get(f"/{code}/list/")
    assert listing.status_code == 200
    assert admin_client.get(f"/{code}/show/{pk}").status_code == 200
    field, value = EDIT[code]
    data = {
        k: v
        for k, v in VALID[code].items()
        if k not in ("id_type", "id_number") or code != "customers"
    }
    data[field] = value
    response = admin_client.post(f"/{code}/edit/{pk}", data=data)
    assert response.status_code == 302, _errors(response.get_data(as_text=True))
    with generic_app.app_context():
        item = db.session.get(_model(generic_app, code), pk)
        assert str(getattr(item, field)).startswith(value.split(".")[0])
    actions = [row.action for row in _audit(generic_app, code) if row.entity_id == str(pk)]
    assert actions[:2] == ["create", "update"]
    response = admin_client.post(f"/{code}/delete/{pk}")
    assert response.status_code == 302
    assert _count(generic_app, code) == before
    last = _audit(generic_app, code)[-1]
    assert (last.action, last.entity_id, last.after) == ("delete", str(pk), None)
    assert last.before is not None and last.username == "admin"


def test_web_form_shows_errors_next_to_fields(admin_client: Any) -> None:
    data = dict(VALID["guarantor"], phone="12345", guarantor_type="nonsense")
    response = admin_client.post("/guarantor/add", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(_errors(html)) == 2
    # the error sits in the row of its field
    row = html[html.index('name="phone"') :]
    assert "alert-danger" in row[: row.index("</tr>")]


def test_required_if_enforced_on_web_and_rest(generic_app: Any, admin_client: Any) -> None:
    data = dict(VALID["property_collateral"], second_charge="y")
    before = _count(generic_app, "property_collateral")
    response = admin_client.post("/property_collateral/add", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index('name="first_charge_holder"') :]
    assert "alert-danger" in row[: row.index("</tr>")]
    response = admin_client.post("/api/v1/property_collateral/", json=_json(data))
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"message", "errors"}
    assert list(body["errors"]) == ["first_charge_holder"]
    assert _count(generic_app, "property_collateral") == before
    # hidden field (visible_if false) is dropped, not stored
    ok = dict(VALID["property_collateral"], first_charge_holder="某银行")
    response = admin_client.post("/api/v1/property_collateral/", json=ok)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["result"]["first_charge_holder"] is None


# -- REST -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(VALID))
def test_rest_create_update_and_invalid_input(
    generic_app: Any, admin_client: Any, code: str
) -> None:
    response = admin_client.post(f"/api/v1/{code}/", json={})
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"] and all(isinstance(v, list) for v in body["errors"].values())
    response = admin_client.post(f"/api/v1/{code}/", json={**_json(VALID[code]), "bogus": 1})
    assert response.status_code == 422 and "bogus" in response.get_json()["errors"]
    response = admin_client.post(f"/api/v1/{code}/", json=_json(VALID[code]))
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    field, value = EDIT[code]
    response = admin_client.put(f"/api/v1/{code}/{pk}", json={field: value})
    assert response.status_code == 200, response.get_json()
    response = admin_client.get(f"/api/v1/{code}/{pk}")
    assert response.status_code == 200
    listing = admin_client.get(f"/api/v1/{code}/").get_json()
    assert pk in listing["ids"]
    actions = [r.action for r in _audit(generic_app, code) if r.entity_id == str(pk)]
    assert actions == ["create", "update"]


def test_rest_wrong_types_never_500(admin_client: Any) -> None:
    for payload in (
        [1, 2],
        "text",
        {"appraised_value": {"x": 1}},
        {"area_sqm": "abc"},
        {"ltv_max": "0.9"},
        {"usage": 7},
    ):
        response = admin_client.post("/api/v1/property_collateral/", json=payload)
        assert response.status_code in (400, 422), (payload, response.status_code)
    response = admin_client.post(
        "/api/v1/property_collateral/", data="not json", content_type="text/plain"
    )
    assert response.status_code == 400
    assert admin_client.put("/api/v1/property_collateral/999999", json={}).status_code == 404


def test_read_only_apis_refuse_writes(admin_client: Any) -> None:
    for code in READ_ONLY:
        assert admin_client.get(f"/api/v1/{code}/").status_code == 200
        assert admin_client.post(f"/api/v1/{code}/", json={}).status_code == 405


def test_openapi_lists_generated_apis(generic_app: Any, admin_client: Any) -> None:
    response = admin_client.get("/api/v1/_openapi")
    assert response.status_code == 200
    paths = response.get_json()["paths"]
    assert "/api/v1/guarantor/" in paths and "/api/v1/customers/" in paths
    assert admin_client.get("/swagger/v1").status_code == 200


# -- labels, formatting ---------------------------------------------------------------


def test_labels_in_zh_cn_and_en(admin_client: Any) -> None:
    zh = admin_client.get("/guarantor/add").get_data(as_text=True)
    assert "保证人类型" in zh and "证件号码" in zh and "自然人" in zh
    core_zh = admin_client.get("/customers/add").get_data(as_text=True)
    assert "证件类型" in core_zh and "联系电话" in core_zh
    assert "需重启" in admin_client.get("/guarantor/list/").get_data(as_text=True)
    admin_client.get("/lang/en")
    en = admin_client.get("/guarantor/add").get_data(as_text=True)
    assert "ID number" in en and "Individual" in en and "保证人类型" not in en
    core_en = admin_client.get("/customers/add").get_data(as_text=True)
    assert "ID type" in core_en and "Phone" in core_en
    info = admin_client.get("/api/v1/property_collateral/_info?_l_=en").get_json()
    labels = {f["name"]: f["label"] for f in info["add_columns"]}
    assert labels["appraised_value"] == "Appraised value"
    info = admin_client.get("/api/v1/property_collateral/_info?_l_=zh_CN").get_json()
    labels = {f["name"]: f["label"] for f in info["add_columns"]}
    assert labels["appraised_value"] == "评估价值"
    response = admin_client.post("/api/v1/guarantor/?_l_=en", json={})
    assert "This field is required." in response.get_json()["errors"]["name"]


def test_money_rate_and_pii_formatting(generic_app: Any, admin_client: Any) -> None:
    response = admin_client.post(
        "/api/v1/property_collateral/",
        json=dict(VALID["property_collateral"], appraised_value="1234567.5"),
    )
    pk = response.get_json()["id"]
    page = admin_client.get(f"/property_collateral/show/{pk}").get_data(as_text=True)
    assert "1,234,567.50" in page and "60.00%" in page
    response = admin_client.post("/api/v1/guarantor/", json=VALID["guarantor"])
    pk = response.get_json()["id"]
    # admin holds can_view_pii: clear text
    assert "13800138000" in admin_client.get(f"/guarantor/show/{pk}").get_data(as_text=True)
    # a user without can_view_pii sees masked values (web, REST and audit log)
    # (risk_officer: guarantor [list, show] in roles.yaml, no view_pii there)
    _grant(generic_app, "risk_officer", [("can_list", "guarantor"), ("can_show", "guarantor")])
    _grant(generic_app, "auditor", [("can_list", "audit_log"), ("can_show", "audit_log")])
    client = generic_app.test_client()
    login(client, "risk")
    page = client.get(f"/guarantor/show/{pk}").get_data(as_text=True)
    assert "138****8000" in page and "13800138000" not in page
    assert "3****************1" in page
    body = client.get(f"/api/v1/guarantor/{pk}").get_json()
    assert body["result"]["phone"] == "138****8000"
    client = generic_app.test_client()
    login(client, "auditor")
    audit_id = next(r.id for r in _audit(generic_app, "guarantor") if r.entity_id == str(pk))
    page = client.get(f"/audit_log/show/{audit_id}").get_data(as_text=True)
    assert "138****8000" in page and "13800138000" not in page
    body = client.get(f"/api/v1/audit_log/{audit_id}").get_json()
    assert body["result"]["after"]["phone"] == "138****8000"
    # admin (can_view_pii on audit_log) sees the stored image
    body = admin_client.get(f"/api/v1/audit_log/{audit_id}").get_json()
    assert body["result"]["after"]["phone"] == "13800138000"


def _grant(app: Any, role_name: str, perms: list[tuple[str, str]]) -> None:
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role(role_name)
        for perm, view in perms:
            pvm = sm.find_permission_view_menu(perm, view) or sm.add_permission_view_menu(
                perm, view
            )
            sm.add_permission_role(role, pvm)


def test_permissions_are_enforced(generic_app: Any) -> None:
    client = generic_app.test_client()
    login(client, "collector")
    assert client.get("/guarantor/add").status_code in (302, 403)
    response = client.post("/api/v1/guarantor/", json=VALID["guarantor"])
    assert response.status_code in (401, 403)


# -- products as data -----------------------------------------------------------------


APPLICATION = {
    "customer_id": "1",
    "amount": "10000",
    "term": "12",
    "rate": "0.15",
    "custom__employer": "ACME",
    "custom__monthly_income": "8000",
    "custom__purpose": "other",
}


def test_application_form_routes_on_product(generic_app: Any, admin_client: Any) -> None:
    chooser = admin_client.get("/applications/add").get_data(as_text=True)
    assert "/applications/add?product=consumer_emi" in chooser
    page = admin_client.get("/applications/add?product=consumer_emi").get_data(as_text=True)
    assert 'name="custom__purpose_detail"' in page and "工作单位" in page
    # required_if of a product custom field: web ...
    response = admin_client.post("/applications/add?product=consumer_emi", data=APPLICATION)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index('name="custom__purpose_detail"') :]
    assert "alert-danger" in row[: row.index("</tr>")]
    # ... and REST
    payload = {
        "product_code": "consumer_emi",
        "customer_id": 1,
        "amount": "10000",
        "term": 12,
        "rate": "0.15",
        "custom": {"employer": "ACME", "monthly_income": "8000", "purpose": "other"},
    }
    response = admin_client.post("/api/v1/applications/", json=payload)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["custom.purpose_detail"]
    # product ranges
    response = admin_client.post("/api/v1/applications/", json={**payload, "amount": "1"})
    assert "amount" in response.get_json()["errors"]
    # valid: stored in Application.custom, pinned to the config version
    response = admin_client.post(
        "/applications/add?product=consumer_emi",
        data={**APPLICATION, "custom__purpose_detail": "装修"},
    )
    assert response.status_code == 302, _errors(response.get_data(as_text=True))
    payload["custom"]["purpose"] = "travel"
    payload["custom"]["purpose_detail"] = "hidden, dropped"
    response = admin_client.post("/api/v1/applications/", json=payload)
    assert response.status_code == 201, response.get_json()
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with generic_app.app_context():
        rows = db.session.query(Application).order_by(Application.id).all()
        web, api = rows[-2], rows[-1]
        assert web.custom == {
            "employer": "ACME",
            "monthly_income": "8000.00",
            "purpose": "other",
            "purpose_detail": "装修",
        }
        assert api.custom == {"employer": "ACME", "monthly_income": "8000.00", "purpose": "travel"}
        assert web.config_version_id is not None and web.product_code == "consumer_emi"
    assert [r.action for r in _audit(generic_app, "applications")][-2:] == ["create", "create"]
    # PUT: the pinned product's rules apply to custom and to the standard ranges
    pk = response.get_json()["id"]
    response = admin_client.put(f"/api/v1/applications/{pk}", json={"custom": {"purpose": "other"}})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["custom.purpose_detail"]
    response = admin_client.put(f"/api/v1/applications/{pk}", json={"term": 999})
    assert response.status_code == 422 and "term" in response.get_json()["errors"]
    response = admin_client.put(
        f"/api/v1/applications/{pk}",
        json={"custom": {"purpose": "other", "purpose_detail": "医疗"}, "term": 24},
    )
    assert response.status_code == 200, response.get_json()
    with generic_app.app_context():
        row = db.session.get(Application, pk)
        assert row.term == 24 and row.custom["purpose_detail"] == "医疗"
    assert admin_client.get("/applications/add?product=nope").status_code == 302


def test_product_published_after_boot_appears_and_rollback_removes_it(
    generic_app: Any, admin_client: Any
) -> None:
    _publish_and_rollback(generic_app, admin_client)


def _publish_and_rollback(app: Any, client: Any) -> None:
    from lowlend.persistence.wiring import open_config_store
    from lowlend.spec.loader import read_bundle

    config_dir = Path(app.config["CONFIG_DIR"])
    files = read_bundle(config_dir, Path(app.config["NOTIFICATION_TEMPLATES_DIR"]))
    source = files["config/products/consumer_emi.yaml"]
    new = source.replace("code: consumer_emi", "code: pet_loan", 1).replace(
        "custom_fields:\n",
        "custom_fields:\n  - code: pet_name\n    kind: text\n"
        "    label: {zh_CN: 宠物名字, en: Pet name}\n    required: true\n    max_length: 20\n",
        1,
    )
    files["config/products/pet_loan.yaml"] = new
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with open_config_store(url, create_schema=False) as store:
        before = store.current().number
        store.publish(files, author="test", comment="add pet_loan")
    page = client.get("/applications/add?product=pet_loan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="custom__pet_name"' in html and "宠物名字" in html
    assert "product=pet_loan" in client.get("/applications/add").get_data(as_text=True)
    response = client.post(
        "/api/v1/applications/",
        json={
            "product_code": "pet_loan",
            "customer_id": 1,
            "amount": "10000",
            "term": 12,
            "rate": "0.15",
            "custom": {"employer": "A", "monthly_income": "1", "purpose": "travel"},
        },
    )
    assert response.status_code == 422 and "custom.pet_name" in response.get_json()["errors"]
    with open_config_store(url, create_schema=False) as store:
        store.rollback(before, author="test")
    assert client.get("/applications/add?product=pet_loan").status_code == 302
    assert "product=pet_loan" not in client.get("/applications/add").get_data(as_text=True)


# -- PostgreSQL -------------------------------------------------------------------------


def test_postgresql_crud_audit_and_products(postgres_url: str, make_generic_app: Any) -> None:
    app = make_generic_app(postgres_url)
    client = app.test_client()
    login(client, "admin")
    for code in ("guarantor", "visit_record", "customers"):
        response = client.post(f"/api/v1/{code}/", json=_json(VALID[code]))
        assert response.status_code == 201, response.get_json()
        response = client.post(
            f"/{code}/add",
            data=VALID[code]
            if code != "customers"
            else dict(VALID[code], id_number="360426199303030070", phone="13900139001"),
        )
        assert response.status_code == 302, _errors(response.get_data(as_text=True))
        assert [r.action for r in _audit(app, code)][-2:] == ["create", "create"]
    response = client.post(
        "/api/v1/property_collateral/", json=dict(VALID["property_collateral"], second_charge=True)
    )
    assert response.status_code == 422
    _publish_and_rollback(app, client)


def test_can_apply_on_product_is_checked_when_present(generic_app: Any) -> None:
    _grant(
        generic_app, "business_manager", [("can_list", "applications"), ("can_add", "applications")]
    )
    with generic_app.app_context():
        sm = generic_app.appbuilder.sm
        pvm = sm.find_permission_view_menu(
            "can_apply", "product:consumer_emi"
        ) or sm.add_permission_view_menu("can_apply", "product:consumer_emi")
        sm.del_permission_role(sm.find_role("business_manager"), pvm)
    client = generic_app.test_client()
    login(client, "manager")
    assert client.get("/applications/add?product=consumer_emi").status_code == 403
    assert "product=consumer_emi" not in client.get("/applications/add").get_data(as_text=True)
    response = client.post("/api/v1/applications/", json={"product_code": "consumer_emi"})
    assert response.status_code == 403
    _grant(generic_app, "business_manager", [("can_apply", "product:consumer_emi")])
    client = generic_app.test_client()
    login(client, "manager")
    assert client.get("/applications/add?product=consumer_emi").status_code == 200


def test_application_web_edit_uses_pinned_product_fields(
    generic_app: Any, admin_client: Any
) -> None:
    response = admin_client.post(
        "/applications/add?product=consumer_emi",
        data={**APPLICATION, "custom__purpose_detail": "装修"},
    )
    assert response.status_code == 302
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with generic_app.app_context():
        pk = db.session.query(Application).order_by(Application.id.desc()).first().id
    page = admin_client.get(f"/applications/edit/{pk}").get_data(as_text=True)
    assert 'name="custom__purpose_detail"' in page and "装修" in page
    data = {**APPLICATION, "custom__purpose_detail": ""}
    response = admin_client.post(f"/applications/edit/{pk}", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index('name="custom__purpose_detail"') :]
    assert "alert-danger" in row[: row.index("</tr>")]
    data = {**APPLICATION, "custom__purpose": "medical", "custom__purpose_detail": "ignored"}
    response = admin_client.post(f"/applications/edit/{pk}", data=data)
    assert response.status_code == 302, _errors(response.get_data(as_text=True))
    with generic_app.app_context():
        row = db.session.get(Application, pk)
        assert row.custom == {"employer": "ACME", "monthly_income": "8000.00", "purpose": "medical"}
    last = _audit(generic_app, "applications")[-1]
    assert last.action == "update" and last.before["custom"]["purpose"] == "other"


def insert_loan(app: Any, **values: Any) -> int:
    """A loan row written directly (loans are read-only in the generated CRUD)."""
    from decimal import Decimal

    import sqlalchemy as sa

    from lowlend.persistence.db import db
    from lowlend.persistence.models import ConfigState, Loan

    with app.app_context():
        version = db.session.execute(sa.select(ConfigState.current_version_id)).scalar_one()
        loan = Loan(
            **{
                "customer_id": 1, "product_code": "consumer_emi", "config_version_id": version,
                "principal": Decimal("10000.00"), "annual_rate": Decimal("0.150000"),
                "term": 12, "status": "approved", **values,
            }
        )
        db.session.add(loan)
        db.session.commit()
        return int(loan.id)


def test_config_entity_belongs_to_its_parent_record(generic_app: Any, admin_client: Any) -> None:
    loan_id = insert_loan(generic_app)
    response = admin_client.post(
        "/api/v1/guarantor/", json={**VALID["guarantor"], "parent_id": "x"}
    )
    assert response.status_code == 422 and "parent_id" in response.get_json()["errors"]
    response = admin_client.post(
        "/api/v1/guarantor/", json={**VALID["guarantor"], "parent_id": loan_id}
    )
    assert response.status_code == 201
    pk = response.get_json()["id"]
    page = admin_client.get(f"/guarantor/show/{pk}").get_data(as_text=True)
    assert f'href="/loans/show/{loan_id}"' in page
    # the records of one loan (FAB filter on the parent)
    listing = admin_client.get(
        f"/api/v1/guarantor/?q=(filters:!((col:parent_id,opr:eq,value:{loan_id})))"
    ).get_json()
    assert listing["ids"] == [pk]


def test_sections_search_filters_and_ordering(admin_client: Any) -> None:
    page = admin_client.get("/property_collateral/add").get_data(as_text=True)
    assert "房产信息" in page and "评估" in page
    assert page.index('name="certificate_no"') < page.index('name="appraised_value"')
    for name in ("张三", "李四"):
        response = admin_client.post(
            "/api/v1/guarantor/", json={**VALID["guarantor"], "name": name}
        )
        assert response.status_code == 201
    listing = admin_client.get("/guarantor/list/?_flt_2_name=李四")  # FAB "contains" filter
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "李四" in html and "张三" not in html.split("<table")[-1]
    body = admin_client.get(
        "/api/v1/guarantor/?q=(order_column:name,order_direction:asc)"
    ).get_json()
    names = [row["name"] for row in body["result"]]
    assert names == sorted(names)
    body = admin_client.get(
        "/api/v1/guarantor/?q=(filters:!((col:name,opr:ct,value:'李')))"
    ).get_json()
    assert [row["name"] for row in body["result"]] == ["李四"]
    info = admin_client.get("/api/v1/guarantor/_info").get_json()
    assert {"name", "id_number"} <= set(info["filters"])


def test_loan_show_page_lists_its_installments(generic_app: Any, admin_client: Any) -> None:
    import datetime as dt
    from decimal import Decimal

    from lowlend.persistence.db import db
    from lowlend.persistence.models import Installment

    loan_id = insert_loan(generic_app)
    with generic_app.app_context():
        db.session.add(
            Installment(
                loan_id=loan_id,
                seq=1,
                due_date=dt.date(2026, 12, 20),
                principal=Decimal("812.34"),
                interest=Decimal("125.00"),
            )
        )
        db.session.commit()
    page = admin_client.get(f"/loans/show/{loan_id}").get_data(as_text=True)
    assert "GenericView_installments" in page and "812.34" in page


def test_failed_write_leaves_no_audit_row(generic_app: Any, admin_client: Any) -> None:
    payload = {"code": "DUP-1", "name": "重复", "active": True}
    assert admin_client.post("/api/v1/departments/", json=payload).status_code == 201
    count = len(_audit(generic_app, "departments"))
    response = admin_client.post("/api/v1/departments/", json=payload)
    assert response.status_code == 409
    assert set(response.get_json()) == {"message", "errors"}
    assert len(_audit(generic_app, "departments")) == count
    # the web form reports it instead of failing
    response = admin_client.post(
        "/departments/add", data={"code": "DUP-1", "name": "重复"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "该记录与已有记录冲突" in page and "INSERT INTO" not in page
    assert len(_audit(generic_app, "departments")) == count


def test_forms_work_with_csrf_on(make_demo_app: Any) -> None:
    from tests.web.generic.conftest import _sync
    from tests.web.helpers import csrf_token
    from tests.web.helpers import login as csrf_login

    app = _sync(make_demo_app())  # CSRF enabled
    client = app.test_client()
    csrf_login(client, "admin")
    page = client.get("/guarantor/add").get_data(as_text=True)
    response = client.post(
        "/guarantor/add", data={**VALID["guarantor"], "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    # a forged form (no token, or another session's token) saves nothing
    before = len(_audit(app, "guarantor"))
    for forged in ({}, {"csrf_token": "forged"}):
        response = client.post("/guarantor/add", data={**VALID["guarantor"], **forged})
        assert response.status_code == 302  # back to the form, with the reason
        assert response.headers["Location"].endswith("/guarantor/add")
    guarantor_id = _audit(app, "guarantor")[-1].entity_id
    response = client.post(f"/guarantor/delete/{guarantor_id}", data={"csrf_token": "forged"})
    assert len(_audit(app, "guarantor")) == before, "nothing was created or deleted"
    page = client.get("/applications/add?product=consumer_emi").get_data(as_text=True)
    response = client.post(
        "/applications/add?product=consumer_emi",
        data={**APPLICATION, "custom__purpose": "travel", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302


def test_restart_note_is_for_those_who_configure_entities(generic_app: Any) -> None:
    manager = generic_app.test_client()
    login(manager, "manager")
    page = manager.get("/guarantor/list/")
    assert page.status_code == 200
    assert "lowlend-restart-note" not in page.get_data(as_text=True)
    admin = generic_app.test_client()
    login(admin, "admin")
    assert "lowlend-restart-note" in admin.get("/guarantor/list/").get_data(as_text=True)
