"""``eod.yaml``, ``collections.yaml``, ``early_warning.yaml`` → operations specs.

Collection levels are numbered 1, 2, 3… and their days-past-due ranges are
contiguous from 1; early-warning conditions compile in
:data:`lowlend.spec.envs.EARLY_WARNING_ENV`.
"""

from __future__ import annotations

from lowlend.domain.conventions import EodStepCode, Severity

from .. import envs
from ..context import Ctx, Doc
from ..model import (
    CollectionLevel,
    CollectionsSpec,
    EarlyWarningSpec,
    EodSpec,
    EodStep,
    WarningIndicator,
)
from .values import freeze, label, opt_label

__all__ = ["build_collections", "build_early_warning", "build_eod"]


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
