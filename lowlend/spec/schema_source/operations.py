"""Schemas of the operations files: ``eod.yaml``, ``collections.yaml``, ``early_warning.yaml``."""

from __future__ import annotations

from lowlend.domain import conventions as cv

from .vocabulary import BOOL, FREE_OBJ, NNINT, POSINT, Schema, arr, enum, nullable, obj, ref


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
            "dpd_max": nullable(POSINT),
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
