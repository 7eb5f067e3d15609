"""Showing audit images: PII masked unless the user may see it on that entity."""

from __future__ import annotations

import json
from typing import Any

from lowlend.services.audit import mask_image
from lowlend.web.generic.extension import descriptors_of
from lowlend.web.generic.labels import can_view_pii, mask_rules

#: columns whose names alone mark them as PII in any entity
GENERIC_PII = {
    "id_number": "id_number",
    "phone": "phone",
    "id_number_enc": "id_number",
    "bank_card_no": "bank_card_no",
    "mobile": "phone",
}


def masked_image(entity: str, image: Any, may_view: bool) -> Any:
    """``image`` (an audit row's before/after) with the PII columns of ``entity`` masked
    (``"*"``: of every generated view of the current app) unless ``may_view``."""
    if not isinstance(image, dict) or may_view:
        return image
    pii = dict(GENERIC_PII)
    for code, desc in descriptors_of().items():
        if entity in ("*", code):
            pii.update(desc.pii)
    return mask_image(image, pii, mask_rules())


def audit_json_formatter(value: Any) -> str:
    """Formatter of ``before``/``after``: JSON with PII masked (``can_view_pii`` on audit_log)."""
    if value is None:
        return ""
    shown = masked_image("*", value, can_view_pii("audit_log"))
    return json.dumps(shown, ensure_ascii=False, default=str, sort_keys=True)
