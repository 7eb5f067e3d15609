"""Structural validation: a document against ``schemas/<kind>.schema.json``.

The schemas (JSON Schema draft 2020-12) are generated from
:mod:`lowlend.spec.schema_source`.  :func:`check_structure` turns the validator's
errors into messages for people who edit YAML: unknown keys list the allowed ones,
a number where money or a rate is expected says "quote it", and so on.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema

from ..context import Ctx, Doc
from ..standard_names import LOCALES

__all__ = ["check_structure"]


@functools.cache
def _validator(kind: str) -> Any:
    text = (
        resources.files("lowlend.spec")
        .joinpath(f"schemas/{kind}.schema.json")
        .read_text(encoding="utf-8")
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def _is_decimal_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("title") == "decimal string"


def check_structure(ctx: Ctx, doc: Doc) -> None:
    """Report every schema error of ``doc``; clear ``doc.ok`` when there is one."""
    validator = _validator(doc.kind)
    for err in validator.iter_errors(doc.data):
        path: list[str | int] = list(err.absolute_path)
        instance = err.instance
        if err.validator == "additionalProperties" and isinstance(instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for key in instance:
                if key not in allowed:
                    hint = ", ".join(sorted(allowed))
                    ctx.error(doc, [*path, key], f"unknown key {key!r} (allowed: {hint})")
            continue
        is_float = isinstance(instance, float) or (
            isinstance(instance, int) and not isinstance(instance, bool)
        )
        decimal_expected = (err.validator == "type" and _is_decimal_schema(err.schema)) or (
            err.validator == "anyOf"
            and any(_is_decimal_schema(sub.schema) for sub in (err.context or ()))
        )
        if is_float and decimal_expected:
            ctx.error(
                doc,
                path,
                f"number {instance!r} is not allowed for money or rates (floats lose cents): "
                f'quote it as a decimal string, e.g. "{instance}"',
            )
            continue
        if err.validator == "required" and err.schema.get("title") == "label":
            missing = [loc for loc in LOCALES if loc not in instance]
            ctx.error(doc, path, f"label is missing the {', '.join(map(repr, missing))} text")
            continue
        if err.validator == "enum":
            allowed_values = ", ".join(str(v) for v in err.validator_value)
            ctx.error(doc, path, f"unknown value {instance!r} (expected one of: {allowed_values})")
            continue
        if err.validator == "pattern" and _is_decimal_schema(err.schema):
            ctx.error(doc, path, f"{instance!r} is not a decimal number string")
            continue
        if err.validator == "pattern" and err.schema.get("title") == "date":
            ctx.error(doc, path, f"{instance!r} is not a date (YYYY-MM-DD)")
            continue
        ctx.error(doc, path, err.message)
    # every reported structural error makes building this document unsafe
    if any(e.file == doc.display for e in ctx.errors):
        doc.ok = False
