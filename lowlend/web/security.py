"""lowlend's Flask-AppBuilder security manager.

Selected by ``FAB_SECURITY_MANAGER_CLASS = "lowlend.web.security.LowlendSecurityManager"``
(set by :func:`lowlend.app.create_app`).

``security-cleanup`` safety
---------------------------
FAB's ``flask fab security-cleanup`` deletes every permission whose view-menu is
not a view or menu registered *in this process at boot*. In lowlend, products,
config-declared entities, menus and role grants create permissions at run time
(after a config publish), so the stock clean-up would silently delete them.

This manager overrides :meth:`LowlendSecurityManager.security_cleanup` — which is
exactly what ``flask fab security-cleanup`` (and ``appbuilder.security_cleanup()``)
call — so that:

* it keeps every view-menu named by the current registry (product / entity /
  menu codes, view-menus that role specs grant, see :func:`runtime_view_menu_names`)
  and every name listed in the ``LOWLEND_PROTECTED_VIEW_MENUS`` config list;
* it keeps every view-menu of :func:`lowlend.services.permissions.desired_permissions`
  and, once FAB's clean-up is done, runs :func:`lowlend.web.permission_sync.sync_permissions`
  so that the result is exactly the synced state (same naming rule, same grants);
* it **refuses to run** (raises :class:`SecurityCleanupRefused`) when no registry
  is available, because then it cannot tell run-time permissions from dead ones.

Sign-in protection (throttling, lockout, audit, revoked sessions and JWTs) is
:mod:`lowlend.web.login_security`; the hooks below only hand over to it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView

from lowlend.web import login_security, registry_hooks, security_views

log = logging.getLogger(__name__)


class SecurityCleanupRefused(RuntimeError):
    """Raised instead of deleting permissions that may be run-time permissions."""


def _codes(items: Any) -> Iterable[str]:
    """Codes of a registry collection (mapping keyed by code, or sequence of specs)."""
    if items is None:
        return []
    if isinstance(items, Mapping):
        return [str(k) for k in items]
    out: list[str] = []
    for item in items:
        code = getattr(item, "code", None) or getattr(item, "name", None)
        if code is None and isinstance(item, str):
            code = item
        if code is not None:
            out.append(str(code))
    return out


def _walk_menus(items: Any) -> Iterable[Any]:
    if items is None:
        return
    values = items.values() if isinstance(items, Mapping) else items
    for item in values:
        yield item
        for attr in ("children", "items", "childs"):
            children = getattr(item, attr, None)
            if children:
                yield from _walk_menus(children)
                break


def runtime_view_menu_names(registry: Any) -> set[str]:
    """View-menu names that exist because of configuration (kept by clean-up).

    Reads defensively: products/entities/menus by code, plus every view-menu a
    role spec grants (``role.permissions`` as objects with ``view_menu`` /
    ``view`` attributes or ``(permission, view_menu)`` pairs).
    """
    names: set[str] = set()
    if registry is None:
        return names
    for attr in ("products", "entities", "fee_schedules", "approval_chains", "reports"):
        names.update(_codes(getattr(registry, attr, None)))
    for menu in _walk_menus(getattr(registry, "menus", None)):
        for attr in ("code", "view"):
            value = getattr(menu, attr, None)
            if value:
                names.add(str(value))
    roles = getattr(registry, "roles", None)
    role_values = roles.values() if isinstance(roles, Mapping) else (roles or [])
    for role in role_values:
        names.update(str(m) for m in (getattr(role, "menus", None) or ()) if m != "*")
        perms = getattr(role, "permissions", None) or []
        if isinstance(perms, Mapping):  # RoleSpec: view/entity code -> actions
            names.update(str(view) for view in perms if view != "*")
            continue
        for perm in perms:
            view = getattr(perm, "view_menu", None) or getattr(perm, "view", None)
            if view is None and isinstance(perm, (tuple, list)) and len(perm) == 2:
                view = perm[1]
            if view:
                names.add(str(view))
    return names


class LowlendAuthDBView(AuthDBView):
    """FAB's database login with lowlend's heading (and the demo hint in demo mode)."""

    login_template = "lowlend/login_db.html"

    @property
    def invalid_login_message(self) -> str:  # type: ignore[override]
        return login_security.invalid_login_message()


class LowlendSecurityManager(SecurityManager):
    """FAB's SQLAlchemy security manager with a run-time-permission-safe clean-up."""

    authdbview = LowlendAuthDBView
    userdbmodelview = login_security.UserDBModelView
    groupmodelview = security_views.UserGroupModelView
    rolemodelview = security_views.RoleModelView
    # FAB's "User's Statistics" chart loads Google Charts from www.gstatic.com (its loader
    # copies the page's CSP nonce, so the policy cannot stop it); lowlend loads no code
    # from a CDN, so the chart is not registered. Login counts stay on each user's page.
    userstatschartview = None

    # -- sign-in protection (lowlend.web.login_security) --------------------------------
    def create_limiter(self, app: Any) -> Any:
        return login_security.create_limiter(app)

    def create_login_manager(self, app: Any) -> Any:
        manager = super().create_login_manager(app)
        manager.user_loader(lambda pk: login_security.load_session_user(self, pk))
        return manager

    def create_jwt_manager(self, app: Any) -> Any:
        manager = super().create_jwt_manager(app)
        manager.additional_claims_loader(login_security.jwt_claims)
        manager.token_in_blocklist_loader(login_security.jwt_revoked)
        manager.revoked_token_loader(login_security.revoked_response)
        return manager

    def register_views(self) -> None:
        super().register_views()
        login_security.install_throttle(self)

    def auth_user_db(self, username: Any, password: Any) -> Any:
        return login_security.authenticate(self, username, password, super().auth_user_db)

    def on_user_logout(self, user: Any) -> None:
        super().on_user_logout(user)
        login_security.after_logout(user)

    def has_access(self, permission_name: str, view_name: str) -> bool:
        # Configured menu items were already checked by RegistryMenu for this request
        # (their own permission rule, admin sees all): let the navbar show them.
        if permission_name == "menu_access":
            from lowlend.web.menu import RegistryMenu

            if view_name in RegistryMenu.visible_configured_names():
                return True
        return bool(super().has_access(permission_name, view_name))

    def protected_view_menu_names(self) -> set[str] | None:
        """Names clean-up must keep; ``None`` when the registry is unavailable."""
        registry = registry_hooks.current_registry()
        if registry is None:
            return None
        from lowlend.web.permission_sync import managed_view_menus

        names = runtime_view_menu_names(registry)
        names.update(managed_view_menus(registry))  # everything the permission sync creates
        names.update(current_app.config.get("LOWLEND_PROTECTED_VIEW_MENUS", ()) or ())
        return names

    def security_cleanup(self, baseviews: Any, menus: Any) -> None:
        keep = self.protected_view_menu_names()
        if keep is None and not current_app.config.get("LOWLEND_ALLOW_UNSAFE_CLEANUP"):
            raise SecurityCleanupRefused(
                "lowlend: refusing security-cleanup: no configuration registry is available, "
                "so run-time permissions (products, entities, menus, role grants) cannot be "
                "told apart from dead ones. Publish the configuration first "
                "(lowlend config publish) or set LOWLEND_ALLOW_UNSAFE_CLEANUP=True."
            )
        keep = keep or set()
        roles = self.get_all_roles()
        for viewmenu in self.get_all_view_menu():
            if viewmenu.name in keep:
                continue
            if any(viewmenu.name == bv.class_permission_name for bv in baseviews):
                continue
            if menus is not None and menus.find(viewmenu.name):
                continue
            log.info("lowlend security-cleanup: removing view-menu %s", viewmenu.name)
            for permission in self.find_permissions_view_menu(viewmenu):
                for role in roles:
                    self.del_permission_role(role, permission)
                self.del_permission_view_menu(permission.permission.name, viewmenu.name)
            self.del_view_menu(viewmenu.name)
        self.security_converge(baseviews, menus)
        # End in exactly the state the permission sync produces (same rules, same names).
        registry = registry_hooks.current_registry()
        if registry is not None:
            from lowlend.web.permission_sync import sync_permissions

            sync_permissions(self.appbuilder, registry)
