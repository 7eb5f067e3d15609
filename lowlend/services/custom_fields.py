"""Server-side validation of config-declared fields (entity fields, product custom fields).

Pure: imports only the standard library and :mod:`lowlend.spec`. The web form,
the REST API and importers all call :func:`validate_record`, so every rule shown
in a form is re-checked on the server (ARCHITECTURE.md rule 9).

What is checked, per :class:`~lowlend.spec.model.FieldSpec`:

* type (``int``, ``money`` → ``Decimal`` with 2 places, ``rate`` → ``Decimal`` with
  6 places, ``date``/``datetime`` ISO, ``bool``, ``enum`` code of the field's
  dictionary, ``enum_list`` list of such codes (repeats dropped),
  ``reference`` → integer id, ``child_table`` → list of rows checked
  against ``columns``, ``json`` → object/list, ``file`` → list of attachment objects
  ``{"id": ...}`` from ids or objects with an ``id``; that the ids exist and may be
  used is checked by the web layer, :mod:`lowlend.web.attachments`);
* ``required`` and ``required_if`` (CEL), ``min``/``max``, ``max_length``, ``pattern``;
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
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

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

MONEY_PLACES = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")

#: message code → English msgid (translated by the web layer)
MESSAGE_TEXTS: Mapping[str, str] = {
    "required": "This field is required.",
    "invalid_int": "Not a valid whole number.",
    "invalid_decimal": "Not a valid number.",
    "invalid_date": "Not a valid date (YYYY-MM-DD).",
    "invalid_datetime": "Not a valid date and time.",
    "invalid_bool": "Not a valid yes/no value.",
    "invalid_choice": "Not a valid choice.",
    "invalid_reference": "Not a valid record id.",
    "invalid_json": "Not valid JSON.",
    "invalid_rows": "Must be a list of rows.",
    "invalid_text": "Must be text.",
    "min": "Must be at least %(min)s.",
    "max": "Must be at most %(max)s.",
    "max_length": "Must be at most %(max_length)s characters long.",
    "pattern": "Has the wrong format.",
    "row": "Row %(row)s, %(column)s: %(message)s",
    "unknown_field": "Unknown field.",
    "read_only": "This field cannot be changed.",
    "invalid_files": "Must be a list of attachment ids.",
    "unknown_attachment": "Unknown attachment %(id)s.",
    "file_empty": "%(name)s is empty.",
    "file_too_large": "%(name)s is larger than %(max)s.",
    "file_type": "%(name)s: this file type is not allowed (allowed: %(allowed)s).",
    "file_content": "%(name)s: the content does not match the file type.",
}


@dataclass(frozen=True, slots=True)
class FieldMessage:
    """One validation message: a stable code plus its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, translate: Any = None) -> str:
        """The message text; ``translate`` maps a msgid to its translation."""
        template = MESSAGE_TEXTS.get(self.code, self.code)
        if translate is not None:
            template = str(translate(template))
        params = dict(self.params)
        if self.code == "row" and isinstance(params.get("message"), FieldMessage):
            params["message"] = params["message"].text(translate)
        try:
            return template % params if params else template
        except (KeyError, TypeError, ValueError):
            return template

    def __str__(self) -> str:
        return self.text()


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

    def messages(self, translate: Any = None) -> dict[str, list[str]]:
        """Errors as texts (the REST ``errors`` object)."""
        return {k: [m.text(translate) for m in v] for k, v in self.errors.items()}


