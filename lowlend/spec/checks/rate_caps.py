"""Load-time rate-cap check: a product's maximum nominal annual rate against its region.

See "Rate caps checked at load time" in ``lowlend/spec/README.md``: only blocking caps
on an annual-rate measure for new loans, on every date the verdict can change while
the product is on sale.  The quote engine checks the rest.
"""

from __future__ import annotations

import datetime as dt

from lowlend.domain.conventions import ComplianceAction

from ..compliance import cap_annualisation, cap_limit, principal_condition_holds
from ..context import Ctx, Doc
from ..model import ProductSpec, RateCap, RegionSpec

__all__ = ["check_rate_caps"]

def _verdict_days(cap: RateCap, product: ProductSpec) -> list[dt.date]:
    """``valid_from`` and each date inside the validity on which the cap's verdict may change."""
    days = {product.valid_from}
    for d in (
        cap.effective_from,
        cap.action_after[0] if cap.action_after else None,
        cap.action_before[0] + dt.timedelta(days=1) if cap.action_before else None,
    ):
        if (
            d is not None
            and d > product.valid_from
            and (product.valid_to is None or d <= product.valid_to)
        ):
            days.add(d)
    return sorted(days)


def check_rate_caps(ctx: Ctx, doc: Doc, product: ProductSpec, region: RegionSpec) -> None:
    """A product's max nominal annual rate must not exceed any blocking annual-rate cap.

    Checked on every date the verdict can change while the product is on sale: its
    ``valid_from`` and each cap's ``effective_from`` / action switch date inside the
    validity.  Caps with ``metric`` only (UK per-day caps), tiered caps and caps with
    ``applies_to_licence`` / ``applies_if`` are left to the quote engine.  The nominal rate
    is a lower bound of the comprehensive cost, so passing here is necessary, not
    sufficient.
    """
    rate = product.interest.annual_rate.max
    for cap in region.rate_caps:
        if cap_annualisation(cap, region) is None or not principal_condition_holds(cap, None):
            continue
        for day in _verdict_days(cap, product):
            if cap.action_on(day) is not ComplianceAction.BLOCK:
                continue
            limit = cap_limit(cap, region, day)
            how = ""
            if cap.max is None and cap.max_expr is not None:
                how = f" ({cap.max_expr} on {day})"
            elif day != product.valid_from:
                how = f" (from {day})"
            if limit is not None and rate > limit:
                ctx.error(
                    doc,
                    ["interest", "annual_rate", "max"],
                    f"{rate} is above the {region.code} cap {limit.normalize()}{how} [{cap.id}]",
                )
                break
