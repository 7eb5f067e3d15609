"""A limit on the total size of a request: ``MAX_CONTENT_LENGTH`` (413 above it).

``MAX_CONTENT_LENGTH`` (environment ``LOWLEND_MAX_REQUEST_BYTES``, default 25 MiB) bounds
a whole request body, whatever the number of its parts; it leaves room for the largest
legitimate requests (the OCR API's two photos of at most 10 MiB each, an attachment or
a statement file of at most 10 MiB). Flask's ``MAX_FORM_MEMORY_SIZE`` (500 kB) bounds
one non-file form field.

A request over a limit is refused before any view runs, with 413 and a message in the
user's language: ``{"message": ...}`` for the REST API (``/api/...``) and JSON requests,
a page otherwise — never a traceback. A body without ``Content-Length`` (chunked) is
read, at most one byte past the limit, before the views, so it is refused the same way.

Installed by :func:`lowlend.app.create_app` before the CSRF check (which reads forms).
"""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from lowlend.services.attachments import format_size

__all__ = ["init_app", "too_large_message"]

log = logging.getLogger(__name__)


def too_large_message() -> str:
    """Why this request was refused, in the request's language."""
    cfg = current_app.config
    limit = cfg.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if limit and (length is None or length > int(limit)):
        return str(gettext(
            "The request is too large: at most %(size)s can be sent at once. "
            "Nothing was saved; send smaller or fewer files.",
            size=format_size(int(limit)),
        ))
    field = cfg.get("MAX_FORM_MEMORY_SIZE") or 500_000
    return str(gettext(
        "A form field is too large (at most %(size)s). Nothing was saved.",
        size=format_size(int(field)),
    ))


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _back_url() -> str:
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return referrer
    appbuilder = getattr(current_app, "appbuilder", None)
    return str(appbuilder.get_url_for_index) if appbuilder is not None else "/"


def _refused(error: RequestEntityTooLarge) -> Any:
    message = too_large_message()
    if not hasattr(g, "user"):  # refused before FAB's own before_request set it
        g.user = current_user
    if _wants_json():
        response = jsonify({"message": message})
        response.status_code = 413
        return response
    appbuilder: Any = getattr(current_app, "appbuilder", None)
    try:
        page = render_template(
            "lowlend/request_too_large.html", message=message, back_url=_back_url(),
            appbuilder=appbuilder, base_template=appbuilder.base_template,
        )
    except Exception:  # the page itself failed: still a clear answer, never a traceback
        log.exception("lowlend: the 413 page could not be rendered")
        return message, 413, {"Content-Type": "text/plain; charset=utf-8"}
    return page, 413


def _check_length() -> None:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return
    length = request.content_length
    if length is not None:
        if length > int(limit):
            raise RequestEntityTooLarge()
    elif request.environ.get("wsgi.input_terminated"):
        _buffer_streamed_body(int(limit))


def _buffer_streamed_body(limit: int) -> None:
    """A body without ``Content-Length`` (chunked): read it now, at most one byte past
    the limit (Werkzeug would silently cut it at the limit), and hand it to the views as
    an ordinary body of known length."""
    environ = request.environ
    raw = environ["wsgi.input"]
    data = bytearray()
    while len(data) <= limit:
        chunk = raw.read(limit + 1 - len(data))
        if not chunk:
            break
        data += chunk
    if len(data) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    for cached in ("stream", "content_length"):  # computed from the old environ
        request.__dict__.pop(cached, None)


def init_app(app: Flask) -> None:
    """Check request sizes on ``app`` (call before the CSRF protection is installed)."""
    app.before_request(_check_length)
    app.register_error_handler(RequestEntityTooLarge, _refused)
    limit = app.config.get("MAX_CONTENT_LENGTH")
    for key in ("LOWLEND_ATTACHMENT_MAX_SIZE", "LOWLEND_OCR_MAX_BYTES"):
        size = app.config.get(key)
        if limit and size and int(size) >= int(limit):
            log.warning("lowlend: %s (%s bytes) is not below MAX_CONTENT_LENGTH (%s bytes): "
                        "such files are refused with 413", key, size, limit)
