"""``entities/<code>.yaml`` → :class:`EntitySpec` (a configurable record type).

Fields are built with :func:`~lowlend.spec.builders.fields.build_fields` in the entity's
environment; list/search columns, field sections and the data-scope owner field must
name fields and sections of the same entity.
"""

from __future__ import annotations

from .. import envs
from ..context import Ctx, Doc
from ..model import EntitySpec, Section
from .fields import build_fields
from .values import label

__all__ = ["build_entity"]


def build_entity(ctx: Ctx, doc: Doc) -> EntitySpec:
    r = doc.data
    fields = build_fields(ctx, doc, r["fields"], ["fields"], envs.entity_env)
    codes = {f.code for f in fields}
    for key in ("list_columns", "search_columns"):
        for i, col in enumerate(r.get(key, ())):
            if col not in codes:
                ctx.error(doc, [key, i], f"unknown field {col!r}")
    sections = tuple(Section(s["code"], label(s["label"])) for s in r.get("sections", ()))
    section_codes = {s.code for s in sections}
    for i, f in enumerate(fields):
        if f.section is not None and f.section not in section_codes:
            ctx.error(doc, ["fields", i, "section"], f"unknown section {f.section!r}")
    owner = (r.get("data_scope") or {}).get("owner_field")
    if owner is not None and owner not in codes:
        ctx.error(doc, ["data_scope", "owner_field"], f"unknown field {owner!r}")
    return EntitySpec(
        code=r["code"],
        label=label(r["label"]),
        table=r["table"],
        fields=fields,
        list_columns=tuple(r.get("list_columns", ())),
        search_columns=tuple(r.get("search_columns", ())),
        sections=sections,
        owner_field=owner,
        menu_category=r.get("menu_category"),
        parent=r.get("parent"),
    )
