"""File fields: web upload, download with scope, REST upload + link, validation errors."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.web.attachments.conftest import PDF, PNG
from tests.web.generic.conftest import login

VEHICLE = {
    "plate_no": "赣A12345",
    "vin": "LSVAB4186E2012345",
    "brand_model": "大众 朗逸",
    "appraised_value": "80000",
    "first_registered": "2022-05-01",
}


def _client(app: Any, username: str = "admin") -> Any:
    client = app.test_client()
    login(client, username)
    return client


def _files(*items: tuple[bytes, str]) -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(data), name) for data, name in items]


def _rows(app: Any) -> list[Any]:
    from lowlend.persistence.attachments import Attachment
    from lowlend.persistence.db import db

    with app.app_context():
        rows = db.session.query(Attachment).order_by(Attachment.id).all()
        db.session.expunge_all()
        return rows


def _record(app: Any, code: str, pk: int | None = None) -> Any:
    from lowlend.persistence.db import db

    model = app.extensions["lowlend_generic"][code].model
    with app.app_context():
        if pk is not None:
            item = db.session.get(model, pk)
        else:
            item = db.session.query(model).order_by(model.id.desc()).first()
        db.session.expunge_all()
        return item


def _count(app: Any, code: str) -> int:
    from lowlend.persistence.db import db

    with app.app_context():
        return db.session.query(app.extensions["lowlend_generic"][code].model).count()


def _stored_files(app: Any) -> list[Path]:
    root = Path(app.config["INSTANCE_DIR"]) / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _field_errors(html: str, name: str) -> str:
    """The table row of form field ``name`` (where FAB shows its errors)."""
    row = html[html.index(f'name="{name}"') :]
    return row[: row.index("</tr>")]


def _set_department(app: Any, code: str, pk: int, department_code: str) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Department

    model = app.extensions["lowlend_generic"][code].model
    with app.app_context():
        dept = db.session.query(Department).filter_by(code=department_code).one()
        item = db.session.get(model, pk)
        item.department_id = dept.id
        item.account_manager = None
        db.session.commit()


# -- web form ---------------------------------------------------------------------------


def test_web_upload_show_download_edit_and_remove(app: Any) -> None:
    client = _client(app)
    page = client.get("/vehicle_collateral/add").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="file"[^>]*name="photos"[^>]*multiple', page)
    response = client.post(
        "/vehicle_collateral/add",
        data={**VEHICLE, "photos": _files((PNG, "车辆正面.png"), (PDF, "登记证.pdf"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    item = _record(app, "vehicle_collateral")
    assert [m["name"] for m in item.photos] == ["车辆正面.png", "登记证.pdf"]
    png_meta, pdf_meta = item.photos
    assert png_meta == {
        "id": png_meta["id"],
        "name": "车辆正面.png",
        "size": len(PNG),
        "content_type": "image/png",
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    rows = {r.id: r for r in _rows(app)}
    for meta in item.photos:
        row = rows[meta["id"]]
        assert (row.entity, row.record_id, row.field) == ("vehicle_collateral", item.id, "photos")
    # stored once per content, encrypted at rest (the plain bytes are not on disk)
    files = _stored_files(app)
    assert {p.name for p in files} == {png_meta["sha256"], pdf_meta["sha256"]}
    assert all(b"lowlend test invoice" not in p.read_bytes() for p in files)
    # show page: links with the names
    show = client.get(f"/vehicle_collateral/show/{item.id}").get_data(as_text=True)
    assert f'href="/attachments/{png_meta["id"]}"' in show and "车辆正面.png" in show
    # download: bytes, type, RFC 5987 name
    response = client.get(f"/attachments/{png_meta['id']}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.mimetype == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("车辆正面.png") in disposition
    assert disposition.encode("latin-1")  # the header itself stays ASCII
    # edit: attached files listed with a remove box; keep one, remove one, add one
    edit = client.get(f"/vehicle_collateral/edit/{item.id}").get_data(as_text=True)
    assert f'name="photos__remove" value="{pdf_meta["id"]}"' in edit
    assert f'type="hidden" name="photos" value="{png_meta["id"]}"' in edit
    response = client.post(
        f"/vehicle_collateral/edit/{item.id}",
        data={
            **VEHICLE,
            "photos": [str(png_meta["id"]), str(pdf_meta["id"]), *_files((PDF, "补充.pdf"))],
            "photos__remove": [str(pdf_meta["id"])],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    edited = _record(app, "vehicle_collateral", item.id)
    assert [m["name"] for m in edited.photos] == ["车辆正面.png", "补充.pdf"]
    new_row = {r.id: r for r in _rows(app)}[edited.photos[1]["id"]]
    assert (new_row.entity, new_row.record_id, new_row.field) == (
        "vehicle_collateral",
        item.id,
        "photos",
    )
    # same content as the first PDF: one file on disk
    assert len(_stored_files(app)) == 2


def test_invalid_uploads_are_field_errors_and_leave_nothing(app: Any) -> None:
    client = _client(app)
    assert client.get("/lang/en").status_code == 302  # English messages
    before = (_count(app, "vehicle_collateral"), len(_rows(app)))
    app.config["LOWLEND_ATTACHMENT_MAX_SIZE"] = 1000
    cases = [
        ((PNG, "big.png"), "larger than"),  # 1032 bytes > 1000
        ((b"MZ\x90\x00", "tool.exe"), "not allowed"),
        ((b"", "empty.png"), "is empty"),
        ((b"plain text, not an image", "fake.png"), "does not match"),
    ]
    for upload, text in cases:
        response = client.post(
            "/vehicle_collateral/add",
            data={**VEHICLE, "photos": _files(upload)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, upload[1]
        html = response.get_data(as_text=True)
        assert "alert-danger" in _field_errors(html, "photos"), upload[1]
        assert text in _field_errors(html, "photos"), (upload[1], _field_errors(html, "photos"))
    # a good file but another field is wrong: the record fails, no attachment stays
    app.config["LOWLEND_ATTACHMENT_MAX_SIZE"] = 10 * 1024 * 1024
    response = client.post(
        "/vehicle_collateral/add",
        data={**VEHICLE, "vin": "bad", "photos": _files((PNG, "ok.png"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "alert-danger" in _field_errors(response.get_data(as_text=True), "vin")
    assert (_count(app, "vehicle_collateral"), len(_rows(app))) == before
    assert _stored_files(app) == []
    # the next successful request commits only its own upload
    response = client.post(
        "/vehicle_collateral/add",
        data={**VEHICLE, "photos": _files((PDF, "ok.pdf"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert [r.file_name for r in _rows(app)][before[1] :] == ["ok.pdf"]


def test_download_needs_show_permission_within_the_data_scope(app: Any) -> None:
    admin = _client(app)
    response = admin.post(
        "/vehicle_collateral/add",
        data={**VEHICLE, "photos": _files((PNG, "车辆.png"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    item = _record(app, "vehicle_collateral")
    att = item.photos[0]["id"]
    _set_department(app, "vehicle_collateral", item.id, "BIZ2")
    manager = _client(app, "manager")  # business manager of BIZ1 (department_tree)
    assert manager.get(f"/vehicle_collateral/show/{item.id}").status_code == 404
    assert manager.get(f"/attachments/{att}").status_code == 404
    assert manager.get(f"/api/v1/attachments/{att}").status_code == 404
    auditor = _client(app, "auditor")  # scope "all" but no can_show on vehicle_collateral
    assert auditor.get(f"/attachments/{att}").status_code == 404
    assert app.test_client().get(f"/attachments/{att}").status_code == 404  # anonymous
    assert admin.get(f"/attachments/{att}").status_code == 200
    assert admin.get("/attachments/999999").status_code == 404
    # the same record in the manager's department: now visible
    _set_department(app, "vehicle_collateral", item.id, "BIZ1")
    response = manager.get(f"/attachments/{att}")
    assert response.status_code == 200 and response.data == PNG
    body = manager.get(f"/api/v1/attachments/{att}").get_json()
    assert body["result"]["record_id"] == item.id and body["result"]["name"] == "车辆.png"


# -- REST ---------------------------------------------------------------------------------


def _upload(client: Any, *items: tuple[bytes, str]) -> Any:
    return client.post(
        "/api/v1/attachments/",
        data={"file": _files(*items)},
        content_type="multipart/form-data",
    )


def test_rest_upload_link_and_unknown_ids(app: Any) -> None:
    admin = _client(app)
    response = _upload(admin, (PNG, "正面.png"), (PDF, "invoice.pdf"))
    assert response.status_code == 201, response.get_json()
    uploaded = response.get_json()["result"]
    assert [m["name"] for m in uploaded] == ["正面.png", "invoice.pdf"]
    ids = [m["id"] for m in uploaded]
    # not linked yet: only its uploader sees it
    assert admin.get(f"/attachments/{ids[0]}").status_code == 200
    assert _client(app, "risk").get(f"/attachments/{ids[0]}").status_code == 404
    # link through the generated API: ids in, metadata out
    response = admin.post("/api/v1/vehicle_collateral/", json={**VEHICLE, "photos": ids})
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    assert response.get_json()["result"]["photos"] == uploaded
    assert admin.get(f"/api/v1/vehicle_collateral/{pk}").get_json()["result"]["photos"] == uploaded
    rows = {r.id: r for r in _rows(app)}
    assert {(rows[i].entity, rows[i].record_id, rows[i].field) for i in ids} == {
        ("vehicle_collateral", pk, "photos")
    }
    # unknown id, someone else's upload, an attachment of another record: field errors
    other = _upload(_client(app, "manager"), (PNG, "m.png")).get_json()["result"][0]["id"]
    for bad in ([999999], [other], [ids[0]]):
        response = admin.post("/api/v1/vehicle_collateral/", json={**VEHICLE, "photos": bad})
        assert response.status_code == 422, bad
        assert list(response.get_json()["errors"]) == ["photos"], bad
    for shape in ("not a list", [{"name": "x"}], [True], {"id": "x"}):
        response = admin.post("/api/v1/vehicle_collateral/", json={**VEHICLE, "photos": shape})
        assert response.status_code == 422, shape
        assert list(response.get_json()["errors"]) == ["photos"], shape
    # PUT keeps the record's own attachments and may add new uploads; [] clears
    new = _upload(admin, (PDF, "more.pdf")).get_json()["result"][0]
    response = admin.put(
        f"/api/v1/vehicle_collateral/{pk}", json={"photos": [{"id": ids[0]}, new["id"]]}
    )
    assert response.status_code == 200, response.get_json()
    assert [m["name"] for m in response.get_json()["result"]["photos"]] == ["正面.png", "more.pdf"]
    response = admin.put(f"/api/v1/vehicle_collateral/{pk}", json={"photos": []})
    assert response.status_code == 200 and response.get_json()["result"]["photos"] is None


def test_rest_upload_rejects_bad_files_and_users_without_rights(app: Any) -> None:
    admin = _client(app)
    before = len(_rows(app))
    app.config["LOWLEND_ATTACHMENT_MAX_SIZE"] = 1000
    for upload in ((PNG, "big.png"), (b"#!/bin/sh", "run.sh"), (b"", "empty.pdf")):
        response = _upload(admin, upload)
        assert response.status_code == 422, upload[1]
        assert list(response.get_json()["errors"]) == ["file"]
    response = admin.post("/api/v1/attachments/", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]
    assert len(_rows(app)) == before and _stored_files(app) == []
    app.config["LOWLEND_ATTACHMENT_MAX_SIZE"] = 10 * 1024 * 1024
    # the auditor may not add/edit any record with a file field
    assert _upload(_client(app, "auditor"), (PNG, "a.png")).status_code == 403
    assert _upload(app.test_client(), (PNG, "a.png")).status_code == 401
    # the collector may add visit records (which have a file field)
    assert _upload(_client(app, "collector"), (PNG, "visit.png")).status_code == 201


def test_rest_upload_with_jwt(app: Any) -> None:
    client = app.test_client()
    response = client.post(
        "/api/v1/security/login",
        json={"username": "admin", "password": "lowlend-demo", "provider": "db"},
    )
    assert response.status_code == 200, response.get_json()
    headers = {"Authorization": "Bearer " + response.get_json()["access_token"]}
    response = client.post(
        "/api/v1/attachments/",
        data={"file": _files((PDF, "合同.pdf"))},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    att = response.get_json()["ids"][0]
    assert client.get(f"/attachments/{att}", headers=headers).data == PDF
    assert client.get(f"/attachments/{att}").status_code == 404


def test_application_custom_file_field(app: Any) -> None:
    admin = _client(app)
    invoice = _upload(admin, (PDF, "购物发票.pdf")).get_json()["result"][0]
    payload = {
        "product_code": "installment_flat",
        "customer_id": 1,
        "amount": "5000",
        "term": 6,
        "rate": "0.08",
        "custom": {
            "merchant_name": "某商户",
            "goods": [{"name": "手机", "price": "5000", "quantity": 1}],
            "invoice": [invoice["id"]],
        },
    }
    response = admin.post("/api/v1/applications/", json=payload)
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with app.app_context():
        assert db.session.get(Application, pk).custom["invoice"] == [invoice]
    row = {r.id: r for r in _rows(app)}[invoice["id"]]
    assert (row.entity, row.record_id, row.field) == ("applications", pk, "custom.invoice")
    assert admin.get(f"/attachments/{invoice['id']}").data == PDF
    bad = dict(payload, custom=dict(payload["custom"], invoice=[999999]))
    response = admin.post("/api/v1/applications/", json=bad)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["custom.invoice"]
    # web form of the product: the invoice is a file input
    page = admin.get("/applications/add?product=installment_flat").get_data(as_text=True)
    assert re.search(r'<input type="file"[^>]*name="custom__invoice"', page)


def test_application_web_form_uploads_the_invoice(app: Any) -> None:
    admin = _client(app)
    data = {
        "customer_id": "1",
        "amount": "5000",
        "term": "6",
        "rate": "0.08",
        "custom__merchant_name": "某商户",
        # the goods table as the JSON the generic child-table input posts
        "custom__goods": '[{"name": "手机", "price": "5000", "quantity": 1}]',
        "custom__invoice": _files((PDF, "发票.pdf")),
    }
    response = admin.post(
        "/applications/add?product=installment_flat", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with app.app_context():
        item = db.session.query(Application).order_by(Application.id.desc()).first()
        pk, custom = item.id, dict(item.custom)
    assert [m["name"] for m in custom["invoice"]] == ["发票.pdf"]
    att = custom["invoice"][0]["id"]
    row = {r.id: r for r in _rows(app)}[att]
    assert (row.entity, row.record_id, row.field) == ("applications", pk, "custom.invoice")
    edit = admin.get(f"/applications/edit/{pk}").get_data(as_text=True)
    assert f'name="custom__invoice__remove" value="{att}"' in edit
    assert admin.get(f"/attachments/{att}").data == PDF
