"""Scalar conversions shared by the builders (YAML value → typed value).

>>> dec("0.180000"), opt_dec(None)
(Decimal('0.180000'), None)
>>> freeze({"a": [1, {"b": 2}]})["a"][1]["b"]
2
>>> dict(freeze_except({"code": "x", "note": "kept"}, {"code"}))
{'note': 'kept'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from ..context import Ctx, Doc
from ..model import DecimalRange, Label

__all__ = [
    "date",
    "dec",
    "dec_range",
    "freeze",
    "freeze_except",
    "label",
    "opt_dec",
    "opt_label",
]


def dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - schema pattern guarantees the form
        raise ValueError(f"not a decimal: {value!r}") from None


def opt_dec(value: Any) -> Decimal | None:
    return None if value is None else dec(value)


def dec_range(raw: Any) -> DecimalRange:
    return DecimalRange(dec(raw["min"]), dec(raw["max"]), opt_dec(raw.get("default")))


def date(ctx: Ctx, doc: Doc, path: list[str | int], value: Any) -> dt.date | None:
    """A YAML date or ISO string; ``None`` (and an error) when it is not a date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        ctx.error(doc, path, f"invalid date {value!r} (expected YYYY-MM-DD)")
        return None


def label(raw: Any) -> Label:
    return Label(zh_CN=str(raw["zh_CN"]), en=str(raw["en"]))


def opt_label(raw: Any) -> Label | None:
    return None if raw is None else label(raw)


def freeze(value: Any) -> Any:
    """Deep read-only copy: dict → MappingProxyType, list → tuple."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def freeze_except(raw: Mapping[str, Any], typed: Collection[str]) -> Any:
    """:func:`freeze` the keys of ``raw`` a spec object does not type (its ``extra``)."""
    return freeze({k: v for k, v in raw.items() if k not in typed})
