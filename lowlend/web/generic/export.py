"""Export of a generated list (CSV or Excel) with the list's search filters and ordering.

The rows come from the view's datamodel, so the user's data scope applies exactly as
on the list page; values are formatted as on the screen (labels, money, masked PII
unless the user may view it). Needs the ``export`` action of roles.yaml. Every cell goes
through :func:`lowlend.services.spreadsheet_safety.safe_cell` (no spreadsheet formula
injection: text starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request
from markupsafe import Markup

from lowlend.services.spreadsheet_safety import safe_rows

__all__ = ["MAX_EXPORT_ROWS", "export_response", "plain_text", "table_rows"]

#: rows in one export (a bigger portfolio goes through the reports)
MAX_EXPORT_ROWS = 100_000


def plain_text(value: Any) -> str:
    """A formatted cell as plain text (links and markup of the screen are dropped)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value.striptags()
    return str(value)


def table_rows(view: Any, columns: Sequence[str], items: Iterable[Any]) -> list[list[str]]:
    """Header (column labels) and one row per item, formatted as on the list page."""
    formatters = getattr(view, "formatters_columns", {}) or {}
    header = [plain_text(view.label_columns.get(c, c)) for c in columns]
    rows = [header]
    for item in items:
        row = []
        for column in columns:
            value = getattr(item, column, None)
            fmt = formatters.get(column)
            row.append(plain_text(fmt(value) if fmt is not None else value))
        rows.append(row)
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(safe_rows(rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese


def _xlsx(rows: list[list[str]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "export")
    for row in safe_rows(rows):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_response(view: Any, code: str) -> Response:
    """The ``/<code>/export/?format=csv|xlsx`` response of a generated view."""
    from flask_appbuilder.urltools import get_filter_args, get_order_args

    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return Response(f"unknown export format {fmt!r}: use csv or xlsx", status=400,
                        mimetype="text/plain")
    order_column, order_direction = get_order_args().get(view.__class__.__name__, ("", ""))
    get_filter_args(view._filters)
    _count, items = view.datamodel.query(
        view._filters, order_column, order_direction, page=0, page_size=MAX_EXPORT_ROWS
    )
    rows = table_rows(view, list(view.list_columns), items)
    if fmt == "xlsx":
        body = _xlsx(rows, code)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = _csv(rows), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{code}.{fmt}"'})
