"""The pure permission model: desired permissions and role grants from roles.yaml."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType, SimpleNamespace

import pytest
import yaml

from lowlend.services.permissions import (
    CRUD_ACTIONS,
    MENU_ACCESS,
    actions_for,
    desired_permissions,
    is_managed,
    menu_item_codes,
    permission_name,
    product_view_menu,
    role_grants,
    view_actions,
)
from lowlend.spec import STANDARD_ROLES, load_directory

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry():
    return load_directory(REPO / "product_configs", REPO / "notification_templates")


@pytest.fixture(scope="module")
def raw_roles():
    data = yaml.safe_load((REPO / "product_configs" / "roles.yaml").read_text(encoding="utf-8"))
    return {r["code"]: r for r in data["roles"]}


def test_stable_names() -> None:
    assert permission_name("approve") == "can_approve"
    assert product_view_menu("consumer_emi") == "product:consumer_emi"


def test_desired_covers_entities_crud_granted_actions_menus_products(registry) -> None:
    desired = desired_permissions(registry)
    for entity in registry.entities:
        for action in CRUD_ACTIONS:
            assert (f"can_{action}", entity) in desired
    for role in registry.roles.values():
        for view, actions in role.permissions.items():
            if view == "*":
                continue
            for action in actions - {"*"}:
                assert (f"can_{action}", view) in desired
    for code in menu_item_codes(registry):
        assert (MENU_ACCESS, code) in desired
    for code in registry.products:
        assert ("can_apply", f"product:{code}") in desired
    assert all(is_managed(*p) for p in desired)
    assert ("can_assign", "warnings") in desired and ("can_disburse", "disbursements") in desired
    assert ("can_delete", "loans") not in desired  # nobody may delete loans; not an entity


def test_role_grants_match_roles_yaml(registry, raw_roles) -> None:
    grants = role_grants(registry)
    desired = desired_permissions(registry)
    assert set(STANDARD_ROLES) <= set(grants)
    assert grants["admin"] == desired
    items = menu_item_codes(registry)
    for code, raw in raw_roles.items():
        if code == "admin":
            continue
        expected = {
            (f"can_{a}", view) for view, actions in raw["permissions"].items() for a in actions
        }
        menus = set(raw["menus"])
        expected |= {(MENU_ACCESS, m) for m in (items if "*" in menus else menus)}
        if "add" in raw["permissions"].get("applications", ()):
            expected |= {("can_apply", f"product:{p}") for p in registry.products}
        assert grants[code] == expected, code


def test_wildcards_expand() -> None:
    menus = (
        SimpleNamespace(code="c", items=(SimpleNamespace(code="m1"), SimpleNamespace(code="m2"))),
    )
    roles = {
        "admin": SimpleNamespace(code="admin", menus=("*",), permissions={"*": {"*"}}),
        "reader": SimpleNamespace(code="reader", menus=("*",), permissions={"*": {"list"}}),
        "boss": SimpleNamespace(code="boss", menus=("m1",), permissions={"gadgets": {"*"}}),
        "clerk": SimpleNamespace(
            code="clerk", menus=(), permissions={"gadgets": {"list", "approve"}}
        ),
    }
    reg = SimpleNamespace(
        roles=MappingProxyType(roles),
        menus=menus,
        entities={"gadgets": object()},
        products={"p1": object()},
    )
    assert actions_for(reg, "gadgets") == {*CRUD_ACTIONS, "approve"}
    assert view_actions(reg)["loans"] == {"list"}  # "*": [list] reaches built-in views
    grants = role_grants(reg)
    assert ("can_list", "loans") in grants["reader"]
    assert {(MENU_ACCESS, "m1"), (MENU_ACCESS, "m2")} <= grants["reader"]
    assert {("can_approve", "gadgets"), ("can_delete", "gadgets")} <= grants["boss"]
    assert (MENU_ACCESS, "m2") not in grants["boss"]
    assert grants["clerk"] == {("can_list", "gadgets"), ("can_approve", "gadgets")}
    assert ("can_apply", "product:p1") in grants["admin"]
    assert ("can_apply", "product:p1") not in grants["clerk"]


@pytest.mark.parametrize(
    ("perm", "view", "managed"),
    [
        ("can_list", "loans", True),
        ("menu_access", "loan_list", True),
        ("can_apply", "product:consumer_emi", True),
        ("can_list", "UserDBModelView", False),
        ("menu_access", "Security", False),
        ("menu_access", "List Users", False),
        ("can_this_form_get", "ResetMyPasswordView", False),
        ("resetmypassword", "UserDBModelView", False),
        ("can_get", "MenuApi", False),
    ],
)
def test_naming_rule(perm: str, view: str, managed: bool) -> None:
    assert is_managed(perm, view) is managed
