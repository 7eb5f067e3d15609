"""A config-driven navigation menu (``FAB_MENU = "lowlend.web.menu.RegistryMenu"``).

FAB keeps its menu in each process's memory, filled by ``appbuilder.add_view`` at
boot. lowlend's business menu comes from ``menus.yaml`` in the *current* registry
instead, so that every worker shows the same menu right after a publish:
:class:`RegistryMenu` rebuilds the item list once per request (kept in ``g``)
and appends FAB's own boot-time items (e.g. the Security category)
after the configured ones.

Until a registry is available (see :mod:`lowlend.web.registry_hooks`) the menu
behaves exactly like FAB's default :class:`~flask_appbuilder.menu.Menu`.

Menu spec shape (``lowlend.spec.model``): ``registry.menus`` is a sequence of
``MenuCategory(code, label, icon, items)`` whose ``items`` are
``MenuItem(code, label, view, icon)``; order = order in ``menus.yaml``. Labels are
``Label`` objects resolved with ``.get(locale)`` (``zh_CN``/``en``). Also accepted:
mappings instead of objects, nested ``children``, ``category`` (parent code, for
flat lists), ``order``, ``href``/``url``/``endpoint`` and ``permission``
(``"can_list on Loans"``).

Visibility: holders of ``AUTH_ROLE_ADMIN`` see everything. Otherwise an item with
``permission`` needs that FAB permission; an item whose ``menu_access`` permission
exists in FAB's tables (created by :mod:`lowlend.web.permission_sync` from
``roles.yaml``) is shown exactly when one of the user's roles holds it — so grants
changed in FAB's role screens count too; an item not synced yet falls back to
``roles.yaml`` (``RoleSpec.menus`` holds item codes or ``*``), and for a user none of
whose roles is configured to FAB's ``menu_access``. A category with no visible item
is hidden.

Targets: ``MenuItem.view`` is resolved by :func:`view_url` to the registered view
whose ``class_permission_name``/endpoint/class name is that code (generic views
register with their code), via :data:`BUILTIN_VIEW_ALIASES` for FAB's own views;
an unknown code renders as ``#`` until its view exists.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app, g, has_request_context, url_for
from flask_appbuilder.menu import Menu, MenuItem
from flask_babel import get_locale

from lowlend.web import registry_hooks
from lowlend.web.fab import appbuilder_of, security_manager
from lowlend.web.i18n import locale_names

log = logging.getLogger(__name__)

_G_ITEMS = "_lowlend_menu_items"
_G_VISIBLE = "_lowlend_menu_visible"


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj and obj[name] is not None:
                return obj[name]
        else:
            value = getattr(obj, name, None)
            if value is not None:
                return value
    return default


def current_locale_key() -> str:
    """The request locale as a key of ``LANGUAGES`` (``zh_CN``/``en``)."""
    languages = current_app.config.get("LANGUAGES") or {}
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN"))
    try:
        locale = get_locale()
    except Exception:  # outside a request
        locale = None
    for name in locale_names(locale):
        if name in languages:
            return name
    return default


def label_text(label: Any, locale_key: str) -> str:
    """Resolve a config label in ``locale_key`` (falls back to zh_CN, en, any)."""
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    getter = getattr(label, "get", None)
    if callable(getter):
        for key in (locale_key, "zh_CN", "en"):
            try:
                value = getter(key)
            except Exception:
                value = None
            if value:
                return str(value)
        if isinstance(label, Mapping):
            for value in label.values():
                if value:
                    return str(value)
    return str(label)


class ConfigMenuItem(MenuItem):
    """A menu item built from a menu spec; keeps the spec for visibility checks."""

    def __init__(self, spec: Any, label: str, childs: list[MenuItem] | None = None) -> None:
        href = _get(spec, "href", "url", "endpoint", default="")
        super().__init__(
            name=str(_get(spec, "code", "name")),
            href=str(href) if href else "",
            icon=str(_get(spec, "icon", default="") or ""),
            label=label,
            childs=childs or [],
        )
        self.spec = spec
        self.view = _get(spec, "view", default=None)
        self.order = _get(spec, "order", default=0)

    def get_url(self) -> str:
        if self.href or not self.view:
            return str(super().get_url() or "#")
        return view_url(str(self.view))


BUILTIN_VIEW_ALIASES: dict[str, str] = {
    # built-in view codes of menus.yaml served by FAB/the shell itself
    "dashboard": "LowlendIndexView",
    "users": "UserDBModelView",
    "roles": "RoleModelView",
    "groups": "UserGroupModelView",
    "permissions": "PermissionViewModelView",
}


def view_url(view: str) -> str:
    """URL of the registered view whose permission name, endpoint or class is ``view``.

    Generic views register at boot (lowlend.web.registration) with their code as
    ``class_permission_name``; an unknown code gives ``"#"`` (menu entry without target).
    """
    appbuilder = appbuilder_of()
    view = BUILTIN_VIEW_ALIASES.get(view, view)
    for baseview in appbuilder.baseviews:
        names = {
            getattr(baseview, "class_permission_name", None),
            getattr(baseview, "endpoint", None),
            type(baseview).__name__,
        }
        if view in names and getattr(baseview, "default_view", None):
            try:
                return url_for(f"{baseview.endpoint}.{baseview.default_view}")
            except Exception:
                continue
    try:
        return url_for(view)
    except Exception:
        return "#"


#: menu category (code in menus.yaml) that gets one "New application" entry per product
PRODUCT_MENU_CATEGORY = "loans"
PRODUCT_ITEM_PREFIX = "apply_product:"


def application_form_url(product_code: str) -> str:
    """URL of the generated application form of a product (``#`` if not registered)."""
    for baseview in appbuilder_of().baseviews:
        if getattr(baseview, "class_permission_name", None) == "applications" and hasattr(
            baseview, "add"
        ):
            try:
                return url_for(f"{baseview.endpoint}.add", product=product_code)
            except Exception:
                continue
    return "#"


def add_product_items(configured: list[MenuItem], registry: Any) -> None:
    """Append "New application: <label>" per product of ``registry`` to the Loans category.

    Read from the current registry per request, so a published product appears and a
    rolled-back one disappears without a restart. Each entry needs ``can_apply`` on
    ``product:<code>`` (admins see all).
    """
    from lowlend.services.permissions import APPLY_ACTION, permission_name, product_view_menu
    from lowlend.web.config_admin.i18n import _l

    category = next((i for i in configured if i.name == PRODUCT_MENU_CATEGORY), None)
    products = getattr(registry, "products", None) or {}
    if category is None or not products:
        return
    for code in sorted(products):
        spec = {
            "code": f"{PRODUCT_ITEM_PREFIX}{code}",
            "href": application_form_url(code),
            "icon": "fa-plus",
            "permission": f"{permission_name(APPLY_ACTION)} on {product_view_menu(code)}",
        }
        label = _l(
            "New application: %(label)s",
            label=label_text(getattr(products[code], "label", None), current_locale_key()),
        )
        category.childs.append(ConfigMenuItem(spec, str(label), []))


class RegistryMenu(Menu):
    """FAB menu whose business part is read from the current registry per request."""

    # -- building -----------------------------------------------------------------
    def _registry_menus(self) -> Any:
        registry = registry_hooks.current_registry()
        if registry is None:
            return None, None
        menus = getattr(registry, "menus", None)
        if not menus:
            return None, None
        return registry, menus

    def build_items(self, menus: Any, locale_key: str) -> list[MenuItem]:
        """Turn menu specs (tree or flat list with ``category``) into MenuItems."""
        values = list(menus.values()) if isinstance(menus, Mapping) else list(menus)

        def build(spec: Any) -> ConfigMenuItem:
            kids_spec = _get(spec, "children", "items", "childs", default=()) or ()
            if isinstance(kids_spec, Mapping):
                kids_spec = list(kids_spec.values())
            kids = [build(k) for k in kids_spec]
            kids.sort(key=lambda i: (getattr(i, "order", 0) or 0))
            return ConfigMenuItem(spec, label_text(_get(spec, "label"), locale_key), kids)

        top: list[ConfigMenuItem] = []
        by_code: dict[str, ConfigMenuItem] = {}
        pending: list[tuple[str, ConfigMenuItem]] = []
        for spec in values:
            item = build(spec)
            by_code[item.name] = item
            parent = _get(spec, "category", "parent")
            if parent:
                pending.append((str(parent), item))
            else:
                top.append(item)
        for parent, item in pending:
            if parent in by_code:
                by_code[parent].childs.append(item)
            else:  # unknown category: show a category named by its code
                cat = ConfigMenuItem({"code": parent}, parent, [])
                by_code[parent] = cat
                top.append(cat)
                cat.childs.append(item)
        for item in by_code.values():
            item.childs.sort(key=lambda i: (getattr(i, "order", 0) or 0))
        top.sort(key=lambda i: (getattr(i, "order", 0) or 0))
        return list(top)

    # -- visibility ---------------------------------------------------------------
    @staticmethod
    def _user_role_names() -> set[str]:
        sm = security_manager()
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        try:
            return {role.name for role in sm.get_user_roles(user)}
        except Exception:
            return set()

    @staticmethod
    def _role_menus(registry: Any, role_names: set[str]) -> set[str] | None:
        """Menu codes the user's roles grant in roles.yaml (``None``: no role is configured)."""
        roles = getattr(registry, "roles", None) if registry is not None else None
        if not roles:
            return None
        if isinstance(roles, Mapping):
            specs = [roles[name] for name in role_names if name in roles]
        else:
            specs = [r for r in roles if str(_get(r, "code", "name")) in role_names]
        if not specs:
            return None
        granted: set[str] = set()
        for spec in specs:
            granted.update(str(code) for code in (_get(spec, "menus", default=()) or ()))
        return granted

    def _menu_permissions(self, configured: list[MenuItem]) -> dict[str, set[str]]:
        """``synced``: item names having a ``menu_access`` permission in FAB's tables;
        ``allowed``: those the current user holds (two queries per request)."""
        names = [n for n in self.get_flat_name_list(menu=configured) if n != "-"]
        if not names:
            return {"synced": set(), "allowed": set()}
        sm = security_manager()
        try:
            rows = (
                sm.session.query(sm.viewmenu_model.name)
                .join(sm.permissionview_model, sm.permissionview_model.view_menu_id == sm.viewmenu_model.id)
                .join(sm.permission_model, sm.permissionview_model.permission_id == sm.permission_model.id)
                .filter(sm.permission_model.name == "menu_access", sm.viewmenu_model.name.in_(names))
                .all()
            )
            synced = {str(r[0]) for r in rows}
            allowed = set(sm.get_user_menu_access(list(synced))) if synced else set()
        except Exception:
            log.exception("lowlend: reading menu permissions failed; using roles.yaml")
            sm.session.rollback()
            return {"synced": set(), "allowed": set()}
        return {"synced": synced, "allowed": allowed}

    def _item_visible(self, item: MenuItem, ctx: dict[str, Any]) -> bool:
        if not item.should_render():
            return False
        if ctx["is_admin"]:
            return True
        sm = security_manager()
        spec = getattr(item, "spec", None)
        perm = _get(spec, "permission") if spec is not None else None
        if perm:
            if isinstance(perm, str) and " on " in perm:
                perm_name, view = perm.split(" on ", 1)
            else:
                perm_name = str(_get(perm, "permission", "name", default=""))
                view = str(_get(perm, "view_menu", "view", default=""))
            return bool(perm_name and view and sm.has_access(perm_name.strip(), view.strip()))
        if item.childs:  # a category: visible when a child is (checked by _filter)
            return True
        if item.name in ctx.get("synced", ()):  # synced: FAB's menu_access decides
            return item.name in ctx.get("allowed", ())
        granted = ctx["granted"]
        if granted is not None:
            return "*" in granted or item.name in granted
        return bool(sm.has_access("menu_access", item.name))

    def _filter(self, items: Iterable[MenuItem], ctx: dict[str, Any]) -> list[MenuItem]:
        out: list[MenuItem] = []
        for item in items:
            if item.name == "-":
                out.append(item)
                continue
            if isinstance(item, ConfigMenuItem):
                if not self._item_visible(item, ctx):
                    continue
                if item.childs:
                    kids = self._filter(item.childs, ctx)
                    if not [k for k in kids if k.name != "-"]:
                        continue
                    item = ConfigMenuItem(item.spec, item.label, kids)
            out.append(item)
        return out

    def _request_items(self) -> list[MenuItem] | None:
        """Configured + FAB items for this request, or ``None`` (no registry)."""
        if not has_request_context():
            return None
        if hasattr(g, _G_ITEMS):
            return getattr(g, _G_ITEMS)
        items: list[MenuItem] | None = None
        try:
            registry, menus = self._registry_menus()
            if menus:
                locale_key = current_locale_key()
                configured = self.build_items(menus, locale_key)
                add_product_items(configured, registry)
                role_names = self._user_role_names()
                admin = current_app.config.get("AUTH_ROLE_ADMIN", "Admin")
                ctx = {
                    "is_admin": admin in role_names,
                    "granted": self._role_menus(registry, role_names),
                }
                if not ctx["is_admin"]:
                    ctx.update(self._menu_permissions(configured))
                configured = self._filter(configured, ctx)
                names = {i.name for i in configured}
                items = configured + [i for i in self.menu if i.name not in names]
                visible = set(self.get_flat_name_list(menu=configured))
                setattr(g, _G_VISIBLE, visible)
        except Exception:  # a broken menu spec must not break every page
            log.exception("lowlend: building the configured menu failed; using FAB's menu")
            items = None
        setattr(g, _G_ITEMS, items)
        return items

    @staticmethod
    def visible_configured_names() -> set[str]:
        """Configured menu names already visibility-checked in this request."""
        if not has_request_context():
            return set()
        return set(getattr(g, _G_VISIBLE, set()))

    # -- FAB Menu API -------------------------------------------------------------
    def get_list(self) -> list[MenuItem]:
        items = self._request_items()
        return self.menu if items is None else items

    def get_flat_name_list(self, menu: Any = None, result: list[str] | None = None) -> list[str]:
        if menu is None:
            items = self._request_items()
            menu = self.menu if items is None else items
        result = [] if result is None else result
        for item in menu:
            result.append(item.name)
            if item.childs:
                self.get_flat_name_list(menu=item.childs, result=result)
        return result

    def get_data(self, menu: Any = None) -> list[Any]:
        if menu is None:
            items = self._request_items()
            if items is None:
                return super().get_data()
            menu = items
        allowed = security_manager().get_user_menu_access(self.get_flat_name_list(menu))
        allowed |= self.visible_configured_names()
        out: list[Any] = []
        for i, item in enumerate(menu):
            if not item.should_render():
                continue
            if item.name == "-":
                if i != len(menu) - 1:
                    out.append("-")
                continue
            if item.name not in allowed:
                continue
            entry: dict[str, Any] = {"name": item.name, "icon": item.icon, "label": str(item.label)}
            if item.childs:
                entry["childs"] = self.get_data(menu=item.childs)
            else:
                entry["url"] = item.get_url()
            out.append(entry)
        return out

    def find(self, name: str, menu: Any = None) -> MenuItem | None:
        found = super().find(name, menu=menu)
        if found is not None or menu is not None:
            return found
        # also configured items, so security-cleanup keeps their menu_access permissions
        try:
            _registry, menus = self._registry_menus()
            if menus:
                return super().find(name, menu=self.build_items(menus, "zh_CN"))
        except Exception:
            log.exception("lowlend: reading configured menus failed")
        return None
