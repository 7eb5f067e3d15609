"""Customer files on the web form and the REST API, on SQLite and PostgreSQL.

Identity numbers checked (message next to the field, nothing saved), birth date and sex
derived, duplicate identity and phone numbers named, relations between customers, the
credit limit, foreign keys enforced and deletes of referenced records refused clearly.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from tests.web.generic.conftest import login

MALE_ID = "360426199101010071"  # born 1991-01-01
FEMALE_ID = "11010519491231002X"  # born 1949-12-31
OTHER_ID = "360426199202020076"
USCC = "91110000600037341L"


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest) -> Any:
    """A bootstrapped demo app (CSRF off, permissions synced) on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("generic_app")
    url = request.getfixturevalue("postgres_url")
    return request.getfixturevalue("make_generic_app")(url)


def _client(app: Any, user: str = "admin", lang: str = "zh_CN") -> Any:
    client = app.test_client()
    login(client, user)
    client.get(f"/lang/{lang}")
    return client


def _customer(**overrides: Any) -> dict[str, Any]:
    values = {
        "kind": "individual",
        "name": "测试客户",
        "id_type": "resident_id",
        "id_number": MALE_ID,
        "phone": "13700137000",
        "region": "CN",
    }
    values.update(overrides)
    return values


def _field_errors(html: str, name: str) -> str:
    """The error block rendered right after the input ``name`` (same table cell)."""
    start = html.index(f'name="{name}"')
    cell = html[start : html.index("</td>", start)]
    match = re.search(r'alert alert-danger">\s*(.*?)\s*</div>', cell, re.S)
    return match.group(1) if match else ""


