"""Live ``visible_if`` / ``required_if`` for the generated forms.

``POST /<code>/_conditions`` (``?product=<code>`` on the application add form,
``?pk=<id>`` on edit forms) takes the current form values as a JSON object
(form field name → value; child tables as lists of row objects) and answers which
fields are visible and required now::

    {"fields": {"registration_date": {"visible": true, "required": true}, ...}}

The answer comes from the **same** server-side validator that checks the saved
record (:mod:`lowlend.services.custom_fields`: CEL programs of
:mod:`lowlend.spec.expressions`): there is no second expression evaluator in the
browser. ``static/lowlend/lowlend-forms.js`` calls it (debounced) when a field
changes and hides/shows the form rows and the required markers. The server still
re-checks everything on save (ARCHITECTURE.md rule 9).

The endpoint changes nothing. It takes ``application/json`` only (a cross-site page
cannot send that without a CORS preflight, which is refused), and it needs the same
permission as the forms: ``can_add`` or ``can_edit`` on the code (applications also
``can_apply`` on the product when that permission exists). Answers: ``200``;
``400`` for a body that is not a JSON object; ``401`` when not logged in; ``403``
without permission; ``404`` for an unknown product or record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from lowlend.services.custom_fields import ValidationResult
from lowlend.services.permissions import permission_name
from lowlend.web.generic import common
from lowlend.web.generic.labels import translate

__all__ = ["MESSAGES", "client_config", "conditions_response", "entity_states", "error", "states"]

#: texts of this module (listed for message extraction; translated when answered)
MESSAGES = (
    _l("Not logged in."),
    _l("Access denied."),
    _l("Unknown record."),
)

#: more values than this is not a form
MAX_VALUES = 1000


def error(status: int, message: str) -> Any:
    """A JSON error answer of the endpoint (``message``: a msgid, translated here)."""
    response = jsonify({"message": translate(message)})
    response.status_code = status
    return response


def states(result: ValidationResult, names: list[str]) -> dict[str, dict[str, bool]]:
    """``{name: {"visible": ..., "required": ...}}`` of a validation result."""
    return {
        name: {"visible": name not in result.hidden, "required": name in result.required}
        for name in names
    }


def _allowed(code: str) -> bool:
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    return bool(
        sm.has_access(permission_name("add"), code) or sm.has_access(permission_name("edit"), code)
    )


def _logged_in() -> bool:
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))


def entity_states(view: Any, values: Mapping[str, Any]) -> dict[str, dict[str, bool]]:
    """Field states of a generated entity form for ``values`` (the view's own fields)."""
    desc = view.descriptor
    fields = common.current_fields(desc)
    known = {f.code for f in fields}
    result = common.validate(desc, {k: v for k, v in values.items() if k in known})
    return states(result, [f.code for f in fields])


def conditions_response(view: Any) -> Any:
    """The answer of ``POST /<code>/_conditions`` (see the module docs)."""
    code = view.descriptor.code
    if not _logged_in():
        return error(401, "Not logged in.")
    if not _allowed(code):
        return error(403, "Access denied.")
    if not request.is_json:
        return error(400, "Request is not JSON")
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or len(data) > MAX_VALUES:
        return error(400, "The request body must be a JSON object.")
    values = {str(k): v for k, v in data.items()}
    fields, refused = view.condition_states(values)
    if refused is not None:
        return refused
    return jsonify({"fields": fields})


def _has_conditions(fields: Any) -> bool:
    return any(getattr(f, "visible_if", None) or getattr(f, "required_if", None) for f in fields)


def client_config(view: Any) -> dict[str, str]:
    """What the form script needs: the conditions URL (empty when no field has a
    condition) and the CSRF header name. The view names its form's fields and the URL's
    query (``view.condition_fields()``: ``None`` when the form is not available)."""
    found = view.condition_fields()
    if found is None:
        return {"conditions_url": ""}
    fields, params = found
    if not _has_conditions(fields):
        return {"conditions_url": ""}
    return {"conditions_url": url_for(f"{view.endpoint}.conditions", **params)}
