"""Per-request labels and value formatting of the generated admin.

* :func:`config_label` — a lazy string resolving a config ``Label`` (``{zh_CN, en}``)
  in the request locale;
* :func:`bilingual` — a code-level label pair (like a config ``Label``): ``lazy_gettext(en)``
  when lowlend's catalogue translates it, else the given Chinese text for ``zh*`` locales;
* :func:`translate` — ``gettext`` of a msgid chosen at run time (validation and error
  messages, all listed in :data:`MESSAGES` so they are extracted into the catalogue);
* formatters in the request locale (money with 2 places, rates as %, dates and
  date-times in the configured time zone,
  dictionary labels, booleans, masked PII unless the user has ``can_view_pii``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import flask_babel
from flask import g, has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.audit import DEFAULT_MASKS, mask_value
from lowlend.web import registry_hooks
from lowlend.web.fab import security_manager
from lowlend.web.i18n import label_text, request_locale

log = logging.getLogger(__name__)

__all__ = [
    "MESSAGES",
    "bilingual",
    "config_label",
    "format_bool",
    "format_money",
    "format_rate",
    "translate",
]


def _is_zh() -> bool:
    return request_locale().lower().startswith("zh")


def config_label(label: Any) -> LazyString:
    """A lazy string of a config label."""
    return LazyString(label_text, label)


def _bilingual(en: str, zh: str) -> str:
    return zh if _is_zh() else en


def bilingual(en: str, zh: str) -> LazyString:
    """A code-level ``{zh_CN, en}`` label pair (the core entities' view, column and
    dictionary labels), resolved per request locale like a config ``Label``.

    Not a message mechanism: texts of the code (titles, notes, messages) use
    ``_l``/``gettext`` and lowlend's catalogue. The catalogue is not consulted here, so
    an unrelated msgid with the same English text (e.g. FAB's ``"Name"``) cannot
    change a column label.
    """
    return LazyString(_bilingual, en, zh)


# -- formatting -------------------------------------------------------------------------


_CENT = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:  # not a number: the caller shows the value as it is
        return None


def format_money(value: Any) -> str:
    """A money amount in the request locale, two places: ``1234567.5`` → ``1,234,567.50``
    (``en``, ``zh_CN``), ``1.234.567,50`` (``de``). Exact: the ``Decimal`` is formatted,
    never a float."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    return str(flask_babel.format_decimal(amount.quantize(_CENT), format="#,##0.00"))


def format_rate(value: Any) -> str:
    """A rate as a percentage in the request locale, 2 to 4 places:
    ``0.24`` → ``24.00%``, ``0.0005`` → ``0.05%``, ``0.123456`` → ``12.3456%``."""
    rate = _decimal(value)
    if rate is None:
        return "" if value is None else str(value)
    return str(flask_babel.format_percent(rate, format="#,##0.00##%"))


def format_date(value: Any) -> str:
    """A date or date-time in the request locale (``medium`` format: ``Nov 28, 2026`` in en).

    Date-times are stored in UTC (naive values from SQLite are UTC too) and shown in
    the configured time zone (``BABEL_DEFAULT_TIMEZONE``, Asia/Shanghai by default).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return str(flask_babel.format_datetime(value, "medium"))
    if isinstance(value, dt.date):
        return str(flask_babel.format_date(value, "medium"))
    return str(value)


def format_bool(value: Any) -> str:
    if value is None:
        return ""
    return str(_l("Yes") if value else _l("No"))


def format_json(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def dictionary_formatter(
    dictionary_code: str | None, fallback: Mapping[str, Any] | None = None
) -> Callable[[Any], str]:
    """Formatter showing a dictionary item's label (current registry) for its code."""

    def fmt(value: Any) -> str:
        if value is None or value == "":
            return ""
        registry = registry_hooks.current_registry()
        dictionaries = getattr(registry, "dictionaries", None) or {}
        spec = dictionaries.get(dictionary_code or "")
        if spec is not None:
            for item in spec.items:
                if item.code == value:
                    return label_text(item.label)
        if fallback and value in fallback:
            return str(fallback[value])
        return str(value)

    return fmt


def can_view_pii(view_code: str) -> bool:
    """Whether the current user holds ``can_view_pii`` on ``view_code`` (cached per request)."""
    if not has_request_context():
        return False
    cache = g.setdefault("_lowlend_pii", {})
    if view_code not in cache:

        try:
            cache[view_code] = bool(security_manager().has_access("can_view_pii", view_code))
        except SQLAlchemyError:  # permissions unreadable: keep the values masked
            log.warning(
                "lowlend: can_view_pii on %s could not be checked; masking", view_code, exc_info=True
            )
            cache[view_code] = False
    return cache[view_code]


def mask_rules() -> Mapping[str, str]:
    """PII class → mask rule (region ``CN`` of the current registry, else defaults)."""
    registry = registry_hooks.current_registry()
    regions = getattr(registry, "regions", None) or {}
    region = regions.get("CN")
    rules = dict(DEFAULT_MASKS)
    if region is not None:
        for code, field in getattr(region, "pii_fields", {}).items():
            if getattr(field, "mask", None):
                rules[code] = field.mask
    return rules


def pii_formatter(
    view_code: str, pii_class: str, inner: Callable[[Any], str] | None = None
) -> Callable[[Any], str]:
    """Formatter masking a PII value unless the user has ``can_view_pii`` on the view."""

    def fmt(value: Any) -> str:
        text = inner(value) if inner is not None else ("" if value is None else str(value))
        if not text or can_view_pii(view_code):
            return text
        return str(mask_value(text, mask_rules().get(pii_class)))

    return fmt


#: Messages of the generated admin that the code translates with a msgid chosen at run
#: time (the validation texts of :data:`lowlend.services.custom_fields.MESSAGE_TEXTS`,
#: error messages). Listed here with ``_l`` so ``make translations-extract`` puts them in
#: lowlend's catalogue, which holds their Chinese (``translations/zh_CN``). Keep this list
#: in step with ``MESSAGE_TEXTS`` (a test checks it).
MESSAGES: tuple[LazyString, ...] = (
    _l("This field is required."),
    _l("Not a valid whole number."),
    _l("Not a valid number."),
    _l("Not a valid date (YYYY-MM-DD)."),
    _l("Not a valid date and time."),
    _l("Not a valid yes/no value."),
    _l("Not a valid choice."),
    _l("Not a valid record id."),
    _l("Not valid JSON."),
    _l("Must be a list of rows."),
    _l("Must be text."),
    _l("Must be at least %(min)s."),
    _l("Must be at most %(max)s."),
    _l("Must be at most %(max_length)s characters long."),
    _l("Has the wrong format."),
    _l("Row %(row)s, %(column)s: %(message)s"),
    _l("Unknown field."),
    _l("This field cannot be changed."),
    # file fields (lowlend.services.attachments, lowlend.web.attachments)
    _l("Must be a list of attachment ids."),
    _l("Unknown attachment %(id)s."),
    _l("%(name)s is empty."),
    _l("%(name)s is larger than %(max)s."),
    _l("%(name)s: this file type is not allowed (allowed: %(allowed)s)."),
    _l("%(name)s: the content does not match the file type."),
    _l("Validation failed"),
    _l("Unknown product."),
    _l("Unknown product: %(code)s"),
    _l("No configuration is published."),
    _l("The record conflicts with an existing one."),
    _l("The record could not be saved."),
    _l("The request body must be a JSON object."),
    _l("Request is not JSON"),
    _l("Could not process entity"),
)


def translate(msgid: str) -> str:
    """``gettext(msgid)`` in a request (lowlend's catalogue, then FAB's); ``msgid`` outside."""
    return gettext(msgid) if has_request_context() else msgid