def _rows(app: Any, model_name: str) -> list[Any]:
    from lowlend.persistence import models
    from lowlend.persistence.db import db

    model = getattr(models, model_name)
    with app.app_context():
        rows = db.session.scalars(sa.select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return list(rows)


def _customer_row(app: Any, customer_id: int) -> Any:
    return next(c for c in _rows(app, "Customer") if c.id == customer_id)


# -- identity checks ------------------------------------------------------------------------


def test_bad_identity_numbers_are_refused_on_form_and_rest(app: Any) -> None:
    client = _client(app)
    before = len(_rows(app, "Customer"))
    page = client.post("/customers/add", data=_customer(id_number="360426199101010072"))
    assert page.status_code == 200  # the form comes back
    html = page.get_data(as_text=True)
    assert _field_errors(html, "id_number") == "居民身份证号码校验位错误，请核对号码。"
    assert _field_errors(html, "phone") == ""

    enterprise = _customer(kind="enterprise", name="测试公司", id_type="unified_credit_code",
                           id_number="ABC")
    response = client.post("/api/v1/customers/", json=enterprise)
    assert response.status_code == 422
    assert response.get_json() == {
        "message": "校验失败",
        "errors": {"id_number": ["统一社会信用代码应为 18 位。"]},
    }
    client.get("/lang/en")
    response = client.post("/api/v1/customers/", json=dict(enterprise, id_number=USCC[:-1] + "X"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "Validation failed"
    assert body["errors"] == {
        "id_number": [
            "The check character of this unified social credit code is wrong; "
            "please check the code."
        ]
    }
    assert len(_rows(app, "Customer")) == before  # nothing saved

    # the guarantor's ID number (format: id_number) and a product's bank card (bank_card)
    guarantor = {"guarantor_type": "person", "name": "张三", "id_type": "resident_id",
                 "id_number": "360426199101010072", "phone": "13800138000"}
    response = client.post("/api/v1/guarantor/", json=guarantor)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["id_number"]
    assert client.post(
        "/api/v1/guarantor/", json=dict(guarantor, id_number=MALE_ID)
    ).status_code == 201


def test_product_bank_card_field_is_luhn_checked(app: Any) -> None:
    from lowlend.services.custom_fields import validate_application_custom
    from lowlend.web import registry_hooks

    with app.app_context():
        registry = registry_hooks.current_registry()
        product = registry.products["revolving_credit_line"]
        card = next(f for f in product.custom_fields if f.code == "auto_debit_card")
        assert card.format is not None and card.format.value == "bank_card"
        bad = validate_application_custom((card,), {"auto_debit_card": "6222021234567890129"})
        good = validate_application_custom((card,), {"auto_debit_card": "6222021234567890128"})
    assert [m.code for m in bad.errors["auto_debit_card"]] == ["bank_card_checksum"]
    assert good.ok


# -- derived facts --------------------------------------------------------------------------


def test_birth_date_and_sex_are_derived_and_shown_read_only(app: Any) -> None:
    client = _client(app)
    response = client.post("/customers/add", data=_customer(id_number=FEMALE_ID.lower(),
                                                             name="李秀兰"))
    assert response.status_code == 302
    row = next(c for c in _rows(app, "Customer") if c.name == "李秀兰")
    assert (row.birth_date, row.sex) == (dt.date(1949, 12, 31), "female")
    show = client.get(f"/customers/show/{row.id}").get_data(as_text=True)
    assert "出生日期" in show and "1949年12月31日" in show and ">女</span>" in show
    form = client.get("/customers/add").get_data(as_text=True)
    assert 'name="birth_date"' not in form and 'name="sex"' not in form

    created = client.post("/api/v1/customers/", json=_customer(phone="13700137001"))
    assert created.status_code == 201, created.get_json()
    result = created.get_json()["result"]
    assert result["birth_date"] == "1991-01-01" and result["sex"] == "male"
    # not typed by hand
    typed = client.post("/api/v1/customers/", json=_customer(
        id_number=OTHER_ID, phone="13700137002", birth_date="2000-01-01", sex="female"))
    assert typed.status_code == 422
    assert set(typed.get_json()["errors"]) == {"birth_date", "sex"}


# -- duplicates -------------------------------------------------------------------------------


def test_duplicate_id_number_and_phone_name_the_existing_customer(app: Any) -> None:
    client = _client(app)
    first = client.post("/api/v1/customers/", json=_customer(name="王大明"))
    assert first.status_code == 201
    first_id = first.get_json()["id"]
    before = len(_rows(app, "Customer"))

    same_id = client.post("/api/v1/customers/", json=_customer(phone="13600136000"))
    assert same_id.status_code == 422
    assert same_id.get_json()["errors"] == {
        "id_number": [f"已存在相同证件号码的客户：王大明 (#{first_id})。"]
    }
    # the same phone in another spelling, on the form
    page = client.post("/customers/add", data=_customer(id_number=OTHER_ID,
                                                        phone="+86 137-0013-7000"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _field_errors(html, "phone") == f"该联系电话已被其他客户使用：王大明 (#{first_id})。"
    assert len(_rows(app, "Customer")) == before

    # update: another customer takes the phone (REST and form), the customer keeps its own
    second = client.post("/api/v1/customers/", json=_customer(id_number=OTHER_ID,
                                                              phone="13600136000", name="赵二"))
    assert second.status_code == 201
    second_id = second.get_json()["id"]
    clash = client.put(f"/api/v1/customers/{second_id}", json={"phone": "137 0013 7000"})
    assert clash.status_code == 422 and list(clash.get_json()["errors"]) == ["phone"]
    assert client.put(f"/api/v1/customers/{first_id}",
                      json={"phone": "13700137000", "name": "王大明"}).status_code == 200
    edit = client.post(f"/customers/edit/{second_id}",
                       data={"kind": "individual", "name": "赵二", "phone": "13700137000"})
    assert edit.status_code == 200
    assert "王大明" in _field_errors(edit.get_data(as_text=True), "phone")
    assert _customer_row(app, second_id).phone == "13600136000"
    client.get("/lang/en")
    clash = client.put(f"/api/v1/customers/{second_id}", json={"phone": "13700137000"})
    assert clash.get_json()["errors"]["phone"] == [
        f"Another customer has this phone number: 王大明 (#{first_id})."
    ]


def test_duplicates_outside_the_data_scope_are_not_named(app: Any) -> None:
    admin = _client(app)
    hidden = admin.post("/api/v1/customers/", json=_customer(name="总部客户"))
    assert hidden.status_code == 201
    manager = _client(app, "manager")  # department tree of 业务一部: not the head office
    response = manager.post("/api/v1/customers/", json=_customer(name="新客户"))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "id_number": ["已存在相同证件号码的客户（不在您的数据权限范围内）。"],
        "phone": ["该联系电话已被其他客户使用（不在您的数据权限范围内）。"],
    }
    assert "总部客户" not in response.get_data(as_text=True)


# -- relations between customers --------------------------------------------------------------


def test_relations_between_customers(app: Any) -> None:
    client = _client(app)
    a = client.post("/api/v1/customers/", json=_customer(name="甲")).get_json()["id"]
    b = client.post("/api/v1/customers/", json=_customer(
        name="乙", id_number=FEMALE_ID, phone="13700137009")).get_json()["id"]
    created = client.post("/api/v1/customer_relations/", json={
        "customer_id": a, "related_customer_id": b, "kind": "household", "note": "配偶"})
    assert created.status_code == 201, created.get_json()
    self_link = client.post("/api/v1/customer_relations/", json={
        "customer_id": a, "related_customer_id": a, "kind": "guarantor_of"})
    assert self_link.status_code == 422
    assert self_link.get_json()["errors"] == {"related_customer_id": ["客户不能与自身建立关联关系。"]}
    twice = client.post("/api/v1/customer_relations/", json={
        "customer_id": b, "related_customer_id": a, "kind": "household"})
    assert twice.status_code == 422
    assert twice.get_json()["errors"] == {"related_customer_id": ["该关联关系已存在。"]}
    unknown = client.post("/api/v1/customer_relations/", json={
        "customer_id": a, "related_customer_id": 999999, "kind": "related_party"})
    assert unknown.status_code == 422 and "related_customer_id" in unknown.get_json()["errors"]
    page = client.post("/customer_relations/add", data={
        "customer_id": str(a), "related_customer_id": str(b), "kind": "household"})
    assert page.status_code == 200
    assert _field_errors(page.get_data(as_text=True), "related_customer_id") == "该关联关系已存在。"
    assert client.post("/customer_relations/add", data={
        "customer_id": str(b), "related_customer_id": str(a), "kind": "guarantor_of"},
    ).status_code == 302
    relations = _rows(app, "CustomerRelation")
    assert {(r.customer_id, r.related_customer_id, r.kind) for r in relations} >= {
        (a, b, "household"), (b, a, "guarantor_of")}
    listing = client.get("/customer_relations/list/").get_data(as_text=True)
    assert "同一家庭" in listing and "为其担保" in listing
    assert 'href="/customer_relations/list/"' in client.get("/").get_data(as_text=True)
    # deleting a customer deletes its relations (ON DELETE CASCADE, foreign keys enforced)
    assert client.delete(f"/api/v1/customers/{b}").status_code == 200
    assert not [r for r in _rows(app, "CustomerRelation") if b in (r.customer_id,
                                                                    r.related_customer_id)]


def test_demo_customers_have_derived_facts_and_relations(app: Any) -> None:
    customers = _rows(app, "Customer")
    residents = [c for c in customers if c.id_type == "resident_id"]
    assert residents and all(c.birth_date and c.sex in ("male", "female") for c in residents)
    assert all(c.sex == c.custom.get("gender") for c in residents if c.custom.get("gender"))
    assert all(c.birth_date is None for c in customers if c.id_type != "resident_id")
    relations = _rows(app, "CustomerRelation")
    assert relations and all(r.customer_id != r.related_customer_id for r in relations)
    assert {r.kind for r in relations} == {"household", "guarantor_of", "related_party"}


# -- credit limit (授信) --------------------------------------------------------------------


def _revoke(app: Any, role_name: str, perm: str, view: str) -> None:
    with app.app_context():
        sm = app.appbuilder.sm
        sm.del_permission_role(sm.find_role(role_name), sm.find_permission_view_menu(perm, view))


def test_credit_limit_is_set_only_by_users_who_may_approve(app: Any) -> None:
    manager = _client(app, "manager")  # business manager: customers [.., approve]
    form = manager.get("/customers/add").get_data(as_text=True)
    assert 'name="credit_limit"' in form
    created = manager.post("/api/v1/customers/", json=_customer(credit_limit="50000"))
    assert created.status_code == 201, created.get_json()
    customer_id = created.get_json()["id"]
    row = _customer_row(app, customer_id)
    assert (row.credit_limit, row.credit_limit_currency) == (Decimal("50000.00"), "CNY")
    show = manager.get(f"/customers/show/{customer_id}").get_data(as_text=True)
    assert "授信额度" in show and "50,000.00" in show

    _revoke(app, "business_manager", "can_approve", "customers")
    manager = _client(app, "manager")
    form = manager.get("/customers/add").get_data(as_text=True)
    assert 'name="credit_limit"' not in form and 'name="name"' in form
    refused = manager.put(f"/api/v1/customers/{customer_id}", json={"credit_limit": "90000"})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["credit_limit"]
    # the rest of the record can still be changed and the limit stays
    assert manager.put(f"/api/v1/customers/{customer_id}", json={"name": "改名"}).status_code == 200
    edit = manager.post(f"/customers/edit/{customer_id}", data={
        "kind": "individual", "name": "再改名", "phone": "13700137000",
        "credit_limit": "90000"})
    assert edit.status_code == 302
    row = _customer_row(app, customer_id)
    assert (row.name, row.credit_limit) == ("再改名", Decimal("50000.00"))


# -- foreign keys and deletes -------------------------------------------------------------------


def test_foreign_keys_are_enforced_and_referenced_records_are_kept(app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Loan

    with app.app_context():
        loan = db.session.scalars(sa.select(Loan).order_by(Loan.id)).first()
        assert loan is not None
        customer_id, loan_id = loan.customer_id, loan.id
        # the app's own engine refuses a loan of a customer that does not exist
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(
                sa.update(Loan).where(Loan.id == loan_id).values(customer_id=999999)
            )
            db.session.commit()
        db.session.rollback()

    client = _client(app)
    response = client.delete(f"/api/v1/customers/{customer_id}")
    assert response.status_code == 409
    message = response.get_json()["message"]
    assert message.startswith("该记录仍被其他记录引用，不能删除（") and "贷款台账" in message
    page = client.post(f"/customers/delete/{customer_id}", follow_redirects=True)
    assert "该记录仍被其他记录引用，不能删除" in page.get_data(as_text=True)
    assert any(c.id == customer_id for c in _rows(app, "Customer"))
    client.get("/lang/en")
    response = client.delete(f"/api/v1/departments/{_department_with_staff(app)}")
    assert response.status_code == 409
    assert "other records still refer to it" in response.get_json()["message"]


def _department_with_staff(app: Any) -> int:
    staff = _rows(app, "Staff")
    return next(s.department_id for s in staff if s.department_id is not None)


def test_sqlite_engine_of_the_app_enforces_foreign_keys(generic_app: Any) -> None:
    from lowlend.persistence.db import db

    with generic_app.app_context():
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
