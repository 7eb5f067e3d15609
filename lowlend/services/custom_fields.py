"""Server-side validation of config-declared fields (entity fields, product custom fields).

Pure: imports only the standard library and :mod:`lowlend.spec`. The web form,
the REST API and importers all call :func:`validate_record`, so every rule shown
in a form is re-checked on the server (ARCHITECTURE.md rule 9).

What is checked, per :class:`~lowlend.spec.model.FieldSpec` (parsing by kind and the
message vocabulary live in :mod:`lowlend.services.field_values`):

* type (``int``, ``money`` → ``Decimal`` with 2 places, ``rate`` → ``Decimal`` with
  6 places, ``date``/``datetime`` ISO, ``bool``, ``enum`` code of the field's
  dictionary, ``enum_list`` list of such codes (repeats dropped),
  ``reference`` → integer id, ``child_table`` → list of rows checked
  against ``columns``, ``json`` → object/list, ``file`` → list of attachment objects
  ``{"id": ...}`` from ids or objects with an ``id``; that the ids exist and may be
  used is checked by the web layer, :mod:`lowlend.web.attachments`);
* ``required`` and ``required_if`` (CEL), ``min``/``max``, ``max_length``, ``pattern``;
* ``format`` of text fields (``resident_id``, ``uscc``, ``bank_card``, ``id_number`` by
  the record's ``id_type``; :func:`~lowlend.services.field_values.check_format`): a
  valid number is replaced by its canonical form before the other checks;
* ``visible_if`` (CEL): a hidden field's value is **dropped** (``None``) and it
  raises no error.

Expressions see plain values only (money in minor units, rates in basis points,
dates as ISO strings — see :mod:`lowlend.spec.expressions`); a missing value is
given its type's zero (``0``, ``False``, ``""``, ``[]``, ``{}``) so that
``record.second_charge`` is simply false while unset. An expression that fails to
evaluate makes the field visible and not conditionally required (fail open on
the form, the record stays complete).

Messages are :class:`FieldMessage` objects: a stable ``code`` plus ``params``;
``str()`` gives the English text, :data:`MESSAGE_TEXTS` the msgids the web layer
translates (``gettext(MESSAGE_TEXTS[code]) % params``).

>>> from lowlend.spec.model import FieldKind, FieldSpec, Label
>>> f = FieldSpec("amount", FieldKind.MONEY, Label("金额", "Amount"), required=True, min=Decimal("1"))
>>> r = validate_record([f], {"amount": "0.5"})
>>> {k: [m.code for m in v] for k, v in r.errors.items()}
{'amount': ['min']}
>>> validate_record([f], {"amount": "1,234.5"}).values
{'amount': Decimal('1234.50')}
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lowlend.services.field_values import (
    MESSAGE_TEXTS,
    FieldMessage,
    InvalidValue,
    check_format,
    coerce,
    coerce_value,
    is_blank,
)
from lowlend.spec.envs import entity_env, form_env
from lowlend.spec.expressions import (
    CompiledExpression,
    ExpressionError,
    compile_expression,
    to_basis_points,
    to_minor_units,
)
from lowlend.spec.model import DictionarySpec, FieldKind, FieldSpec

__all__ = [
    "MESSAGE_TEXTS",
    "FieldMessage",
    "ValidationResult",
    "coerce_value",
    "expression_values",
    "is_blank",
    "validate_application_custom",
    "validate_record",
]

@dataclass
class ValidationResult:
    """``values``: typed values of the visible fields (hidden ones are ``None``).

    ``required``: visible fields that are required now (``required`` or a true
    ``required_if``) — what a form shows with a required marker.
    """

    values: dict[str, Any]
    errors: dict[str, list[FieldMessage]]
    hidden: set[str]
    required: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self, translate: Any = None, locale: str | None = None) -> dict[str, list[str]]:
        """Errors as texts (the REST ``errors`` object), see :meth:`FieldMessage.text`."""
        return {k: [m.text(translate, locale) for m in v] for k, v in self.errors.items()}


def _range_checks(spec: FieldSpec, value: Any) -> list[FieldMessage]:
    out: list[FieldMessage] = []
    if value is None:
        return out
    if spec.kind in (FieldKind.INT, FieldKind.MONEY, FieldKind.RATE):
        if spec.min is not None and Decimal(value) < spec.min:
            out.append(FieldMessage("min", {"min": spec.min}))
        if spec.max is not None and Decimal(value) > spec.max:
            out.append(FieldMessage("max", {"max": spec.max}))
    if isinstance(value, str):
        if spec.max_length is not None and len(value) > spec.max_length:
            out.append(FieldMessage("max_length", {"max_length": spec.max_length}))
        if spec.pattern and spec.kind is FieldKind.TEXT and re.search(spec.pattern, value) is None:
            out.append(FieldMessage("pattern", {"pattern": spec.pattern}))
    return out


# -- expressions ----------------------------------------------------------------------


def _zero(kind: FieldKind) -> Any:
    if kind in (FieldKind.INT, FieldKind.MONEY, FieldKind.RATE):
        return 0
    if kind is FieldKind.BOOL:
        return False
    if kind in (FieldKind.CHILD_TABLE, FieldKind.FILE, FieldKind.ENUM_LIST):
        return []
    if kind is FieldKind.JSON:
        return {}
    return ""


def _plain(kind: FieldKind, value: Any) -> Any:
    if value is None:
        return _zero(kind)
    if kind is FieldKind.MONEY:
        return to_minor_units(Decimal(value))
    if kind is FieldKind.RATE:
        return to_basis_points(Decimal(value))
    if kind in (FieldKind.DATE, FieldKind.DATETIME):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if kind is FieldKind.JSON:
        return value if isinstance(value, dict) else {}
    if kind is FieldKind.CHILD_TABLE:
        return [json.loads(json.dumps(row, default=str)) for row in value]
    if kind is FieldKind.FILE:
        return [json.loads(json.dumps(item, default=str)) for item in value]
    if kind is FieldKind.ENUM_LIST:
        return list(value)
    if kind is FieldKind.INT or kind is FieldKind.REFERENCE:
        return int(value)
    return value


def expression_values(fields: Iterable[FieldSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain expression values of every declared field (missing → type zero)."""
    return {f.code: _plain(f.kind, values.get(f.code)) for f in fields}


