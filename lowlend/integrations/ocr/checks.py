"""Cross-checks of the fields read from a card — reported as problems, never fixed.

The ID number must pass its check digit and agree with the printed birth date and
sex (:func:`lowlend.domain.identity.parse_resident_id` reads what the number
encodes); the validity period must be a period and not be over.

>>> from lowlend.integrations.ocr.model import FieldValue as F
>>> [p.code for p in front_problems({
...     "name": F("张三", 0.9), "sex": F("female", 0.9), "ethnicity": F("汉", 0.9),
...     "birth_date": F("1991-01-02", 0.9), "address": F("北京", 0.9),
...     "id_number": F("360426199101010071", 0.9)})]
['birth_date_mismatch', 'sex_mismatch']
>>> [p.code for p in front_problems({"id_number": F("360426199101010072", 0.9)})][-1]
'id_number_checksum'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from lowlend.domain.identity import IdentityError, parse_resident_id
from lowlend.integrations.ocr.fields import ETHNIC_GROUPS
from lowlend.integrations.ocr.model import (
    BACK_FIELDS,
    FRONT_FIELDS,
    LONG_TERM,
    FieldValue,
    Problem,
)

__all__ = ["back_problems", "front_problems"]


def _missing(fields: Mapping[str, FieldValue], names: tuple[str, ...]) -> list[Problem]:
    return [Problem(f"ocr_{name}_not_read", name) for name in names if name not in fields]


def front_problems(fields: Mapping[str, FieldValue]) -> list[Problem]:
    """Problems of the front: fields not read, ID number check digit and format,
    birth date and sex versus the number, unknown ethnic group."""
    problems = _missing(fields, FRONT_FIELDS)
    ethnicity = fields.get("ethnicity")
    if ethnicity is not None and ethnicity.value not in ETHNIC_GROUPS:
        problems.append(Problem("ethnicity_unknown", "ethnicity", {"value": ethnicity.value}))
    number = fields.get("id_number")
    if number is None:
        return problems
    try:
        resident = parse_resident_id(number.value)
    except IdentityError as exc:
        code = "id_number_checksum" if exc.code == "resident_id_checksum" else "id_number_invalid"
        problems.append(Problem(code, "id_number", {"value": number.value}))
        return problems
    birth = fields.get("birth_date")
    if birth is not None and birth.value != resident.birth_date.isoformat():
        problems.append(
            Problem(
                "birth_date_mismatch",
                "birth_date",
                {"card": birth.value, "number": resident.birth_date.isoformat()},
            )
        )
    sex = fields.get("sex")
    if sex is not None and sex.value != resident.sex:
        problems.append(Problem("sex_mismatch", "sex", {"card": sex.value, "number": resident.sex}))
    return problems


def back_problems(fields: Mapping[str, FieldValue], today: dt.date) -> list[Problem]:
    """Problems of the back: fields not read, a period that ends before it starts,
    a card expired before ``today``."""
    problems = _missing(fields, BACK_FIELDS)
    start = fields.get("valid_from")
    end = fields.get("valid_until")
    if start is None or end is None or end.value == LONG_TERM:
        return problems
    start_date = dt.date.fromisoformat(start.value)
    end_date = dt.date.fromisoformat(end.value)
    if end_date <= start_date:
        problems.append(
            Problem(
                "validity_invalid",
                "valid_until",
                {"valid_from": start.value, "valid_until": end.value},
            )
        )
    elif end_date < today:
        problems.append(Problem("id_card_expired", "valid_until", {"valid_until": end.value}))
    return problems
