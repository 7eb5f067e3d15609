"""Config-driven menu, run-time-permission-safe security clean-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from lowlend.web import registry_hooks
from lowlend.web.security import SecurityCleanupRefused, runtime_view_menu_names

from .helpers import login


@dataclass(frozen=True)
class Label:
    zh_CN: str
    en: str

    def get(self, locale: str | None) -> str:
        return self.zh_CN if locale and locale.startswith("zh") else self.en


@dataclass(frozen=True)
class Item:
    code: str
    label: Label
    view: str
    icon: str | None = None


@dataclass(frozen=True)
class Category:
    code: str
    label: Label
    icon: str | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Role:
    code: str
    label: Label
    menus: tuple[str, ...]
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FakeRegistry:
    menus: tuple[Category, ...]
    roles: dict[str, Role]
    products: dict[str, Any] = field(default_factory=dict)
    entities: dict[str, Any] = field(default_factory=dict)
    content_hash: str = "fake"


REGISTRY = FakeRegistry(
    menus=(
        Category(
            "loans_menu",
            Label("贷款业务", "Loans"),
            "fa-money",
            (
                Item("applications", Label("贷款申请", "Applications"), "UserDBModelView", "fa-inbox"),
                Item("loans", Label("贷款台账", "Loan book"), "loans"),
                Item("legal_cases", Label("法务诉讼", "Legal cases"), "no_such_screen"),
            ),
        ),
        Category(
            "collections_menu",
            Label("催收管理", "Collections"),
            "fa-phone",
            (Item("collection_tasks", Label("催收任务", "Collection tasks"), "customers"),),
        ),
    ),
    roles={
        "collector": Role("collector", Label("催收员", "Collector"), ("collection_tasks",),
                          {"collection_tasks": frozenset({"list"})}),
        "business_manager": Role("business_manager", Label("客户经理", "Manager"), ("*",)),
    },
    products={"consumer_emi": object()},
    entities={"vehicle_collateral": object()},
)


@pytest.fixture
def with_registry(monkeypatch: pytest.MonkeyPatch) -> FakeRegistry:
    monkeypatch.setattr(registry_hooks, "current_registry", lambda: REGISTRY)
    return REGISTRY


def test_menu_falls_back_to_fab_without_registry(demo_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_hooks, "current_registry", lambda: None)
    client = demo_app.test_client()
    login(client, "admin")
    page = client.get("/").get_data(as_text=True)
    assert "用户权限" in page and "/users/list/" in page  # FAB's own Security category
    assert "贷款业务" not in page


def test_admin_sees_configured_menu_in_chinese_and_english(demo_app: Any, with_registry: Any) -> None:
    client = demo_app.test_client()
    login(client, "admin")
    page = client.get("/").get_data(as_text=True)
    assert "贷款业务" in page and "催收管理" in page and "贷款台账" in page
    assert page.index("贷款业务") < page.index("催收管理")  # order of menus.yaml
    assert "fa-money" in page
    assert 'href="/users/list/"' in page  # item whose view is a registered view links to it
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert "Loans" in page and "Collection tasks" in page and "贷款业务" not in page


def test_menu_item_without_a_registered_view_is_left_out_and_logged(
    demo_app: Any, with_registry: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lowlend.web import menu

    monkeypatch.setattr(menu, "_UNRESOLVED_REPORTED", set())
    client = demo_app.test_client()
    login(client, "admin")
    with caplog.at_level(logging.WARNING, logger="lowlend.web.menu"):
        page = client.get("/").get_data(as_text=True)
        again = client.get("/").get_data(as_text=True)
    assert "贷款台账" in page and "法务诉讼" not in page and "法务诉讼" not in again
    warnings = [r.getMessage() for r in caplog.records if "legal_cases" in r.getMessage()]
    assert warnings == [
        "lowlend: menu item legal_cases left out: view no_such_screen is not registered "
        "(the menu names a screen this server does not have)"
    ]  # once per process, not on every page
    data = client.get("/api/v1/menu/").json["result"]
    names = [c["name"] for e in data if isinstance(e, dict) for c in e.get("childs", ()) if isinstance(c, dict)]
    assert "loans" in names and "legal_cases" not in names


def test_menu_visibility_follows_role_specs(demo_app: Any, with_registry: Any) -> None:
    client = demo_app.test_client()
    login(client, "collector")
    page = client.get("/").get_data(as_text=True)
    assert "催收任务" in page
    assert "贷款业务" not in page and "贷款台账" not in page

    manager = demo_app.test_client()
    login(manager, "manager")
    page = manager.get("/").get_data(as_text=True)
    assert "贷款业务" in page and "催收管理" in page


def test_menu_api_uses_the_configured_menu(demo_app: Any, with_registry: Any) -> None:
    client = demo_app.test_client()
    login(client, "collector")
    data = client.get("/api/v1/menu/").json["result"]
    names = [entry["name"] for entry in data]
    assert names[0] == "collections_menu"
    assert "loans_menu" not in names
    assert data[0]["childs"][0]["label"] == "催收任务"


def test_runtime_view_menu_names() -> None:
    names = runtime_view_menu_names(REGISTRY)
    assert {"consumer_emi", "vehicle_collateral", "loans", "collection_tasks", "loans_menu"} <= names
    assert "*" not in names


def test_security_cleanup_refuses_without_registry(demo_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_hooks, "current_registry", lambda: None)
    with demo_app.app_context():
        with pytest.raises(SecurityCleanupRefused, match="refusing security-cleanup"):
            demo_app.appbuilder.security_cleanup()


def test_security_cleanup_keeps_runtime_permissions(demo_app: Any, with_registry: Any) -> None:
    with demo_app.app_context():
        sm = demo_app.appbuilder.sm
        sm.add_permission_view_menu("can_list", "vehicle_collateral")  # run-time (config entity)
        sm.add_permission_view_menu("can_list", "dead_view")  # really dead
        demo_app.appbuilder.security_cleanup()
        assert sm.find_permission_view_menu("can_list", "vehicle_collateral") is not None
        assert sm.find_permission_view_menu("can_list", "dead_view") is None
        assert sm.find_permission_view_menu("can_list", "UserDBModelView") is not None


def test_flask_fab_security_cleanup_command_is_safe(demo_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_appbuilder.cli import security_cleanup

    monkeypatch.setattr(registry_hooks, "current_registry", lambda: None)
    runner = demo_app.test_cli_runner()
    result = runner.invoke(security_cleanup)
    assert result.exit_code != 0
    assert isinstance(result.exception, SecurityCleanupRefused)


def test_shipped_config_menu_after_demo_bootstrap(demo_app: Any) -> None:
    """`lowlend demo` publishes the shipped config; its menus.yaml drives the navbar."""
    from lowlend.web import registry_hooks as hooks

    with demo_app.app_context():
        registry = hooks.current_registry()
    if registry is None or not getattr(registry, "menus", None):
        pytest.skip("shipped configuration not publishable yet")
    first = registry.menus[0]
    admin = demo_app.test_client()
    login(admin, "admin")
    page = admin.get("/").get_data(as_text=True)
    assert first.label.get("zh_CN") in page
    assert demo_app.test_client().get("/health").json["config_version"] == 1