def _evaluate(expr: CompiledExpression | None, data: Mapping[str, Any], default: bool) -> bool:
    if expr is None:
        return default
    try:
        return bool(expr.evaluate(data))
    except (ExpressionError, TypeError):
        return default


def _validate(
    fields: Sequence[FieldSpec],
    values: Mapping[str, Any],
    dictionaries: Mapping[str, DictionarySpec] | None,
    compile_env: Any,
    make_data: Any,
    partial: bool,
    reject_unknown: bool,
) -> ValidationResult:
    dictionaries = dictionaries or {}
    typed: dict[str, Any] = {}
    errors: dict[str, list[FieldMessage]] = {}
    known = {f.code for f in fields}
    if reject_unknown:
        for key in values:
            if key not in known:
                errors.setdefault(str(key), []).append(FieldMessage("unknown_field"))
    for spec in fields:
        if partial and spec.code not in values:
            continue
        try:
            typed[spec.code] = coerce(spec, values.get(spec.code), dictionaries)
        except InvalidValue as exc:
            typed[spec.code] = None
            errors.setdefault(spec.code, []).append(exc.message)
    data = make_data(expression_values(fields, typed))
    env = compile_env(fields)
    hidden: set[str] = set()
    required_now: set[str] = set()
    for spec in fields:
        if partial and spec.code not in values:
            continue
        visible = _evaluate(_compiled(spec.visible_if, env), data, True)
        if not visible:
            hidden.add(spec.code)
            typed[spec.code] = None
            errors.pop(spec.code, None)
            continue
        required = spec.required or _evaluate(_compiled(spec.required_if, env), data, False)
        if required:
            required_now.add(spec.code)
        if spec.code in errors:
            continue
        value = typed[spec.code]
        if required and (is_blank(value) if spec.kind is not FieldKind.BOOL else value is None):
            errors.setdefault(spec.code, []).append(FieldMessage("required"))
            continue
        if spec.format is not None:
            try:
                value = typed[spec.code] = check_format(spec, value, typed)
            except InvalidValue as exc:
                errors[spec.code] = [exc.message]
                continue
        found = _range_checks(spec, value)
        if spec.kind is FieldKind.CHILD_TABLE and value:
            found.extend(_row_checks(spec, value, dictionaries))
            if not found:
                typed[spec.code] = [_typed_row(spec, row, dictionaries) for row in value]
        if found:
            errors[spec.code] = found
    return ValidationResult(typed, errors, hidden, required_now)


