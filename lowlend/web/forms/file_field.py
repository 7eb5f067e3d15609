"""The WTForms field of ``kind: file``: ``<input type=file multiple>`` plus the files
already attached (download link, "remove" checkbox).

Posted data (the form is ``multipart/form-data``, as FAB's form widget renders it):

* ``<name>`` file parts — new uploads, checked by
  :func:`lowlend.services.attachments.check_upload` (size, type, empty) with the
  messages next to the field;
* ``<name>`` text parts — ids of files already attached that stay (hidden inputs);
* ``<name>__remove`` — ids ticked for removal.

During validation the accepted uploads are added to the request's database session
(:func:`lowlend.web.attachments.stage_upload`: rows flushed, so they have ids; bytes
written only when the record commits) and the field's data becomes the JSON list of
attachment metadata stored in the record. ``populate_obj`` links the attachments to the
record at commit; uploads of a form that is not saved are dropped (nothing half-saved).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from werkzeug.routing import BuildError
from wtforms import Field
from wtforms.utils import unset_value

from lowlend.services.custom_fields import FieldMessage

log = logging.getLogger(__name__)

__all__ = ["REMOVE_SUFFIX", "AttachmentField", "AttachmentWidget"]

REMOVE_SUFFIX = "__remove"
#: form field names of product custom fields (applications) and their link field prefix
_CUSTOM_FORM_PREFIX = "custom__"

REMOVE_TEXT = _l("Remove")
LIMITS_TEXT = _l("At most %(size)s per file; allowed types: %(types)s.")
CHOOSE_AGAIN_TEXT = _l(
    "The files you chose were not saved because the form has errors: please choose them again."
)


def _stored_list(value: Any) -> list[dict[str, Any]]:
    """Attachment objects of a stored value (JSON text or list); legacy values → ``[]``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [dict(v) for v in value if isinstance(v, Mapping) and isinstance(v.get("id"), int)]


class AttachmentWidget:
    """Renders the attached files and a multiple file input."""

    def __call__(self, field: AttachmentField, **kwargs: Any) -> Markup:
        from flask import url_for

        from lowlend.services.attachments import format_size
        from lowlend.web.attachments.uploads import current_policy

        policy = current_policy()
        parts = ['<div class="lowlend-file-field">']
        attached = [m for m in _stored_list(field.data) if m["id"] not in field.staged_ids]
        if attached:
            parts.append('<ul class="list-unstyled lowlend-attachments">')
            for meta in attached:
                try:
                    href = url_for("AttachmentView.download", pk=meta["id"])
                except BuildError:  # attachments not registered in this app
                    log.warning("lowlend: no AttachmentView: attachment %s without a link", meta["id"])
                    href = "#"
                size = meta.get("size")
                parts.append(
                    Markup(
                        '<li><input type="hidden" name="{name}" value="{id}">'
                        '<a href="{href}">{label}</a>{size} '
                        '<label class="checkbox-inline"><input type="checkbox" '
                        'name="{remove}" value="{id}"> {remove_text}</label></li>'
                    ).format(
                        name=field.name,
                        id=meta["id"],
                        href=href,
                        label=str(meta.get("name") or f"#{meta['id']}"),
                        size=f" ({format_size(size)})" if isinstance(size, int) else "",
                        remove=field.name + REMOVE_SUFFIX,
                        remove_text=str(REMOVE_TEXT),
                    )
                )
            parts.append("</ul>")
        accept = ",".join("." + ext for ext in policy.extensions)
        parts.append(
            Markup(
                '<input type="file" class="form-control" name="{name}" id="{id}" '
                'multiple accept="{accept}">'
            ).format(name=field.name, id=field.id, accept=accept)
        )
        parts.append(
            Markup('<span class="help-block">{}</span>').format(
                str(LIMITS_TEXT)
                % {"size": format_size(policy.max_size), "types": ", ".join(policy.extensions)}
            )
        )
        if field.staged_ids:
            parts.append(
                Markup('<span class="help-block text-warning">{}</span>').format(
                    str(CHOOSE_AGAIN_TEXT)
                )
            )
        parts.append("</div>")
        return Markup("").join(Markup(p) if not isinstance(p, Markup) else p for p in parts)


class AttachmentField(Field):
    """A ``file`` field: data is the list of attachment metadata (or ``None``)."""

    widget = AttachmentWidget()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.uploads: list[FileStorage] = []
        self.kept: list[str] = []
        self.staged_ids: set[int] = set()
        self._formdata: Any = None

    # -- input -------------------------------------------------------------------------
    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self._formdata = formdata
        super().process(formdata, data, extra_filters)

    def process_data(self, value: Any) -> None:
        self.data = _stored_list(value) or None

    def process_formdata(self, valuelist: list[Any]) -> None:
        removed: set[str] = set()
        if self._formdata is not None and hasattr(self._formdata, "getlist"):
            removed = {str(v).strip() for v in self._formdata.getlist(self.name + REMOVE_SUFFIX)}
        self.uploads = []
        self.kept = []
        for value in valuelist:
            if isinstance(value, FileStorage):
                if value.filename:
                    self.uploads.append(value)
            elif str(value).strip() and str(value).strip() not in removed:
                self.kept.append(str(value).strip())
        self.data = [{"id": k} for k in self.kept] or None

    def _value(self) -> str:
        return ""

    # -- validation: resolve kept ids, check and stage uploads ---------------------------
    def link_field(self) -> str:
        """The attachment ``field`` this form field links to (``custom.<code>`` for
        product custom fields)."""
        if self.name.startswith(_CUSTOM_FORM_PREFIX):
            return "custom." + self.name[len(_CUSTOM_FORM_PREFIX) :]
        return self.name

    @staticmethod
    def entity_and_record() -> tuple[str, Any]:
        """(view code, record id or ``None``) of the current request's generated view."""
        blueprint = request.blueprint or ""
        code = blueprint[len("GenericView_") :] if blueprint.startswith("GenericView_") else ""
        return code, (request.view_args or {}).get("pk")

    def _add_error(self, message: FieldMessage) -> None:
        from lowlend.web.generic.labels import translate

        self.errors.append(message.text(translate))

    def pre_validate(self, form: Any) -> None:
        if self._formdata is None or not hasattr(self._formdata, "getlist"):
            return  # nothing posted: the stored value stays
        from lowlend.web.attachments.uploads import (
            current_policy,
            read_upload,
            resolve_values,
            stage_upload,
        )

        kept: list[dict[str, Any]] = []
        for raw in self.kept:
            if raw.isdigit() and int(raw) > 0:
                kept.append({"id": int(raw)})
            else:
                self._add_error(FieldMessage("invalid_files"))
        entity, record_id = self.entity_and_record()
        code = self.link_field()
        values: dict[str, Any] = {code: kept}
        for messages in resolve_values(values, [code], entity=entity, record_id=record_id).values():
            for message in messages:
                self._add_error(message)
        metadata = list(values.get(code) or [])
        policy = current_policy()
        for storage in self.uploads:
            name, data, problems = read_upload(storage, policy)
            if problems:
                for message in problems:
                    self._add_error(message)
                continue
            row = stage_upload(name, data)
            self.staged_ids.add(row.id)
            metadata.append(row.as_metadata())
        self.data = metadata or None

    # -- output ----------------------------------------------------------------------------
    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, self.data)
        from lowlend.web.attachments.uploads import attachment_ids

        ids = attachment_ids(self.data)
        if ids:
            from lowlend.web.backend import backend

            entity, _ = self.entity_and_record()
            backend().attachments.link(ids, obj, entity, self.link_field())
