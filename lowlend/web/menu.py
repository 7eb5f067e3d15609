"""A config-driven navigation menu (``FAB_MENU = "lowlend.web.menu.RegistryMenu"``).

FAB keeps its menu in each process's memory, filled by ``appbuilder.add_view`` at
boot. lowlend's business menu comes from ``menus.yaml`` in the *current* registry
instead, so that every worker shows the same menu right after a publish:
:class:`RegistryMenu` rebuilds the item list once per request (kept in ``g``)
and appends FAB's own boot-time items (e.g. the Security category)
after the configured ones.

Until a registry is available (see :mod:`lowlend.web.registry_hooks`) the menu
behaves exactly like FAB's default :class:`~flask_appbuilder.menu.Menu`.

Menu spec shape (:mod:`lowlend.spec.model`): ``registry.menus`` is a tuple of
``MenuCategory(code, label, icon, items)`` whose ``items`` are
``MenuItem(code, label, view, icon)``; order = order in ``menus.yaml``. Labels are
``Label`` objects resolved with ``.get(locale)`` (``zh_CN``/``en``). The Loans category
also gets one "New application" entry per product (:func:`add_product_items`), which
carries its own URL and permission (``"can_apply on product:<code>"``).

Visibility: holders of ``AUTH_ROLE_ADMIN`` see everything. Otherwise an item with a
``permission`` needs that FAB permission; an item whose ``menu_access`` permission
exists in FAB's tables (created by :mod:`lowlend.web.permission_sync` from
``roles.yaml``) is shown exactly when one of the user's roles holds it — so grants
changed in FAB's role screens count too; an item not synced yet falls back to
``roles.yaml`` (``RoleSpec.menus`` holds item codes or ``*``), and for a user none of
whose roles is configured to FAB's ``menu_access``. A category with no visible item
is hidden.

Targets: ``MenuItem.view`` is resolved by :func:`resolve_view_url` to the registered
view whose ``class_permission_name``/endpoint/class name is that code (generic views
register with their code), via :data:`BUILTIN_VIEW_ALIASES` for FAB's own views. An
item whose view is not registered (e.g. a screen not built yet) is left out of the
menu, with a warning in the log (once per view code and process).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import current_app, g, has_request_context, url_for
from flask_appbuilder.menu import Menu, MenuItem
from werkzeug.routing import BuildError

from lowlend.spec.model import MenuCategory, RoleSpec
from lowlend.spec.model import MenuItem as MenuItemSpec
from lowlend.web import registry_hooks
from lowlend.web.fab import appbuilder_of, security_manager
from lowlend.web.i18n import label_text, request_locale

log = logging.getLogger(__name__)

_G_ITEMS = "_lowlend_menu_items"
_G_VISIBLE = "_lowlend_menu_visible"

#: view codes already reported as unresolvable in this process (warned once each)
_UNRESOLVED_REPORTED: set[str] = set()


class ConfigMenuItem(MenuItem):
    """A menu item built from the menu spec (or a product's application form).

    ``view``: the view code of a menu spec item (its URL is resolved per request);
    ``permission``: ``"<permission> on <view menu>"`` the user needs to see the item.
    """

    def __init__(
        self,
        name: str,
        label: str,
        *,
        icon: str | None = None,
        view: str | None = None,
        href: str = "",
        permission: str | None = None,
        childs: list[MenuItem] | None = None,
    ) -> None:
        super().__init__(name=name, href=href, icon=icon or "", label=label, childs=childs or [])
        self.view = view
        self.permission = permission

    def copy(self, *, href: str | None = None, childs: list[MenuItem] | None = None) -> ConfigMenuItem:
        """This item with another URL and/or other children."""
        return ConfigMenuItem(
            self.name,
            self.label,
            icon=self.icon,
            view=self.view,
            href=self.href if href is None else href,
            permission=self.permission,
            childs=list(self.childs) if childs is None else childs,
        )

    def get_url(self) -> str:
        """The URL resolved when the item was filtered for this request (a category: ``#``)."""
        return str(self.href or "#")


BUILTIN_VIEW_ALIASES: dict[str, str] = {
    # built-in view codes of menus.yaml served by FAB/the shell itself
    "dashboard": "LowlendIndexView",
    "users": "UserDBModelView",
    "roles": "RoleModelView",
    "groups": "UserGroupModelView",
    "permissions": "PermissionViewModelView",
}


def resolve_view_url(view: str) -> str | None:
    """URL of the registered view whose permission name, endpoint or class is ``view``
    (``None`` when no such view is registered). Needs a request context.

    Generic views register at boot (lowlend.web.registration) with their code as
    ``class_permission_name``; an endpoint name (``"Blueprint.function"``) works too.
    """
    target = BUILTIN_VIEW_ALIASES.get(view, view)
    for baseview in appbuilder_of().baseviews:
        names = {baseview.class_permission_name, baseview.endpoint, type(baseview).__name__}
        default_view = getattr(baseview, "default_view", None)  # REST APIs have none
        if target in names and default_view:
            try:
                return url_for(f"{baseview.endpoint}.{default_view}")
            except BuildError:  # a default view that needs arguments
                log.warning(
                    "lowlend: view %s matches %s but %s.%s has no URL without arguments",
                    view, type(baseview).__name__, baseview.endpoint, default_view,
                )
    try:
        return url_for(target)
    except BuildError:
        return None


def view_url(view: str) -> str:
    """Like :func:`resolve_view_url`, ``"#"`` for a view that is not registered."""
    return resolve_view_url(view) or "#"


def _report_unresolved(item: str, view: str) -> None:
    """Log that menu ``item`` is left out because ``view`` has no URL: a warning the
    first time per view code and process, then at debug level (every request)."""
    if view in _UNRESOLVED_REPORTED:
        log.debug("lowlend: menu item %s left out: view %s is not registered", item, view)
        return
    _UNRESOLVED_REPORTED.add(view)
    log.warning(
        "lowlend: menu item %s left out: view %s is not registered "
        "(the menu names a screen this server does not have)",
        item,
        view,
    )


#: menu category (code in menus.yaml) that gets one "New application" entry per product
PRODUCT_MENU_CATEGORY = "loans"
PRODUCT_ITEM_PREFIX = "apply_product:"


def application_form_url(product_code: str) -> str | None:
    """URL of the generated application form of a product (``None`` if not registered)."""
    for baseview in appbuilder_of().baseviews:
        if baseview.class_permission_name == "applications" and hasattr(baseview, "add"):
            try:
                return url_for(f"{baseview.endpoint}.add", product=product_code)
            except BuildError:  # an applications view without an exposed add form
                continue
    return None


def add_product_items(configured: list[MenuItem], registry: Any) -> None:
    """Append "New application: <label>" per product of ``registry`` to the Loans category.

    Read from the current registry per request, so a published product appears and a
    rolled-back one disappears without a restart. Each entry needs ``can_apply`` on
    ``product:<code>`` (admins see all). Without a registered application view there
    are no such entries.
    """
    from lowlend.services.permissions import APPLY_ACTION, permission_name, product_view_menu
    from lowlend.web.config_admin.i18n import _l

    category = next((i for i in configured if i.name == PRODUCT_MENU_CATEGORY), None)
    products = registry.products
    if category is None or not products:
        return
    locale_key = request_locale()
    for code in sorted(products):
        href = application_form_url(code)
        if href is None:
            _report_unresolved(f"{PRODUCT_ITEM_PREFIX}{code}", "applications")
            return
        label = _l("New application: %(label)s", label=label_text(products[code].label, locale_key))
        category.childs.append(
            ConfigMenuItem(
                f"{PRODUCT_ITEM_PREFIX}{code}",
                str(label),
                icon="fa-plus",
                href=href,
                permission=f"{permission_name(APPLY_ACTION)} on {product_view_menu(code)}",
            )
        )


class RegistryMenu(Menu):
    """FAB menu whose business part is read from the current registry per request."""

    # -- building -----------------------------------------------------------------
    @staticmethod
    def _registry_menus() -> tuple[Any, Sequence[MenuCategory]]:
        """The current registry and its menu categories (``(None, ())`` without one)."""
        registry = registry_hooks.current_registry()
        if registry is None:
            return None, ()
        return registry, registry.menus

    def build_items(self, menus: Sequence[MenuCategory], locale_key: str) -> list[MenuItem]:
        """Turn the menu spec's categories and items into MenuItems (spec order)."""

        def item(spec: MenuItemSpec) -> ConfigMenuItem:
            return ConfigMenuItem(
                spec.code, label_text(spec.label, locale_key), icon=spec.icon, view=spec.view
            )

        return [
            ConfigMenuItem(
                category.code,
                label_text(category.label, locale_key),
                icon=category.icon,
                childs=[item(spec) for spec in category.items],
            )
            for category in menus
        ]

    # -- visibility ---------------------------------------------------------------
    @staticmethod
    def _user_role_names() -> set[str]:
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return set()
        return {role.name for role in security_manager().get_user_roles(user)}

    @staticmethod
    def _role_menus(registry: Any, role_names: set[str]) -> set[str] | None:
        """Menu codes the user's roles grant in roles.yaml (``None``: no role is configured)."""
        roles: Mapping[str, RoleSpec] = registry.roles
        specs = [roles[name] for name in role_names if name in roles]
        if not specs:
            return None
        granted: set[str] = set()
        for spec in specs:
            granted.update(spec.menus)
        return granted

    def _menu_permissions(self, configured: list[MenuItem]) -> dict[str, set[str]]:
        """``synced``: item names having a ``menu_access`` permission in FAB's tables;
        ``allowed``: those the current user holds (two queries per request)."""
        from sqlalchemy.exc import SQLAlchemyError

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
        except SQLAlchemyError:
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
        permission = item.permission if isinstance(item, ConfigMenuItem) else None
        if permission:
            perm_name, _sep, view = permission.partition(" on ")
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
        """The items the user may see, each leaf with its URL; a leaf whose view is not
        registered is left out (and logged), a category without visible items too."""
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
                    item = item.copy(childs=kids)
                elif not item.href:
                    if not item.view:  # a category without items
                        continue
                    url = resolve_view_url(item.view)
                    if url is None:
                        _report_unresolved(item.name, item.view)
                        continue
                    item = item.copy(href=url)
            out.append(item)
        return out

    def _request_items(self) -> list[MenuItem] | None:
        """Configured + FAB items for this request, or ``None`` (no registry)."""
        if not has_request_context():
            return None
        if hasattr(g, _G_ITEMS):
            items_cached: list[MenuItem] | None = getattr(g, _G_ITEMS)
            return items_cached
        items: list[MenuItem] | None = None
        try:
            registry, menus = self._registry_menus()
            if menus:
                configured = self.build_items(menus, request_locale())
                add_product_items(configured, registry)
                role_names = self._user_role_names()
                admin = current_app.config.get("AUTH_ROLE_ADMIN", "Admin")
                ctx: dict[str, Any] = {
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
        _registry, menus = self._registry_menus()
        if menus:
            configured: MenuItem | None = super().find(name, menu=self.build_items(menus, "zh_CN"))
            return configured
        return None
