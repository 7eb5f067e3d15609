"""Spec objects shared by several kinds: labels, ranges, config-declared fields.

>>> Label("个人消费贷", "Consumer loan").get("zh-CN")
'个人消费贷'
>>> Label("个人消费贷", "Consumer loan").get("fr")
'Consumer loan'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[str, Any] = MappingProxyType({})


def empty() -> Mapping[str, Any]:
    return EMPTY


class FieldKind(StrEnum):
    """Kinds of config-declared fields (application custom fields, entity fields)."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"
    RATE = "rate"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    ENUM = "enum"
    ENUM_LIST = "enum_list"  # several codes of one dictionary
    REFERENCE = "reference"
    CHILD_TABLE = "child_table"
    FILE = "file"
    JSON = "json"


class FieldFormat(StrEnum):
    """Checked number formats of a ``text`` field (attribute ``format``).

    ``id_number`` is checked according to the record's ``id_type`` (a resident ID or a
    unified social credit code; other identity documents are only trimmed). A valid
    value is stored in its canonical form (no spaces, upper case).
    """

    RESIDENT_ID = "resident_id"  # 居民身份证号码: length, birth date, check digit
    USCC = "uscc"  # 统一社会信用代码: GB 32100-2015 check character
    BANK_CARD = "bank_card"  # 银行卡号: 12-19 digits, Luhn check digit
    ID_NUMBER = "id_number"  # by the record's ``id_type``


@dataclass(frozen=True, slots=True)
class Label:
    """A translated label; ``get(locale)`` falls back to English."""

    zh_CN: str
    en: str

    def get(self, locale: str | None) -> str:
        """The text for ``locale`` (``zh``, ``zh_CN``, ``zh-CN`` → Chinese; anything else → English)."""
        if locale and locale.replace("-", "_").lower().startswith("zh"):
            return self.zh_CN
        return self.en

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True, slots=True)
class DecimalRange:
    min: Decimal
    max: Decimal
    default: Decimal | None = None


@dataclass(frozen=True, slots=True)
class IntRange:
    min: int
    max: int
    default: int | None = None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A typed, validated field of an application form or a config-declared entity."""

    code: str
    kind: FieldKind
    label: Label
    required: bool = False
    required_if: str | None = None
    visible_if: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    pattern: str | None = None
    dictionary: str | None = None
    reference: str | None = None
    columns: tuple[FieldSpec, ...] = ()
    section: str | None = None
    order: int = 0
    help: Label | None = None
    pii: str | None = None  # data-protection field class, e.g. ``phone`` (masking from region)
    default: Any = None
    format: FieldFormat | None = None  # checked number format of a text field
