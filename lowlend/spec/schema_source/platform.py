"""Schemas of the platform files: entities, roles, menus, dictionaries, notification templates."""

from __future__ import annotations

from lowlend.domain import conventions as cv

from .vocabulary import BOOL, STR, Schema, arr, enum, enum_str, obj, ref


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
    "draw",
    "reverse",
    "write_off",
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
