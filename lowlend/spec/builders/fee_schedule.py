"""``fees/<code>.yaml`` → :class:`FeeScheduleSpec`.

Each fee needs what its calculation uses (``amount`` for fixed fees, ``rate`` for
the others, ``rate`` or ``amount`` per tier) and ``min_amount ≤ max_amount``.
"""

from __future__ import annotations

from typing import Any

from lowlend.domain.conventions import FeeCalculation, FeeCollection, FeeParty, FeeTrigger

from ..context import Ctx, Doc
from ..model import FeeScheduleSpec, FeeSpec, FeeTier
from .values import label, opt_dec

__all__ = ["build_fee_schedule"]


def _tiers(ctx: Ctx, doc: Doc, f: Any, path: list[str | int]) -> tuple[FeeTier, ...]:
    tiers = []
    for j, t in enumerate(f.get("tiers", ())):
        w = t["when"]
        if "rate" not in t and "amount" not in t:
            ctx.error(doc, [*path, "tiers", j], "a tier needs 'rate' or 'amount'")
        tiers.append(
            FeeTier(
                w.get("term_min"),
                w.get("term_max"),
                opt_dec(w.get("amount_min")),
                opt_dec(w.get("amount_max")),
                opt_dec(t.get("rate")),
                opt_dec(t.get("amount")),
            )
        )
    return tuple(tiers)


def _fee(ctx: Ctx, doc: Doc, f: Any, path: list[str | int]) -> FeeSpec:
    calc = FeeCalculation(f["calculation"])
    tiers = _tiers(ctx, doc, f, path)
    if calc is FeeCalculation.FIXED and "amount" not in f:
        ctx.error(doc, path, "a fixed fee needs 'amount'")
    if calc is not FeeCalculation.FIXED and "rate" not in f:
        ctx.error(doc, path, f"a {calc.value} fee needs 'rate'")
    lo, hi = opt_dec(f.get("min_amount")), opt_dec(f.get("max_amount"))
    if lo is not None and hi is not None and lo > hi:
        ctx.error(doc, [*path, "min_amount"], f"min_amount {lo} is greater than max_amount {hi}")
    return FeeSpec(
        code=f["code"],
        label=label(f["label"]),
        trigger=FeeTrigger(f["trigger"]),
        calculation=calc,
        collection=FeeCollection(f["collection"]),
        party=FeeParty(f["party"]),
        rate=opt_dec(f.get("rate")),
        amount=opt_dec(f.get("amount")),
        min_amount=lo,
        max_amount=hi,
        tiers=tiers,
    )


def build_fee_schedule(ctx: Ctx, doc: Doc) -> FeeScheduleSpec:
    r = doc.data
    fees = tuple(_fee(ctx, doc, f, ["fees", i]) for i, f in enumerate(r["fees"]))
    ctx.unique(doc, r["fees"], ["fees"])
    return FeeScheduleSpec(r["code"], label(r["label"]), r["currency"], fees)
