"""``compliance/<CODE>.yaml`` → :class:`RegionSpec`, with ``inherits:`` resolved.

:func:`build_region` builds one region from a mapping (checking its own dates, rate
caps and data-protection masks); :func:`resolve_regions` merges each region with its
ancestors (mappings recursively, the child wins, lists are replaced), builds the
effective region and checks what points inside it: overlays, cap measures and the
reference rates of ``max_expr``.

>>> merge({"a": {"x": 1, "y": 2}, "l": [1]}, {"a": {"y": 3}, "l": [2]})
{'a': {'x': 1, 'y': 3}, 'l': [2]}
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from lowlend.domain.conventions import ComplianceAction

from ..compliance import parse_max_expr
from ..context import Ctx, Doc
from ..model import (
    Overlay,
    PiiField,
    QuietHours,
    RateCap,
    RatePoint,
    ReferenceRate,
    RegionSpec,
)
from .values import date, dec, freeze, freeze_except, label, opt_dec

__all__ = ["build_region", "merge", "resolve_regions"]

_MASK_RE = re.compile(r"^keep_first_[0-9]+_last_[0-9]+$")
_TYPED_CAP_KEYS = frozenset(
    {
        "id",
        "measure",
        "metric",
        "max",
        "max_expr",
        "applies_to",
        "action",
        "action_before",
        "action_after",
        "effective_from",
        "effective_to",
        "status",
        "confidence",
        "source",
    }
)
_TYPED_REGION_KEYS = frozenset(
    {
        "code",
        "label",
        "inherits",
        "currency",
        "timezone",
        "reference_rates",
        "measures",
        "rate_caps",
        "fee_rules",
        "collections",
        "data_protection",
        "overlays",
        "schema_version",
    }
)


def _quiet(raw: Any) -> QuietHours | None:
    if not raw:
        return None
    return QuietHours(
        raw["start"], raw["end"], raw.get("tz"), bool(raw.get("waivable_by_consent", False))
    )


def _reference_rates(ctx: Ctx, doc: Doc, r: Any) -> dict[str, ReferenceRate]:
    rates: dict[str, ReferenceRate] = {}
    for code, rr in (r.get("reference_rates") or {}).items():
        points = []
        for i, p in enumerate(rr.get("series", ())):
            day = date(
                ctx,
                doc,
                ["reference_rates", code, "series", i, "effective_from"],
                p["effective_from"],
            )
            if day is not None:
                points.append(RatePoint(day, dec(p["value"])))
        rates[code] = ReferenceRate(code, rr["unit"], tuple(points), rr.get("lookup"))
    return rates


def _rate_cap(ctx: Ctx, doc: Doc, c: Any, path: list[str | int]) -> RateCap:
    before = c.get("action_before")
    after = c.get("action_after")
    b_day = date(ctx, doc, [*path, "action_before", "until"], before["until"]) if before else None
    a_day = date(ctx, doc, [*path, "action_after", "from"], after["from"]) if after else None
    if not any(k in c for k in ("max", "max_expr", "monthly_rate_tiers")):
        ctx.error(doc, path, "a rate cap needs 'max', 'max_expr' or 'monthly_rate_tiers'")
    if "max_expr" in c:
        try:
            parse_max_expr(c["max_expr"])
        except ValueError as exc:
            ctx.error(doc, [*path, "max_expr"], str(exc))
    return RateCap(
        id=c["id"],
        measure=c.get("measure"),
        metric=c.get("metric"),
        max=opt_dec(c.get("max")),
        max_expr=c.get("max_expr"),
        applies_to=c.get("applies_to"),
        action=ComplianceAction(c["action"]) if "action" in c else None,
        action_before=(b_day, ComplianceAction(before["action"])) if before and b_day else None,
        action_after=(a_day, ComplianceAction(after["action"])) if after and a_day else None,
        effective_from=date(ctx, doc, [*path, "effective_from"], c.get("effective_from")),
        effective_to=date(ctx, doc, [*path, "effective_to"], c.get("effective_to")),
        status=c.get("status"),
        confidence=c.get("confidence"),
        source=c.get("source"),
        extra=freeze_except(c, _TYPED_CAP_KEYS),
    )


def _pii_fields(ctx: Ctx, doc: Doc, dp: Any) -> dict[str, PiiField]:
    pii = {}
    for code, f in (dp.get("fields") or {}).items():
        mask = f.get("mask")
        if mask is not None and not _MASK_RE.match(str(mask)):
            ctx.error(
                doc,
                ["data_protection", "fields", code, "mask"],
                f"unsupported mask {mask!r} (expected keep_first_N_last_M)",
            )
        pii[code] = PiiField(
            code,
            mask,
            bool(f.get("encrypt_at_rest", False)),
            freeze_except(f, ("mask", "encrypt_at_rest")),
        )
    return pii


def build_region(ctx: Ctx, doc: Doc, r: Any) -> RegionSpec:
    """Build the region of mapping ``r`` (the file itself, or the merged ancestors)."""
    rates = _reference_rates(ctx, doc, r)
    caps = tuple(
        _rate_cap(ctx, doc, c, ["rate_caps", i]) for i, c in enumerate(r.get("rate_caps") or ())
    )
    ctx.unique(doc, r.get("rate_caps"), ["rate_caps"], what="id")
    coll = r.get("collections") or {}
    dp = r.get("data_protection") or {}
    pii = _pii_fields(ctx, doc, dp)
    return RegionSpec(
        code=r["code"],
        label=label(r["label"]),
        inherits=r.get("inherits"),
        currency=r.get("currency"),
        timezone=r.get("timezone"),
        reference_rates=MappingProxyType(rates),
        measures=freeze(dict(r.get("measures") or {})),
        rate_caps=caps,
        fee_rules=freeze(dict(r.get("fee_rules") or {})),
        quiet_hours=_quiet(coll.get("quiet_hours")),
        policy_default_quiet_hours=_quiet(coll.get("policy_default_quiet_hours")),
        collections=freeze(dict(coll)),
        pii_fields=MappingProxyType(pii),
        data_protection=freeze(dict(dp)),
        overlays=tuple(Overlay(o["when"], o["region"]) for o in r.get("overlays") or ()),
        extra=freeze_except(r, _TYPED_REGION_KEYS),
    )


def merge(parent: Any, child: Any) -> Any:
    """Merge mappings recursively (the child wins); anything else is replaced."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = merge(parent[key], value) if key in parent else value
        return out
    return child


