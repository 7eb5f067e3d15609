"""Bank and gateway statements (对账单): columns and cells, read into statement lines.

Pure: the file reading (pandas) lives in the outer layers; matching is
:mod:`lowlend.domain.reconciliation`.

**Columns.** A statement has a header row; headers are recognised in English or Chinese
(case, spaces, ``_`` and ``-`` do not matter), see :data:`COLUMN_ALIASES`. Required:
``value_date`` (交易日期), ``reference`` (流水号) and either ``amount`` (金额, signed:
negative = money out) or both ``amount_in`` (收入金额) and ``amount_out`` (支出金额).
Optional: ``counterparty`` (对方户名), ``memo`` (摘要), ``currency`` (币种),
``direction`` (收支方向: in/out, 收/支, 贷/借 — then ``amount`` is positive).

>>> sorted(map_headers(["交易日期", "金额", "流水号", "对方户名", "摘要", "余额"]).values())
['amount', 'counterparty', 'memo', 'reference', 'value_date']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lowlend.domain.errors import DomainError

__all__ = [
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "ParsedLine",
    "RowProblem",
    "StatementFormatError",
    "map_headers",
    "parse_amount",
    "parse_date",
    "parse_rows",
]

#: canonical column → accepted headers (compared after :func:`_norm_header`)
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "value_date": ("value_date", "value date", "date", "transaction date", "booking date",
                   "交易日期", "记账日期", "入账日期", "日期", "交易时间"),
    "amount": ("amount", "金额", "交易金额", "发生额"),
    "amount_in": ("amount_in", "credit", "credit amount", "收入金额", "收入", "贷方金额",
                  "贷方发生额"),
    "amount_out": ("amount_out", "debit", "debit amount", "支出金额", "支出", "借方金额",
                   "借方发生额"),
    "direction": ("direction", "收支方向", "借贷方向", "借贷标志", "收付方向"),
    "reference": ("reference", "ref", "reference no", "transaction id", "流水号", "交易流水号",
                  "银行流水号", "参考号", "交易参考号"),
    "counterparty": ("counterparty", "counterparty name", "payer", "对方户名", "对方名称",
                     "对方账户名称", "付款人"),
    "memo": ("memo", "description", "摘要", "备注", "用途", "附言"),
    "currency": ("currency", "币种", "货币"),
}

REQUIRED_COLUMNS = ("value_date", "reference")
"""Columns every statement needs (plus ``amount`` or ``amount_in`` and ``amount_out``)."""

_IN_WORDS = frozenset({"in", "收", "收入", "贷", "贷方", "credit", "cr", "+"})
_OUT_WORDS = frozenset({"out", "支", "付", "支出", "借", "借方", "debit", "dr", "-"})
_CENT = Decimal("0.01")
_LIMIT = Decimal("1e16")  # Numeric(18, 2)
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _norm_header(text: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(text or "")).strip().lower()


_HEADER_INDEX: dict[str, str] = {
    _norm_header(alias): canonical
    for canonical, aliases in COLUMN_ALIASES.items()
    for alias in aliases
}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A bad cell: ``row`` of the file (the header is row 1), canonical ``column``, the
    cell's ``value`` and a problem ``code`` (``date_invalid``, ``amount_invalid``,
    ``amount_zero``, ``amount_precision``, ``amount_too_large``, ``amount_ambiguous``,
    ``direction_invalid``, ``reference_missing``, ``reference_too_long``,
    ``currency_mismatch``)."""

    row: int
    column: str
    value: str
    code: str


class StatementFormatError(DomainError):
    """A statement that cannot be imported (nothing of it is stored).

    Codes: ``statement_columns_missing`` (``missing``: canonical columns, ``found``: the
    file's headers), ``statement_columns_ambiguous`` (``columns``: headers naming the
    same column twice), ``statement_rows_invalid`` (``problems``: :class:`RowProblem`
    list), ``statement_empty``.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, "file", **params)


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One statement line as imported (``amount`` positive, ``direction`` in | out)."""

    line_no: int
    value_date: dt.date
    direction: str
    amount: Decimal
    currency: str
    reference: str
    counterparty: str = ""
    memo: str = ""


def map_headers(headers: Sequence[object]) -> dict[str, str]:
    """Header of the file → canonical column, for the headers lowlend knows.

    :raises StatementFormatError: ``statement_columns_missing`` /
        ``statement_columns_ambiguous``.

    >>> map_headers(["Value Date", "Amount", "Reference"])
    {'Value Date': 'value_date', 'Amount': 'amount', 'Reference': 'reference'}
    >>> map_headers(["日期", "流水号"])
    Traceback (most recent call last):
    ...
    lowlend.domain.statement_lines.StatementFormatError: file: statement_columns_missing (found=['日期', '流水号'], missing=['amount'])
    """
    mapped: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for header in headers:
        canonical = _HEADER_INDEX.get(_norm_header(header))
        if canonical is not None:
            mapped[str(header)] = canonical
            seen.setdefault(canonical, []).append(str(header))
    twice = sorted(h for names in seen.values() if len(names) > 1 for h in names)
    if twice:
        raise StatementFormatError("statement_columns_ambiguous", columns=twice)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if "amount" not in seen and not {"amount_in", "amount_out"} <= seen.keys():
        missing.append("amount")
    if missing:
        raise StatementFormatError(
            "statement_columns_missing", missing=missing, found=[str(h) for h in headers]
        )
    return mapped


