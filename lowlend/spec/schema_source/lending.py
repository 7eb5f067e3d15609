"""Schemas of the lending files: products, fee schedules, approval chains, scorecards."""

from __future__ import annotations

from lowlend.domain import conventions as cv

from ..model import Decision
from .vocabulary import (
    BOOL,
    INT,
    NNINT,
    NULLABLE_DATE,
    POSINT,
    Schema,
    arr,
    enum,
    enum_str,
    money_range,
    nullable,
    obj,
    ref,
)


def product() -> Schema:
    return obj(
        [
            "code",
            "kind",
            "label",
            "region",
            "currency",
            "valid_from",
            "amount",
            "term",
            "interest",
            "amortization",
            "repayment",
            "day_count",
            "rounding",
            "fee_schedule",
            "penalty",
            "approval_chain",
        ],
        {
            "code": ref("code"),
            "kind": enum(cv.LoanKind),
            "label": ref("label"),
            "description": ref("label"),
            "region": ref("region_code"),
            "currency": ref("currency"),
            "valid_from": ref("date"),
            "valid_to": NULLABLE_DATE,
            "amount": money_range(),
            "term": obj(["min", "max"], {"min": POSINT, "max": POSINT, "default": POSINT}),
            "interest": obj(
                ["annual_rate", "method", "period"],
                {
                    "annual_rate": money_range(),
                    "method": enum(cv.InterestMethod),
                    "period": enum(cv.InterestPeriod),
                },
            ),
            "amortization": enum(cv.Amortization),
            "repayment": obj(
                ["frequency"],
                {
                    "frequency": enum(cv.Frequency),
                    "every": POSINT,
                    "first_due": obj(
                        ["rule"],
                        {
                            "rule": enum(cv.FirstDueRule),
                            "day": {"type": "integer", "minimum": 1, "maximum": 28},
                            "days": POSINT,
                        },
                    ),
                },
            ),
            "day_count": enum(cv.DayCount),
            "grace": obj(
                [],
                {
                    "principal_periods": NNINT,
                    "interest_payment_periods": NNINT,
                    "interest_free_periods": NNINT,
                },
            ),
            "rounding": obj(
                ["mode", "minor_unit"],
                {
                    "mode": enum(cv.RoundingMode),
                    "minor_unit": {"type": "integer", "minimum": 0, "maximum": 4},
                    "installment_multiple": nullable(ref("money")),
                },
            ),
            "fee_schedule": ref("code"),
            "penalty": obj(
                ["rate_per_day", "base", "late_fee", "grace_days"],
                {
                    "rate_per_day": ref("rate"),
                    "base": enum(cv.PenaltyBase),
                    "late_fee": ref("money"),
                    "grace_days": NNINT,
                    "cap_ratio": nullable(ref("rate")),
                    # optional: after_grace (default) | from_due_date
                    "grace_mode": enum(cv.GraceMode),
                },
            ),
            "allocation": obj(
                ["order"],
                {
                    "order": arr(enum(cv.AllocationComponent), minItems=1, uniqueItems=True),
                    "buckets": arr(enum(cv.AllocationBucket), minItems=1, uniqueItems=True),
                },
            ),
            "prepayment": obj(
                [],
                {
                    "allowed_after_periods": NNINT,
                    "effect": enum(cv.PrepaymentEffect),
                    # optional: waive (default) | due
                    "spread_fees_on_payoff": enum(cv.SpreadFeesOnPayoff),
                },
            ),
            "overpayment": enum(cv.OverpaymentPolicy),
            "approval_chain": ref("code"),
            "scorecard": nullable(ref("code")),
            "credit_check": obj(
                [],
                {"required": BOOL, "reuse_days": NNINT, "consent_valid_days": POSINT},
            ),
            "notifications": arr(ref("code"), uniqueItems=True),
            "custom_fields": arr(ref("field")),
            "revolving": obj(
                ["credit_limit", "draw_min", "limit_term_months"],
                {
                    "credit_limit": money_range(default=False),
                    "draw_min": ref("money"),
                    "limit_term_months": POSINT,
                    "renewable": BOOL,
                },
            ),
            "entrusted": obj(
                ["agency_fee_rate"],
                {"agency_fee_rate": ref("rate"), "entrusting_party_required": BOOL},
            ),
            # optional: min_dpd 180, requires_approval true when absent
            "write_off": obj([], {"min_dpd": POSINT, "requires_approval": BOOL}),
            # optional: 分笔放款 — pay the approved principal out in up to max_count tranches
            "disbursement": obj(
                [],
                {
                    "tranches": obj(
                        ["max_count"],
                        {"max_count": {"type": "integer", "minimum": 2, "maximum": 100},
                         "min_amount": ref("money")},
                    ),
                },
            ),
        },
    )


def fee_schedule() -> Schema:
    tier = obj(
        ["when"],
        {
            "when": obj(
                [],
                {
                    "term_min": POSINT,
                    "term_max": POSINT,
                    "amount_min": ref("money"),
                    "amount_max": ref("money"),
                },
            ),
            "rate": ref("rate"),
            "amount": ref("money"),
        },
    )
    fee = obj(
        ["code", "label", "trigger", "calculation", "collection", "party"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "trigger": enum(cv.FeeTrigger),
            "calculation": enum(cv.FeeCalculation),
            "rate": ref("rate"),
            "amount": ref("money"),
            "min_amount": ref("money"),
            "max_amount": ref("money"),
            "collection": enum(cv.FeeCollection),
            "party": enum(cv.FeeParty),
            "tiers": arr(tier),
        },
    )
    return obj(
        ["code", "label", "currency", "fees"],
        {"code": ref("code"), "label": ref("label"), "currency": ref("currency"), "fees": arr(fee)},
    )


def approval_chain() -> Schema:
    step = obj(
        ["code", "label", "role"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "role": ref("code"),
            "amount_min": ref("money"),
            "amount_max": ref("money"),
            "condition": ref("expression"),
            "sla_hours": POSINT,
            "approvers": POSINT,
            "stage": ref("code"),
            "users": arr(ref("code"), uniqueItems=True),
            "escalate_to": ref("code"),
        },
    )
    dispatch = obj(
        [],
        {
            "strategy": enum_str("least_loaded", "round_robin"),
            "same_region": enum_str("required", "preferred", "ignore"),
            "require_skill": BOOL,
            "department": enum_str("same", "tree", "any"),
            "max_open": POSINT,
        },
    )
    return obj(
        ["code", "label", "currency", "steps"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "currency": ref("currency"),
            "distinct_approvers": BOOL,
            "dispatch": dispatch,
            "steps": arr(step, minItems=1),
        },
    )


def scorecard() -> Schema:
    bin_ = obj(
        ["when", "points"], {"when": ref("expression"), "points": INT, "label": ref("label")}
    )
    char = obj(
        ["code", "label", "bins"],
        {"code": ref("code"), "label": ref("label"), "bins": arr(bin_, minItems=1)},
    )
    knockout = obj(
        ["code", "label", "when", "decision"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "when": ref("expression"),
            "decision": enum(Decision),
        },
    )
    return obj(
        ["code", "label", "characteristics", "cutoffs"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "base_points": INT,
            "characteristics": arr(char, minItems=1),
            "cutoffs": obj(["approve_min", "refer_min"], {"approve_min": INT, "refer_min": INT}),
            "knockouts": arr(knockout),
        },
    )
