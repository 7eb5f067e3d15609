"""Reference fields are drop-downs of the target's records (by name, within the data scope)."""

from __future__ import annotations

import re
from typing import Any


def test_application_form_offers_customers_by_name_and_keeps_the_selection(
    generic_app: Any, admin_client: Any
) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application, Customer

    with generic_app.app_context():
        customer = db.session.query(Customer).order_by(Customer.id.desc()).first()
        draft = db.session.query(Application).filter(Application.status == "draft").first()
        if draft is None:  # only drafts (and returned ones) can be edited
            draft = db.session.query(Application).first()
            assert draft is not None
            draft.status = "draft"
            db.session.commit()
        assert customer is not None
        expected = (customer.id, customer.name, draft.id, draft.customer_id)
    customer_id, name, app_id, app_customer = expected
    page = admin_client.get("/applications/add?product=consumer_emi").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="customer_id".*?</select>', page, re.S)
    assert select is not None, "customer_id is a select"
    assert f'value="{customer_id}"' in select.group(0) and f"{name} #{customer_id}" in page
    loan_customer = app_customer
    edit = admin_client.get(f"/applications/edit/{app_id}").get_data(as_text=True)
    chosen = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', edit)
    assert chosen is not None and loan_customer in {int(g) for g in chosen.groups() if g}


def test_collateral_form_offers_gps_devices_by_device_number(
    generic_app: Any, admin_client: Any
) -> None:
    """``gps_devices`` is a config-declared entity: the vehicle's tracker is picked from it."""
    from lowlend.persistence.db import db
    from lowlend.web.generic.extension import EXTENSION_KEY

    with generic_app.app_context():
        model = generic_app.extensions[EXTENSION_KEY]["gps_devices"].model
        device = model(device_no="860000000000017", vendor="Acme", status="in_stock")
        db.session.add(device)
        db.session.commit()
        device_id = device.id
    page = admin_client.get("/vehicle_collateral/add").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="gps_device".*?</select>', page, re.S)
    assert select is not None, "gps_device is a select"
    assert f'value="{device_id}"' in select.group(0)
    assert f"860000000000017 #{device_id}" in select.group(0)


def test_reference_to_a_view_that_is_not_generated_is_an_id_input(generic_app: Any) -> None:
    from lowlend.web.forms.spec_form import ReferenceSelectField, SpecForm, build_form
    from lowlend.web.generic.common import reference_choices

    spec = type("Spec", (), {"code": "tracker", "kind": "reference", "reference": "nowhere"})
    form_class = build_form(
        "F", [spec], {"tracker": "Tracker"}, None,
        lambda d: reference_choices(d[4:]) if d and d.startswith("ref:") else [],
        base=SpecForm,
    )
    with generic_app.test_request_context("/"):
        assert reference_choices("nowhere") is None
        form = form_class(meta={"csrf": False})
        assert isinstance(form.tracker, ReferenceSelectField)
        html = str(form.tracker())
    assert re.search(r'<input[^>]*name="tracker"', html), html
    assert "<select" not in html


def test_reference_cells_name_the_record(generic_app: Any, admin_client: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Department, Staff

    with generic_app.app_context():
        staff = db.session.query(Staff).filter(Staff.department_id.is_not(None)).first()
        department = db.session.get(Department, staff.department_id)
        expected = (staff.id, department.id, department.name)
    staff_id, department_id, name = expected
    page = admin_client.get(f"/staff/show/{staff_id}").get_data(as_text=True)
    assert re.search(
        rf'<a href="/departments/show/{department_id}">{re.escape(name)} #{department_id}</a>',
        page,
    ), "the department is named"
    listing = admin_client.get("/staff/list/").get_data(as_text=True)
    assert f"{name} #{department_id}</a>" in listing


def test_reference_outside_the_scope_shows_the_number_only(generic_app: Any) -> None:
    """The name comes through the data scope: with no signed-in user nothing is in scope,
    so the name is withheld (the cell shows ``#id``)."""
    from lowlend.web.generic.common import reference_name

    with generic_app.test_request_context("/"):
        from lowlend.persistence.db import db
        from lowlend.persistence.models import Customer

        customer = db.session.query(Customer).first()
        assert reference_name("customers", customer.id) is None
        assert reference_name("customers", "not-a-number") is None
        assert reference_name("no_such_view", customer.id) is None


def test_staff_login_shows_the_user_and_the_role_labels(generic_app: Any, admin_client: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Staff

    with generic_app.app_context():
        user = generic_app.appbuilder.sm.find_user(username="collector")
        staff_id = db.session.query(Staff.id).filter(Staff.user_id == user.id).scalar()
        user_id = user.id
    page = admin_client.get(f"/staff/show/{staff_id}").get_data(as_text=True)
    assert re.search(rf'<a href="/users/show/{user_id}">collector \(催收员\)</a>', page), (
        "the login is named with its role label"
    )
