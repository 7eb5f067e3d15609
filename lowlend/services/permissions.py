"""Stable permission names shared by the generated views, the REST APIs and the role sync.

A view code (a built-in view such as ``loans`` or a config entity code such as
``vehicle_collateral``) is the FAB *view-menu* name of both its web view and its
REST API, and an action of ``roles.yaml`` (``list``, ``show``, ``add``, ``edit``,
``delete``, ``approve``, ``export``, ``view_pii`` …) becomes the FAB permission
``can_<action>``. Menu items are guarded by FAB's ``menu_access`` on the menu item
code. These names are stable: renaming one would silently drop role grants.

>>> permission_name("view_pii"), view_menu_name("loans")
('can_view_pii', 'loans')
>>> VIEW_METHOD_ACTIONS["list"], API_METHOD_ACTIONS["get_list"]
('list', 'list')
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

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
