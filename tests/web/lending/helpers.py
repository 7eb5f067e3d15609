"""Shared steps of the origination tests: sign-ins, customers, applications, forms."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

CLEAN_ID = "110101199003070011"  # sandbox bureau: a clean file


def with_csrf(page: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` plus the page's CSRF token, when the page has one (CSRF may be off in tests)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
    if found and found.group(1):
        return {**data, "csrf_token": found.group(1)}
    return dict(data)


def token(client: Any, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": "lowlend-demo", "provider": "db", "refresh": False},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def new_customer(app: Any, id_number: str = CLEAN_ID) -> int:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Customer
    from lowlend.web.generic.stamping import id_protector

    with app.app_context():
        protector = id_protector()
        dept = department_of(db, "manager")
        customer = Customer(
            kind="individual", name="王小明", id_type="resident_id",
            id_number_hash=protector.hash(id_number), id_number_enc=protector.encrypt(id_number),
            phone="13900000011", region="CN-JX", department_id=dept, custom={},
        )
        import datetime as dt

        customer.birth_date = dt.date(1990, 3, 7)
        customer.sex = "male"
        db.session.add(customer)
        db.session.commit()
        return int(customer.id)


def department_of(db: Any, username: str) -> int:
    return int(db.session.execute(sa.text(
        "SELECT s.department_id FROM staff s JOIN ab_user u ON u.id = s.user_id "
        "WHERE u.username = :u"), {"u": username}).scalar_one())


def new_application(
    app: Any, customer_id: int, amount: str, income: str, user: str,
    product: str = "consumer_emi", term: int = 12,
) -> int:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application, ConfigState

    with app.app_context():
        version = db.session.execute(sa.select(ConfigState.current_version_id)).scalar_one()
        user_id = db.session.execute(
            sa.text("SELECT id FROM ab_user WHERE username = :u"), {"u": user}
        ).scalar_one()
        application = Application(
            customer_id=customer_id, product_code=product, config_version_id=version,
            amount=Decimal(amount), currency="CNY", term=term, rate=Decimal("0.144"),
            status="draft", created_by=user_id, department_id=department_of(db, "manager"),
            custom={"employer": "南昌某公司", "monthly_income": income, "purpose": "consumption"},
        )
        db.session.add(application)
        db.session.commit()
        return int(application.id)


def web_login(client: Any, username: str) -> None:
    """Sign in through the login form (after signing out)."""
    client.get("/logout/")
    form = client.get("/login/").get_data(as_text=True)
    data = with_csrf(form, {"username": username, "password": "lowlend-demo"})
    assert client.post("/login/", data=data).status_code == 302


def customer_from_id_card(app: Any, client: Any, headers: dict[str, str]) -> int:
    """Photograph a (synthetic) ID card, read it with the OCR API and create the customer
    through the REST API from what was read."""
    import datetime as dt
    import io
    import random
    from dataclasses import replace

    from tests.integrations.test_ocr_cards import (
        draw_back,
        draw_front,
        font_path,
        photograph,
        random_card,
    )

    font_path()  # skips without the CJK font (fails instead under LOWLEND_REQUIRE_SERVICES)
    rng = random.Random(7)
    card = replace(random_card(rng), id_number=CLEAN_ID, birth_date=dt.date(1990, 3, 7),
                   sex="male")
    parts = {
        "front": (io.BytesIO(photograph(draw_front(card, rng), rng)), "front.jpg"),
        "back": (io.BytesIO(photograph(draw_back(card, rng), rng)), "back.jpg"),
    }
    read = client.post("/api/v1/ocr/id-card", data=parts, content_type="multipart/form-data",
                       headers=headers)
    assert read.status_code == 200, read.get_data(as_text=True)
    fields = read.get_json()["fields"]
    assert fields["id_number"]["value"] == CLEAN_ID and fields["name"]["value"] == card.name
    from lowlend.persistence.db import db

    with app.app_context():
        department = department_of(db, "manager")
    created = client.post("/api/v1/customers/", headers=headers, json={
        "kind": "individual", "name": fields["name"]["value"], "id_type": "resident_id",
        "id_number": fields["id_number"]["value"], "phone": "13900000011", "region": "CN-JX",
        "department_id": department,
    })
    assert created.status_code == 201, created.get_data(as_text=True)
    return int(created.get_json()["id"])
