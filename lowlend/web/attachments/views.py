"""``GET /attachments/<id>`` (download) and ``/api/v1/attachments/`` (upload, metadata).

Who may download: the signed-in user (browser session or JWT) who may ``show`` the
record the attachment belongs to — ``can_show`` on its view code **and** the record
inside the user's data scope (the same scoped interface as the show page). An
attachment not linked to a record yet is visible to its uploader only. Anything else
is ``404``, like a missing id (no existence oracle).

Who may upload (``POST /api/v1/attachments/``, multipart, one or more ``file`` parts):
a signed-in user holding ``can_add`` or ``can_edit`` on at least one view code that has
a ``file`` field (config entities, or ``applications`` when a current product declares
a file custom field). No permission of its own: roles.yaml needs no new action. The
upload is not linked to anything until a record's file field refers to its id.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, abort, current_app, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe

from lowlend.services.attachments import content_disposition
from lowlend.services.custom_fields import FieldMessage
from lowlend.web.fab import security_manager
from lowlend.web.generic.labels import translate
from lowlend.web.user_context import signed_in

log = logging.getLogger(__name__)

__all__ = ["AttachmentApi", "AttachmentView", "may_upload", "visible_attachment"]


def _user_id() -> int | None:
    user = security_manager().current_user
    return getattr(user, "id", None) if user is not None else None


def visible_attachment(pk: int) -> Any | None:
    """The attachment ``pk`` if the current user may read it (see the module doc)."""
    from lowlend.web.backend import backend
    from lowlend.web.generic.extension import EXTENSION_KEY
    from lowlend.web.generic.interface import DATAMODEL

    row = backend().attachments.get(pk)
    if row is None:
        return None
    if row.entity is None:
        user_id = _user_id()
        return row if user_id is not None and row.created_by == user_id else None
    desc = (current_app.extensions.get(EXTENSION_KEY) or {}).get(row.entity)
    if desc is None or row.record_id is None:
        return None
    if not security_manager().has_access("can_show", row.entity):
        return None
    record = DATAMODEL(desc.model, row.entity).get(row.record_id)
    return row if record is not None else None


def upload_codes() -> list[str]:
    """View codes with a ``file`` field (``applications`` when a product has one)."""
    from lowlend.web import registry_hooks
    from lowlend.web.attachments.uploads import file_codes
    from lowlend.web.generic.extension import EXTENSION_KEY

    codes = [
        code
        for code, desc in (current_app.extensions.get(EXTENSION_KEY) or {}).items()
        if file_codes(desc.fields)
    ]
    products = getattr(registry_hooks.current_registry(), "products", None) or {}
    if any(file_codes(p.custom_fields) for p in products.values()):
        codes.append("applications")
    return codes


def may_upload() -> bool:
    """``can_add`` or ``can_edit`` on a view code that has a file field."""
    sm = security_manager()
    return any(
        sm.has_access(perm, code) for code in upload_codes() for perm in ("can_add", "can_edit")
    )


class AttachmentView(BaseView):
    """Downloads of attachments (no menu entry, no permission of its own)."""

    route_base = "/attachments"
    default_view = "download"

    @expose("/<int:pk>")
    def download(self, pk: int) -> Any:
        if not signed_in():
            abort(404)
        row = visible_attachment(pk)
        if row is None:
            abort(404)
        from lowlend.web.attachments.uploads import current_store

        try:
            data = current_store().read(row.sha256)
        except (OSError, ValueError) as exc:
            log.error("attachment %s (%s) cannot be read: %s", row.id, row.sha256, exc)
            abort(404)
        response = Response(data, mimetype=row.content_type or "application/octet-stream")
        response.headers["Content-Disposition"] = content_disposition(row.file_name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response


class AttachmentApi(BaseApi):
    """``POST /api/v1/attachments/`` (multipart upload), ``GET /api/v1/attachments/<id>``."""

    resource_name = "attachments"
    allow_browser_login = True
    openapi_spec_tag = "attachments"

    def _errors(self, errors: dict[str, list[FieldMessage]]) -> Any:
        texts = {k: [m.text(translate) for m in v] for k, v in errors.items()}
        return self.response(422, message=translate("Validation failed"), errors=texts)

    @expose("/", methods=["POST"])
    @safe
    def post(self) -> Any:
        """Upload one or more files (multipart ``file`` parts); 201 with their metadata.
        ---
        post:
          responses:
            201:
              description: "the stored attachments (result: list of metadata)"
            401:
              description: not signed in
            403:
              description: no add/edit permission on a view with a file field
            422:
              description: missing, empty, too large or not allowed files
        """
        if not signed_in():
            return self.response_401()
        if not may_upload():
            return self.response_403()
        from lowlend.web.attachments.uploads import current_policy, read_upload, stage_upload
        from lowlend.web.backend import backend

        files = [f for f in request.files.getlist("file") if f is not None]
        unexpected = [k for k in request.files if k != "file"]
        errors: dict[str, list[FieldMessage]] = {}
        for key in unexpected:
            errors.setdefault(key, []).append(FieldMessage("unknown_field"))
        if not files:
            errors.setdefault("file", []).append(FieldMessage("required"))
        policy = current_policy()
        uploads = []
        for storage in files:
            name, data, problems = read_upload(storage, policy)
            if problems:
                errors.setdefault("file", []).extend(problems)
            uploads.append((name, data))
        if errors:
            return self._errors(errors)
        try:
            rows = [stage_upload(name, data, standalone=True) for name, data in uploads]
            backend().records.commit()
        except Exception as exc:
            backend().records.rollback()
            log.error("attachment upload failed: %s", exc)
            return self.response(
                422, message=translate("The record could not be saved."), errors={}
            )
        result = [row.as_metadata() for row in rows]
        return self.response(201, ids=[m["id"] for m in result], result=result)

    @expose("/<int:pk>", methods=["GET"])
    @safe
    def get(self, pk: int) -> Any:
        """Metadata of one attachment the caller may read (else 404).
        ---
        get:
          responses:
            200:
              description: "result: the attachment's metadata and its record"
            404:
              description: missing or not visible
        """
        if not signed_in():
            return self.response_401()
        row = visible_attachment(pk)
        if row is None:
            return self.response_404()
        return self.response(
            200,
            id=row.id,
            result={
                **row.as_metadata(),
                "entity": row.entity,
                "record_id": row.record_id,
                "field": row.field,
            },
        )
