"""``products/<code>.yaml`` → :class:`ProductSpec`.

Checks that need only the product file: ranges (``min ≤ default ≤ max``), validity
dates, kind ⇔ section (``revolving:``, ``entrusted:``), bullet ⇔ ``one_time`` ⇔ term 1,
flat amortization ⇔ flat interest, first-due rule parameters, a complete allocation
order, the custom fields.  References to other files are checked in
:mod:`lowlend.spec.checks.references`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    DayCount,
    FirstDueRule,
    Frequency,
    GraceMode,
    InterestMethod,
    InterestPeriod,
    LoanKind,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
    RoundingMode,
    SpreadFeesOnPayoff,
)

from .. import envs
from ..context import Ctx, Doc
from ..model import (
    AllocationSpec,
    CreditCheckSpec,
    DecimalRange,
    DisbursementSpec,
    EntrustedSpec,
    FirstDue,
    GraceSpec,
    InterestSpec,
    IntRange,
    PenaltySpec,
    PrepaymentSpec,
    ProductSpec,
    RepaymentSpec,
    RevolvingSpec,
    RoundingSpec,
    TrancheSpec,
    WriteOffSpec,
)
from .fields import build_fields
from .values import date, dec, dec_range, label, opt_dec, opt_label

__all__ = ["build_product"]

_R = TypeVar("_R", DecimalRange, IntRange)


def _checked(ctx: Ctx, doc: Doc, path: list[str | int], rng: _R) -> _R:
    ctx.check_range(doc, path, rng.min, rng.max, rng.default)
    return rng


def _first_due(ctx: Ctx, doc: Doc, rep: Any) -> FirstDue:
    raw = rep.get("first_due", {"rule": "one_period_after"})
    first_due = FirstDue(FirstDueRule(raw["rule"]), raw.get("day"), raw.get("days"))
    if first_due.rule is FirstDueRule.FIXED_DAY_OF_MONTH and first_due.day is None:
        ctx.error(doc, ["repayment", "first_due"], "rule fixed_day_of_month needs 'day'")
    if first_due.rule is FirstDueRule.DAYS_AFTER_DISBURSEMENT and first_due.days is None:
        ctx.error(doc, ["repayment", "first_due"], "rule days_after_disbursement needs 'days'")
    return first_due


def _check_schedule_shape(
    ctx: Ctx,
    doc: Doc,
    amortization: Amortization,
    method: InterestMethod,
    frequency: Frequency,
    term: IntRange,
    first_due: FirstDue,
) -> None:
    if (amortization is Amortization.BULLET) != (frequency is Frequency.ONE_TIME):
        ctx.error(
            doc,
            ["repayment", "frequency"],
            f"amortization bullet goes with frequency one_time (got {amortization.value} with "
            f"{frequency.value})",
        )
    if frequency is Frequency.ONE_TIME and term.max != 1:
        ctx.error(
            doc,
            ["term", "max"],
            "a one_time product has exactly one installment "
            "(term 1; its length is repayment.first_due)",
        )
    if (
        frequency is Frequency.ONE_TIME
        and first_due.rule is not FirstDueRule.DAYS_AFTER_DISBURSEMENT
    ):
        ctx.error(
            doc,
            ["repayment", "first_due"],
            "a one_time product needs first_due rule days_after_disbursement",
        )
    if (amortization is Amortization.FLAT) != (method is InterestMethod.FLAT):
        ctx.error(
            doc,
            ["interest", "method"],
            f"interest method {method.value} does not fit amortization {amortization.value}"
            " (flat goes with flat)",
        )


def _allocation(ctx: Ctx, doc: Doc, r: Any) -> AllocationSpec:
    alloc = r.get("allocation", {"order": ["penalty", "fee", "interest", "principal"]})
    order = tuple(AllocationComponent(x) for x in alloc["order"])
    missing = [c.value for c in AllocationComponent if c not in order]
    if missing:
        ctx.error(doc, ["allocation", "order"], f"allocation order misses {', '.join(missing)}")
    buckets = tuple(
        AllocationBucket(x) for x in alloc.get("buckets", [b.value for b in AllocationBucket])
    )
    return AllocationSpec(order, buckets)


def _check_kind_section(
    ctx: Ctx, doc: Doc, kind: LoanKind, wanted: LoanKind, present: bool
) -> None:
    """A product of kind ``wanted`` has the section named like it, other kinds do not."""
    section = wanted.value
    if kind is wanted and not present:
        article = "an" if section[0] in "aeiou" else "a"
        ctx.error(
            doc, ["kind"], f"{article} {section} product needs {article} '{section}:' section"
        )
    if kind is not wanted and present:
        ctx.error(doc, [section], f"'{section}:' is only for kind {section} (kind is {kind.value})")


def _revolving(ctx: Ctx, doc: Doc, r: Any) -> RevolvingSpec | None:
    if "revolving" not in r:
        return None
    rv = r["revolving"]
    limit = dec_range(rv["credit_limit"])
    ctx.check_range(doc, ["revolving", "credit_limit"], limit.min, limit.max)
    revolving = RevolvingSpec(
        limit, dec(rv["draw_min"]), rv["limit_term_months"], bool(rv.get("renewable", False))
    )
    if revolving.draw_min > limit.max:
        ctx.error(doc, ["revolving", "draw_min"], "draw_min is above the credit limit max")
    return revolving


def _entrusted(r: Any) -> EntrustedSpec | None:
    if "entrusted" not in r:
        return None
    en = r["entrusted"]
    return EntrustedSpec(
        dec(en["agency_fee_rate"]), bool(en.get("entrusting_party_required", True))
    )


def _disbursement(ctx: Ctx, doc: Doc, r: Any, kind: LoanKind,
                  amount: DecimalRange) -> DisbursementSpec:
    """``disbursement.tranches`` (分笔放款): not for revolving products (each draw is its own
    disbursement); ``min_amount`` must leave room for two tranches of the largest amount."""
    raw = (r.get("disbursement") or {}).get("tranches")
    if raw is None:
        return DisbursementSpec()
    path: list[str | int] = ["disbursement", "tranches"]
    tranches = TrancheSpec(int(raw["max_count"]), dec(raw.get("min_amount", "0.01")))
    if kind is LoanKind.REVOLVING:
        ctx.error(doc, path, "a revolving product cannot disburse in tranches (each draw is "
                  "its own disbursement)")
    if tranches.min_amount <= 0:
        ctx.error(doc, [*path, "min_amount"], "min_amount must be above zero")
    elif tranches.min_amount * 2 > amount.max:
        ctx.error(doc, [*path, "min_amount"], f"min_amount {tranches.min_amount} leaves no "
                  f"room for two tranches of the amount max {amount.max}")
    return DisbursementSpec(tranches)


def build_product(ctx: Ctx, doc: Doc) -> ProductSpec:
    r = doc.data
    kind = LoanKind(r["kind"])
    amount = _checked(ctx, doc, ["amount"], dec_range(r["amount"]))
    term_raw = r["term"]
    term = _checked(
        ctx, doc, ["term"], IntRange(term_raw["min"], term_raw["max"], term_raw.get("default"))
    )
    rate = _checked(ctx, doc, ["interest", "annual_rate"], dec_range(r["interest"]["annual_rate"]))
    valid_from = date(ctx, doc, ["valid_from"], r["valid_from"]) or dt.date.min
    valid_to = date(ctx, doc, ["valid_to"], r.get("valid_to"))
    if valid_to is not None and valid_to < valid_from:
        ctx.error(doc, ["valid_to"], f"valid_to {valid_to} is before valid_from {valid_from}")
    amortization = Amortization(r["amortization"])
    method = InterestMethod(r["interest"]["method"])
    rep = r["repayment"]
    frequency = Frequency(rep["frequency"])
    first_due = _first_due(ctx, doc, rep)
    _check_schedule_shape(ctx, doc, amortization, method, frequency, term, first_due)
    rnd = r["rounding"]
    pen = r["penalty"]
    allocation = _allocation(ctx, doc, r)
    pre = r.get("prepayment", {})
    cc = r.get("credit_check", {})
    wo = r.get("write_off", {})
    grace = r.get("grace", {})
    revolving = _revolving(ctx, doc, r)
    _check_kind_section(ctx, doc, kind, LoanKind.REVOLVING, revolving is not None)
    entrusted = _entrusted(r)
    _check_kind_section(ctx, doc, kind, LoanKind.ENTRUSTED, entrusted is not None)
    custom = build_fields(ctx, doc, r.get("custom_fields"), ["custom_fields"], envs.form_env)
    return ProductSpec(
        code=r["code"],
        kind=kind,
        label=label(r["label"]),
        description=opt_label(r.get("description")),
        region=r["region"],
        currency=r["currency"],
        valid_from=valid_from,
        valid_to=valid_to,
        amount=amount,
        term=term,
        interest=InterestSpec(rate, method, InterestPeriod(r["interest"]["period"])),
        amortization=amortization,
        repayment=RepaymentSpec(frequency, rep.get("every", 1), first_due),
        day_count=DayCount(r["day_count"]),
        grace=GraceSpec(
            grace.get("principal_periods", 0),
            grace.get("interest_payment_periods", 0),
            grace.get("interest_free_periods", 0),
        ),
        rounding=RoundingSpec(
            RoundingMode(rnd["mode"]), rnd["minor_unit"], opt_dec(rnd.get("installment_multiple"))
        ),
        fee_schedule=r["fee_schedule"],
        penalty=PenaltySpec(
            dec(pen["rate_per_day"]),
            PenaltyBase(pen["base"]),
            dec(pen["late_fee"]),
            pen["grace_days"],
            opt_dec(pen.get("cap_ratio")),
            GraceMode(pen.get("grace_mode", GraceMode.AFTER_GRACE.value)),
        ),
        allocation=allocation,
        prepayment=PrepaymentSpec(
            pre.get("allowed_after_periods", 0),
            PrepaymentEffect(pre.get("effect", "reduce_term")),
            SpreadFeesOnPayoff(
                pre.get("spread_fees_on_payoff", SpreadFeesOnPayoff.WAIVE.value)
            ),
        ),
        overpayment=OverpaymentPolicy(r.get("overpayment", "credit")),
        approval_chain=r["approval_chain"],
        scorecard=r.get("scorecard"),
        notifications=tuple(r.get("notifications", ())),
        custom_fields=custom,
        revolving=revolving,
        entrusted=entrusted,
        credit_check=CreditCheckSpec(
            cc.get("required", True), cc.get("reuse_days", 30), cc.get("consent_valid_days", 90)
        ),
        # absent keys keep WriteOffSpec's defaults (min_dpd 180, requires_approval true)
        write_off=WriteOffSpec(**{k: wo[k] for k in ("min_dpd", "requires_approval") if k in wo}),
        disbursement=_disbursement(ctx, doc, r, kind, amount),
    )
