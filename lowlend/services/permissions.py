"""Stable permission names shared by the generated views, the REST APIs and the role sync.

A view code (a built-in view such as ``loans`` or a config entity code such as
``vehicle_collateral``) is the FAB *view-menu* name of both its web view and its
REST API, and an action of ``roles.yaml`` (``list``, ``show``, ``add``, ``edit``,
``delete``, ``approve``, ``export``, ``view_pii`` …) becomes the FAB permission
``can_<action>``. Menu items are guarded by FAB's ``menu_access`` on the menu item
code. These names are stable: renaming one would silently drop role grants.

The permission model of one configuration version (pure; applied to FAB's tables
by :mod:`lowlend.web.permission_sync`):

* :func:`view_actions` — the actions that exist per view/entity code: CRUD for
  config entities, plus every action any role grants on the code (or on ``*``);
  :func:`actions_for` gives one code's (a generated view's base permissions);
* :func:`desired_permissions` — every ``(permission, view_menu)`` lowlend manages:
  ``can_<action>`` on each code, ``menu_access`` on each menu item code,
  ``can_apply`` on ``product:<code>`` for each product;
* :func:`role_grants` — role code → its grants, ``*`` expanded; the admin role holds
  everything; a role may apply for every product when it may ``add``
  ``applications`` (or holds ``apply`` on ``products``);
* :func:`is_managed` — the naming rule that tells lowlend's permissions from FAB's.

>>> permission_name("view_pii"), view_menu_name("loans")
('can_view_pii', 'loans')
>>> VIEW_METHOD_ACTIONS["list"], API_METHOD_ACTIONS["get_list"]
('list', 'list')
"""

from __future__ import annotations

import re as _re
from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from types import MappingProxyType
from typing import Any as _Any
from typing import Final

from lowlend.spec.loader import BUILTIN_VIEWS

MENU_ACCESS: Final = "menu_access"

CRUD_ACTIONS: Final = ("list", "show", "add", "edit", "delete")

#: FAB ModelView method → roles.yaml action (``method_permission_name`` of generated views)
VIEW_METHOD_ACTIONS: Final = MappingProxyType(
    {
        "list": "list",
        "show": "show",
        "add": "add",
        "edit": "edit",
        "delete": "delete",
        "download": "show",
        "action": "edit",
        "action_post": "edit",
        "export": "export",
        "act": "show",  # application actions; each checks its own permission (edit/approve)
    }
)

#: FAB ModelRestApi method → roles.yaml action (``method_permission_name`` of generated APIs)
API_METHOD_ACTIONS: Final = MappingProxyType(
    {
        "get_list": "list",
        "info": "list",
        "get": "show",
        "post": "add",
        "put": "edit",
        "delete": "delete",
    }
)


def permission_name(action: str) -> str:
    """FAB permission name of a roles.yaml action."""
    return f"can_{action}"


def view_menu_name(view_code: str) -> str:
    """FAB view-menu name of a view or entity code (the code itself)."""
    return view_code


# ---------------------------------------------------------------------------------
# The permission model derived from a registry (pure: stdlib, lowlend.spec only)
# ---------------------------------------------------------------------------------
#
# ``desired_permissions(registry)`` is the complete set of FAB permission-view-menus
# that lowlend manages for one configuration version; ``role_grants(registry)`` says
# which of them each role of roles.yaml holds. :mod:`lowlend.web.permission_sync`
# makes the FAB tables match both.

Permission = tuple[str, str]
"""A FAB permission-view-menu as ``(permission_name, view_menu_name)``."""

WILDCARD: Final = "*"
ADMIN_ROLE: Final = "admin"
"""roles.yaml code of the administrator (FAB's ``AUTH_ROLE_ADMIN`` is ``admin`` too)."""

APPLY_ACTION: Final = "apply"
PRODUCT_PREFIX: Final = "product:"

#: A role may apply for every product when it may do one of these (view code, action).
APPLY_GRANTED_BY: Final = (("applications", "add"), ("products", APPLY_ACTION))

_MANAGED_VIEW_MENU = _re.compile(r"^(?:[a-z][a-z0-9_]*|product:[A-Za-z0-9][A-Za-z0-9_.\-]*)$")
_MANAGED_PERMISSION = _re.compile(r"^(?:can_[a-z][a-z0-9_]*|menu_access)$")


def product_view_menu(product_code: str) -> str:
    """FAB view-menu of a product (``product:<code>``); ``can_apply`` guards applying."""
    return f"{PRODUCT_PREFIX}{product_code}"


def is_managed(permission: str, view_menu: str) -> bool:
    """Whether a permission-view-menu falls under lowlend's management (naming rule).

    lowlend names view-menus by configuration codes (lower-case snake case, or
    ``product:<code>``) and permissions ``can_<action>`` / ``menu_access``; FAB's own
    view-menus are class names (``UserDBModelView``, ``MenuApi``) or menu labels
    (``Security``, ``List Users``), so they never match.

    >>> is_managed("can_list", "loans"), is_managed("can_apply", "product:consumer_emi")
    (True, True)
    >>> is_managed("can_list", "UserDBModelView"), is_managed("menu_access", "List Users")
    (False, False)
    """
    return bool(_MANAGED_PERMISSION.match(permission) and _MANAGED_VIEW_MENU.match(view_menu))


def _items(collection: _Any) -> list[_Any]:
    if collection is None:
        return []
    if isinstance(collection, _Mapping):
        return list(collection.values())
    return list(collection)


