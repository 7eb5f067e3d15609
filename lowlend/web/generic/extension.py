"""Where an app keeps the descriptors of its generated views.

:func:`lowlend.web.generic.registration.register` stores them at boot in
``app.extensions[EXTENSION_KEY]`` (view code → descriptor); everything else reads them
with :func:`descriptors_of`. A leaf module: it imports nothing of the web layer.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXTENSION_KEY", "descriptors_of"]

EXTENSION_KEY = "lowlend_generic"


def descriptors_of(app: Any = None) -> dict[str, Any]:
    """The generated views' descriptors of ``app`` (default: the current app), by code;
    empty before :func:`~lowlend.web.generic.registration.register` ran."""
    if app is None:
        from flask import current_app

        app = current_app
    found: dict[str, Any] = app.extensions.get(EXTENSION_KEY, {})
    return found
