"""Writing ``AuditLog`` rows in the caller's transaction.

:func:`record_image` reads a mapped object's column values (the *before* image
of an update comes from SQLAlchemy's attribute history, so it needs no second
query); :func:`add_audit` adds the row to the same session, so it commits or
rolls back together with the change itself.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence.models import AuditLog
from lowlend.services.audit import json_safe

__all__ = ["add_audit", "before_image", "record_image"]

SKIP_COLUMNS = frozenset({"id_number_hash"})


def _columns(obj: Any) -> list[Any]:
    mapper = sa.inspect(type(obj))
    return [attr for attr in mapper.column_attrs]


def record_image(obj: Any) -> dict[str, Any]:
    """Current column values of ``obj`` (JSON-safe)."""
    return {
        attr.key: json_safe(getattr(obj, attr.key, None))
        for attr in _columns(obj)
        if attr.key not in SKIP_COLUMNS
    }


def before_image(obj: Any) -> dict[str, Any]:
    """Column values of ``obj`` before its pending (unflushed) changes."""
    out: dict[str, Any] = {}
    state = sa.inspect(obj)
    for attr in _columns(obj):
        if attr.key in SKIP_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        if history.deleted:
            value = history.deleted[0]
        elif history.unchanged:
            value = history.unchanged[0]
        elif history.added:
            value = None  # newly set, nothing was loaded before
        else:
            value = state.dict.get(attr.key)
        out[attr.key] = json_safe(value)
    return out


def add_audit(
    session: Session,
    *,
    entity: str,
    entity_id: Any,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user_id: int | None = None,
    username: str = "",
) -> AuditLog:
    """Add an audit row to ``session`` (not flushed, not committed)."""
    row = AuditLog(
        user_id=user_id,
        username=username or "",
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        before=before,
        after=after,
    )
    session.add(row)
    return row