def _codes(collection: _Any) -> list[str]:
    if collection is None:
        return []
    if isinstance(collection, _Mapping):
        return [str(k) for k in collection]
    return [str(getattr(i, "code", i)) for i in collection]


def menu_item_codes(registry: _Any) -> frozenset[str]:
    """Codes of every menu item of menus.yaml (categories are not items)."""
    codes: set[str] = set()
    for category in _items(getattr(registry, "menus", None)):
        items = getattr(category, "items", None)
        if items is None and isinstance(category, _Mapping):
            items = category.get("items")
        for item in _items(items):
            code = item.get("code") if isinstance(item, _Mapping) else getattr(item, "code", None)
            if code:
                codes.add(str(code))
    return frozenset(codes)


def _role_permissions(role: _Any) -> _Mapping[str, _Iterable[str]]:
    perms = getattr(role, "permissions", None) or {}
    return perms if isinstance(perms, _Mapping) else {}


def view_codes(registry: _Any) -> frozenset[str]:
    """Built-in view codes, config entity codes and every code a role names."""
    codes = set(BUILTIN_VIEWS) | set(_codes(getattr(registry, "entities", None)))
    for role in _items(getattr(registry, "roles", None)):
        codes.update(str(c) for c in _role_permissions(role) if c != WILDCARD)
    return frozenset(codes)


def view_actions(registry: _Any) -> _Mapping[str, frozenset[str]]:
    """The actions that exist per view code.

    Config entities have the CRUD actions; every view code also has each action a
    role grants on it, and each action a role grants on ``*`` (all views).
    """
    codes = view_codes(registry)
    entities = set(_codes(getattr(registry, "entities", None)))
    everywhere: set[str] = set()
    specific: dict[str, set[str]] = {code: set() for code in codes}
    for role in _items(getattr(registry, "roles", None)):
        for code, actions in _role_permissions(role).items():
            named = {str(a) for a in actions if a != WILDCARD}
            if code == WILDCARD:
                everywhere |= named
            else:
                specific.setdefault(str(code), set()).update(named)
    out: dict[str, frozenset[str]] = {}
    for code in sorted(codes):
        actions = specific.get(code, set()) | everywhere
        if code in entities:
            actions |= set(CRUD_ACTIONS)
        if actions:
            out[code] = frozenset(actions)
    return MappingProxyType(out)


def actions_for(registry: _Any, view_code: str) -> frozenset[str]:
    """Actions that exist for ``view_code`` (use for a generated view's base permissions)."""
    return view_actions(registry).get(view_code, frozenset())


def desired_permissions(registry: _Any) -> frozenset[Permission]:
    """Every permission-view-menu lowlend manages for ``registry``.

    * ``can_<action>`` on each view/entity code for each action in :func:`view_actions`;
    * ``menu_access`` on each menu item code;
    * ``can_apply`` on ``product:<code>`` for each product.
    """
    perms: set[Permission] = set()
    for code, actions in view_actions(registry).items():
        perms.update((permission_name(a), view_menu_name(code)) for a in actions)
    perms.update((MENU_ACCESS, code) for code in menu_item_codes(registry))
    perms.update(
        (permission_name(APPLY_ACTION), product_view_menu(code))
        for code in _codes(getattr(registry, "products", None))
    )
    return frozenset(perms)


def _can(role: _Any, view: str, action: str) -> bool:
    perms = _role_permissions(role)
    for key in (view, WILDCARD):
        actions = perms.get(key)
        if actions is not None and (action in actions or WILDCARD in actions):
            return True
    return False


def grants_of_role(
    registry: _Any, role: _Any, *, desired: frozenset[Permission] | None = None
) -> frozenset[Permission]:
    """The permission-view-menus one role spec grants (``*`` expanded)."""
    desired = desired_permissions(registry) if desired is None else desired
    actions_by_view = view_actions(registry)
    grants: set[Permission] = set()
    menus = {str(m) for m in (getattr(role, "menus", None) or ())}
    items = menu_item_codes(registry)
    grants.update((MENU_ACCESS, c) for c in (items if WILDCARD in menus else items & menus))
    for key, actions in _role_permissions(role).items():
        targets = list(actions_by_view) if key == WILDCARD else [str(key)]
        wanted = {str(a) for a in actions}
        for code in targets:
            existing = actions_by_view.get(code, frozenset())
            chosen = existing if WILDCARD in wanted else (wanted & existing)
            grants.update((permission_name(a), view_menu_name(code)) for a in chosen)
    if any(_can(role, view, action) for view, action in APPLY_GRANTED_BY):
        grants.update(p for p in desired if p[1].startswith(PRODUCT_PREFIX))
    return frozenset(grants & desired)


def role_grants(
    registry: _Any, admin_roles: _Iterable[str] = (ADMIN_ROLE,)
) -> _Mapping[str, frozenset[Permission]]:
    """roles.yaml role code → the permission-view-menus it holds.

    ``*`` (all views / all actions / all menu items) is expanded against
    :func:`desired_permissions`; the roles in ``admin_roles`` hold everything.
    """
    desired = desired_permissions(registry)
    admins = set(admin_roles)
    out: dict[str, frozenset[Permission]] = {}
    for role in _items(getattr(registry, "roles", None)):
        code = str(getattr(role, "code", None) or getattr(role, "name", ""))
        if not code:
            continue
        out[code] = desired if code in admins else grants_of_role(registry, role, desired=desired)
    for code in admins:
        out.setdefault(code, desired)
    return MappingProxyType(out)
