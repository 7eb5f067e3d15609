"""Translated strings of the configuration screens: lowlend's catalogue, nothing else.

``_`` (gettext) and ``_l`` (lazy_gettext) are the extraction keywords of
``make translations-extract``; the Chinese of every msgid is in
``translations/zh_CN`` (one translation mechanism: a msgid missing there shows in
English, and ``tests/web/test_i18n.py`` fails).

:data:`CODE_LABELS` holds the labels of the convention codes the screens show
(repayment methods, frequencies, loan kinds, notification channels); see
:func:`code_label`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from flask_babel.speaklater import LazyString

__all__ = ["CODE_LABELS", "_", "_l", "code_label"]


def _(msgid: str, **variables: Any) -> str:
    """``gettext`` in a request (lowlend's catalogue); the msgid itself outside one."""
    if has_request_context():
        return gettext(msgid, **variables)
    return msgid % variables if variables else msgid


def _l(msgid: str, **variables: Any) -> LazyString:
    """``lazy_gettext``: translated when shown, in the request locale."""
    return LazyString(_, msgid, **variables)


#: enum of lowlend.domain.conventions (or schema) → code → lazy label
CODE_LABELS: Mapping[str, Mapping[str, LazyString]] = {
    "amortization": {
        "equal_installment": _l("Equal installments (principal and interest)"),
        "equal_principal": _l("Equal principal"),
        "interest_only": _l("Interest only, principal at maturity"),
        "bullet": _l("Principal and interest at maturity"),
        "flat": _l("Flat rate (equal principal and interest)"),
    },
    "frequency": {
        "daily": _l("Daily"),
        "weekly": _l("Weekly"),
        "biweekly": _l("Every two weeks"),
        "monthly": _l("Monthly"),
        "quarterly": _l("Quarterly"),
        "one_time": _l("One-time"),
    },
    "loan_kind": {
        "term": _l("Term loan"),
        "revolving": _l("Revolving loan"),
        "entrusted": _l("Entrusted loan"),
    },
    "data_scope": {
        "own": _l("own records"),
        "department": _l("own department"),
        "department_tree": _l("own department and its sub-departments"),
        "all": _l("all records"),
    },
    "channel": {
        "sms": _l("Text message"),
        "email": _l("Email"),
        "in_app": _l("In-app message"),
        "wechat": _l("WeChat"),
    },
}


def code_label(group: str, value: Any) -> str:
    """The label of a convention code (an enum member or its value); the code if unknown."""
    if value is None or value == "":
        return ""
    code = str(getattr(value, "value", value))
    label = CODE_LABELS.get(group, {}).get(code)
    return str(label) if label is not None else code
