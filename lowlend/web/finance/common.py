"""What the finance screens share: labels of transaction codes, the data scope on loans,
wording and placing of use-case errors, input parsing, pagination and CSV answers.

Nothing here decides about money: the screens call the use cases of
:mod:`lowlend.services.lending` and show what they answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from flask import Response, request
from flask_appbuilder import BaseView
from flask_babel import lazy_gettext as _l

from lowlend.domain.errors import DomainError
from lowlend.services.admin_ports import Listing
from lowlend.services.data_scope import scope_for
from lowlend.services.ledger_balances import LoanScope
from lowlend.services.messages import message
from lowlend.services.spreadsheet_safety import safe_rows
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.fab import security_manager
from lowlend.web.generic.core_entities import LOAN_STATUS
from lowlend.web.generic.labels import format_date, format_money
from lowlend.web.i18n import label_text, request_locale
from lowlend.web.user_context import current_principal

__all__ = [
    "CHANNEL_LABELS",
    "KIND_LABELS",
    "PAGE_SIZE",
    "TXN_STATUS_LABELS",
    "TXN_TYPE_LABELS",
    "FinanceView",
    "Page",
    "code_text",
    "csv_response",
    "error_text",
    "failure_text",
    "find_loan",
    "loan_scope",
    "loan_visible",
    "paginate",
    "parse_amount",
    "parse_date",
    "place_error",
    "product_text",
    "safe_next",
    "template_helpers",
    "user_names",
]

TXN_TYPE_LABELS: Mapping[str, Any] = {
    "disbursement": _l("Disbursement"),
    "repayment": _l("Repayment"),
    "prepayment": _l("Prepayment"),
    "reversal": _l("Reversal"),
    "refund": _l("Refund"),
    "write_off": _l("Write-off"),
    "recovery": _l("Recovery after write-off"),
}
TXN_STATUS_LABELS: Mapping[str, Any] = {
    "posted": _l("Posted"),
    "pending": _l("Waiting for the gateway"),
    "failed": _l("Failed"),
    "awaiting_approval": _l("Awaiting approval"),
    "rejected": _l("Rejected"),
}
CHANNEL_LABELS: Mapping[str, Any] = {
    "transfer": _l("Bank transfer"),
    "cash": _l("Cash"),
    "gateway": _l("Payment gateway"),
    "auto_debit": _l("Auto-debit"),
    "statement": _l("Bank statement"),
}
KIND_LABELS: Mapping[str, Any] = {
    "repayment": _l("Repayment (allocated to what is due)"),
    "prepayment": _l("Prepayment of principal"),
    "payoff": _l("Payoff (settles the loan)"),
}

PAGE_SIZE = 25

_TXN_CODE_TEXT: dict[str, Any] = {**TXN_TYPE_LABELS, **TXN_STATUS_LABELS}


def code_text(code: Any) -> str:
    """The label of a loan status, transaction status or type (the code when unknown)."""
    if code is None:
        return ""
    text = str(code)
    for item in LOAN_STATUS.items:
        if item.code == text:
            return label_text(item.label)
    found = _TXN_CODE_TEXT.get(text) or CHANNEL_LABELS.get(text)
    return str(found) if found is not None else text


def product_text(code: str | None) -> str:
    """The product's label in the user's language (the code when it is not configured)."""
    registry = registry_hooks.current_registry()
    product = (getattr(registry, "products", None) or {}).get(code or "")
    return label_text(product.label) if product is not None else str(code or "")


def failure_text(code: str | None) -> str:
    """The payment gateway's failure reason in the user's language."""
    return message(code, request_locale()) if code else ""


# -- data scope ----------------------------------------------------------------------


def loan_scope(view: str) -> LoanScope:
    """The loans the user may see on the screen ``view`` (roles.yaml ``data_scope``)."""
    principal = current_principal()
    return LoanScope(scope_for(registry_hooks.current_registry(), principal, view), principal)


def loan_visible(view: str, loan_id: int) -> bool:
    """Whether loan ``loan_id`` exists within the user's data scope of ``view``."""
    return backend().finance.loan_visible(loan_id, loan_scope(view))


