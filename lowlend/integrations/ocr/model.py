"""The ID-card reader interface: result types, problems, errors.

A reader turns the photo of a resident ID card (居民身份证) — the front, and
optionally the back — into fields, each with the value read and a confidence in
``0..1``, plus a list of :class:`Problem` (checks that failed: the ID number's
check digit, the birth date or sex the number encodes versus the printed ones,
the validity period). Problems are reported, never silently corrected.

Input that cannot be read at all (not an image, too large, no ID card on it)
raises :class:`OcrError` with a stable code; the edge turns the code into a
message with :func:`lowlend.services.messages.message`.

>>> result = IdCardResult.of({"name": FieldValue("张三", 0.98765)}, ())
>>> result.to_json()["fields"]["name"]
{'value': '张三', 'confidence': 0.988}
>>> result.to_json()["fields"]["id_number"]
{'value': None, 'confidence': 0.0}
>>> Problem("sex_mismatch", "sex").to_json("en")["code"]
'sex_mismatch'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from lowlend.services.messages import message

__all__ = [
    "ALL_FIELDS",
    "BACK_FIELDS",
    "FRONT_FIELDS",
    "LONG_TERM",
    "FieldValue",
    "IdCardReader",
    "IdCardResult",
    "OcrError",
    "Problem",
]

#: fields read from the front (人像面), in the order they are printed
FRONT_FIELDS: tuple[str, ...] = (
    "name",  # 姓名
    "sex",  # 性别: "male" | "female"
    "ethnicity",  # 民族, as printed (汉, 蒙古, …)
    "birth_date",  # 出生, ISO date
    "address",  # 住址, the printed lines joined
    "id_number",  # 公民身份号码, 18 characters
)
#: fields read from the back (国徽面)
BACK_FIELDS: tuple[str, ...] = (
    "issuing_authority",  # 签发机关
    "valid_from",  # 有效期限 start, ISO date
    "valid_until",  # 有效期限 end, ISO date or "long_term" (长期)
)
ALL_FIELDS: tuple[str, ...] = FRONT_FIELDS + BACK_FIELDS

#: ``valid_until`` of a card valid for life (有效期限 …-长期)
LONG_TERM = "long_term"


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field as read: the (normalised) value and a confidence in ``0..1``."""

    value: str
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """``{"value": ..., "confidence": ...}`` (confidence rounded to 3 places)."""
        return {"value": self.value, "confidence": round(self.confidence, 3)}


@dataclass(frozen=True, slots=True)
class Problem:
    """A check the card failed, with a stable ``code`` and the field concerned.

    :ivar code: stable code with a message in :mod:`lowlend.services.message_tables.ocr`.
    :ivar field: the field at fault (one of :data:`ALL_FIELDS`), if any.
    :ivar params: values for the message (plain strings).
    """

    code: str
    field: str | None = None
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def message(self, locale: str = "en") -> str:
        """The human message of this problem in ``locale`` (``en`` or ``zh_CN``)."""
        return message(self.code, locale, **self.params)

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        """``{"code", "message", "field"}``."""
        return {"code": self.code, "message": self.message(locale), "field": self.field}


@dataclass(frozen=True, slots=True)
class IdCardResult:
    """What a reader found: fields by name (only those read) and the problems."""

    fields: Mapping[str, FieldValue]
    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(cls, fields: Mapping[str, FieldValue], problems: tuple[Problem, ...]) -> IdCardResult:
        """A result with a read-only copy of ``fields``."""
        return cls(MappingProxyType(dict(fields)), tuple(problems))

    def value(self, name: str) -> str | None:
        """The value of field ``name``, or ``None`` when it was not read."""
        found = self.fields.get(name)
        return found.value if found is not None else None

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        """The JSON shape of the CLI and the REST API.

        Every field of :data:`ALL_FIELDS` is present; one not read (or on a side not
        given) is ``{"value": null, "confidence": 0.0}``.
        """
        fields = {
            name: (self.fields[name].to_json() if name in self.fields
                   else {"value": None, "confidence": 0.0})
            for name in ALL_FIELDS
        }
        return {"fields": fields, "problems": [p.to_json(locale) for p in self.problems]}


class OcrError(Exception):
    """Input that cannot be read: not an image, too large, no ID card on it, …

    :param code: stable code (``ocr_not_an_image``, ``ocr_file_too_large``, …).
    :param side: ``"front"`` or ``"back"``: the image at fault (the form part name).
    :param params: values for the message.
    """

    def __init__(self, code: str, side: str = "front", **params: object) -> None:
        self.code = code
        self.side = side
        self.params = {k: str(v) for k, v in params.items()}
        extra = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        super().__init__(f"{side}: {code}" + (f" ({extra})" if extra else ""))

    def message(self, locale: str = "en") -> str:
        """The human message of the error in ``locale``."""
        return message(self.code, locale, **self.params)


@runtime_checkable
class IdCardReader(Protocol):
    """Reads a resident ID card from image bytes (JPEG, PNG, WebP, BMP or TIFF)."""

    def read(self, front: bytes, back: bytes | None = None) -> IdCardResult:
        """Read the front (and the back, when given).

        :raises OcrError: an image cannot be read or shows no ID card.
        """
        ...
