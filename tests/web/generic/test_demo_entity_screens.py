"""The demo data set fills the screens of config-declared entities (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.web.generic.conftest import login


def _stored(app: Any, code: str, column: str) -> list[str]:
    from lowlend.persistence.db import db
    from lowlend.web.generic.extension import EXTENSION_KEY

    with app.app_context():
        model = app.extensions[EXTENSION_KEY][code].model
        values = list(db.session.scalars(sa.select(getattr(model, column))))
        db.session.remove()
    return [str(v) for v in values]


def _shows_records(app: Any, client: Any, code: str, column: str) -> None:
    stored = _stored(app, code, column)
    assert stored, f"the demo has no {code} records"
    response = client.get(f"/{code}/list/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = [v for v in stored if v in page]
    assert shown, f"/{code}/list/ shows none of the demo records"


def test_admin_sees_demo_trackers_and_vehicles(generic_app: Any, admin_client: Any) -> None:
    _shows_records(generic_app, admin_client, "gps_devices", "device_no")
    _shows_records(generic_app, admin_client, "vehicle_collateral", "plate_no")


def test_collector_sees_the_visit_records_they_own(generic_app: Any) -> None:
    ids = _stored(generic_app, "visit_record", "id")
    assert ids
    client = generic_app.test_client()
    login(client, "collector")
    page = client.get("/visit_record/list/").get_data(as_text=True)
    # the collector's data scope is ``own``: the demo's visits name them as ``visitor``
    assert any(f"/visit_record/show/{i}" in page for i in ids), page[:2000]


def test_demo_entity_screens_on_every_database(database_url: str, make_generic_app: Any) -> None:
    app = make_generic_app(database_url)
    client = app.test_client()
    login(client, "admin")
    _shows_records(app, client, "gps_devices", "device_no")
    _shows_records(app, client, "vehicle_collateral", "plate_no")