class _Invalid(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.message = FieldMessage(code, params)


def is_blank(value: Any) -> bool:
    """``None``, an empty/whitespace string, an empty list or mapping."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


_TRUE = {"1", "true", "y", "yes", "on", "t"}
_FALSE = {"0", "false", "n", "no", "off", "f", ""}


def _decimal(value: Any, places: Decimal) -> Decimal:
    if isinstance(value, bool):
        raise _Invalid("invalid_decimal")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise _Invalid("invalid_decimal") from None
    else:
        raise _Invalid("invalid_decimal")
    if not number.is_finite():
        raise _Invalid("invalid_decimal")
    return number.quantize(places, ROUND_HALF_UP)


def coerce_value(
    spec: FieldSpec, value: Any, dictionaries: Mapping[str, DictionarySpec] | None = None
) -> Any:
    """Parse ``value`` (form string or JSON value) into the field's Python type.

    Blank values give ``None`` (``False`` is kept for ``bool``).

    :raises ValueError: with ``.args[0]`` a :class:`FieldMessage`.
    """
    try:
        return _coerce(spec, value, dictionaries or {})
    except _Invalid as exc:
        raise ValueError(exc.message) from None


def _parsed_json(value: Any) -> Any:
    """``value`` parsed when it is a (JSON) string, else unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _Invalid("invalid_json") from None
    return value


def _coerce(spec: FieldSpec, value: Any, dictionaries: Mapping[str, DictionarySpec]) -> Any:
    kind = spec.kind
    if kind is FieldKind.BOOL:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False if text else None
        raise _Invalid("invalid_bool")
    if is_blank(value) and kind not in (FieldKind.CHILD_TABLE, FieldKind.JSON):
        return None
    if kind is FieldKind.TEXT:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise _Invalid("invalid_text")
        return value.strip()
    if kind in (FieldKind.INT, FieldKind.REFERENCE):
        code = "invalid_int" if kind is FieldKind.INT else "invalid_reference"
        if isinstance(value, bool):
            raise _Invalid(code)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        if isinstance(value, (float, Decimal)) and value == int(value):
            return int(value)
        raise _Invalid(code)
    if kind is FieldKind.MONEY:
        return _decimal(value, MONEY_PLACES)
    if kind is FieldKind.RATE:
        return _decimal(value, RATE_PLACES)
    if kind is FieldKind.DATE:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                raise _Invalid("invalid_date") from None
        raise _Invalid("invalid_date")
    if kind is FieldKind.DATETIME:
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise _Invalid("invalid_datetime") from None
        raise _Invalid("invalid_datetime")
    if kind is FieldKind.ENUM:
        if not isinstance(value, str):
            raise _Invalid("invalid_choice")
        code = value.strip()
        dictionary = dictionaries.get(spec.dictionary or "")
        if dictionary is not None:
            allowed = {item.code for item in dictionary.items if item.active}
            if code not in allowed:
                raise _Invalid("invalid_choice")
        return code
    if kind is FieldKind.ENUM_LIST:
        return _code_list(spec, value, dictionaries)
    if kind is FieldKind.CHILD_TABLE:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        value = _parsed_json(value)
        if not isinstance(value, (list, tuple)) or not all(isinstance(r, Mapping) for r in value):
            raise _Invalid("invalid_rows")
        return [dict(row) for row in value] or None
    if kind is FieldKind.JSON:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        value = _parsed_json(value)
        if not isinstance(value, (dict, list)):
            raise _Invalid("invalid_json")
        return value
    if kind is FieldKind.FILE:
        return _attachment_list(value)
    return value  # pragma: no cover - every kind is handled above


def _code_list(
    spec: FieldSpec, value: Any, dictionaries: Mapping[str, DictionarySpec]
) -> list[str] | None:
    """An ``enum_list`` value: a list (or JSON list text, or one code) of dictionary codes
    → the codes without repeats, in the given order; blank → ``None``.

    >>> from lowlend.spec.model import DictionaryItem, Label
    >>> d = DictionarySpec("skill", Label("技能", "Skill"),
    ...                    (DictionaryItem("sms", Label("短信", "SMS")),
    ...                     DictionaryItem("legal", Label("法务", "Legal"))))
    >>> f = FieldSpec("skills", FieldKind.ENUM_LIST, Label("技能", "Skills"), dictionary="skill")
    >>> _code_list(f, ["legal", "sms", "legal"], {"skill": d})
    ['legal', 'sms']
    >>> _code_list(f, '["sms"]', {"skill": d}), _code_list(f, [], {"skill": d})
    (['sms'], None)
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise _Invalid("invalid_choice") from None
        else:
            value = [text]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _Invalid("invalid_choice")
    codes = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    dictionary = dictionaries.get(spec.dictionary or "")
    if dictionary is not None:
        allowed = {item.code for item in dictionary.items if item.active}
        if any(code not in allowed for code in codes):
            raise _Invalid("invalid_choice")
    return codes or None


#: keys kept from a client's attachment object (the web layer re-reads them from the store)
_ATTACHMENT_KEYS = ("id", "name", "size", "content_type", "sha256")


def _attachment_id(item: Any) -> int:
    raw = item.get("id") if isinstance(item, Mapping) else item
    if isinstance(raw, bool):
        raise _Invalid("invalid_files")
    if isinstance(raw, int) and raw > 0:
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*\d+\s*", raw) and int(raw) > 0:
        return int(raw)
    raise _Invalid("invalid_files")


def _attachment_list(value: Any) -> list[dict[str, Any]] | None:
    """A file field value: a list (or JSON list text) of attachment ids or objects with an
    ``id`` → ``[{"id": ..., ...}]`` without duplicates; blank → ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Invalid("invalid_files") from None
    if isinstance(value, (int, Mapping)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise _Invalid("invalid_files")
    out: dict[int, dict[str, Any]] = {}
    for item in value:
        ident = _attachment_id(item)
        meta = {"id": ident}
        if isinstance(item, Mapping):
            meta.update({k: item[k] for k in _ATTACHMENT_KEYS[1:] if k in item})
        out.setdefault(ident, meta)
    return list(out.values()) or None


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
            typed[spec.code] = _coerce(spec, values.get(spec.code), dictionaries)
        except _Invalid as exc:
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
                value = _coerce(column, row.get(column.code), dictionaries)
            except _Invalid as exc:
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
        value = _coerce(column, row.get(column.code), dictionaries)
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
