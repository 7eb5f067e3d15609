"""The reconciliation screen (对账) on the demo data set, SQLite and PostgreSQL: the finance
user uploads a statement, sees what matched and what did not, resolves lines (errors next
to the field), reads the daily report; a role without the permission is refused."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import web_login, with_csrf


def _upload(client: Any, text: str, name: str = "statement.csv") -> Any:
    page = client.get("/reconciliation/").get_data(as_text=True)
    data = with_csrf(page, {"source": "工行 1234", "currency": "CNY",
                            "file": (io.BytesIO(text.encode()), name)})
    return client.post("/reconciliation/upload", data=data, content_type="multipart/form-data")


def _field_errors(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip()
            for t in re.findall(r"<li>(.*?)</li>", "".join(
                re.findall(r'lowlend-field-errors[^"]*">(.*?)</ul>', html, re.S)), re.S)]


def _resolve(client: Any, page: str, line_id: int, import_id: int, **form: str) -> Any:
    return client.post(f"/reconciliation/lines/{line_id}/resolve",
                       data=with_csrf(page, {"import_id": str(import_id), **form}))


def test_finance_imports_sees_unmatched_and_resolves(lending_app: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Loan, Transaction
    from lowlend.persistence.reconciliation_models import StatementImport, StatementLine

    with lending_app.app_context():
        known = db.session.execute(
            sa.select(Transaction).where(Transaction.type == "repayment",
                                         Transaction.status == "posted",
                                         Transaction.channel == "transfer",
                                         Transaction.reference.is_not(None))
            .order_by(Transaction.id)
        ).scalars().first()
        assert known is not None
        known_id, known_ref = known.id, known.reference
        known_line = f"{known.value_date.isoformat()},{known.amount},{known.reference},客户,还款"
        loan_id = db.session.execute(
            sa.select(Loan.id).where(Loan.status == "active").order_by(Loan.id)
        ).scalars().first()
        txn_count = db.session.execute(sa.select(sa.func.count()).select_from(Transaction)).scalar()

    client = lending_app.test_client()
    web_login(client, "finance")
    assert client.get("/lang/en").status_code == 302
    assert 'href="/reconciliation/"' in client.get("/").get_data(as_text=True)  # the menu
    assert client.get("/reconciliation/").status_code == 200

    # a file without the required columns: the error names them, next to the file field
    bad = _upload(client, "日期,摘要\n2026-01-05,还款\n", "bad.csv")
    assert bad.status_code == 422
    errors = _field_errors(bad.get_data(as_text=True))
    assert errors and "amount" in errors[0] and "reference" in errors[0], errors
    assert "Traceback" not in bad.get_data(as_text=True)

    today = dt.date.today().isoformat()
    text = ("交易日期,金额,流水号,对方户名,摘要\n" + known_line + "\n"
            f"{today},321.00,ZZ-UNKNOWN-1,张三,还款\n"
            f"{today},-12.00,FEE-1,银行,手续费\n")
    done = _upload(client, text)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    show = client.get(done.headers["Location"])
    html = show.get_data(as_text=True)
    assert show.status_code == 200
    with lending_app.app_context():
        import_id = db.session.execute(sa.select(StatementImport.id)).scalar_one()
        lines = {ln.reference: ln for ln in db.session.execute(
            sa.select(StatementLine)).scalars()}
    assert lines[known_ref].transaction_id == known_id and lines[known_ref].status == "matched"
    unmatched = html.split("lowlend-unmatched-lines", 1)[1].split("</table>", 1)[0]
    assert "ZZ-UNKNOWN-1" in unmatched and "FEE-1" in unmatched and known_ref not in unmatched

    # the same file again is refused, next to the file field
    again = _upload(client, text, "copy.csv")
    assert again.status_code == 422
    assert any(f"#{import_id}" in e for e in _field_errors(again.get_data(as_text=True)))

    # a bank fee needs a note: the error shows next to the note of that line
    fee = lines["FEE-1"].id
    refused = _resolve(client, html, fee, import_id, action="bank_fee", note="")
    assert refused.status_code == 422
    assert _field_errors(refused.get_data(as_text=True)) == ["A note is required."]
    assert client.get("/lang/zh_CN").status_code == 302
    refused = _resolve(client, html, fee, import_id, action="ignored", note="")
    assert _field_errors(refused.get_data(as_text=True)) == ["必须填写备注。"]
    assert _resolve(client, html, fee, import_id, action="bank_fee",
                    note="账户管理费").status_code == 302

    # the unknown incoming line is posted as a repayment of a loan, once
    line = lines["ZZ-UNKNOWN-1"].id
    for _ in range(2):
        posted = _resolve(client, html, line, import_id, action="repayment", loan_id=str(loan_id))
        assert posted.status_code in (302, 422)
    with lending_app.app_context():
        db.session.expire_all()
        stored = db.session.get(StatementLine, line)
        assert (stored.status, stored.resolution) == ("resolved", "posted_as_repayment")
        txn = db.session.get(Transaction, stored.transaction_id)
        assert (txn.loan_id, txn.channel, txn.reference, txn.amount) == (
            loan_id, "statement", "ZZ-UNKNOWN-1", Decimal("321.00"))
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(Transaction)).scalar() == txn_count + 1

    report = client.get(f"/reconciliation/report?day={today}")
    assert report.status_code == 200
    assert 'data-category="posted_as_repayment"' in report.get_data(as_text=True)
    csv_file = client.get(f"/reconciliation/report.csv?day={today}")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert "321.00" in csv_file.get_data().decode("utf-8-sig")
    bad_day = client.get("/reconciliation/report?day=2026-13-01")
    assert bad_day.status_code == 200 and "YYYY-MM-DD" in bad_day.get_data(as_text=True)


def test_a_role_without_the_permission_is_refused(lending_app: Any) -> None:
    client = lending_app.test_client()
    web_login(client, "collector")
    for path in ("/reconciliation/", "/reconciliation/report", "/reconciliation/show/1"):
        response = client.get(path)
        assert response.status_code in (302, 403), (path, response.status_code)
        if response.status_code == 302:
            assert "/reconciliation" not in response.headers["Location"]
    page = client.get("/").get_data(as_text=True)
    assert 'href="/reconciliation/"' not in page
    refused = client.post("/reconciliation/upload", data={})
    assert refused.status_code in (302, 400, 403)
