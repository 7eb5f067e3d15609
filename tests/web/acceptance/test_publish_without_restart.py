"""Done-when 2 against the fixture configuration: a brand-new product published through
the config store while the app runs works at once — menu item, form with its custom
fields, ``can_apply`` permission — and a rollback removes all three, without a restart.

The product is published by a store of its own on the same database (as ``lowlend config
publish`` in another process would), not through this app: the running app must notice
the new version by itself (version check at request start, permission sync). The new
product is the fixture's first product under a new code, label and custom fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from .conftest import mini_bundle

NEW = "mini_gold"
NEW_LABEL = {"zh_CN": "黄金质押贷", "en": "Gold-backed loan"}
NEW_FIELDS = (
    "  - code: gold_weight_grams\n    kind: int\n"
    "    label: {zh_CN: 黄金克重, en: Gold weight (grams)}\n    required: true\n    min: \"1\"\n"
    "  - code: gold_kind\n    kind: enum\n    dictionary: pledge_kind\n"
    "    label: {zh_CN: 质押物种类, en: Kind of pledge}\n    required: true\n"
)


def _new_product_bundle(registry: Any) -> dict[str, str]:
    files = mini_bundle()
    source_code = sorted(registry.products)[0]
    source = files[f"config/products/{source_code}.yaml"]
    data = yaml.safe_load(source)
    text = source.replace(f"code: {source_code}", f"code: {NEW}", 1)
    old_label = f"label: {{zh_CN: {data['label']['zh_CN']}, en: {data['label']['en']}}}"
    assert old_label in text, old_label
    text = text.replace(old_label, f"label: {{zh_CN: {NEW_LABEL['zh_CN']}, en: {NEW_LABEL['en']}}}")
    assert "custom_fields:\n" in text
    text = text.replace("custom_fields:\n", "custom_fields:\n" + NEW_FIELDS, 1)
    files[f"config/products/{NEW}.yaml"] = text
    return files


def _loans_menu(client: Any) -> dict[str, dict[str, Any]]:
    data = client.get("/api/v1/menu/").get_json()["result"]
    for entry in data:
        if isinstance(entry, dict) and entry["name"] == "loans":
            return {c["name"]: c for c in entry.get("childs", []) if isinstance(c, dict)}
    return {}


def _payload(mini: Any, **custom: Any) -> dict[str, Any]:
    return {
        "product_code": NEW,
        "customer_id": mini.org.a["customers"],
        "amount": "5000",
        "term": 6,
        "rate": "0.1",
        "custom": {"employer": "ACME", "monthly_income": "8000", "purpose": "education",
                   **custom},
    }


def test_new_product_menu_form_and_permission_without_restart(
    mini: Any, clients: dict[str, Any]
) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application
    from lowlend.persistence.wiring import open_config_store
    from lowlend.spec import load_bundle

    app = mini.app
    sm = app.appbuilder.sm
    manager, collector, admin = clients["manager"], clients["collector"], clients["admin"]
    item = f"apply_product:{NEW}"
    view_menu = f"product:{NEW}"
    files = _new_product_bundle(mini.registry)
    published = load_bundle(files)  # the new bundle is valid (real loader)
    new_spec = published.products[NEW]
    assert {f.code for f in new_spec.custom_fields} >= {"gold_weight_grams", "gold_kind"}
    # roles.yaml says who may apply: whoever may add applications
    appliers = {r for r, s in published.roles.items()
                if r == "admin" or "add" in s.permissions.get("applications", ())}
    assert "business_manager" in appliers and "collector" not in appliers

    # -- before: nothing of the product exists ---------------------------------------------
    assert item not in _loans_menu(manager)
    assert manager.get(f"/applications/add?product={NEW}").status_code == 302  # unknown product
    with app.app_context():
        assert sm.find_permission_view_menu("can_apply", view_menu) is None

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with open_config_store(url, create_schema=False) as store:
        before = store.current().number
        result = store.publish(files, author="acceptance", comment=f"add {NEW}")
        assert result.created, result

    # -- after publishing, same process, no restart -----------------------------------------
    menu = _loans_menu(manager)  # the first request notices the new version
    assert item in menu, sorted(menu)
    assert menu[item]["url"] == f"/applications/add?product={NEW}"
    assert item not in _loans_menu(collector)
    for locale in ("en", "zh_CN"):
        assert admin.get(f"/lang/{locale}").status_code == 302
        assert NEW_LABEL[locale] in _loans_menu(admin)[item]["label"], locale
        assert NEW_LABEL[locale] in admin.get("/").get_data(as_text=True), locale
    assert admin.get("/lang/zh_CN").status_code == 302
    with app.app_context():
        pvm = sm.find_permission_view_menu("can_apply", view_menu)
        assert pvm is not None, "can_apply on the new product was not created"
        holders = {r.name for r in sm.get_all_roles() if pvm in r.permissions}
        admin_name = app.config["AUTH_ROLE_ADMIN"]
        assert {admin_name if r == "admin" else r for r in appliers} <= holders, holders
        assert "collector" not in holders
        db.session.remove()

    page = manager.get(f"/applications/add?product={NEW}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for field in new_spec.custom_fields:
        assert f'name="custom__{field.code}"' in html, field.code
        assert field.label.get("zh_CN") in html, field.code
    assert collector.get(f"/applications/add?product={NEW}").status_code == 403
    # the form validates the new fields on the server, then stores them
    form = {
        "customer_id": str(mini.org.a["customers"]), "amount": "5000", "term": "6",
        "rate": "0.1", "custom__employer": "ACME", "custom__monthly_income": "8000",
        "custom__purpose": "education", "custom__gold_kind": "gold",
    }
    refused = manager.post(f"/applications/add?product={NEW}", data=form)
    assert refused.status_code == 200  # form shown again: gold_weight_grams is required
    assert "alert-danger" in refused.get_data(as_text=True)
    saved = manager.post(f"/applications/add?product={NEW}",
                         data={**form, "custom__gold_weight_grams": "120"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    with app.app_context():
        row = db.session.query(Application).filter_by(product_code=NEW).one()
        assert row.custom["gold_weight_grams"] == 120 and row.custom["gold_kind"] == "gold"
        assert row.amount == Decimal("5000.00")
        db.session.remove()
    # REST: same rules, same permission
    missing = manager.post("/api/v1/applications/", json=_payload(mini, gold_kind="gold"))
    assert missing.status_code == 422 and "custom.gold_weight_grams" in missing.get_json()["errors"]
    created = manager.post("/api/v1/applications/",
                           json=_payload(mini, gold_kind="deposit", gold_weight_grams=5))
    assert created.status_code == 201, created.get_json()
    denied = collector.post("/api/v1/applications/",
                            json=_payload(mini, gold_kind="deposit", gold_weight_grams=5))
    assert denied.status_code == 403

    # -- rollback: the product, its menu item and its permission are gone --------------------
    with open_config_store(url, create_schema=False) as store:
        store.rollback(before, author="acceptance")
    assert item not in _loans_menu(manager)
    assert item not in _loans_menu(admin)
    assert manager.get(f"/applications/add?product={NEW}").status_code == 302  # unknown again
    assert f"product={NEW}" not in manager.get("/applications/add").get_data(as_text=True)
    gone = manager.post("/api/v1/applications/",
                        json=_payload(mini, gold_kind="deposit", gold_weight_grams=5))
    assert gone.status_code in (400, 422), gone.status_code
    with app.app_context():
        assert sm.find_permission_view_menu("can_apply", view_menu) is None
        db.session.remove()
    # the fixture's own product is untouched
    kept = sorted(mini.registry.products)[0]
    assert f"apply_product:{kept}" in _loans_menu(manager)
    assert manager.get(f"/applications/add?product={kept}").status_code == 200
