"""Identity numbers: PRC resident ID (居民身份证号码), unified social credit code (统一社会信用代码),
bank card numbers — checked with python-stdnum, with the facts a resident ID carries.

Each check returns the canonical number or raises :class:`IdentityError` with a stable code
naming what is wrong, so every path (form, REST, import, OCR) words the error the same way.

>>> parse_resident_id("36042619910101007 1").birth_date
datetime.date(1991, 1, 1)
>>> parse_resident_id("360426199101010071").sex
'male'
>>> parse_resident_id("360426199101010072")
Traceback (most recent call last):
...
lowlend.domain.identity.IdentityError: id_number: resident_id_checksum
>>> check_uscc("ABC")
Traceback (most recent call last):
...
lowlend.domain.identity.IdentityError: id_number: uscc_invalid_length
>>> check_bank_card("6222 0212 3456 7890 128")
'6222021234567890128'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from lowlend.domain.errors import DomainError

__all__ = [
    "IdentityError",
    "ResidentId",
    "check_bank_card",
    "check_id_number",
    "check_uscc",
    "parse_resident_id",
]


class IdentityError(DomainError, ValueError):
    """An identity, registration or card number that fails its check (HTTP 422, CLI exit 1)."""

    def __init__(self, code: str, field: str = "id_number") -> None:
        super().__init__(code, field)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A valid 18-character resident ID number and what it says about its holder."""

    number: str
    birth_date: dt.date
    sex: str  # "male" | "female": the 17th digit, odd for men
    area_code: str

    def age_on(self, day: dt.date) -> int:
        """Whole years of age on ``day``.

        >>> parse_resident_id("360426199101010071").age_on(dt.date(2026, 12, 31))
        35
        """
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def _reason(prefix: str, exc: ValidationError) -> str:
    if isinstance(exc, InvalidLength):
        return f"{prefix}_invalid_length"
    if isinstance(exc, InvalidChecksum):
        return f"{prefix}_checksum"
    if isinstance(exc, InvalidComponent):
        return f"{prefix}_invalid_component"
    if isinstance(exc, InvalidFormat):
        return f"{prefix}_invalid_format"
    return f"{prefix}_invalid"


def parse_resident_id(number: str, field: str = "id_number") -> ResidentId:
    """Check a resident ID number (length, birth date, check digit) and read its facts."""
    try:
        canonical = str(ric.validate("".join(number.split()).upper()))
        birth = ric.get_birth_date(canonical)
    except ValidationError as exc:
        raise IdentityError(_reason("resident_id", exc), field) from None
    sex = "male" if int(canonical[16]) % 2 == 1 else "female"
    return ResidentId(canonical, birth, sex, canonical[:6])


def check_uscc(number: str, field: str = "id_number") -> str:
    """Check a unified social credit code (18 characters, GB 32100-2015 check character)."""
    try:
        return str(uscc.validate("".join(number.split()).upper()))
    except ValidationError as exc:
        raise IdentityError(_reason("uscc", exc), field) from None


def check_bank_card(number: str, field: str = "bank_card") -> str:
    """Check a bank card number: 12–19 digits with a valid Luhn check digit."""
    compact = "".join(number.split()).replace("-", "")
    if not compact.isdigit():
        raise IdentityError("bank_card_invalid_format", field)
    if not 12 <= len(compact) <= 19:
        raise IdentityError("bank_card_invalid_length", field)
    try:
        luhn.validate(compact)
    except ValidationError:
        raise IdentityError("bank_card_checksum", field) from None
    return compact


def check_id_number(id_type: str, number: str, field: str = "id_number") -> str:
    """The canonical number for ``id_type``; types without a checksum are only trimmed.

    >>> check_id_number("unified_credit_code", "91110000600037341L")
    '91110000600037341L'
    >>> check_id_number("passport", " E12345678 ")
    'E12345678'
    """
    if id_type == "resident_id":
        return parse_resident_id(number, field).number
    if id_type == "unified_credit_code":
        return check_uscc(number, field)
    canonical = number.strip()
    if not canonical:
        raise IdentityError("id_number_blank", field)
    return canonical
