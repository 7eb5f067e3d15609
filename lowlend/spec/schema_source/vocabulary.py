"""Building blocks of the schemas: shared ``$defs``, constructors, scalar schemas, fields.

Every kind's schema is built from these; ``$defs`` (:data:`DEFS` plus :data:`FIELD`)
are added to each generated file by :func:`lowlend.spec.schema_source.build_schemas`.

>>> obj(["code"], {"code": ref("code"), "until": nullable(ref("date"))})["properties"]["until"]
{'anyOf': [{'$ref': '#/$defs/date'}, {'type': 'null'}]}
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ..model import FieldFormat, FieldKind

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


def enum_str(*values: str) -> Schema:
    return {"enum": list(values)}


def nullable(schema: Schema) -> Schema:
    """``schema`` or ``null``."""
    return {"anyOf": [schema, {"type": "null"}]}


INT = {"type": "integer"}
NNINT = {"type": "integer", "minimum": 0}
POSINT = {"type": "integer", "minimum": 1}
BOOL = {"type": "boolean"}
STR = {"type": "string"}
NULLABLE_DATE = nullable(ref("date"))
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
        "format": enum(FieldFormat),
    },
)
