"""Custom fields (products' ``custom_fields``, entities' ``fields``) → :class:`FieldSpec`.

A field's own rules are checked here (``min``/``max`` only on numbers, an enum or
enum_list needs a dictionary, a child table needs columns of plain kinds,
``visible_if``/``required_if`` compile);
its dictionary, entity and personal-data references are checked in
:func:`lowlend.spec.checks.references.check_field_refs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..context import Ctx, Doc
from ..expressions import ExpressionEnv
from ..model import FieldFormat, FieldKind, FieldSpec
from .values import freeze, label, opt_dec, opt_label

__all__ = ["build_fields"]


#: kinds a child-table column may have (one cell = one plain value)
COLUMN_KINDS = (
    FieldKind.TEXT,
    FieldKind.INT,
    FieldKind.MONEY,
    FieldKind.RATE,
    FieldKind.DATE,
    FieldKind.DATETIME,
    FieldKind.BOOL,
    FieldKind.ENUM,
)

def _field(ctx: Ctx, doc: Doc, raw: Any, path: list[str | int]) -> FieldSpec:
    kind = FieldKind(raw["kind"])
    lo, hi = opt_dec(raw.get("min")), opt_dec(raw.get("max"))
    numeric = kind in (FieldKind.INT, FieldKind.MONEY, FieldKind.RATE)
    for key in ("min", "max"):
        if key in raw and not numeric:
            ctx.error(doc, [*path, key], f"{key} applies to int, money and rate fields only")
    ctx.check_range(doc, path, lo, hi)
    if "max_length" in raw and kind is not FieldKind.TEXT:
        ctx.error(doc, [*path, "max_length"], "max_length applies to text fields only")
    if "pattern" in raw:
        try:
            re.compile(str(raw["pattern"]))
        except re.error as exc:
            ctx.error(doc, [*path, "pattern"], f"invalid regular expression: {exc}")
    if "format" in raw and kind is not FieldKind.TEXT:
        ctx.error(doc, [*path, "format"], "format applies to text fields only")
    if kind in (FieldKind.ENUM, FieldKind.ENUM_LIST) and "dictionary" not in raw:
        ctx.error(doc, path, f"an {kind.value} field needs a 'dictionary'")
    if kind is FieldKind.REFERENCE and "reference" not in raw:
        ctx.error(doc, path, "a reference field needs 'reference' (an entity code)")
    if kind is FieldKind.CHILD_TABLE and not raw.get("columns"):
        ctx.error(doc, path, "a child_table field needs 'columns'")
    columns = tuple(
        _field(ctx, doc, col, [*path, "columns", i]) for i, col in enumerate(raw.get("columns", ()))
    )
    for i, column in enumerate(columns):
        if column.format is not None:
            ctx.error(doc, [*path, "columns", i, "format"], "format applies to fields, not columns")
        if column.kind not in COLUMN_KINDS:
            ctx.error(
                doc,
                [*path, "columns", i, "kind"],
                f"a child-table column cannot be {column.kind.value}: use one of "
                + ", ".join(k.value for k in COLUMN_KINDS),
            )
    ctx.unique(doc, raw.get("columns"), [*path, "columns"])
    return FieldSpec(
        code=raw["code"],
        kind=kind,
        label=label(raw["label"]),
        required=bool(raw.get("required", False)),
        required_if=raw.get("required_if"),
        visible_if=raw.get("visible_if"),
        min=lo,
        max=hi,
        max_length=raw.get("max_length"),
        pattern=raw.get("pattern"),
        dictionary=raw.get("dictionary"),
        reference=raw.get("reference"),
        columns=columns,
        section=raw.get("section"),
        order=int(raw.get("order", 0)),
        help=opt_label(raw.get("help")),
        pii=raw.get("pii"),
        default=freeze(raw.get("default")),
        format=FieldFormat(raw["format"]) if raw.get("format") else None,
    )


def build_fields(
    ctx: Ctx, doc: Doc, raw_list: Any, path: list[str | int], env_of: Callable[..., ExpressionEnv]
) -> tuple[FieldSpec, ...]:
    """Build a list of fields; their expressions are compiled in ``env_of(fields)``."""
    fields = tuple(_field(ctx, doc, raw, [*path, i]) for i, raw in enumerate(raw_list or ()))
    ctx.unique(doc, raw_list, path)
    codes = {f.code for f in fields}
    for i, spec in enumerate(fields):
        if spec.format is FieldFormat.ID_NUMBER and "id_type" not in codes:
            ctx.error(doc, [*path, i, "format"], "format id_number needs an 'id_type' field")
    env = env_of(fields)
    for i, spec in enumerate(fields):
        ctx.expr(doc, [*path, i, "visible_if"], spec.visible_if, env)
        ctx.expr(doc, [*path, i, "required_if"], spec.required_if, env)
    return fields
