"""``POST /api/v1/ocr/id-card``: read a resident ID card from uploaded photos, offline.

Multipart parts ``front`` (required, the side with the photo) and ``back`` (optional,
the side with the national emblem). Who may call: a signed-in user (browser session
or JWT) who may add or edit customers — reading an ID card is the first step of
entering a customer (401 without login, 403 without that right).

* 200: ``{"fields": {name: {"value", "confidence"}}, "problems": [{"code", "message",
  "field"}]}`` — problems (wrong check digit, birth date or sex that disagree with the
  ID number, expired card) are reported, never corrected;
* 422: ``{"message": ..., "errors": {"front" | "back": [...]}}`` for a missing, empty,
  oversized or unreadable file, or one that shows no ID card.

Messages are in the request's locale. The OCR engine is loaded on the first request
of each process (see :mod:`lowlend.integrations.ocr.rapid`); ``LOWLEND_OCR_MAX_BYTES``
overrides the file size limit (default 10 MiB).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import lazy_gettext as _l

from lowlend.integrations.ocr import (
    DEFAULT_LIMITS,
    IdCardReader,
    ImageLimits,
    OcrError,
    RapidOcrIdCardReader,
    default_reader,
)
from lowlend.services.messages import message
from lowlend.services.permissions import permission_name
from lowlend.web.i18n import request_locale
from lowlend.web.user_context import signed_in

__all__ = ["EXTENSION_KEY", "OCR_VIEWS", "OcrApi", "current_reader"]

#: ``app.extensions`` key of an :class:`IdCardReader` replacing the default one
EXTENSION_KEY = "lowlend_ocr_reader"
#: view codes whose add/edit right allows reading ID cards
OCR_VIEWS: tuple[str, ...] = ("customers",)

SIGN_IN = _l("Sign in first.")
FORBIDDEN = _l("Reading ID cards needs the right to add or edit customers.")
UNREADABLE = _l("The ID card could not be read.")


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _limits() -> ImageLimits:
    configured = current_app.config.get("LOWLEND_OCR_MAX_BYTES")
    if not configured:
        return DEFAULT_LIMITS
    return ImageLimits(max_bytes=int(configured))


def current_reader() -> IdCardReader:
    """The reader of this app: ``app.extensions[EXTENSION_KEY]`` if set, else the
    process's RapidOCR reader (with ``LOWLEND_OCR_MAX_BYTES`` when configured)."""
    reader = current_app.extensions.get(EXTENSION_KEY)
    if reader is not None:
        return reader  # type: ignore[no-any-return]
    limits = _limits()
    return default_reader() if limits == DEFAULT_LIMITS else RapidOcrIdCardReader(limits)


def may_read_id_cards() -> bool:
    """``can_add`` or ``can_edit`` on one of :data:`OCR_VIEWS`."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    return any(
        sm.has_access(permission_name(action), code)
        for code in OCR_VIEWS
        for action in ("add", "edit")
    )


def _upload(part: str, limit: int) -> bytes | None:
    """The bytes of multipart ``part`` (at most ``limit + 1``: enough to refuse it)."""
    storage = request.files.get(part)
    if storage is None:
        return None
    data: bytes = storage.stream.read(limit + 1)
    if not data and not storage.filename:
        return None  # a browser's file input left empty
    return data


class OcrApi(BaseApi):  # type: ignore[misc]
    """Offline OCR of identity documents."""

    resource_name = "ocr"
    openapi_spec_tag = "OCR"

    @expose("/id-card", methods=["POST"])  # type: ignore[untyped-decorator]
    def id_card(self) -> Response:
        """Read a resident ID card (居民身份证).
        ---
        post:
          description: >-
            Fields of the front (name, sex, ethnicity, birth_date, address, id_number)
            and of the back (issuing_authority, valid_from, valid_until), each with a
            confidence in 0..1, and the problems found (check digit, birth date and
            sex versus the ID number, validity).
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [front]
                  properties:
                    front: {type: string, format: binary}
                    back: {type: string, format: binary}
          responses:
            200: {description: the fields and problems}
            401: {description: not signed in}
            403: {description: no right to add or edit customers}
            422: {description: "missing, unreadable or oversized image, or no ID card on it"}
        """
        if not signed_in():
            return _json({"message": str(SIGN_IN)}, 401)
        if not may_read_id_cards():
            return _json({"message": str(FORBIDDEN)}, 403)
        locale = request_locale()
        limits = _limits()
        front = _upload("front", limits.max_bytes)
        back = _upload("back", limits.max_bytes)
        if front is None:
            return _json(
                {"message": str(UNREADABLE),
                 "errors": {"front": [message("ocr_image_required", locale)]}},
                422,
            )
        try:
            result = current_reader().read(front, back)
        except OcrError as exc:
            return _json(
                {"message": str(UNREADABLE), "errors": {exc.side: [exc.message(locale)]}}, 422
            )
        return _json(result.to_json(locale), 200)
