"""CSRF protection of every state-changing browser request.

Flask-AppBuilder's own POST routes (delete, bulk actions, the security screens) do not
check a token themselves: they rely on Flask-WTF's :class:`~flask_wtf.csrf.CSRFProtect`
being installed, which :func:`init_app` does. Forms carry the session's token in a
``csrf_token`` field, scripts in an ``X-CSRFToken`` header. FAB exempts its REST APIs
(JSON bodies or a JWT) when they are registered, so :func:`init_app` must run before
the views are.

A refused request never shows a bare "400 Bad Request": a page is sent back to the
form it came from (same URL, GET) with a message saying to submit again — nothing was
saved; a JSON request gets ``400 {"message": ...}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect

__all__ = ["EXPIRED_MESSAGE", "init_app"]

EXPIRED_MESSAGE = _l(
    "The form was not accepted because its security token is missing or has expired "
    "(for example after a long pause). Nothing was saved: please submit it again."
)


def _refused(error: CSRFError) -> Any:
    if request.is_json or request.accept_mimetypes.best == "application/json":
        response = jsonify({"message": gettext(str(EXPIRED_MESSAGE))})
        response.status_code = 400
        return response
    flash(str(EXPIRED_MESSAGE), "danger")
    return redirect(request.full_path if request.query_string else request.path)


def init_app(app: Flask) -> CSRFProtect:
    """Install CSRF protection on ``app`` (``WTF_CSRF_ENABLED=False`` turns it off)."""
    protect = CSRFProtect(app)
    app.register_error_handler(CSRFError, _refused)
    return protect
