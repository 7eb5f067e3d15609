"""Dashboard to-do tiles: pure tile computation, and counts in the user's data scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from lowlend.services import dashboard
from tests.web.helpers import login


# -- pure -------------------------------------------------------------------------------
def test_tiles_order_levels_and_optional_tiles() -> None:
    tiles = dashboard.todo_tiles({"loans_overdue": 2, "applications_pending": 0})
    codes = [t.code for t in tiles]
    assert codes[:5] == [
        "applications_pending",
        "loans_to_disburse",
        "loans_overdue",
        "installments_due_soon",
        "installments_overdue",
    ]
    assert "collection_cases" not in codes and "warnings" not in codes  # no table: not shown
    by_code = {t.code: t for t in tiles}
    assert by_code["loans_overdue"].level == "danger"
    assert by_code["applications_pending"].level == "default"
    assert (
        by_code["loans_to_disburse"].count is None and by_code["loans_to_disburse"].level == "muted"
    )
    assert by_code["loans_overdue"].filters == {"status": "overdue"}
    with_cases = dashboard.todo_tiles({"collection_cases": 4, "warnings": -1})
    assert [t.count for t in with_cases if t.code in ("collection_cases", "warnings")] == [4, 0]
    assert dashboard.total(tiles) == 2


def test_due_window_and_business_date() -> None:
    assert dashboard.due_window(dt.date(2026, 2, 25)) == (dt.date(2026, 2, 25), dt.date(2026, 3, 4))
    assert dashboard.business_date_after(dt.date(2026, 11, 27), dt.date(2030, 1, 1)) == dt.date(
        2026, 11, 28
    )
    assert dashboard.business_date_after(None, dt.date(2030, 1, 1)) == dt.date(2030, 1, 1)


# -- through the web --------------------------------------------------------------------
@pytest.fixture
def dash_app(make_app: Callable[..., Any], database_url: str) -> Iterator[Any]:
    from lowlend.web.bootstrap import bootstrap_demo

    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True)
    bootstrap_demo(app, loans=30)
    with app.app_context():
        app.appbuilder.add_permissions(update_perms=True)
    yield app
    with app.app_context():
        from lowlend.persistence.db import db

        db.session.remove()
        db.engine.dispose()


def _counts(html: str) -> dict[str, int | None]:
    found = re.findall(
        r'class="panel [^"]*lowlend-todo" data-code="([a-z_]+)" data-count="(\d*)"', html
    )
    return {code: (int(n) if n else None) for code, n in found}


def _setup_collector_in_department_a(app: Any) -> dict[str, Any]:
    """Collector = staff of a new department A owning one overdue loan (with a due installment);
    an overdue loan of department B belongs to someone else."""
    from lowlend.persistence.db import db
    from lowlend.persistence.models import (
        ConfigVersion,
        Customer,
        Department,
        Installment,
        Loan,
        Staff,
    )

    with app.app_context():
        s = db.session
        user = app.appbuilder.sm.find_user(username="collector")
        for other in s.query(Staff).filter(Staff.user_id == user.id):
            other.user_id = None
        s.flush()
        root = s.query(Department).order_by(Department.id).first()
        a = Department(code="DASH-A", name="催收一部", parent_id=root.id if root else None)
        b = Department(code="DASH-B", name="催收二部", parent_id=root.id if root else None)
        s.add_all([a, b])
        s.flush()
        me = Staff(employee_no="DASH-C1", name="collector", department_id=a.id, user_id=user.id)
        them = Staff(employee_no="DASH-C2", name="other", department_id=b.id, user_id=None)
        s.add_all([me, them])
        s.flush()
        version = s.query(ConfigVersion).order_by(ConfigVersion.id.desc()).first()
        customer = Customer(name="李四", id_type="resident_id", id_number_hash="dash-hash-1")
        s.add(customer)
        s.flush()
        loans = []
        for dept, owner in ((a, me), (b, them)):
            loan = Loan(
                customer_id=customer.id,
                product_code="consumer_emi",
                config_version_id=version.id,
                principal=Decimal("5000.00"),
                annual_rate=Decimal("0.150000"),
                status="overdue",
                department_id=dept.id,
                owner_staff_id=owner.id,
                dpd=12,
            )
            s.add(loan)
            loans.append(loan)
        s.flush()
        s.add_all(
            [
                Installment(
                    loan_id=loan.id,
                    seq=1,
                    due_date=dt.date(2026, 11, 30),
                    principal=Decimal("500.00"),
                    interest=Decimal("50.00"),
                    status="pending",
                )
                for loan in loans
            ]
        )
        s.commit()
        return {"staff_id": me.id, "loan_ids": [ln.id for ln in loans]}


def test_dashboard_counts_follow_the_data_scope(dash_app: Any) -> None:
    import sqlalchemy as sa

    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application, Installment, Loan

    dash_app.config["LOWLEND_BUSINESS_DATE"] = "2026-11-28"
    info = _setup_collector_in_department_a(dash_app)
    with dash_app.app_context():
        s = db.session
        all_overdue = s.query(Loan).filter(Loan.status == "overdue").count()
        mine_overdue = (
            s.query(Loan)
            .filter(Loan.status == "overdue", Loan.owner_staff_id == info["staff_id"])
            .count()
        )
        all_pending_apps = (
            s.query(Application).filter(Application.status.in_(("submitted", "in_review"))).count()
        )
        due = sa.and_(
            Installment.due_date >= dt.date(2026, 11, 28),
            Installment.due_date <= dt.date(2026, 12, 5),
            Installment.status.not_in(("paid", "waived", "cancelled")),
        )
        all_due = s.query(Installment).filter(due).count()
        mine_due = (
            s.query(Installment)
            .join(Loan, Loan.id == Installment.loan_id)
            .filter(due, Loan.owner_staff_id == info["staff_id"])
            .count()
        )
    assert mine_overdue == 1 and all_overdue >= 2 and mine_due == 1

    admin = dash_app.test_client()
    assert login(admin, "admin").status_code == 302
    admin_html = admin.get("/").get_data(as_text=True)
    admin_counts = _counts(admin_html)
    assert admin_counts["loans_overdue"] == all_overdue
    assert admin_counts["applications_pending"] == all_pending_apps
    assert admin_counts["installments_due_soon"] == all_due
    assert "_flt_3_status=overdue" in admin_html  # tiles link to their (filtered) list

    collector = dash_app.test_client()
    assert login(collector, "collector").status_code == 302
    collector_html = collector.get("/").get_data(as_text=True)
    collector_counts = _counts(collector_html)
    assert collector_counts["loans_overdue"] == mine_overdue < admin_counts["loans_overdue"]
    assert collector_counts["installments_due_soon"] == mine_due < all_due
    assert collector_counts["applications_pending"] == 0  # collectors have no grant on it
    assert "/loans/list/" not in collector_html  # no list permission: the tile has no link
