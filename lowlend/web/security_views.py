"""FAB's security views with labels for every column they show or filter on.

Flask-AppBuilder 5.3 derives a label from the column name where a view has no
``label_columns`` entry ("Name", "User", "Groups", …); such labels never pass
through gettext, so a zh_CN page showed them in English. These subclasses add the
missing labels (FAB's own msgids, so FAB's ``zh`` catalogue or lowlend's translates
them). They keep FAB's class names, which FAB uses as view-menu (permission) and
endpoint names, so roles, links and ``security-cleanup`` see the same names as before.

Selected by :class:`lowlend.web.security.LowlendSecurityManager`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_appbuilder.security import views as fab
from flask_babel import lazy_gettext as _l

__all__ = ["RoleModelView", "UserGroupModelView", "UserStatsChartView"]

#: labels of FAB's user columns (FAB's msgids), also used by the filters that other
#: security views borrow from ``UserModelView.search_columns``
USER_LABELS = {
    **fab.UserModelView.label_columns,
    "active": _l("Is Active?"),
    "user": _l("User"),
    "users": _l("Users"),
    "roles": _l("Roles"),
    "groups": _l("Groups"),
}


class UserGroupModelView(fab.UserGroupModelView):
    """Groups (``/groups/``) with labelled columns."""

    label_columns: ClassVar[dict[str, Any]] = {
        "name": _l("Name"),
        "label": _l("Label"),
        "description": _l("Description"),
        "users": _l("Users"),
        "roles": _l("Roles"),
    }


class RoleModelView(fab.RoleModelView):
    """Roles (``/roles/``) whose ``user`` and ``groups`` filters have labels."""

    label_columns: ClassVar[dict[str, Any]] = {
        **fab.RoleModelView.label_columns,
        "user": _l("Users"),
        "groups": _l("Groups"),
    }


class UserStatsChartView(fab.UserStatsChartView):
    """User statistics chart with labelled filters and translated series names."""

    label_columns: ClassVar[dict[str, Any]] = {
        **USER_LABELS,
        **fab.UserStatsChartView.label_columns,
    }
    definitions: ClassVar[list[dict[str, Any]]] = [
        {"label": _l("Login count"), "group": "username", "series": ["login_count"]},
        {"label": _l("Failed login count"), "group": "username", "series": ["fail_login_count"]},
    ]
