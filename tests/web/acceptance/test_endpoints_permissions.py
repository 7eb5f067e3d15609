"""Done-when 1 (endpoints, permission names, menu) against the fixture configuration.

For EVERY generated code — the core entities and each entity of the fixture's
``entities/*.yaml`` — the web views, the REST API and its ``_info`` exist, the OpenAPI
document lists them, the FAB permissions have their stable names (``can_<action>`` on
the code), and the menu of ``menus.yaml`` is rendered with its labels in English and
Chinese. Expected codes, actions and labels are read from the fixture YAML through
the real spec loader (:func:`conftest.mini_registry`); a few stable names are also
spelled out, so that renaming one fails here.
"""

from __future__ import annotations

import re
from typing import Any

from lowlend.services.permissions import (
    actions_for,
    desired_permissions,
    menu_item_codes,
    permission_name,
    product_view_menu,
)
from lowlend.web.generic.core_entities import CORE_ENTITIES

#: names other code and the role grants in databases depend on: renaming one is a bug
STABLE_PERMISSIONS = {
    ("can_list", "customers"),
    ("can_show", "customers"),
    ("can_add", "customers"),
    ("can_show", "loans"),
    ("can_export", "loans"),
    ("can_list", "pledge_item"),
    ("can_delete", "pledge_item"),
    ("can_add", "field_note"),
    ("menu_access", "pledge_items"),
    ("menu_access", "loan_list"),
    ("can_apply", "product:mini_cash"),
}

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _generated(app: Any) -> dict[str, Any]:
    return dict(app.extensions["lowlend_generic"])


def _rules(app: Any) -> dict[str, set[str]]:
    """Normalised URL rule → HTTP methods."""
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        out.setdefault(_CONVERTER.sub(r"<\1>", rule.rule), set()).update(rule.methods or ())
    return out


def _writable(desc: Any) -> bool:
    return not desc.read_only


def test_every_core_and_config_entity_is_generated(mini: Any) -> None:
    codes = set(_generated(mini.app))
    expected = {c.code for c in CORE_ENTITIES} | set(mini.registry.entities)
    assert expected <= codes, f"not generated: {sorted(expected - codes)}"
    # the fixture declares these two entities; the core always has these
    assert {"pledge_item", "field_note"} <= codes
    assert {"customers", "applications", "loans", "departments", "audit_log"} <= codes
    for code in mini.registry.entities:
        assert _generated(mini.app)[code].config_entity, code


def test_web_and_rest_endpoints_exist(mini: Any) -> None:
    rules = _rules(mini.app)
    missing: list[str] = []
    for code, desc in sorted(_generated(mini.app).items()):
        wanted = {
            f"/{code}/list/": "GET",
            f"/{code}/show/<pk>": "GET",
            f"/{code}/export/": "GET",
            f"/api/v1/{code}/": "GET",
            f"/api/v1/{code}/<pk>": "GET",
            f"/api/v1/{code}/_info": "GET",
        }
        if _writable(desc):
            wanted.update({
                f"/{code}/add": "POST",
                f"/{code}/edit/<pk>": "POST",
                f"/{code}/delete/<pk>": "POST",
                f"/api/v1/{code}/": "POST",
                f"/api/v1/{code}/<pk>": "PUT",
            })
        for path, method in wanted.items():
            if method not in rules.get(path, set()):
                missing.append(f"{code}: {method} {path}")
        if _writable(desc):
            if "DELETE" not in rules.get(f"/api/v1/{code}/<pk>", set()):
                missing.append(f"{code}: DELETE /api/v1/{code}/<pk>")
        else:  # read-only codes have no write endpoints
            for path in (f"/{code}/add", f"/{code}/edit/<pk>", f"/{code}/delete/<pk>"):
                assert path not in rules, f"read-only {code} has {path}"
            assert "POST" not in rules.get(f"/api/v1/{code}/", set()), code
    assert not missing, "missing endpoints:\n" + "\n".join(missing)


def test_openapi_lists_every_generated_api(mini: Any, clients: dict[str, Any]) -> None:
    response = clients["admin"].get("/api/v1/_openapi")
    assert response.status_code == 200, response.status_code
    paths = set(response.get_json()["paths"])
    missing = []
    for code in sorted(_generated(mini.app)):
        for path in (f"/api/v1/{code}/", f"/api/v1/{code}/{{pk}}", f"/api/v1/{code}/_info"):
            if path not in paths:
                missing.append(path)
    assert not missing, f"not in /api/v1/_openapi: {missing}"
    assert "/api/v1/pledge_item/" in paths and "/api/v1/customers/_info" in paths


