"""Audit images and PII masking (pure: standard library only).

Every create/update/delete made through a generated view or API writes one
``AuditLog`` row (see :mod:`lowlend.persistence.audit`) with JSON-safe ``before``
and ``after`` images built here. Images keep the values as stored; masking is
applied when they are *shown* (audit view, REST output) to users without
``can_view_pii`` on the entity.

Mask rules are the ``mask`` of the region's ``data_protection.fields`` (compliance
configs), ``keep_first_<m>_last_<n>``; :data:`DEFAULT_MASKS` is used when the
region gives none.

>>> mask_value("360426199101010071", "keep_first_1_last_1")
'3****************1'
>>> mask_value("13800138000", "keep_first_3_last_4")
'138****8000'
>>> mask_image({"phone": "13800138000", "name": "张三"}, {"phone": "phone"})
{'phone': '138****8000', 'name': '张三'}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "CREATE",
    "DEFAULT_MASKS",
    "DELETE",
    "UPDATE",
    "changed_fields",
    "json_safe",
    "mask_image",
    "mask_value",
]

CREATE = "create"
UPDATE = "update"
DELETE = "delete"

DEFAULT_MASKS: Mapping[str, str] = {
    "id_number": "keep_first_1_last_1",
    "phone": "keep_first_3_last_4",
    "bank_card_no": "keep_first_6_last_4",
}

_RULE = re.compile(r"^keep_first_(\d+)_last_(\d+)$")


def mask_value(value: Any, rule: str | None = None) -> Any:
    """Mask a string with a ``keep_first_<m>_last_<n>`` rule (``*`` in between).

    ``None`` stays ``None``; a value shorter than what is kept is fully masked.
    """
    if value is None:
        return None
    text = str(value)
    match = _RULE.match(rule or "") or _RULE.match(DEFAULT_MASKS["id_number"])
    assert match is not None
    first, last = int(match.group(1)), int(match.group(2))
    if len(text) <= first + last:
        return "*" * len(text)
    return text[:first] + "*" * (len(text) - first - last) + (text[-last:] if last else "")


def mask_image(
    image: Mapping[str, Any] | None,
    pii: Mapping[str, str],
    masks: Mapping[str, str | None] | None = None,
) -> dict[str, Any] | None:
    """Copy of ``image`` with each PII column (column → PII class) masked."""
    if image is None:
        return None
    out = dict(image)
    for column, pii_class in pii.items():
        if column in out and out[column] not in (None, ""):
            rule = (masks or {}).get(pii_class) or DEFAULT_MASKS.get(pii_class)
            out[column] = mask_value(out[column], rule)
    return out


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy (Decimal → string, dates → ISO, bytes dropped)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return None
    return str(value)


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Keys whose values differ between two images (sorted)."""
    keys: Iterable[str] = set(before or {}) | set(after or {})
    return sorted(k for k in keys if (before or {}).get(k) != (after or {}).get(k))
