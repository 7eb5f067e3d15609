"""Config screens: edit → validate → diff → publish → history → rollback, errors, permissions,
a new product through the UI (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from ..helpers import csrf_token, login

EDIT_URL = "/config/products/edit/consumer_emi"
OLD_RATE = 'annual_rate: {min: "0.080000", max: "0.180000", default: "0.150000"}'
NEW_RATE = 'annual_rate: {min: "0.080000", max: "0.180000", default: "0.160000"}'


def _store(app: Any) -> Any:
    from lowlend.services.config_store import ConfigStore
    from lowlend.web.registry_hooks import UOW_FACTORY_KEY

    return ConfigStore(app.extensions[UOW_FACTORY_KEY])


def _textarea(page: str) -> str:
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert match, "no textarea"
    text = htmllib.unescape(match.group(1))
    # WTForms writes one newline after <textarea>, which browsers drop
    return text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")


def _client(app: Any, user: str) -> Any:
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def _post_editor(client: Any, url: str, page: str, op: str, content: str, **extra: str) -> Any:
    data = {
        "csrf_token": csrf_token(page),
        "base": re.search(r'name="base"[^>]*value="(\d+)"', page).group(1),
        "content": content,
        "op": op,
        **extra,
    }
    return client.post(url, data=data)


def test_edit_validate_diff_publish_history_rollback(config_app: Any) -> None:
    store = _store(config_app)
    with config_app.app_context():
        v1 = store.current()
    assert v1.number == 1
    admin = _client(config_app, "admin")

    menu = admin.get("/").get_data(as_text=True)  # Settings items of menus.yaml → these screens
    for url in (
        "/config/products/",
        "/config/fee_schedules/",
        "/config/approval_chains/",
        "/config/versions/",
        "/config/notification_templates/",
    ):
        assert f'href="{url}"' in menu, url
    listing = admin.get("/config/products/").get_data(as_text=True)
    assert 'data-code="consumer_emi"' in listing and "个人消费贷（等额本息）" in listing
    admin.get("/lang/en")  # labels follow the request locale
    listing_en = admin.get("/config/products/").get_data(as_text=True)
    assert "Personal consumer loan (equal installments)" in listing_en
    assert "New application: Personal consumer loan" in listing_en  # the Loans menu
    admin.get("/lang/zh_CN")
    for url in (
        "/config/fee_schedules/",
        "/config/approval_chains/",
        "/config/notification_templates/",
        "/config/regions/",
        "/config/versions/",
    ):
        assert admin.get(url).status_code == 200, url
    assert 'data-code="CN-JX"' in admin.get("/config/regions/").get_data(as_text=True)
    shown = admin.get("/config/products/show/consumer_emi").get_data(as_text=True)
    assert "code: consumer_emi" in shown
    templates = admin.get("/config/notification_templates/show/installment_due").get_data(
        as_text=True
    )
    assert "templates/installment_due/sms.zh_CN.j2" in templates

    page = admin.get(EDIT_URL).get_data(as_text=True)
    source = _textarea(page)
    assert OLD_RATE in source
    edited = source.replace(OLD_RATE, NEW_RATE)

    response = _post_editor(admin, EDIT_URL, page, "validate", edited)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "lowlend-validation-ok" in body and "lowlend-validation-errors" not in body

    response = _post_editor(admin, EDIT_URL, page, "diff", edited)
    body = htmllib.unescape(response.get_data(as_text=True))
    assert 'data-file="config/products/consumer_emi.yaml"' in body
    assert f"-  {OLD_RATE}" in body and f"+  {NEW_RATE}" in body

    response = _post_editor(admin, EDIT_URL, page, "publish", edited, comment="rate 16%")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with config_app.app_context():
        v2 = store.current()
    assert (v2.number, v2.author, v2.comment) == (2, "admin", "rate 16%")
    assert NEW_RATE in v2.files["config/products/consumer_emi.yaml"]
    # an editor opened on version 1 may not overwrite the file changed since
    stale = _post_editor(admin, EDIT_URL, page, "publish", source, comment="stale")
    assert stale.status_code == 200 and "lowlend-form-error" in stale.get_data(as_text=True)
    assert (
        _textarea(admin.get(EDIT_URL).get_data(as_text=True))
        == v2.files["config/products/consumer_emi.yaml"]
    )

    history = admin.get("/config/versions/").get_data(as_text=True)
    row = history[history.index('data-version="2"') :]
    row = row[: row.index("</tr>")]
    assert "lowlend-current" in history[: history.index('data-version="2"') + 60]
    assert "admin" in row and "rate 16%" in row and v2.content_hash[:12] in row
    assert 'data-version="1"' in history
    shown = admin.get("/config/versions/show/2").get_data(as_text=True)
    assert "config/products/consumer_emi.yaml" in shown and "0.160000" in shown
    diff = htmllib.unescape(admin.get("/config/versions/diff?a=1&b=2").get_data(as_text=True))
    assert f"+  {NEW_RATE}" in diff

    # rollback: GET shows a confirmation; a POST without the CSRF token changes nothing
    confirm = admin.get("/config/versions/rollback/1")
    assert confirm.status_code == 200
    confirm_html = confirm.get_data(as_text=True)
    refused = admin.post("/config/versions/rollback/1", data={})
    assert refused.status_code == 302  # back to the confirmation, with the reason
    assert refused.headers["Location"].endswith("/config/versions/rollback/1")
    with config_app.app_context():
        assert store.current().number == 2
    response = admin.post(
        "/config/versions/rollback/1",
        data={"csrf_token": csrf_token(confirm_html), "comment": "back to shipped"},
    )
    assert response.status_code == 302
    with config_app.app_context():
        v3 = store.current()
        history_rows = store.history()
    assert (v3.number, v3.author, v3.comment) == (3, "admin", "back to shipped")
    assert v3.files == v1.files and v3.content_hash == v1.content_hash
    assert v3.created_at >= v2.created_at and len(history_rows) == 3
    listing = admin.get("/config/versions/").get_data(as_text=True)
    assert 'data-version="3"' in listing and "back to shipped" in listing


def _first_line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


def test_syntax_error_and_unknown_key_show_lines_and_publish_nothing(config_app: Any) -> None:
    store = _store(config_app)
    admin = _client(config_app, "admin")
    page = admin.get(EDIT_URL).get_data(as_text=True)
    source = _textarea(page)

    broken = source.replace("currency: CNY", "currency: [CNY", 1)
    bad_line = _first_line(broken, "currency: [CNY")
    for op in ("validate", "publish"):
        response = _post_editor(admin, EDIT_URL, page, op, broken, comment="broken")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "lowlend-validation-errors" in body
        assert re.search(r'class="lowlend-problem" data-line="\d+"', body)
        assert 'class="error" data-error-line=' in body  # the line is highlighted

    unknown = source.replace("currency: CNY\n", "currency: CNY\nbogus_key: 1\n", 1)
    line = _first_line(unknown, "bogus_key")
    response = _post_editor(admin, EDIT_URL, page, "publish", unknown)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'class="lowlend-problem" data-line="{line}"' in body
    assert "bogus_key" in body
    assert f'id="L{line}" class="error" data-error-line="{line}"' in body
    assert bad_line > 0
    with config_app.app_context():
        assert store.current().number == 1 and len(store.history()) == 1


def test_collector_may_not_use_config_screens_auditor_reads_history(config_app: Any) -> None:
    collector = _client(config_app, "collector")
    for url in (
        "/config/products/",
        EDIT_URL,
        "/config/versions/",
        "/config/products/add",
        "/config/versions/rollback/1",
        "/config/regions/",
    ):
        assert collector.get(url).status_code in (302, 403), url
    # without the session's CSRF token a POST is refused before anything else …
    refused = collector.post("/config/versions/rollback/1", data={})
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith("/config/versions/rollback/1")
    # … and with it, the permission check refuses
    token = csrf_token(collector.get("/visit_record/add").get_data(as_text=True))
    response = collector.post("/config/versions/rollback/1", data={"csrf_token": token})
    assert response.status_code in (302, 403)
    response = collector.post(
        EDIT_URL, data={"op": "publish", "content": "x", "csrf_token": token}
    )
    assert response.status_code in (302, 403)
    assert "/config/products/" not in collector.get("/").get_data(as_text=True)
    auditor = _client(config_app, "auditor")
    menu = auditor.get("/").get_data(as_text=True)
    assert 'href="/config/versions/"' in menu and 'href="/config/products/"' not in menu
    assert auditor.get("/config/versions/").status_code == 200
    assert auditor.get("/config/versions/show/1").status_code == 200
    assert "lowlend-rollback" not in auditor.get("/config/versions/").get_data(as_text=True)
    assert auditor.get("/config/versions/rollback/1").status_code == 403
    assert auditor.get("/config/products/").status_code == 403
    with config_app.app_context():
        assert _store(config_app).current().number == 1


def test_new_product_through_the_ui_appears_in_menu_and_form_works(config_app: Any) -> None:
    store = _store(config_app)
    admin = _client(config_app, "admin")
    index = admin.get("/").get_data(as_text=True)
    assert "/applications/add?product=consumer_emi" in index  # one menu entry per product
    assert "product=pet_loan" not in index

    page = admin.get("/config/products/add?from=consumer_emi").get_data(as_text=True)
    source = _textarea(page)
    new = (
        source.replace("code: consumer_emi", "code: pet_loan", 1)
        .replace(
            "label: {zh_CN: 个人消费贷（等额本息）, en: Personal consumer loan (equal installments)}",
            "label: {zh_CN: 宠物贷, en: Pet loan}",
            1,
        )
        .replace(
            "custom_fields:\n",
            "custom_fields:\n  - code: pet_name\n    kind: text\n"
            "    label: {zh_CN: 宠物名字, en: Pet name}\n    required: true\n    max_length: 20\n",
            1,
        )
    )
    # a code that does not match the file name is an error shown with its line
    response = _post_editor(admin, "/config/products/add", page, "validate", new, code="other_code")
    assert "lowlend-validation-errors" in response.get_data(as_text=True)
    response = _post_editor(
        admin, "/config/products/add", page, "publish", new, code="pet_loan", comment="pets"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with config_app.app_context():
        assert store.current().number == 2

    index = admin.get("/").get_data(as_text=True)
    assert "/applications/add?product=pet_loan" in index
    assert "新申请：宠物贷" in index
    form = admin.get("/applications/add?product=pet_loan")
    assert form.status_code == 200
    form_html = form.get_data(as_text=True)
    assert 'name="custom__pet_name"' in form_html and "宠物名字" in form_html
    data = {
        "csrf_token": csrf_token(form_html),
        "customer_id": "1",
        "amount": "10000",
        "term": "12",
        "rate": "0.15",
        "custom__employer": "ACME",
        "custom__monthly_income": "8000",
        "custom__purpose": "travel",
        "custom__pet_name": "Mimi",
    }
    response = admin.post("/applications/add?product=pet_loan", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with config_app.app_context():
        row = db.session.query(Application).order_by(Application.id.desc()).first()
        assert row.product_code == "pet_loan" and row.custom["pet_name"] == "Mimi"

    # a business manager (may add applications) sees it; a collector does not
    manager = _client(config_app, "manager")
    assert "product=pet_loan" in manager.get("/").get_data(as_text=True)
    collector = _client(config_app, "collector")
    assert "product=pet_loan" not in collector.get("/").get_data(as_text=True)

    # rollback through the UI removes it from the menu
    confirm = admin.get("/config/versions/rollback/1").get_data(as_text=True)
    response = admin.post("/config/versions/rollback/1", data={"csrf_token": csrf_token(confirm)})
    assert response.status_code == 302
    index = admin.get("/").get_data(as_text=True)
    assert "product=pet_loan" not in index and "/applications/add?product=consumer_emi" in index
    assert admin.get("/applications/add?product=pet_loan").status_code == 302
