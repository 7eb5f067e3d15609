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

from collections.abc import Collection, Mapping
from typing import Any

from lowlend.domain.conventions import Classification, EodStepCode, Severity

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

CATEGORIES = tuple(c.value for c in Classification)

Problem = tuple[list[str | int], str]
"""A problem of a value: key path (relative to the value) and message."""


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def range_problems(raw: Any, categories: Collection[str] = CATEGORIES) -> list[Problem]:
    """Every problem of a ``dpd_ranges`` value: a non-empty list of ``{max_dpd, category}``
    with whole ``max_dpd`` increasing, the last one ``null``, categories among ``categories``.

    >>> range_problems([{"max_dpd": 30, "category": "pass"}, {"max_dpd": 10, "category": "x"}])
    ... # doctest: +NORMALIZE_WHITESPACE
    [([1, 'category'], "unknown classification category 'x'
      (pass, special_mention, substandard, doubtful, loss)"),
     ([1, 'max_dpd'], 'max_dpd 10 must be greater than the previous range (30)'),
     ([1, 'max_dpd'], 'the last range must be open-ended (max_dpd: null)')]
    """
    if not isinstance(raw, list) or not raw:
        return [([], "dpd_ranges must be a non-empty list of {max_dpd, category}")]
    out: list[Problem] = []
    prev: int | None = -1
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            out.append(([i], "a range must be a mapping {max_dpd, category}"))
            continue
        category = item.get("category")
        if category not in categories:
            out.append(([i, "category"], f"unknown classification category {category!r} "
                                         f"({', '.join(categories)})"))
        bound = item.get("max_dpd")
        if bound is not None and not _whole(bound):
            out.append(([i, "max_dpd"], f"max_dpd must be a whole number of days or null, "
                                        f"not {bound!r}"))
        elif prev is None:
            out.append(([i, "max_dpd"], "no range may follow the open-ended one (max_dpd: null)"))
        elif bound is not None and bound <= prev:
            out.append(([i, "max_dpd"], f"max_dpd {bound} must be greater than the previous "
                                        f"range ({prev})"))
        prev = bound if bound is None or _whole(bound) else prev
    last = raw[-1]
    if isinstance(last, Mapping) and last.get("max_dpd") is not None:
        out.append(([len(raw) - 1, "max_dpd"], "the last range must be open-ended (max_dpd: null)"))
    return out


def edge_problems(raw: Any) -> list[Problem]:
    """Every problem of a ``bucket_edges`` value: a non-empty list of increasing positive
    whole numbers."""
    if not isinstance(raw, list) or not raw:
        return [([], "bucket_edges must be a non-empty list of increasing DPD bounds")]
    out: list[Problem] = []
    prev = 0
    for i, edge in enumerate(raw):
        if not _whole(edge) or edge <= prev:
            out.append(([i], f"bucket edge {edge!r} must be a whole number greater than {prev}"))
        else:
            prev = edge
    return out


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
    (:class:`~lowlend.domain.conventions.Classification`; all of them without the
    dictionary).
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
