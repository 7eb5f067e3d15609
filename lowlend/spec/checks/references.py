"""Cross-file checks: every reference names something that exists, and linked specs agree.

* products → fee schedule, approval chain, scorecard, region, notification events;
  currencies of product / fee schedule / approval chain / region agree; the region's
  fee rules (no upfront deduction) and rate caps (:mod:`~lowlend.spec.checks.rate_caps`);
* custom fields → dictionaries, entities or built-in views, personal-data classes;
* approval steps and collection levels → roles; collection levels → notification events;
* entities → menu categories, parent entity/view, unique tables;
* menus → entities/views; roles → menu items, entities/views.

References to a file that exists but has errors of its own are not reported again
(:attr:`Built.declared <lowlend.spec.context.Built.declared>`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from lowlend.domain.conventions import FeeCollection

from ..builders.operations import check_eod
from ..context import Built, Ctx, Doc
from ..model import DictionarySpec, FieldSpec, MenuCategory, ProductSpec, RegionSpec
from ..standard_names import BUILTIN_VIEWS
from .rate_caps import check_rate_caps

__all__ = ["check_field_refs", "check_references"]

_PRODUCT_LINKS = (
    ("fee_schedule", "fee_schedule", "fee schedule"),
    ("approval_chain", "approval_chain", "approval chain"),
    ("scorecard", "scorecard", "scorecard"),
    ("region", "compliance", "region"),
)
"""product key → kind it names → what the message calls it"""


def _ref(
    ctx: Ctx, doc: Doc, path: list[str | int], code: str | None, pool: Collection[str], what: str
) -> None:
    if isinstance(code, str) and code not in pool:
        ctx.error(doc, path, f"unknown {what} {code!r}")


def check_field_refs(
    ctx: Ctx,
    doc: Doc,
    path: list[str | int],
    fields: tuple[FieldSpec, ...],
    dictionaries: Mapping[str, DictionarySpec],
    entities: Iterable[str],
    pii_codes: frozenset[str] | None = None,
) -> None:
    """Dictionaries, referenced entities and personal-data classes of ``fields`` (recursively).

    :param pii_codes: known personal-data classes; ``None`` skips that check.
    """
    entities = set(entities)
    for i, f in enumerate(fields):
        if f.pii is not None and pii_codes is not None and f.pii not in pii_codes:
            known = ", ".join(sorted(pii_codes))
            ctx.error(
                doc,
                [*path, i, "pii"],
                f"unknown personal-data class {f.pii!r} (data_protection.fields: {known})",
            )
        if f.dictionary is not None and dictionaries and f.dictionary not in dictionaries:
            ctx.error(doc, [*path, i, "dictionary"], f"unknown dictionary {f.dictionary!r}")
        if (
            f.reference is not None
            and f.reference not in entities
            and f.reference not in BUILTIN_VIEWS
        ):
            ctx.error(doc, [*path, i, "reference"], f"unknown entity {f.reference!r}")
        check_field_refs(
            ctx, doc, [*path, i, "columns"], f.columns, dictionaries, entities, pii_codes
        )


def _product_links(ctx: Ctx, b: Built) -> None:
    # checked on the raw document, so that a product with structural errors of its own
    # still has its references checked in the same run
    template_codes = b.declared.get("template_meta", set())
    for doc in b.docs:
        if doc.kind != "product":
            continue
        raw = doc.data
        for key, kind, what in _PRODUCT_LINKS:
            value = raw.get(key)
            if isinstance(value, str):
                _ref(ctx, doc, [key], value, b.declared.get(kind, set()), what)
        events = raw.get("notifications")
        for i, event in enumerate(events if isinstance(events, list) else ()):
            if isinstance(event, str) and b.has_templates:
                _ref(ctx, doc, ["notifications", i], event, template_codes, "notification event")


def _check_region_rules(
    ctx: Ctx, doc: Doc, product: ProductSpec, region: RegionSpec, fee_schedule: Any
) -> None:
    if region.currency is not None and region.currency != product.currency:
        ctx.error(
            doc,
            ["currency"],
            f"region {region.code} uses {region.currency}, not {product.currency}",
        )
    check_rate_caps(ctx, doc, product, region)
    if (
        fee_schedule is None
        or region.fee_rules.get("upfront_deduction_of_interest_or_fees") != "forbidden"
    ):
        return
    for fee in fee_schedule.fees:
        if fee.collection is FeeCollection.UPFRONT:
            ctx.error(
                doc,
                ["fee_schedule"],
                f"fee {fee.code!r} of {fee_schedule.code!r} is deducted upfront, which region "
                f"{region.code} forbids (fee_rules.upfront_deduction_of_interest_or_fees)",
            )


def _products(ctx: Ctx, b: Built) -> None:
    fee_schedules = b.table("fee_schedule")
    chains = b.table("approval_chain")
    dictionaries = b.singleton("dictionaries", {})
    for product, doc in b.valid("product"):
        region = b.regions.get(product.region)
        check_field_refs(
            ctx,
            doc,
            ["custom_fields"],
            product.custom_fields,
            dictionaries,
            b.declared.get("entity", set()),
            frozenset(region.pii_fields) if region is not None else None,
        )
        fs = fee_schedules.get(product.fee_schedule)
        for key, linked, what in (
            ("fee_schedule", fs, "fee schedule"),
            ("approval_chain", chains.get(product.approval_chain), "approval chain"),
        ):
            if linked is not None and linked.currency != product.currency:
                ctx.error(
                    doc,
                    [key],
                    f"{what} {linked.code!r} is in {linked.currency}, product in {product.currency}",
                )
        if region is not None:
            _check_region_rules(ctx, doc, product, region, fs)


def _entities(ctx: Ctx, b: Built, view_codes: Collection[str]) -> None:
    dictionaries = b.singleton("dictionaries", {})
    menus: tuple[MenuCategory, ...] = b.singleton("menus", ())
    all_pii = frozenset(code for r in b.regions.values() for code in r.pii_fields)
    tables: dict[str, str] = {}
    for entity, doc in b.valid("entity"):
        check_field_refs(
            ctx,
            doc,
            ["fields"],
            entity.fields,
            dictionaries,
            b.declared.get("entity", set()),
            all_pii if len(b.regions) == len(b.region_docs) else None,
        )
        if entity.table in tables:
            ctx.error(
                doc, ["table"], f"table {entity.table!r} is also used by {tables[entity.table]!r}"
            )
        tables[entity.table] = entity.code
        if entity.code in BUILTIN_VIEWS:
            ctx.error(
                doc, ["code"], f"code {entity.code!r} is a built-in view; choose another code"
            )
        if entity.menu_category is not None and "menus" in b.singletons:
            categories = {c.code for c in menus}
            _ref(ctx, doc, ["menu_category"], entity.menu_category, categories, "menu category")
        _ref(ctx, doc, ["parent"], entity.parent, view_codes, "parent entity/view")


def _menus_and_roles(ctx: Ctx, b: Built, view_codes: Collection[str]) -> None:
    menus: tuple[MenuCategory, ...] = b.singleton("menus", ())
    if "menus" in b.singletons:
        mdoc = b.singletons["menus"][1]
        for i, cat in enumerate(menus):
            for j, item in enumerate(cat.items):
                path: list[str | int] = ["categories", i, "items", j, "view"]
                _ref(ctx, mdoc, path, item.view, view_codes, "entity/view")
    if "roles" in b.singletons:
        rdoc = b.singletons["roles"][1]
        menu_items = {it.code for c in menus for it in c.items} | {"*"}
        targets = {*view_codes, "*"}
        for i, role in enumerate(rdoc.data["roles"]):
            for j, m in enumerate(role.get("menus", ())):
                if "menus" in b.singletons:
                    _ref(ctx, rdoc, ["roles", i, "menus", j], m, menu_items, "menu item")
            for key in ("permissions", "data_scope"):
                for target in role.get(key) or {}:
                    _ref(ctx, rdoc, ["roles", i, key, target], target, targets, "entity/view")


def _role_and_event_users(ctx: Ctx, b: Built) -> None:
    roles = b.singleton("roles", {})
    has_roles = "roles" in b.singletons
    for chain, doc in b.valid("approval_chain"):
        for i, step in enumerate(chain.steps):
            if has_roles:
                _ref(ctx, doc, ["steps", i, "role"], step.role, roles, "role")
                if step.escalate_to is not None:
                    _ref(ctx, doc, ["steps", i, "escalate_to"], step.escalate_to, roles, "role")
    if "collections" in b.singletons:
        cspec, cdoc = b.singletons["collections"]
        template_codes = b.declared.get("template_meta", set())
        for i, level in enumerate(cspec.levels):
            if has_roles:
                _ref(ctx, cdoc, ["levels", i, "assign_role"], level.assign_role, roles, "role")
            if b.has_templates:
                _ref(
                    ctx,
                    cdoc,
                    ["levels", i, "notification"],
                    level.notification,
                    template_codes,
                    "notification event",
                )


def check_references(ctx: Ctx, b: Built) -> None:
    """Run every cross-file check on the result of the build pass."""
    view_codes = BUILTIN_VIEWS | b.declared.get("entity", set())
    _product_links(ctx, b)
    _products(ctx, b)
    _role_and_event_users(ctx, b)
    _entities(ctx, b, view_codes)
    _menus_and_roles(ctx, b, view_codes)
    check_eod(ctx, b)
