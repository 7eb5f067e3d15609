"""``eod.yaml``, ``collections.yaml``, ``early_warning.yaml`` → operations specs.

Collection levels are numbered 1, 2, 3… and their days-past-due ranges are
contiguous from 1; early-warning conditions compile in
:data:`lowlend.spec.envs.EARLY_WARNING_ENV`.

The ``classify`` step's ``params`` of ``eod.yaml`` are checked with the other files
(:func:`check_eod`, a cross-file check): ``dpd_ranges`` and every ``region_dpd_ranges``
entry ascending, the last open-ended, categories from the ``classification`` dictionary;
region codes known; ``bucket_edges`` increasing — so a bad range fails at publish, not
in the nightly run.
"""

from __future__ import annotations

from typing import Any

from lowlend.domain.classification import CATEGORIES, edge_problems, range_problems
from lowlend.domain.conventions import EodStepCode, Severity

from .. import envs
from ..context import Built, Ctx, Doc
from ..model import (
    CollectionLevel,
    CollectionsSpec,
    EarlyWarningSpec,
    EodSpec,
    EodStep,
    WarningIndicator,
)
from .values import freeze, label, opt_label

__all__ = ["build_collections", "build_early_warning", "build_eod", "check_eod"]

CLASSIFY_PARAMS = frozenset({"dpd_ranges", "region_dpd_ranges", "bucket_edges"})
"""The keys the ``classify`` step's ``params`` may have."""


def build_eod(ctx: Ctx, doc: Doc) -> EodSpec:
    steps = []
    for s in doc.data["steps"]:
        steps.append(
            EodStep(
                EodStepCode(s["code"]),
                opt_label(s.get("label")),
                bool(s.get("enabled", True)),
                freeze(dict(s.get("params") or {})),
            )
        )
    ctx.unique(doc, doc.data["steps"], ["steps"])
    return EodSpec(tuple(steps), doc.data.get("partition_size", 1000))


def check_eod(ctx: Ctx, b: Built) -> None:
    """Check the ``classify`` step's ``params`` against the dictionaries and regions.

    Categories are the ``classification`` dictionary's codes the engine knows
    (:data:`~lowlend.domain.classification.CATEGORIES`; all of them without the dictionary).
    """
    if "eod" not in b.singletons:
        return
    doc = b.singletons["eod"][1]
    dictionary = b.singleton("dictionaries", {}).get("classification")
    categories = (CATEGORIES if dictionary is None
                  else tuple(c for c in CATEGORIES if c in dictionary.codes()))
    for i, step in enumerate(doc.data.get("steps") or ()):
        if not isinstance(step, dict) or step.get("code") != "classify":
            continue
        params = step.get("params") or {}
        if not isinstance(params, dict):
            continue
        _check_classify(ctx, doc, ["steps", i, "params"], params, categories, set(b.regions))


def _check_classify(ctx: Ctx, doc: Doc, at: list[str | int], params: dict[str, Any],
                    categories: tuple[str, ...], regions: set[str]) -> None:
    for key in sorted(set(params) - CLASSIFY_PARAMS):
        ctx.error(doc, [*at, key], f"unknown parameter of classify "
                                   f"({', '.join(sorted(CLASSIFY_PARAMS))})")
    if "dpd_ranges" in params:
        for sub, message in range_problems(params["dpd_ranges"], categories):
            ctx.error(doc, [*at, "dpd_ranges", *sub], message)
    if "bucket_edges" in params:
        for sub, message in edge_problems(params["bucket_edges"]):
            ctx.error(doc, [*at, "bucket_edges", *sub], message)
    overrides = params.get("region_dpd_ranges")
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        ctx.error(doc, [*at, "region_dpd_ranges"],
                  "region_dpd_ranges must map region codes to dpd_ranges")
        return
    for region, ranges in overrides.items():
        where = [*at, "region_dpd_ranges", region]
        if regions and region not in regions:
            ctx.error(doc, where, f"unknown region {region!r}")
        for sub, message in range_problems(ranges, categories):
            ctx.error(doc, [*where, *sub], message)


def build_collections(ctx: Ctx, doc: Doc) -> CollectionsSpec:
    levels = []
    prev_max: int | None = 0
    for i, lv in enumerate(doc.data["levels"]):
        level = CollectionLevel(
            lv["level"],
            lv["code"],
            label(lv["label"]),
            lv["dpd_min"],
            lv.get("dpd_max"),
            tuple(lv["actions"]),
            lv.get("assign_role"),
            lv.get("notification"),
        )
        if level.level != i + 1:
            ctx.error(
                doc,
                ["levels", i, "level"],
                f"levels must be numbered 1, 2, 3 in order (expected {i + 1})",
            )
        if level.dpd_max is not None and level.dpd_max < level.dpd_min:
            ctx.error(
                doc,
                ["levels", i, "dpd_min"],
                f"dpd_min {level.dpd_min} is greater than dpd_max {level.dpd_max}",
            )
        if prev_max is None or level.dpd_min != prev_max + 1:
            ctx.error(
                doc,
                ["levels", i, "dpd_min"],
                f"dpd ranges must be contiguous: expected dpd_min {None if prev_max is None else prev_max + 1}",
            )
        prev_max = level.dpd_max
        levels.append(level)
    ctx.unique(doc, doc.data["levels"], ["levels"])
    rem = doc.data.get("reminders") or {}
    return CollectionsSpec(
        tuple(levels),
        tuple(rem.get("before_due_days", ())),
        tuple(rem.get("after_overdue_days", ())),
        freeze(dict(doc.data.get("dispatch") or {})),
    )


def build_early_warning(ctx: Ctx, doc: Doc) -> EarlyWarningSpec:
    out = []
    for i, ind in enumerate(doc.data["indicators"]):
        ctx.expr(doc, ["indicators", i, "when"], ind["when"], envs.EARLY_WARNING_ENV)
        out.append(
            WarningIndicator(
                ind["code"],
                label(ind["label"]),
                ind["when"],
                Severity(ind["severity"]),
                ind.get("action"),
            )
        )
    ctx.unique(doc, doc.data["indicators"], ["indicators"])
    return EarlyWarningSpec(tuple(out))
