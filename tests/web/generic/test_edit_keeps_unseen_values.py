"""An edit never clears a value the user could not see or change: a business manager
whose department and account-manager drop-downs do not hold the record's current values
changes only the phone of a customer, and the department and owner stay (issue: they
were saved as NULL and the customer left the manager's own scope)."""

from __future__ import annotations

import html as html_text
import re
from typing import Any

import sqlalchemy as sa

from tests.web.generic.conftest import login


def _form_values(html: str) -> dict[str, str]:
    """What a browser submits for the edit form: inputs, selected options, textareas."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name is None or (kind and kind.group(1) in ("checkbox", "radio", "submit", "file")):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option(?=[^>]*\bselected\b)[^>]*value="([^"]*)"', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html,
                                 re.S):
        values[name] = body.strip()
    return {name: html_text.unescape(value) for name, value in values.items()}


def _owner_fields(app: Any, customer_id: int) -> tuple[Any, ...]:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Customer

    with app.app_context():
        return tuple(db.session.execute(
            sa.select(Customer.department_id, Customer.owner_staff_id, Customer.phone)
            .where(Customer.id == customer_id)).one())


def _visible_customer(client: Any) -> int:
    listing = client.get("/customers/list/").get_data(as_text=True)
    ids = re.findall(r"/customers/show/(\d+)", listing)
    assert ids, "the manager sees no customer"
    return int(ids[0])


def test_a_manager_changing_the_phone_keeps_department_and_owner(generic_app: Any) -> None:
    client = generic_app.test_client()
    login(client, "manager")
    customer_id = _visible_customer(client)
    department, owner, _ = _owner_fields(generic_app, customer_id)
    assert department is not None and owner is not None

    form = client.get(f"/customers/edit/{customer_id}").get_data(as_text=True)
    values = _form_values(form)
    # the form shows the current values, selected, even where the drop-down would not
    assert values["department_id"] == str(department)
    assert values["owner_staff_id"] == str(owner)
    values["phone"] = "13912345678"
    response = client.post(f"/customers/edit/{customer_id}", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _owner_fields(generic_app, customer_id) == (department, owner, "13912345678")
    # still in the manager's own scope
    assert client.get(f"/customers/show/{customer_id}").status_code == 200


def test_a_select_sent_back_empty_keeps_a_value_the_user_was_not_offered(
    generic_app: Any,
) -> None:
    """A client that sends the drop-downs empty (as the form did before it showed the
    current values) does not clear them either."""
    client = generic_app.test_client()
    login(client, "manager")
    customer_id = _visible_customer(client)
    department, owner, _ = _owner_fields(generic_app, customer_id)
    values = _form_values(client.get(f"/customers/edit/{customer_id}").get_data(as_text=True))
    offered = re.search(r'<select[^>]*name="department_id"[^>]*>(.*?)</select>',
                        client.get("/customers/add").get_data(as_text=True), re.S)
    assert offered is not None and f'value="{department}"' not in offered.group(1)
    values.update(department_id="", owner_staff_id="", phone="13800138111")
    response = client.post(f"/customers/edit/{customer_id}", data=values)
    assert response.status_code == 302
    assert _owner_fields(generic_app, customer_id) == (department, owner, "13800138111")
