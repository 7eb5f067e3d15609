"""``enum_list`` fields: several codes of one dictionary (staff skills, visit checks)."""

from __future__ import annotations

import re
from typing import Any

from tests.web.generic.test_child_table import VISIT

STAFF = {"employee_no": "E-900", "name": "周敏", "region": "CN-JX", "capacity": "30"}


def _staff(app: Any, employee_no: str) -> Any:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Staff

    with app.app_context():
        row = db.session.query(Staff).filter(Staff.employee_no == employee_no).one()
        db.session.expunge(row)
        return row


def test_staff_skills_are_picked_from_the_dictionary(generic_app: Any, admin_client: Any) -> None:
    page = admin_client.get("/staff/add").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="skills".*?</select>', page, re.S)
    assert select is not None and "multiple" in select.group(0)
    assert 'value="phone_collection"' in select.group(0) and "电话催收" in select.group(0)

    data = dict(STAFF, skills=["phone_collection", "sms", "phone_collection"])
    response = admin_client.post("/staff/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    staff = _staff(generic_app, "E-900")
    assert staff.skills == ["phone_collection", "sms"]
    show = admin_client.get(f"/staff/show/{staff.id}").get_data(as_text=True)
    assert "电话催收, 短信催收" in show

    # clearing every skill stores an empty list (not "unchanged", not NULL)
    response = admin_client.post(f"/staff/edit/{staff.id}", data=STAFF)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert _staff(generic_app, "E-900").skills == []


def test_unknown_codes_are_refused_next_to_the_field(generic_app: Any, admin_client: Any) -> None:
    response = admin_client.post("/staff/add", data=dict(STAFF, skills=["sms", "juggling"]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "不是有效的选项" in html or "Not a valid choice" in html
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Staff

    with generic_app.app_context():
        assert db.session.query(Staff).filter(Staff.employee_no == "E-900").count() == 0


def test_config_entity_enum_list_on_web_and_rest(generic_app: Any, admin_client: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Loan

    with generic_app.app_context():
        loan_id = db.session.query(Loan.id).order_by(Loan.id).first()[0]
    response = admin_client.post(
        "/api/v1/visit_record/",
        json={
            "parent_id": loan_id,
            "visit_date": "2026-11-02",
            "visit_type": VISIT["visit_type"],
            "staff": [{"name": "张三"}, {"name": "李四"}],
            "borrower_consented": True,
            "findings": "正常经营",
            "checks": ["books", "premises"],
        },
    )
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    shown = admin_client.get(f"/api/v1/visit_record/{pk}").get_json()["result"]
    assert shown["checks"] == ["books", "premises"]
    admin_client.get("/lang/en")
    page = admin_client.get(f"/visit_record/show/{pk}").get_data(as_text=True)
    assert "Books and bank statements, Business premises" in page
    bad = admin_client.put(f"/api/v1/visit_record/{pk}", json={"checks": ["books", 3]})
    assert bad.status_code == 422 and "checks" in bad.get_json()["errors"]
    bad = admin_client.put(f"/api/v1/visit_record/{pk}", json={"checks": ["moon"]})
    assert bad.status_code == 422 and "checks" in bad.get_json()["errors"]
