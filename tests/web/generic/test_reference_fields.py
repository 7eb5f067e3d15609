"""Reference fields are drop-downs of the target's records (by name, within the data scope)."""

from __future__ import annotations

import re
from typing import Any


def test_loan_form_offers_customers_by_name_and_keeps_the_selection(
    generic_app: Any, admin_client: Any
) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Customer, Loan

    with generic_app.app_context():
        customer = db.session.query(Customer).order_by(Customer.id.desc()).first()
        loan = db.session.query(Loan).filter(Loan.customer_id.is_not(None)).first()
        assert customer is not None and loan is not None
        expected = (customer.id, customer.name, loan.id, loan.customer_id)
    customer_id, name, loan_id, loan_customer = expected
    page = admin_client.get("/loans/add").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="customer_id".*?</select>', page, re.S)
    assert select is not None, "customer_id is a select"
    assert f'value="{customer_id}"' in select.group(0) and f"{name} #{customer_id}" in page
    edit = admin_client.get(f"/loans/edit/{loan_id}").get_data(as_text=True)
    chosen = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', edit)
    assert chosen is not None and loan_customer in {int(g) for g in chosen.groups() if g}


def test_reference_to_a_view_that_is_not_generated_is_an_id_input(admin_client: Any) -> None:
    page = admin_client.get("/vehicle_collateral/add").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="gps_device"', page), "gps_devices has no generated view"
    assert not re.search(r'<select[^>]*name="gps_device"', page)