def parse_date(text: str) -> dt.date | None:
    """A statement date, or ``None`` when it is not one.

    >>> [parse_date(t) for t in ("2026-01-05", "2026/1/5", "20260105", "2026年1月5日",
    ...                           "2026-01-05 00:00:00", "05/01/2026", "2026-02-30")]
    [datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), datetime.date(2026, 1, 5), None, None]
    """
    text = text.strip()
    found = _DATE.match(text) or _COMPACT_DATE.match(text)
    if found is None:
        return None
    try:
        return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def parse_amount(text: str) -> tuple[Decimal | None, str | None]:
    """``(amount, None)`` or ``(None, problem code)``; separators and currency signs are
    dropped, the sign is kept.

    >>> parse_amount("-1,234.50"), parse_amount("¥ 80"), parse_amount("1.234")
    ((Decimal('-1234.50'), None), (Decimal('80.00'), None), (None, 'amount_precision'))
    >>> parse_amount("abc"), parse_amount("0.00")
    ((None, 'amount_invalid'), (None, 'amount_zero'))
    """
    cleaned = re.sub(r"[\s,，¥￥$]|CNY|RMB|元", "", text.strip(), flags=re.IGNORECASE)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, "amount_invalid"
    if not value.is_finite():
        return None, "amount_invalid"
    if abs(value) >= _LIMIT:
        return None, "amount_too_large"
    if value != value.quantize(_CENT):
        return None, "amount_precision"
    if value == 0:
        return None, "amount_zero"
    return value.quantize(_CENT), None


def _direction_word(text: str) -> str | None:
    word = text.strip().lower()
    if word in _IN_WORDS:
        return "in"
    if word in _OUT_WORDS:
        return "out"
    return None


def _amount_of(cells: Mapping[str, str], row: int, problems: list[RowProblem]
               ) -> tuple[str, Decimal] | None:
    """The line's direction and positive amount from ``amount`` (+ ``direction``) or from
    ``amount_in`` / ``amount_out``."""
    if "amount" in cells and cells["amount"].strip():
        value, code = parse_amount(cells["amount"])
        if value is None:
            problems.append(RowProblem(row, "amount", cells["amount"], code or "amount_invalid"))
            return None
        direction = "in" if value > 0 else "out"
        if cells.get("direction", "").strip():
            stated = _direction_word(cells["direction"])
            if stated is None or value < 0:
                problems.append(RowProblem(row, "direction", cells["direction"],
                                           "direction_invalid"))
                return None
            direction = stated
        return direction, abs(value)
    found: list[tuple[str, Decimal]] = []
    for column, direction in (("amount_in", "in"), ("amount_out", "out")):
        text = cells.get(column, "").strip()
        if not text:
            continue
        value, code = parse_amount(text)
        if code == "amount_zero":
            continue
        if value is None:
            problems.append(RowProblem(row, column, text, code or "amount_invalid"))
            return None
        found.append((direction, abs(value)))
    if len(found) != 1:
        column = "amount" if "amount" in cells else "amount_in"
        shown = " / ".join(cells.get(c, "") for c in ("amount", "amount_in", "amount_out")
                           if c in cells)
        problems.append(RowProblem(row, column, shown,
                                   "amount_ambiguous" if found else "amount_zero"))
        return None
    return found[0]


def parse_rows(rows: Sequence[Mapping[str, str]], currency: str,
               first_row: int = 2) -> list[ParsedLine]:
    """Statement lines from rows of cells keyed by canonical column (text cells; blank
    rows are skipped). Every bad cell of every row is reported at once.

    :param first_row: the file row of ``rows[0]`` (2: the header is row 1).
    :raises StatementFormatError: ``statement_rows_invalid`` / ``statement_empty``.

    >>> lines = parse_rows([{"value_date": "2026-01-05", "amount": "-50", "reference": "B1"}], "CNY")
    >>> (lines[0].line_no, lines[0].direction, lines[0].amount)
    (2, 'out', Decimal('50.00'))
    """
    problems: list[RowProblem] = []
    lines: list[ParsedLine] = []
    for offset, raw in enumerate(rows):
        cells = {k: ("" if v is None else str(v)) for k, v in raw.items()}
        if not any(v.strip() for v in cells.values()):
            continue
        row = first_row + offset
        before = len(problems)
        day = parse_date(cells.get("value_date", ""))
        if day is None:
            problems.append(RowProblem(row, "value_date", cells.get("value_date", ""),
                                       "date_invalid"))
        money = _amount_of(cells, row, problems)
        reference = cells.get("reference", "").strip()
        if not reference:
            problems.append(RowProblem(row, "reference", "", "reference_missing"))
        elif len(reference) > 100:
            problems.append(RowProblem(row, "reference", reference[:20] + "…",
                                       "reference_too_long"))
        line_currency = cells.get("currency", "").strip().upper() or currency
        if line_currency != currency:
            problems.append(RowProblem(row, "currency", cells.get("currency", ""),
                                       "currency_mismatch"))
        if len(problems) > before or day is None or money is None:
            continue
        lines.append(ParsedLine(
            line_no=row, value_date=day, direction=money[0], amount=money[1],
            currency=currency, reference=reference,
            counterparty=cells.get("counterparty", "").strip()[:200],
            memo=cells.get("memo", "").strip()[:500],
        ))
    if problems:
        raise StatementFormatError("statement_rows_invalid", problems=problems)
    if not lines:
        raise StatementFormatError("statement_empty")
    return lines
