"""What every config page needs: permission checks, the tab bar, numbered file lines."""

from __future__ import annotations

from typing import Any

from flask import url_for

from lowlend.web.config_admin.i18n import _
from lowlend.web.config_admin.kinds import KINDS, Kind
from lowlend.web.fab import security_manager

VERSIONS_CODE = "config_versions"
"""View-menu of the version history screen."""


def can(action: str, view_menu: str) -> bool:
    """Whether the signed-in user holds ``can_<action>`` on ``view_menu``."""
    return bool(security_manager().has_access(f"can_{action}", view_menu))


def view_endpoint(kind: Kind) -> str:
    """The endpoint (and class name) of ``kind``'s screen."""
    return f"ConfigItemsView_{kind.code}"


def tabs(active: str) -> list[dict[str, Any]]:
    """The config screens the user may list (tabs on every config page)."""
    out = []
    for kind in KINDS:
        if can("list", kind.code):
            out.append(
                {
                    "code": kind.code,
                    "title": str(kind.title),
                    "url": url_for(f"{view_endpoint(kind)}.list"),
                    "active": kind.code == active,
                }
            )
    if can("list", VERSIONS_CODE):
        out.append(
            {
                "code": VERSIONS_CODE,
                "title": _("Configuration versions"),
                "url": url_for("ConfigVersionsView.list"),
                "active": active == VERSIONS_CODE,
            }
        )
    return out


def numbered(text: str, marked: set[int]) -> list[dict[str, Any]]:
    """The lines of ``text`` numbered from 1; lines in ``marked`` flagged as errors."""
    lines = (text or "").split("\n")
    count = max(1, len((text or "").rstrip("\n").split("\n")))
    return [
        {"no": i, "text": line, "error": i in marked}
        for i, line in enumerate(lines[:count], start=1)
    ]
