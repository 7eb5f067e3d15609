"""Per-request labels and value formatting of the generated admin.

* :func:`config_label` — a lazy string resolving a config ``Label`` (``{zh_CN, en}``)
  in the request locale;
* :func:`bilingual` — a code-level label: ``lazy_gettext(en)`` when lowlend's
  catalogue translates it, else the built-in Chinese text for ``zh*`` locales;
* formatters (money with thousands separators and 2 places, rates as %, dates,
  dictionary labels, booleans, masked PII unless the user has ``can_view_pii``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext
from flask_babel.speaklater import LazyString

from lowlend.services.audit import DEFAULT_MASKS, mask_value
from lowlend.web import registry_hooks

__all__ = [
    "bilingual",
    "config_label",
    "format_bool",
    "format_money",
    "format_rate",
    "locale_key",
]


def locale_key() -> str:
    """``zh_CN`` or ``en`` for the current request (``zh_CN`` outside requests)."""
    try:
        from lowlend.web.menu import current_locale_key

        return current_locale_key()
    except Exception:
        return "zh_CN"


def _is_zh() -> bool:
    return locale_key().lower().startswith("zh")


def label_text(label: Any) -> str:
    """Text of a config label (``Label`` / mapping / str) in the request locale."""
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    getter = getattr(label, "get", None)
    if callable(getter):
        try:
            value = getter(locale_key())
        except Exception:
            value = None
        if value:
            return str(value)
    return str(label)


def config_label(label: Any) -> LazyString:
    """A lazy string of a config label."""
    return LazyString(label_text, label)


def _bilingual(en: str, zh: str) -> str:
    translated = gettext(en) if has_request_context() else en
    if translated != en:
        return translated
    return zh if _is_zh() else en


def bilingual(en: str, zh: str) -> LazyString:
    """``lazy_gettext(en)`` with a built-in Chinese fallback (catalogue wins)."""
    return LazyString(_bilingual, en, zh)


# -- formatting -------------------------------------------------------------------------


def format_money(value: Any) -> str:
    """``1234567.5`` → ``"1,234,567.50"``."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except Exception:
        return str(value)


def format_rate(value: Any) -> str:
    """``0.24`` → ``"24.00%"``; ``0.0005`` → ``"0.05%"`` (2 to 4 places)."""
    if value is None or value == "":
        return ""
    try:
        pct = Decimal(str(value)) * 100
    except Exception:
        return str(value)
    text = f"{pct:.4f}"
    whole, frac = text.split(".")
    frac = frac.rstrip("0")
    frac = frac + "0" * (2 - len(frac)) if len(frac) < 2 else frac
    return f"{whole}.{frac}%"


def format_date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def format_bool(value: Any) -> str:
    if value is None:
        return ""
    return str(bilingual("Yes", "是") if value else bilingual("No", "否"))


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
        from flask import current_app

        try:
            cache[view_code] = bool(current_app.appbuilder.sm.has_access("can_view_pii", view_code))
        except Exception:
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


#: Chinese texts of the validation messages (used when the catalogue lacks them)
ZH_MESSAGES: Mapping[str, str] = {
    "This field is required.": "此字段为必填项。",
    "Not a valid whole number.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Not a valid date (YYYY-MM-DD).": "不是有效的日期（YYYY-MM-DD）。",
    "Not a valid date and time.": "不是有效的日期时间。",
    "Not a valid yes/no value.": "不是有效的是/否值。",
    "Not a valid choice.": "不是有效的选项。",
    "Not a valid record id.": "不是有效的记录编号。",
    "Not valid JSON.": "不是有效的 JSON。",
    "Must be a list of rows.": "必须是行的列表。",
    "Must be text.": "必须是文本。",
    "Must be at least %(min)s.": "不能小于 %(min)s。",
    "Must be at most %(max)s.": "不能大于 %(max)s。",
    "Must be at most %(max_length)s characters long.": "长度不能超过 %(max_length)s 个字符。",
    "Has the wrong format.": "格式不正确。",
    "Row %(row)s, %(column)s: %(message)s": "第 %(row)s 行，%(column)s：%(message)s",
    "Unknown field.": "未知字段。",
    "This field cannot be changed.": "此字段不可修改。",
    "Validation failed": "校验失败",
    "Unknown product.": "未知的贷款产品。",
    "Unknown product: %(code)s": "未知的贷款产品：%(code)s",
    "No configuration is published.": "尚未发布配置。",
    "The record conflicts with an existing one.": "该记录与已有记录冲突。",
    "The record could not be saved.": "记录无法保存。",
    "The request body must be a JSON object.": "请求体必须是 JSON 对象。",
    "Request is not JSON": "请求不是 JSON",
}


def translate(msgid: str) -> str:
    """Translate a message id: lowlend's catalogue first, then :data:`ZH_MESSAGES` for zh."""
    translated = gettext(msgid) if has_request_context() else msgid
    if translated != msgid:
        return translated
    if _is_zh():
        return ZH_MESSAGES.get(msgid, msgid)
    return msgid
