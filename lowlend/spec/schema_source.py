"""Source of the JSON Schemas shipped in ``lowlend/spec/schemas/<kind>.schema.json``.

The JSON files are what the loader validates with (and what editors use); they are
generated from this module: ``python -m lowlend.spec.schema_source`` rewrites them,
and a test checks that they are up to date.

>>> sorted(build_schemas())[:3]
['approval_chain', 'collections', 'compliance']
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

from lowlend.domain import conventions as cv

from .model import Decision, FieldKind

Schema = dict[str, Any]

CODE = r"^[a-z][a-z0-9_]*$"
REGION_CODE = r"^[A-Z]{2}(-[A-Z0-9]{2,4})?$"
DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

DEFS: Schema = {
    "code": {"type": "string", "pattern": CODE},
    "region_code": {"type": "string", "pattern": REGION_CODE},
    "money": {"title": "decimal string", "type": "string", "pattern": DECIMAL},
    "rate": {"title": "decimal string", "type": "string", "pattern": DECIMAL},
    "date": {"title": "date", "type": "string", "pattern": DATE},
    "expression": {"title": "expression", "type": "string", "minLength": 1},
    "label": {
        "title": "label",
        "type": "object",
        "required": ["zh_CN", "en"],
        "properties": {
            "zh_CN": {"type": "string", "minLength": 1},
            "en": {"type": "string", "minLength": 1},
        },
        "additionalProperties": False,
    },
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "hhmm": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def enum(e: type[Enum]) -> Schema:
    return {"enum": [m.value for m in e]}


def obj(required: list[str], props: Schema, **extra: Any) -> Schema:
    out: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    out.update(extra)
    return out


def arr(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


INT = {"type": "integer"}
NNINT = {"type": "integer", "minimum": 0}
POSINT = {"type": "integer", "minimum": 1}
BOOL = {"type": "boolean"}
STR = {"type": "string"}
NULLABLE_DATE = {"anyOf": [ref("date"), {"type": "null"}]}
FREE_OBJ: Schema = {"type": "object"}
FREE: Schema = {}


def money_range(default: bool = True) -> Schema:
    props = {"min": ref("money"), "max": ref("money")}
    if default:
        props["default"] = ref("money")
    return obj(["min", "max"], props)


FIELD: Schema = obj(
    ["code", "kind", "label"],
    {
        "code": ref("code"),
        "kind": enum(FieldKind),
        "label": ref("label"),
        "required": BOOL,
        "required_if": ref("expression"),
        "visible_if": ref("expression"),
        "min": ref("money"),
        "max": ref("money"),
        "max_length": POSINT,
        "pattern": STR,
        "dictionary": ref("code"),
        "reference": ref("code"),
        "columns": arr({"$ref": "#/$defs/field"}),
        "section": ref("code"),
        "order": INT,
        "help": ref("label"),
        "pii": ref("code"),
        "default": FREE,
    },
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
                    "installment_multiple": {"anyOf": [ref("money"), {"type": "null"}]},
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
                    "cap_ratio": {"anyOf": [ref("rate"), {"type": "null"}]},
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
                {"allowed_after_periods": NNINT, "effect": enum(cv.PrepaymentEffect)},
            ),
            "overpayment": enum(cv.OverpaymentPolicy),
            "approval_chain": ref("code"),
            "scorecard": {"anyOf": [ref("code"), {"type": "null"}]},
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
        },
    )
    return obj(
        ["code", "label", "currency", "steps"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "currency": ref("currency"),
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


def compliance() -> Schema:
    action = enum(cv.ComplianceAction)
    cap = obj(
        ["id"],
        {
            "id": STR,
            "measure": STR,
            "metric": STR,
            "max": ref("rate"),
            "max_expr": STR,
            "applies_to": STR,
            "applies_to_licence": arr(STR),
            "applies_if": FREE_OBJ,
            "action": action,
            "action_before": obj(["until", "action"], {"until": ref("date"), "action": action}),
            "action_after": obj(["from", "action"], {"from": ref("date"), "action": action}),
            "effective_from": ref("date"),
            "effective_to": ref("date"),
            "status": enum_str("in_force", "guidance", "self_regulation", "proposed"),
            "confidence": enum_str("P", "S", "?"),
            "source": STR,
            "note": STR,
            "consequence": STR,
            "compounding": BOOL,
            "include": arr(STR),
            "monthly_rate_tiers": arr(FREE_OBJ),
        },
    )
    quiet = obj(
        ["start", "end"],
        {
            "start": ref("hhmm"),
            "end": ref("hhmm"),
            "tz": STR,
            "waivable_by_consent": BOOL,
            "status": STR,
            "source": STR,
        },
    )
    nullable_quiet = {"anyOf": [quiet, {"type": "null"}]}
    series_point = obj(
        ["effective_from", "value"], {"effective_from": ref("date"), "value": ref("rate")}
    )
    return obj(
        ["code", "label"],
        {
            "schema_version": {"const": 1},
            "code": ref("region_code"),
            "label": ref("label"),
            "inherits": ref("region_code"),
            "source": STR,
            "confidence": STR,
            "currency": ref("currency"),
            "timezone": STR,
            "licence_types": arr(STR),
            "geography": FREE_OBJ,
            "reference_rates": {
                "type": "object",
                "additionalProperties": obj(
                    ["unit", "series"],
                    {"unit": STR, "series": arr(series_point), "refresh": STR, "lookup": STR},
                ),
            },
            "measures": {"type": "object", "additionalProperties": FREE_OBJ},
            "product_scope_test": FREE_OBJ,
            "rate_caps": arr(cap),
            "fee_rules": FREE_OBJ,
            "exposure_limits": arr(FREE_OBJ),
            "entity_limits": FREE_OBJ,
            "loan_purpose_forbidden": arr(STR),
            "limits": FREE_OBJ,
            "term_limits": arr(FREE_OBJ),
            "cooling_off": {"anyOf": [FREE_OBJ, {"type": "null"}]},
            "disclosures": arr(FREE),
            "obligations": arr(STR),
            "forbidden": arr(STR),
            "proposed": arr(FREE_OBJ),
            "collections": obj(
                [],
                {
                    "quiet_hours": nullable_quiet,
                    "policy_default_quiet_hours": nullable_quiet,
                    "max_unanswered_call_attempts_per_contact_per_day": POSINT,
                    "call_attempts_max": FREE_OBJ,
                    "third_party_contact": FREE_OBJ,
                    "prohibited_conduct": arr(STR),
                    "call_recording_required": BOOL,
                    "field_visit_min_staff": POSINT,
                    "agencies": FREE_OBJ,
                    "referees_not_liable": BOOL,
                    "no_collection_from_referees_or_family": BOOL,
                    "no_third_party_disclosure": BOOL,
                    "applies_to_first_party": BOOL,
                },
            ),
            "data_protection": obj(
                [],
                {
                    "law": arr(STR),
                    "fields": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {"mask": STR, "encrypt_at_rest": BOOL},
                        },
                    },
                    "separate_consent_required_for": arr(STR),
                    "retention": FREE_OBJ,
                    "automated_decision": FREE_OBJ,
                },
            ),
            "reporting": arr(FREE_OBJ),
            "overlays": arr(obj(["when", "region"], {"when": STR, "region": ref("region_code")})),
        },
    )


def enum_str(*values: str) -> Schema:
    return {"enum": list(values)}


def entity() -> Schema:
    return obj(
        ["code", "label", "table", "fields"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "table": {"type": "string", "pattern": "^x_[a-z][a-z0-9_]*$"},
            "parent": ref("code"),
            "fields": arr(ref("field"), minItems=1),
            "list_columns": arr(ref("code")),
            "search_columns": arr(ref("code")),
            "sections": arr(obj(["code", "label"], {"code": ref("code"), "label": ref("label")})),
            "data_scope": obj(["owner_field"], {"owner_field": ref("code")}),
            "menu_category": ref("code"),
        },
    )


def roles() -> Schema:
    actions = arr(enum_str(*ACTIONS), uniqueItems=True)
    role = obj(
        ["code", "label"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "menus": arr(STR, uniqueItems=True),
            "permissions": {"type": "object", "additionalProperties": actions},
            "data_scope": {"type": "object", "additionalProperties": enum(cv.DataScope)},
        },
    )
    return obj(["roles"], {"roles": arr(role, minItems=1)})


ACTIONS = (
    "*",
    "list",
    "show",
    "add",
    "edit",
    "delete",
    "approve",
    "export",
    "import",
    "view_pii",
    "disburse",
    "reverse",
    "assign",
    "publish",
    "run",
)


def menus() -> Schema:
    item = obj(
        ["code", "label", "view"],
        {"code": ref("code"), "label": ref("label"), "view": ref("code"), "icon": STR},
    )
    category = obj(
        ["code", "label", "items"],
        {"code": ref("code"), "label": ref("label"), "icon": STR, "items": arr(item, minItems=1)},
    )
    return obj(["categories"], {"categories": arr(category, minItems=1)})


def dictionaries() -> Schema:
    item = obj(
        ["code", "label"],
        {"code": {"type": "string", "minLength": 1}, "label": ref("label"), "active": BOOL},
    )
    dictionary = obj(
        ["code", "label", "items"],
        {"code": ref("code"), "label": ref("label"), "items": arr(item, minItems=1)},
    )
    return obj(["dictionaries"], {"dictionaries": arr(dictionary, minItems=1)})


def eod() -> Schema:
    step = obj(
        ["code"],
        {"code": enum(cv.EodStepCode), "label": ref("label"), "enabled": BOOL, "params": FREE_OBJ},
    )
    return obj(["steps"], {"partition_size": POSINT, "steps": arr(step, minItems=1)})


def collections() -> Schema:
    level = obj(
        ["level", "code", "label", "dpd_min", "actions"],
        {
            "level": {"type": "integer", "minimum": 1, "maximum": 3},
            "code": ref("code"),
            "label": ref("label"),
            "dpd_min": POSINT,
            "dpd_max": {"anyOf": [POSINT, {"type": "null"}]},
            "actions": arr(ref("code"), minItems=1),
            "assign_role": ref("code"),
            "notification": ref("code"),
        },
    )
    return obj(
        ["levels"],
        {
            "levels": arr(level, minItems=1),
            "reminders": obj(
                [], {"before_due_days": arr(NNINT), "after_overdue_days": arr(POSINT)}
            ),
            "dispatch": FREE_OBJ,
        },
    )


def early_warning() -> Schema:
    indicator = obj(
        ["code", "label", "when", "severity"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "when": ref("expression"),
            "severity": enum(cv.Severity),
            "action": ref("code"),
        },
    )
    return obj(["indicators"], {"indicators": arr(indicator, minItems=1)})


def template_meta() -> Schema:
    variable = obj(
        ["code", "label", "type"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "type": enum_str("text", "int", "money", "rate", "date", "datetime", "bool"),
        },
    )
    return obj(
        ["code", "label", "channels", "variables"],
        {
            "code": ref("code"),
            "label": ref("label"),
            "channels": arr(
                enum_str("sms", "email", "in_app", "wechat"), minItems=1, uniqueItems=True
            ),
            "variables": arr(variable),
        },
    )


KINDS = {
    "product": product,
    "fee_schedule": fee_schedule,
    "approval_chain": approval_chain,
    "scorecard": scorecard,
    "compliance": compliance,
    "entity": entity,
    "roles": roles,
    "menus": menus,
    "dictionaries": dictionaries,
    "eod": eod,
    "collections": collections,
    "early_warning": early_warning,
    "template_meta": template_meta,
}


def build_schemas() -> dict[str, Schema]:
    """Every kind's JSON Schema (draft 2020-12)."""
    out: dict[str, Schema] = {}
    for kind, make in KINDS.items():
        schema = make()
        defs = dict(DEFS)
        defs["field"] = FIELD
        out[kind] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://lowlend.example/schemas/{kind}.schema.json",
            "title": f"lowlend {kind} configuration",
            **schema,
            "$defs": defs,
        }
    return out


def write_schemas(directory: Path) -> None:
    """(Re)write ``<kind>.schema.json`` files in ``directory``."""
    for kind, schema in build_schemas().items():
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        (directory / f"{kind}.schema.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_schemas(Path(__file__).with_name("schemas"))