def _effective(ctx: Ctx, code: str, region_docs: dict[str, Doc]) -> Any | None:
    """The region's mapping merged with its ancestors; ``None`` on a cycle or unknown parent."""
    doc = region_docs[code]
    chain = [code]
    raw: Any = doc.data
    parent = doc.data.get("inherits")
    while parent is not None:
        if parent in chain:
            ctx.error(doc, ["inherits"], f"inheritance cycle: {' → '.join([*chain, parent])}")
            return None
        if parent not in region_docs:
            ctx.error(doc, ["inherits"], f"unknown region {parent!r}")
            return None
        raw = merge(region_docs[parent].data, raw)
        chain.append(parent)
        parent = region_docs[parent].data.get("inherits")
    merged = dict(raw)
    merged["code"], merged["label"] = doc.data["code"], doc.data["label"]
    merged["inherits"] = doc.data.get("inherits")
    return merged


def _check_inside(ctx: Ctx, doc: Doc, region: RegionSpec, region_docs: dict[str, Doc]) -> None:
    for i, overlay in enumerate(region.overlays):
        if overlay.region not in region_docs:
            ctx.error(doc, ["overlays", i, "region"], f"unknown region {overlay.region!r}")
    for i, cap in enumerate(region.rate_caps):
        if cap.measure is not None and cap.measure not in region.measures:
            ctx.error(doc, ["rate_caps", i, "measure"], f"unknown measure {cap.measure!r}")
        if cap.max_expr is not None:
            try:
                _, _, series = parse_max_expr(cap.max_expr)
            except ValueError:
                continue
            if series not in region.reference_rates:
                ctx.error(doc, ["rate_caps", i, "max_expr"], f"unknown reference rate {series!r}")


def resolve_regions(ctx: Ctx, region_docs: dict[str, Doc]) -> dict[str, RegionSpec]:
    """The effective regions of every structurally valid region file (code → region).

    Each file has been built alone already (its own errors reported); the merged
    mapping is built silently.  A region in an inheritance cycle or with an unknown
    parent is left out.
    """
    regions: dict[str, RegionSpec] = {}
    silent = Ctx(silent=True)
    for code, doc in region_docs.items():
        merged = _effective(ctx, code, region_docs)
        if merged is not None:
            regions[code] = build_region(silent, doc, merged)
    for code, region in regions.items():
        _check_inside(ctx, region_docs[code], region, region_docs)
    return regions
