"""Input parsing shared by the money endpoints (:mod:`lowlend.web.api.money`,
:mod:`lowlend.web.api.entrusted_funds`): amounts as Decimal, ISO dates, bounded text and
the 422 answer naming the fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response
from flask_babel import gettext as _

from lowlend.web.api.lending import _body
from lowlend.web.api.quote import _json
from lowlend.web.lending_context import business_today

__all__ = ["_amount", "_date", "_fields", "_parsed", "_text"]


def _amount(body: dict[str, Any], errors: dict[str, list[str]], name: str = "amount",
            required: bool = True) -> Decimal | None:
    raw = body.get(name)
    if raw is None or raw == "":
        if required:
            errors[name] = [_("Give an amount such as 1000.00.")]
        return None
    try:
        value = Decimal(str(raw))
        if not value.is_finite() or abs(value) >= Decimal("1e15"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[name] = [_("Give an amount such as 1000.00.")]
        return None
    return value


def _date(body: dict[str, Any], errors: dict[str, list[str]], name: str = "value_date") -> dt.date:
    raw = body.get(name)
    if raw in (None, ""):
        return business_today()
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        errors[name] = [_("Give a date as YYYY-MM-DD.")]
        return business_today()


def _text(body: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Give text.")]
        return ""
    if len(value) > limit:
        errors[name] = [_("At most %(n)s characters.", n=limit)]
    return value


def _fields(errors: dict[str, list[str]]) -> Response:
    return _json({"message": _("Please correct the fields."), "errors": errors}, 422)


def _parsed() -> tuple[dict[str, Any] | None, Response | None]:
    body = _body()
    if body is None:
        return None, _json({"message": _("The request body must be a JSON object.")}, 400)
    return body, None
