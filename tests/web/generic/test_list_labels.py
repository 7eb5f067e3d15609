"""Lists show labels, not codes: product labels and status dictionary labels per locale."""

from __future__ import annotations

from typing import Any


def test_loan_list_shows_product_and_status_labels(generic_app: Any, admin_client: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Loan

    with generic_app.app_context():
        loan = db.session.query(Loan).filter_by(status="active").order_by(Loan.id.desc()).first()
        assert loan is not None, "the demo data set has active loans"
        product = loan.product_code
    admin_client.get("/lang/zh_CN")
    page = admin_client.get(f"/loans/list/?_flt_0_id={loan.id}").get_data(as_text=True)
    with generic_app.test_request_context():
        from lowlend.web import registry_hooks

        label = registry_hooks.current_registry().products[product].label
    assert label.zh_CN in page and "正常" in page
    assert f">{product}<" not in page
    admin_client.get("/lang/en")
    page = admin_client.get(f"/loans/list/?_flt_0_id={loan.id}").get_data(as_text=True)
    assert label.en in page and "Active" in page
