"""What the hooks of one form request hand each other: :class:`FormState`.

Flask-AppBuilder calls a view's hooks one after the other in one request
(``process_form``, then ``pre_add``/``pre_update``, ``post_add``, the redirect; the REST
API's validation, then ``apply_values``) and passes nothing between them. The values one
hook prepares for a later one live in this request's :class:`FormState` — one typed
object in ``flask.g``, gone with the request (views are shared between requests and
threads, so they cannot hold it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g

__all__ = ["FormState", "form_state"]

_G_KEY = "_lowlend_form_state"


@dataclass
class FormState:
    """The state of the current form request.

    :ivar extra: the values of the form's virtual fields (not columns), for the new
        record's stamps (:func:`lowlend.web.generic.stamping.stamp_new`).
    :ivar custom: an application's custom-field values as stored (its ``custom`` JSON),
        prepared by the validation for the save.
    :ivar product: the product spec whose form the request shows or saves (applications).
    :ivar new_application: the id of the application the request created.
    """

    extra: dict[str, Any] | None = None
    custom: dict[str, Any] | None = None
    product: Any = None
    new_application: int | None = None

    def take_custom(self) -> dict[str, Any] | None:
        """:attr:`custom`, forgotten once taken (saved once)."""
        custom, self.custom = self.custom, None
        return custom


def form_state() -> FormState:
    """The current request's :class:`FormState` (made on first use; needs an app context)."""
    found = g.get(_G_KEY)
    if not isinstance(found, FormState):
        found = FormState()
        setattr(g, _G_KEY, found)
    return found