def test_permissions_exist_with_stable_names(mini: Any) -> None:
    app, registry = mini.app, mini.registry
    with app.app_context():
        sm = app.appbuilder.sm
        missing: list[str] = []
        for code, desc in sorted(_generated(app).items()):
            views = [
                bv for bv in app.appbuilder.baseviews
                if getattr(bv, "class_permission_name", None) == code
                and type(bv).__name__ in (f"GenericView_{code}", f"GenericApi_{code}")
            ]
            # the web view and the REST API share the view-menu <code> and its permissions
            assert len(views) == 2, (code, [type(bv).__name__ for bv in views])
            assert set(views[0].base_permissions) == set(views[1].base_permissions), code
            declared = {p for bv in views for p in bv.base_permissions}
            standard = {"can_list", "can_show", "can_export"}
            if _writable(desc):
                standard |= {"can_add", "can_edit", "can_delete"}
            # the generated endpoints are guarded by exactly these names
            assert standard <= declared, (code, sorted(standard - declared))
            expected = {permission_name(a) for a in actions_for(registry, code)} | standard
            if code in registry.entities:  # config entities: full CRUD whatever roles say
                crud = {"list", "show", "add", "edit", "delete"}
                assert crud <= set(actions_for(registry, code)), code
            for perm in sorted(expected | declared):
                if sm.find_permission_view_menu(perm, code) is None:
                    missing.append(f"{perm} on {code}")
        for perm, view in sorted(desired_permissions(registry)):
            if sm.find_permission_view_menu(perm, view) is None:
                missing.append(f"{perm} on {view}")
        for perm, view in sorted(STABLE_PERMISSIONS):
            if sm.find_permission_view_menu(perm, view) is None:
                missing.append(f"{perm} on {view} (stable name)")
        for item in menu_item_codes(registry):
            assert ("menu_access", item) in desired_permissions(registry), item
        for product in registry.products:
            assert sm.find_permission_view_menu("can_apply", product_view_menu(product))
    assert not missing, "missing FAB permissions:\n" + "\n".join(missing)


def _menu_api(client: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/menu/")
    assert response.status_code == 200, response.status_code
    return [e for e in response.get_json()["result"] if isinstance(e, dict)]


def test_menu_entries_and_labels_in_both_languages(mini: Any, clients: dict[str, Any]) -> None:
    """The admin's rendered navbar shows every category and item of menus.yaml (plus one
    "new application" entry per product), in English after /lang/en and in Chinese
    after /lang/zh_CN; each item links to its generated view."""
    client = mini.app.test_client()
    from .conftest import login

    login(client, "admin")
    generated = _generated(mini.app)
    from lowlend.web.config_admin.i18n import _l

    for locale in ("en", "zh_CN"):
        assert client.get(f"/lang/{locale}").status_code == 302
        html = client.get("/").get_data(as_text=True)
        menu = {e["name"]: e for e in _menu_api(client)}
        missing: list[str] = []
        for category in mini.registry.menus:
            text = category.label.get(locale)
            if text not in html:
                missing.append(f"category {category.code}: {text!r}")
            assert category.code in menu, (locale, category.code, sorted(menu))
            children = {c["name"]: c for c in menu[category.code].get("childs", [])}
            for item in category.items:
                label = item.label.get(locale)
                if label not in html:
                    missing.append(f"item {item.code}: {label!r}")
                entry = children.get(item.code)
                assert entry is not None, (locale, item.code, sorted(children))
                assert entry["label"] == label, (locale, item.code, entry["label"], label)
                if item.view in generated:
                    assert entry["url"] == f"/{item.view}/list/", (item.code, entry["url"])
                    assert f'href="/{item.view}/list/"' in html, item.code
        for code, product in mini.registry.products.items():
            label = product.label.get(locale)
            if label not in html:
                missing.append(f"product {code}: {label!r}")
            loans = {c["name"]: c for c in menu["loans"].get("childs", [])}
            entry = loans.get(f"apply_product:{code}")
            assert entry is not None, (locale, sorted(loans))
            assert entry["url"] == f"/applications/add?product={code}", entry
            with mini.app.test_request_context(f"/?_l_={locale}"):
                wanted = str(_l("New application: %(label)s", label=label))
            assert entry["label"] == wanted, (locale, entry["label"], wanted)
            assert (locale == "en") == entry["label"].startswith("New application: "), entry
        assert not missing, f"{locale}: labels not in the rendered menu:\n" + "\n".join(missing)
    # stable, spelled out: the fixture's English and Chinese labels of one item
    assert client.get("/lang/en").status_code == 302
    assert "Pledge items" in client.get("/").get_data(as_text=True)
    assert client.get("/lang/zh_CN").status_code == 302
    assert "质押物" in client.get("/").get_data(as_text=True)


def test_fixture_configuration_validates_with_the_cli() -> None:
    """``lowlend config validate tests/fixtures/mini_config`` exits 0 (templates found as
    the sibling ``notification_templates``)."""
    from click.testing import CliRunner

    from lowlend.cli.config_cmd import config_group

    from .conftest import MINI_CONFIG

    result = CliRunner().invoke(
        config_group, ["validate", str(MINI_CONFIG)], obj={"config_dir": str(MINI_CONFIG)},
        env={"LOWLEND_TEMPLATES_DIR": None},
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:"), result.output
