"""``scorecards/<code>.yaml`` → :class:`ScorecardSpec`.

Bin and knock-out conditions are compiled in :data:`lowlend.spec.envs.SCORECARD_ENV`;
the refer cut-off must not be above the approve cut-off.
"""

from __future__ import annotations

from .. import envs
from ..context import Ctx, Doc
from ..model import Characteristic, Decision, KnockoutRule, ScoreBin, ScorecardSpec
from .values import label, opt_label

__all__ = ["build_scorecard"]


def build_scorecard(ctx: Ctx, doc: Doc) -> ScorecardSpec:
    r = doc.data
    chars = []
    for i, c in enumerate(r["characteristics"]):
        bins = []
        for j, b in enumerate(c["bins"]):
            ctx.expr(doc, ["characteristics", i, "bins", j, "when"], b["when"], envs.SCORECARD_ENV)
            bins.append(ScoreBin(b["when"], b["points"], opt_label(b.get("label"))))
        chars.append(Characteristic(c["code"], label(c["label"]), tuple(bins)))
    ctx.unique(doc, r["characteristics"], ["characteristics"])
    knockouts = []
    for i, k in enumerate(r.get("knockouts", ())):
        ctx.expr(doc, ["knockouts", i, "when"], k["when"], envs.SCORECARD_ENV)
        knockouts.append(
            KnockoutRule(k["code"], label(k["label"]), k["when"], Decision(k["decision"]))
        )
    ctx.unique(doc, r.get("knockouts"), ["knockouts"])
    cut = r["cutoffs"]
    if cut["refer_min"] > cut["approve_min"]:
        ctx.error(
            doc,
            ["cutoffs", "refer_min"],
            f"refer_min {cut['refer_min']} is above approve_min {cut['approve_min']}",
        )
    return ScorecardSpec(
        r["code"],
        label(r["label"]),
        r.get("base_points", 0),
        tuple(chars),
        cut["approve_min"],
        cut["refer_min"],
        tuple(knockouts),
    )
