"""Typed access to the Flask-AppBuilder objects of an app.

FAB binds itself to the Flask app as ``app.appbuilder`` (an attribute Flask's type does
not declare) and ``app.extensions["appbuilder"]``; everything in lowlend reaches it
through these functions instead.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

__all__ = ["appbuilder_of", "current_flask_app", "may", "security_manager"]


def current_flask_app() -> Flask:
    """The current app itself (not the ``current_app`` proxy), e.g. for closures that
    outlive the request."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def appbuilder_of(app: Flask | None = None) -> Any:
    """The ``AppBuilder`` of ``app`` (default: the current app)."""
    target = current_flask_app() if app is None else app
    return target.extensions["appbuilder"]


def security_manager(app: Flask | None = None) -> Any:
    """The security manager (``appbuilder.sm``) of ``app`` (default: the current app)."""
    return appbuilder_of(app).sm


def may(action: str, view: str) -> bool:
    """Whether the current user holds ``can_<action>`` on the view-menu ``view``."""
    return bool(security_manager().has_access(f"can_{action}", view))