def find_loan(text: str | None, view: str) -> tuple[int | None, str | None]:
    """The loan named by ``text`` (its number, or its contract number) within the user's
    data scope of ``view``: ``(loan_id, None)`` or ``(None, why not)``."""
    raw = (text or "").strip().lstrip("#")
    if not raw:
        return None, str(_l("Give the loan's number or contract number."))
    found = backend().finance.find_loan(raw, loan_scope(view))
    if found is None:
        return None, str(_l("No loan %(loan)s that you may see.", loan=raw))
    return found, None


# -- errors --------------------------------------------------------------------------

_CODE_PARAMS = ("value",)


def error_text(exc: DomainError) -> str:
    """The use case's message in the user's language; status and type codes in it are
    shown by their labels."""
    params = dict(exc.params)
    for name in _CODE_PARAMS:
        if isinstance(params.get(name), str):
            params[name] = code_text(params[name])
    return message(exc.code, request_locale(), **params)


def place_error(form: Any, exc: DomainError, aliases: Mapping[str, str] | None = None) -> str | None:
    """Put the error next to its field of ``form`` (the use case's ``field``, renamed by
    ``aliases``); returns the text when no field of the form takes it (shown above)."""
    text = error_text(exc)
    placed = False
    locale = request_locale()
    extra: dict[str, list[str]] = {k: list(v) for k, v in (getattr(exc, "errors", {}) or {}).items()}
    for name, pairs in (getattr(exc, "codes", {}) or {}).items():
        extra.setdefault(name, []).extend(message(c, locale, **p) for c, p in pairs)
    if exc.field:
        extra.setdefault(exc.field, []).insert(0, text)
    for name, texts in extra.items():
        target = (aliases or {}).get(name, name)
        field = form._fields.get(target) if hasattr(form, "_fields") else None
        if field is not None and field.type != "HiddenField":
            field.errors = [*list(field.errors or ()), *dict.fromkeys(texts)]
            placed = placed or text in texts
    return None if placed else text


# -- input ---------------------------------------------------------------------------

_AMOUNT = re.compile(r"^-?\d{1,13}(\.\d+)?$")


def parse_amount(raw: str | None) -> Decimal | None:
    """``"1,234.50"`` → ``Decimal("1234.50")``; ``None`` for anything else (the use case
    checks the sign and the places)."""
    text = (raw or "").replace(",", "").replace("，", "").strip()
    if not _AMOUNT.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_date(raw: str | None, default: dt.date | None = None) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``); ``default`` when blank, ``None`` when not a date."""
    text = (raw or "").strip()
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path of this site (never another host), else ``fallback``."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


# -- lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, number (from 1), page count and total."""

    rows: list[Any]
    number: int
    pages: int
    total: int

    def url(self, number: int) -> str:
        """The current URL with ``page=number`` (other arguments kept)."""
        args = request.args.to_dict()
        args["page"] = str(number)
        from urllib.parse import urlencode

        return f"{request.path}?{urlencode(args)}"


def paginate(listing: Listing, size: int = PAGE_SIZE, arg: str = "page") -> Page:
    """Read the page of ``listing`` (a list query of the finance queries) asked for in the
    query string."""
    try:
        number = max(int(request.args.get(arg, "1")), 1)
    except ValueError:
        number = 1
    records = backend().records
    total = records.count(listing)
    pages = max((total + size - 1) // size, 1)
    number = min(number, pages)
    rows = records.rows(listing, (number - 1) * size, size)
    return Page(rows, number, pages, total)


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """FAB user id → username, for the ids given."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return backend().records.user_names(security_manager().user_model, wanted)


def csv_response(rows: Sequence[Sequence[Any]], filename: str) -> Response:
    """A UTF-8 CSV download (with a BOM, so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    csv.writer(buffer).writerows(safe_rows(cells))  # no spreadsheet formula injection
    response = Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_helpers() -> dict[str, Any]:
    """The formatters and label helpers the finance templates use."""
    return {
        "money": format_money,
        "date": format_date,
        "code_text": code_text,
        "product_text": product_text,
        "failure_text": failure_text,
        "channel_text": lambda c: str(CHANNEL_LABELS.get(c, c or "")),
    }


class FinanceView(BaseView):
    """Base of the finance screens: templates get :func:`template_helpers`."""

    def render_template(self, template: str, **kwargs: Any) -> Any:
        for name, helper in template_helpers().items():
            kwargs.setdefault(name, helper)
        return super().render_template(template, **kwargs)
