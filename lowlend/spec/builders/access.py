"""``roles.yaml`` and ``menus.yaml`` → roles (permissions, data scopes) and the menu tree.

``roles.yaml`` must declare every :data:`~lowlend.spec.standard_names.STANDARD_ROLES`;
a menu item code appears once in the whole tree.  What roles and menus point at
(menu items, views, entities) is checked in :mod:`lowlend.spec.checks.references`.
"""

from __future__ import annotations

from types import MappingProxyType

from lowlend.domain.conventions import DataScope

from ..context import Ctx, Doc
from ..model import MenuCategory, MenuItem, RoleSpec
from ..standard_names import STANDARD_ROLES
from .values import label

__all__ = ["build_menus", "build_roles"]


def build_roles(ctx: Ctx, doc: Doc) -> dict[str, RoleSpec]:
    out = {}
    for r in doc.data["roles"]:
        out[r["code"]] = RoleSpec(
            code=r["code"],
            label=label(r["label"]),
            menus=tuple(r.get("menus", ())),
            permissions=MappingProxyType(
                {k: frozenset(v) for k, v in (r.get("permissions") or {}).items()}
            ),
            data_scope=MappingProxyType(
                {k: DataScope(v) for k, v in (r.get("data_scope") or {}).items()}
            ),
        )
    ctx.unique(doc, doc.data["roles"], ["roles"])
    for code in STANDARD_ROLES:
        if code not in out:
            ctx.error(doc, ["roles"], f"standard role {code!r} is missing")
    return out


def build_menus(ctx: Ctx, doc: Doc) -> tuple[MenuCategory, ...]:
    cats = []
    seen: dict[str, str] = {}
    for i, c in enumerate(doc.data["categories"]):
        items = []
        for j, it in enumerate(c["items"]):
            if it["code"] in seen:
                ctx.error(
                    doc,
                    ["categories", i, "items", j, "code"],
                    f"duplicate menu item {it['code']!r} (also in category {seen[it['code']]})",
                )
            seen[it["code"]] = c["code"]
            items.append(MenuItem(it["code"], label(it["label"]), it["view"], it.get("icon")))
        cats.append(MenuCategory(c["code"], label(c["label"]), c.get("icon"), tuple(items)))
    ctx.unique(doc, doc.data["categories"], ["categories"])
    return tuple(cats)
