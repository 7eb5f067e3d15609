"""Schema of ``compliance/<CODE>.yaml``: one region of COMPLIANCE.md §7.

Only what the engine types is constrained in detail; the rest (exposure limits,
reporting, disclosures, …) is a free mapping kept in ``RegionSpec.extra``."""

from __future__ import annotations

from lowlend.domain import conventions as cv

from .vocabulary import (
    BOOL,
    FREE,
    FREE_OBJ,
    POSINT,
    STR,
    Schema,
    arr,
    enum,
    enum_str,
    nullable,
    obj,
    ref,
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
    nullable_quiet = nullable(quiet)
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
            "cooling_off": nullable(FREE_OBJ),
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
