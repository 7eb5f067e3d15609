"""Typed values of config-declared fields: parsing by kind, and the message vocabulary.

Pure (standard library, :mod:`lowlend.spec` and :mod:`lowlend.domain`). :func:`coerce`
turns what a form, a JSON body or an importer gives into the value a field of a kind holds
(``Decimal`` with the kind's places, ``date``, dictionary codes, attachment references, …)
or raises :class:`InvalidValue` carrying a :class:`FieldMessage`. :func:`check_format`
checks a text field's number ``format`` (resident ID, unified social credit code, bank
card, identity number by the record's ``id_type``) and gives its canonical form. The
rule pass over a whole record (``required``, ``required_if``, ``visible_if``, formats,
ranges, rows) is :mod:`lowlend.services.custom_fields`.

Message texts: the codes of :data:`MESSAGE_TEXTS` are English msgids the web layer
translates with its catalogue; codes of the message tables
(:mod:`lowlend.services.messages`, e.g. ``resident_id_checksum``) are worded there in
both languages and chosen by ``locale``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lowlend.domain.identity import (
    IdentityError,
    check_bank_card,
    check_id_number,
    check_uscc,
    parse_resident_id,
)
from lowlend.services.messages import MESSAGES, message
from lowlend.spec.model import DictionarySpec, FieldFormat, FieldKind, FieldSpec

__all__ = [
    "MESSAGE_TEXTS",
    "MONEY_PLACES",
    "RATE_PLACES",
    "FieldMessage",
    "InvalidValue",
    "check_format",
    "coerce",
    "coerce_value",
    "is_blank",
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

    def text(self, translate: Any = None, locale: str | None = None) -> str:
        """The message text; ``translate`` maps a msgid to its translation, ``locale``
        (``zh_CN``/``en``, English when ``None``) picks a message table's wording.

        >>> FieldMessage("bank_card_checksum").text(locale="zh_CN")
        '银行卡号校验位错误，请核对卡号。'
        """
        if self.code not in MESSAGE_TEXTS and self.code in MESSAGES:
            return message(self.code, locale or "en", **self.params)
        template = MESSAGE_TEXTS.get(self.code, self.code)
        if translate is not None:
            template = str(translate(template))
        params = dict(self.params)
        if self.code == "row" and isinstance(params.get("message"), FieldMessage):
            params["message"] = params["message"].text(translate, locale)
        try:
            return template % params if params else template
        except (KeyError, TypeError, ValueError):
            return template

    def __str__(self) -> str:
        return self.text()


class InvalidValue(Exception):
    """A value that is not of its field's kind; ``message`` says why."""

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
        raise InvalidValue("invalid_decimal")
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
            raise InvalidValue("invalid_decimal") from None
    else:
        raise InvalidValue("invalid_decimal")
    if not number.is_finite():
        raise InvalidValue("invalid_decimal")
    return number.quantize(places, ROUND_HALF_UP)


def coerce_value(
    spec: FieldSpec, value: Any, dictionaries: Mapping[str, DictionarySpec] | None = None
) -> Any:
    """Parse ``value`` (form string or JSON value) into the field's Python type.

    Blank values give ``None`` (``False`` is kept for ``bool``).

    :raises ValueError: with ``.args[0]`` a :class:`FieldMessage`.
    """
    try:
        return coerce(spec, value, dictionaries or {})
    except InvalidValue as exc:
        raise ValueError(exc.message) from None


