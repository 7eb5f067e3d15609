"""Configuration screens: edit, validate, diff, publish and roll back the configuration.

:func:`register` (called at boot by :mod:`lowlend.web.registration`) adds one
screen per configuration kind plus the version history; see
:mod:`lowlend.web.config_admin.views` for URLs and permission names.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register"]


def register(appbuilder: Any, registry: Any) -> None:
    """Register the config screens (boot only; the registry is read per request)."""
    from lowlend.web.config_admin.kinds import KINDS
    from lowlend.web.config_admin.views import ConfigVersionsView, item_view_class

    for kind in KINDS:
        appbuilder.add_view_no_menu(item_view_class(kind))
    appbuilder.add_view_no_menu(ConfigVersionsView)
