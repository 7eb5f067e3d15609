"""``approval_chains/<code>.yaml`` → :class:`ApprovalChainSpec`.

A step applies when ``amount_min ≤ amount ≤ amount_max`` (bounds optional) and its
``condition`` (compiled in :data:`lowlend.spec.envs.APPROVAL_ENV`) holds.  Step roles
are checked against ``roles.yaml`` in :mod:`lowlend.spec.checks.references`.
"""

from __future__ import annotations

from lowlend.domain.conventions import DEFAULT_RULES, DispatchRules

from .. import envs
from ..context import Ctx, Doc
from ..model import ApprovalChainSpec, ApprovalStep
from .values import label, opt_dec

__all__ = ["build_approval_chain"]


def build_approval_chain(ctx: Ctx, doc: Doc) -> ApprovalChainSpec:
    r = doc.data
    steps = []
    for i, s in enumerate(r["steps"]):
        lo, hi = opt_dec(s.get("amount_min")), opt_dec(s.get("amount_max"))
        if lo is not None and hi is not None and lo > hi:
            ctx.error(doc, ["steps", i, "amount_min"], f"amount_min {lo} is above amount_max {hi}")
        ctx.expr(doc, ["steps", i, "condition"], s.get("condition"), envs.APPROVAL_ENV)
        steps.append(
            ApprovalStep(
                s["code"],
                label(s["label"]),
                s["role"],
                lo,
                hi,
                s.get("condition"),
                s.get("sla_hours", 24),
                s.get("approvers", 1),
                s.get("stage"),
                tuple(s.get("users", ())),
                s.get("escalate_to"),
            )
        )
        if s.get("users") and s.get("approvers", 1) > len(s["users"]):
            ctx.error(
                doc,
                ["steps", i, "approvers"],
                f"{s['approvers']} approvers required but only {len(s['users'])} users named",
            )
    ctx.unique(doc, r["steps"], ["steps"])
    d = r.get("dispatch") or {}
    dispatch = DispatchRules(
        strategy=d.get("strategy", DEFAULT_RULES.strategy),
        same_region=d.get("same_region", DEFAULT_RULES.same_region),
        require_skill=d.get("require_skill", DEFAULT_RULES.require_skill),
        department=d.get("department", DEFAULT_RULES.department),
        max_open=d.get("max_open", DEFAULT_RULES.max_open),
    )
    return ApprovalChainSpec(
        r["code"],
        label(r["label"]),
        r["currency"],
        tuple(steps),
        r.get("distinct_approvers", True),
        dispatch,
    )