def _row_checks(
    spec: FieldSpec, rows: list[dict[str, Any]], dictionaries: Mapping[str, DictionarySpec]
) -> list[FieldMessage]:
    out: list[FieldMessage] = []
    for index, row in enumerate(rows, start=1):
        for column in spec.columns:
            try:
                value = coerce(column, row.get(column.code), dictionaries)
            except InvalidValue as exc:
                out.append(
                    FieldMessage(
                        "row", {"row": index, "column": column.code, "message": exc.message}
                    )
                )
                continue
            problems = []
            if column.required and is_blank(value):
                problems.append(FieldMessage("required"))
            problems.extend(_range_checks(column, value))
            out.extend(
                FieldMessage("row", {"row": index, "column": column.code, "message": p})
                for p in problems
            )
    return out


def _typed_row(
    spec: FieldSpec, row: Mapping[str, Any], dictionaries: Mapping[str, DictionarySpec]
) -> dict[str, Any]:
    out = dict(row)
    for column in spec.columns:
        value = coerce(column, row.get(column.code), dictionaries)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        out[column.code] = value
    return out


def _compiled(source: str | None, env: Any) -> CompiledExpression | None:
    if not source:
        return None
    try:
        return compile_expression(source, env)
    except ExpressionError:
        return None


def validate_record(
    fields: Sequence[FieldSpec],
    values: Mapping[str, Any],
    dictionaries: Mapping[str, DictionarySpec] | None = None,
    *,
    customer: Mapping[str, Any] | None = None,
    partial: bool = False,
    reject_unknown: bool = False,
) -> ValidationResult:
    """Validate a config-entity record (rules see ``record.<field>`` and ``customer``).

    :param partial: only check the keys present in ``values`` (PATCH-like updates).
    :param reject_unknown: report keys that are not declared fields.
    """
    return _validate(
        fields,
        values,
        dictionaries,
        entity_env,
        lambda plain: {"record": plain, "customer": dict(customer or {})},
        partial,
        reject_unknown,
    )


def validate_application_custom(
    fields: Sequence[FieldSpec],
    custom: Mapping[str, Any],
    dictionaries: Mapping[str, DictionarySpec] | None = None,
    *,
    application: Mapping[str, Any] | None = None,
    customer: Mapping[str, Any] | None = None,
    reject_unknown: bool = False,
) -> ValidationResult:
    """Validate a product's custom fields (rules see ``application.custom.<field>``).

    ``application`` gives the plain standard values (``amount`` in minor units,
    ``term``, ``annual_rate`` in basis points, ``product``, ``region``, ``currency``).
    """
    base = {
        "amount": 0,
        "term": 0,
        "annual_rate": 0,
        "product": "",
        "region": "",
        "currency": "",
    }
    base.update(dict(application or {}))

    def make(plain: dict[str, Any]) -> dict[str, Any]:
        return {"application": {**base, "custom": plain}, "customer": dict(customer or {})}

    return _validate(fields, custom, dictionaries, form_env, make, False, reject_unknown)
