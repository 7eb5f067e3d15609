"""Attachments of ``file`` fields in the web layer: store, checks, links, formatting.

* :func:`lowlend.web.attachments.registration.register` (boot) installs the session
  events of :mod:`lowlend.persistence.attachments` and registers
  ``GET /attachments/<id>`` (download) and ``POST /api/v1/attachments/`` (upload).
* A file field's value is a JSON list of ``{"id", "name", "size", "content_type",
  "sha256"}``; clients send ids (or objects with an ``id``). :func:`resolve_values`
  replaces them by the stored metadata and refuses ids the caller may not use
  (``unknown_attachment``): an id is usable when the attachment already belongs to the
  same record and field, or when it is not linked yet and the caller uploaded it.
* :func:`link_values` links the used attachments to the saved record at commit.

Configuration: ``LOWLEND_ATTACHMENT_DIR`` (default ``<instance>/attachments``),
``LOWLEND_ATTACHMENT_MAX_SIZE`` (bytes, default 10 MiB), ``LOWLEND_ATTACHMENT_TYPES``
(extension → content type; default :data:`lowlend.services.attachments.DEFAULT_TYPES`),
``MASTER_KEY`` (encryption at rest).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import current_app
from werkzeug.routing import BuildError

from lowlend.services.attachments import (
    DEFAULT_MAX_SIZE,
    DEFAULT_TYPES,
    AttachmentPolicy,
    check_upload,
    content_type_for,
    format_size,
    safe_file_name,
)
from lowlend.services.custom_fields import FieldMessage

log = logging.getLogger(__name__)

__all__ = [
    "CUSTOM_FIELD_PREFIX",
    "current_policy",
    "current_store",
    "file_formatter",
    "link_values",
    "read_upload",
    "resolve_values",
    "stage_upload",
]

#: link ``field`` of an application's product custom field: ``custom.<code>``
CUSTOM_FIELD_PREFIX = "custom."


def current_policy() -> Any:
    """The upload policy of the current app (``LOWLEND_ATTACHMENT_*`` settings)."""
    cfg = current_app.config
    types = cfg.get("LOWLEND_ATTACHMENT_TYPES") or DEFAULT_TYPES
    max_size = int(cfg.get("LOWLEND_ATTACHMENT_MAX_SIZE") or DEFAULT_MAX_SIZE)
    return AttachmentPolicy(
        max_size=max_size, types={str(k).lower(): str(v) for k, v in dict(types).items()}
    )


def attachment_dir() -> Path:
    configured = current_app.config.get("LOWLEND_ATTACHMENT_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config.get("INSTANCE_DIR") or current_app.instance_path) / "attachments"


def current_store() -> Any:
    """The attachment file store of the current app."""
    from lowlend.web.backend import backend

    return backend().attachments.file_store(attachment_dir(), current_app.config.get("MASTER_KEY"))


def read_upload(storage: Any, policy: Any) -> tuple[str, bytes, list[FieldMessage]]:
    """(safe name, bytes, problems) of a werkzeug ``FileStorage``; reads at most
    ``max_size + 1`` bytes, so an oversized upload is never held whole in memory."""
    name = safe_file_name(getattr(storage, "filename", None))
    data = storage.stream.read(policy.max_size + 1)
    return name, data, check_upload(name, data, policy)


def stage_upload(name: str, data: bytes, *, standalone: bool = False) -> Any:
    """Add an (already checked) upload to the request's session; bytes written at commit."""
    from lowlend.web.backend import backend
    from lowlend.web.generic.interface import current_user_info

    user_id, _ = current_user_info()
    return backend().attachments.stage(
        current_store(),
        name=name,
        content_type=content_type_for(name, current_policy()),
        data=data,
        created_by=user_id,
        standalone=standalone,
    )


def usable(row: Any, entity: str, record_id: Any, field: str, user_id: int | None) -> bool:
    """Whether a record's field may refer to attachment ``row`` (see the module doc)."""
    if row is None:
        return False
    if row.entity is not None:
        return (
            row.entity == entity
            and record_id is not None
            and str(row.record_id) == str(record_id)
            and row.field == field
        )
    return user_id is not None and row.created_by == user_id


def resolve_values(
    values: dict[str, Any],
    codes: Iterable[str],
    *,
    entity: str,
    record_id: Any,
    field_prefix: str = "",
    key_prefix: str = "",
) -> dict[str, list[FieldMessage]]:
    """Replace the attachment lists in ``values`` (keys ``key_prefix + code``) by the
    stored metadata; returns the errors (``unknown_attachment``) by key."""
    from lowlend.web.backend import backend
    from lowlend.web.generic.interface import current_user_info

    user_id, _ = current_user_info()
    errors: dict[str, list[FieldMessage]] = {}
    for code in codes:
        key = key_prefix + code
        items = values.get(key)
        if not items or not isinstance(items, list):
            continue
        ids = [int(item["id"]) for item in items if isinstance(item, Mapping) and "id" in item]
        rows = {row.id: row for row in backend().attachments.by_ids(ids)} if ids else {}
        out = []
        for ident in ids:
            row = rows.get(ident)
            if row is None or not usable(row, entity, record_id, field_prefix + code, user_id):
                errors.setdefault(key, []).append(FieldMessage("unknown_attachment", {"id": ident}))
                continue
            out.append(row.as_metadata())
        values[key] = out or None
    return errors


def attachment_ids(value: Any) -> list[int]:
    """The ids of a stored file value (list of objects/ids; anything else → ``[]``)."""
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        raw = item.get("id") if isinstance(item, Mapping) else item
        if isinstance(raw, int) and not isinstance(raw, bool):
            out.append(raw)
    return out


def link_values(
    item: Any,
    values: Mapping[str, Any],
    codes: Iterable[str],
    *,
    entity: str,
    field_prefix: str = "",
    key_prefix: str = "",
) -> None:
    """Link the attachments of ``values`` to ``item`` when the session commits."""
    from lowlend.web.backend import backend

    for code in codes:
        ids = attachment_ids(values.get(key_prefix + code))
        if ids:
            backend().attachments.link(ids, item, entity, field_prefix + code)


def file_codes(fields: Iterable[Any]) -> list[str]:
    """Codes of the ``file`` fields among field specs."""
    return [f.code for f in fields if str(getattr(f.kind, "value", f.kind)) == "file"]


def file_formatter(value: Any) -> Any:
    """A file value as download links with names and sizes (list and show pages)."""
    from flask import url_for
    from markupsafe import Markup, escape

    if value is None or value == "" or value == []:
        return ""
    if not isinstance(value, list):
        return str(value)
    links = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), int):
            continue
        name = str(item.get("name") or f"#{item['id']}")
        size = item.get("size")
        try:
            href = url_for("AttachmentView.download", pk=item["id"])
        except BuildError:  # attachments not registered in this app: the name only
            log.warning("lowlend: no AttachmentView: attachment %s shown without a link", item["id"])
            links.append(escape(name))
            continue
        extra = f" ({format_size(int(size))})" if isinstance(size, int) else ""
        links.append(
            Markup('<a class="lowlend-attachment" href="{}">{}</a>{}').format(href, name, extra)
        )
    return Markup("<br>").join(links)
