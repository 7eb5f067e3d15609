"""roles.yaml → FAB permissions: the matrix after sync, idempotence, publish, clean-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lowlend.services.permissions import MENU_ACCESS, desired_permissions, is_managed
from lowlend.spec import STANDARD_ROLES
from lowlend.web import registry_hooks
from lowlend.web.permission_sync import after_publish, grants_by_role, sync_permissions

REPO = Path(__file__).resolve().parents[3]
ROLES_YAML = REPO / "product_configs" / "roles.yaml"


def _raw_roles(text: str | None = None) -> dict[str, Any]:
    data = yaml.safe_load(text if text is not None else ROLES_YAML.read_text(encoding="utf-8"))
    return {r["code"]: r for r in data["roles"]}


def _expected(registry: Any, raw: dict[str, Any]) -> set[tuple[str, str]]:
    """What roles.yaml says a (non-admin) role holds, read straight from the YAML."""
    items = {i.code for c in registry.menus for i in c.items}
    out = {(f"can_{a}", view) for view, actions in raw["permissions"].items() for a in actions}
    menus = set(raw["menus"])
    out |= {(MENU_ACCESS, m) for m in (items if "*" in menus else menus)}
    if "add" in raw["permissions"].get("applications", ()):
        out |= {("can_apply", f"product:{p}") for p in registry.products}
    return out


def _actions(perms: set[tuple[str, str]] | frozenset[tuple[str, str]], view: str) -> set[str]:
    return {p for p, v in perms if v == view}


def test_permission_matrix_matches_roles_yaml(seed_app: Any) -> None:
    with seed_app.app_context():
        registry = registry_hooks.current_registry()
        assert registry is not None
        sm = seed_app.appbuilder.sm
        desired = desired_permissions(registry)
        fab = grants_by_role(seed_app.appbuilder, STANDARD_ROLES)
        raw = _raw_roles()
        # every generated endpoint/view code: the configured ones plus every
        # lower-case view registered at boot (generic views/APIs, when present)
        codes = {v for _p, v in desired} | {
            bv.class_permission_name
            for bv in seed_app.appbuilder.baseviews
            if bv.class_permission_name and is_managed("can_list", bv.class_permission_name)
        }
        admin = sm.find_role(seed_app.config["AUTH_ROLE_ADMIN"])
        admin_perms = {(pv.permission.name, pv.view_menu.name) for pv in admin.permissions}
        assert desired <= admin_perms
        for role in STANDARD_ROLES:
            if role == "admin":
                continue
            expected = _expected(registry, raw[role])
            for code in sorted(codes):
                assert _actions(fab[role], code) == _actions(expected, code), (role, code)
            assert fab[role] == expected, role
        # the FAB security manager agrees (has_access path: exist_permission_on_roles)
        collector = sm.find_role("collector")
        assert sm.exist_permission_on_roles("loans", "can_show", [collector.id])
        assert not sm.exist_permission_on_roles("loans", "can_list", [collector.id])
        # FAB built-ins and the demo baseline grants stay untouched
        assert sm.find_permission_view_menu("can_list", "UserDBModelView") is not None
        assert any(pv.view_menu.name == "UserDBModelView" for pv in collector.permissions)


def test_sync_twice_changes_nothing(seed_app: Any) -> None:
    with seed_app.app_context():
        registry = registry_hooks.current_registry()
        before = grants_by_role(seed_app.appbuilder, STANDARD_ROLES)
        first = sync_permissions(seed_app.appbuilder, registry)
        second = sync_permissions(seed_app.appbuilder, registry)
        assert not first.changed and not second.changed, (first, second)
        assert grants_by_role(seed_app.appbuilder, STANDARD_ROLES) == before


def _publish(app: Any, text: str) -> Any:
    from lowlend.services.config_store import ConfigStore
    from lowlend.spec.loader import read_bundle

    files = dict(
        read_bundle(Path(app.config["CONFIG_DIR"]), Path(app.config["NOTIFICATION_TEMPLATES_DIR"]))
    )
    files["config/roles.yaml"] = text
    store = ConfigStore(app.extensions[registry_hooks.UOW_FACTORY_KEY])
    store.publish(files, author="test", comment="roles change")
    return after_publish(app, None)


def test_publish_removing_an_action_removes_the_grant_and_adding_restores_it(seed_app: Any) -> None:
    original = ROLES_YAML.read_text(encoding="utf-8")
    line = "      loans: [list, show, export]\n"
    assert original.count(line) >= 2  # business_manager first, finance and auditor later
    # business_manager loses loans:export, risk_officer loses warnings:assign (only holder)
    changed = original.replace(line, "      loans: [list, show]\n", 1).replace(
        "warnings: [list, show, edit, assign]", "warnings: [list, show, edit]"
    )
    assert changed != original
    sm = seed_app.appbuilder.sm
    with seed_app.app_context():
        report = _publish(seed_app, changed)
        assert report.changed
        grants = grants_by_role(seed_app.appbuilder, STANDARD_ROLES)
        assert ("can_export", "loans") not in grants["business_manager"]
        assert ("can_export", "loans") in grants["finance"]
        assert ("can_assign", "warnings") not in grants["risk_officer"]
        assert sm.find_permission_view_menu("can_assign", "warnings") is None  # obsolete: gone
        registry = registry_hooks.current_registry()
        assert ("can_assign", "warnings") not in desired_permissions(registry)
        assert not sync_permissions(seed_app.appbuilder, registry).changed

        restored = _publish(seed_app, original)
        assert restored.changed
        grants = grants_by_role(seed_app.appbuilder, STANDARD_ROLES)
        assert ("can_export", "loans") in grants["business_manager"]
        assert ("can_assign", "warnings") in grants["risk_officer"]
        assert sm.find_permission_view_menu("can_assign", "warnings") is not None
        admin = sm.find_role(seed_app.config["AUTH_ROLE_ADMIN"])
        assert ("can_assign", "warnings") in {
            (pv.permission.name, pv.view_menu.name) for pv in admin.permissions
        }


def test_manual_grant_of_a_managed_permission_is_revoked_unmanaged_kept(seed_app: Any) -> None:
    with seed_app.app_context():
        sm = seed_app.appbuilder.sm
        collector = sm.find_role("collector")
        sm.add_permission_role(collector, sm.find_permission_view_menu("can_list", "loans"))
        unmanaged = sm.add_permission_view_menu("can_list", "RoleModelView")
        sm.add_permission_role(collector, unmanaged)
        report = sync_permissions(seed_app.appbuilder, registry_hooks.current_registry())
        assert {str(c) for c in report.removed} == {"collector: can_list on loans"}
        names = {
            (pv.permission.name, pv.view_menu.name) for pv in sm.find_role("collector").permissions
        }
        assert ("can_list", "RoleModelView") in names
        assert ("can_list", "loans") not in names


def test_security_cleanup_keeps_generated_permissions(seed_app: Any) -> None:
    with seed_app.app_context():
        sm = seed_app.appbuilder.sm
        registry = registry_hooks.current_registry()
        before = grants_by_role(seed_app.appbuilder, STANDARD_ROLES)
        sm.add_permission_view_menu("can_list", "dead_view")
        seed_app.appbuilder.security_cleanup()
        assert sm.find_permission_view_menu("can_list", "dead_view") is None
        for perm, view in desired_permissions(registry):
            assert sm.find_permission_view_menu(perm, view) is not None, (perm, view)
        assert grants_by_role(seed_app.appbuilder, STANDARD_ROLES) == before
        assert sm.find_permission_view_menu("can_list", "UserDBModelView") is not None
        assert not sync_permissions(seed_app.appbuilder, registry).changed


def test_flask_fab_security_cleanup_command_keeps_generated_permissions(seed_app: Any) -> None:
    from flask_appbuilder.cli import security_cleanup

    result = seed_app.test_cli_runner().invoke(security_cleanup)
    assert result.exit_code == 0, result.output
    with seed_app.app_context():
        sm = seed_app.appbuilder.sm
        assert sm.find_permission_view_menu("can_apply", "product:consumer_emi") is not None
        assert sm.find_permission_view_menu("menu_access", "collection_cases") is not None
        assert ("can_disburse", "disbursements") in grants_by_role(
            seed_app.appbuilder, ["finance"]
        )["finance"]


def test_no_registry_means_no_sync(seed_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with seed_app.app_context():
        report = sync_permissions(seed_app.appbuilder, None)
        assert not report.changed


def test_publish_adding_a_role_creates_it_and_no_role_is_ever_deleted(seed_app: Any) -> None:
    original = ROLES_YAML.read_text(encoding="utf-8")
    extra = original.rstrip("\n") + (
        "\n\n  - code: teller\n"
        "    label: {zh_CN: 柜员, en: Teller}\n"
        "    menus: [home, loan_list]\n"
        "    permissions:\n"
        "      loans: [list, show]\n"
        "    data_scope:\n"
        '      "*": department\n'
    )
    with seed_app.app_context():
        sm = seed_app.appbuilder.sm
        report = _publish(seed_app, extra)
        assert report.roles_created == {"teller"}
        assert grants_by_role(seed_app.appbuilder, ["teller"])["teller"] == {
            ("can_list", "loans"),
            ("can_show", "loans"),
            (MENU_ACCESS, "home"),
            (MENU_ACCESS, "loan_list"),
        }
        custom = sm.add_role("custom_from_fab_screen")  # made by an administrator in FAB
        sm.add_permission_role(custom, sm.find_permission_view_menu("can_list", "loans"))
        report = _publish(seed_app, original)
        assert sm.find_role("teller") is not None  # roles are never deleted ...
        assert grants_by_role(seed_app.appbuilder, ["teller"])["teller"] == frozenset()  # ... but
        assert "teller: can_list on loans" in {str(c) for c in report.removed}  # lose access
        assert grants_by_role(seed_app.appbuilder, ["custom_from_fab_screen"]) == {
            "custom_from_fab_screen": frozenset({("can_list", "loans")})
        }
        for name in (*STANDARD_ROLES, seed_app.config["AUTH_ROLE_PUBLIC"]):
            assert sm.find_role(name) is not None