def _parsed_json(value: Any) -> Any:
    """``value`` parsed when it is a (JSON) string, else unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise InvalidValue("invalid_json") from None
    return value


def coerce(spec: FieldSpec, value: Any, dictionaries: Mapping[str, DictionarySpec]) -> Any:
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
        raise InvalidValue("invalid_bool")
    if is_blank(value) and kind not in (FieldKind.CHILD_TABLE, FieldKind.JSON):
        return None
    if kind is FieldKind.TEXT:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise InvalidValue("invalid_text")
        return value.strip()
    if kind in (FieldKind.INT, FieldKind.REFERENCE):
        code = "invalid_int" if kind is FieldKind.INT else "invalid_reference"
        if isinstance(value, bool):
            raise InvalidValue(code)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        if isinstance(value, (float, Decimal)) and value == int(value):
            return int(value)
        raise InvalidValue(code)
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
                raise InvalidValue("invalid_date") from None
        raise InvalidValue("invalid_date")
    if kind is FieldKind.DATETIME:
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise InvalidValue("invalid_datetime") from None
        raise InvalidValue("invalid_datetime")
    if kind is FieldKind.ENUM:
        if not isinstance(value, str):
            raise InvalidValue("invalid_choice")
        code = value.strip()
        dictionary = dictionaries.get(spec.dictionary or "")
        if dictionary is not None:
            allowed = {item.code for item in dictionary.items if item.active}
            if code not in allowed:
                raise InvalidValue("invalid_choice")
        return code
    if kind is FieldKind.ENUM_LIST:
        return _code_list(spec, value, dictionaries)
    if kind is FieldKind.CHILD_TABLE:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        value = _parsed_json(value)
        if not isinstance(value, (list, tuple)) or not all(isinstance(r, Mapping) for r in value):
            raise InvalidValue("invalid_rows")
        return [dict(row) for row in value] or None
    if kind is FieldKind.JSON:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        value = _parsed_json(value)
        if not isinstance(value, (dict, list)):
            raise InvalidValue("invalid_json")
        return value
    if kind is FieldKind.FILE:
        return _attachment_list(value)
    return value  # pragma: no cover - every kind is handled above


def check_format(spec: FieldSpec, value: Any, record: Mapping[str, Any]) -> Any:
    """The canonical form of a text ``value`` of a field with a ``format``.

    ``id_number`` is checked according to ``record["id_type"]``. Blank values and fields
    without a format are returned unchanged.

    >>> from lowlend.spec.model import Label
    >>> card = FieldSpec("card", FieldKind.TEXT, Label("卡号", "Card"),
    ...                  format=FieldFormat.BANK_CARD)
    >>> check_format(card, "6222 0212 3456 7890 128", {})
    '6222021234567890128'
    >>> number = FieldSpec("id_number", FieldKind.TEXT, Label("证件号码", "ID number"),
    ...                    format=FieldFormat.ID_NUMBER)
    >>> try:
    ...     check_format(number, "ABC", {"id_type": "unified_credit_code"})
    ... except InvalidValue as exc:
    ...     exc.message.code
    'uscc_invalid_length'

    :raises InvalidValue: with the :class:`~lowlend.domain.identity.IdentityError` code.
    """
    if spec.format is None or not isinstance(value, str) or not value.strip():
        return value
    try:
        if spec.format is FieldFormat.RESIDENT_ID:
            return parse_resident_id(value, spec.code).number
        if spec.format is FieldFormat.USCC:
            return check_uscc(value, spec.code)
        if spec.format is FieldFormat.BANK_CARD:
            return check_bank_card(value, spec.code)
        id_type = record.get("id_type")
        return check_id_number(id_type if isinstance(id_type, str) else "", value, spec.code)
    except IdentityError as exc:
        raise InvalidValue(exc.code) from None


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
                raise InvalidValue("invalid_choice") from None
        else:
            value = [text]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InvalidValue("invalid_choice")
    codes = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    dictionary = dictionaries.get(spec.dictionary or "")
    if dictionary is not None:
        allowed = {item.code for item in dictionary.items if item.active}
        if any(code not in allowed for code in codes):
            raise InvalidValue("invalid_choice")
    return codes or None


#: keys kept from a client's attachment object (the web layer re-reads them from the store)
_ATTACHMENT_KEYS = ("id", "name", "size", "content_type", "sha256")


def _attachment_id(item: Any) -> int:
    raw = item.get("id") if isinstance(item, Mapping) else item
    if isinstance(raw, bool):
        raise InvalidValue("invalid_files")
    if isinstance(raw, int) and raw > 0:
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*\d+\s*", raw) and int(raw) > 0:
        return int(raw)
    raise InvalidValue("invalid_files")


def _attachment_list(value: Any) -> list[dict[str, Any]] | None:
    """A file field value: a list (or JSON list text) of attachment ids or objects with an
    ``id`` → ``[{"id": ..., ...}]`` without duplicates; blank → ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidValue("invalid_files") from None
    if isinstance(value, (int, Mapping)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise InvalidValue("invalid_files")
    out: dict[int, dict[str, Any]] = {}
    for item in value:
        ident = _attachment_id(item)
        meta = {"id": ident}
        if isinstance(item, Mapping):
            meta.update({k: item[k] for k in _ATTACHMENT_KEYS[1:] if k in item})
        out.setdefault(ident, meta)
    return list(out.values()) or None
