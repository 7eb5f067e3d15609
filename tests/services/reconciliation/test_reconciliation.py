"""Reconciliation use cases on SQLite and PostgreSQL: import (CSV, XLSX), automatic
matching, the unmatched on both sides, manual resolution with an audit trail, posting a
statement line as a repayment exactly once, the daily report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from lowlend.domain.statement_lines import StatementFormatError
from lowlend.persistence.models import AuditLog, Transaction
from lowlend.persistence.reconciliation_models import StatementImport, StatementLine
from lowlend.services import reconciliation as rc
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import CHECKER, MAKER
from tests.services.reconciliation.conftest import BUSINESS_DATE, Books


def statement_csv(books: Books, extra: str = "") -> bytes:
    """The bank's view of the books, plus a few lines the books do not know."""
    return (
        "value_date,amount,reference,counterparty,memo\n"
        f"2026-01-06,-{books.net_proceeds},BK1,王小明,放款\n"
        "2026-02-06,1100.00,wx-001,王小明,还款\n"      # reference (case does not matter)
        "2026-02-08,900.00,B9000,王小明,还款\n"        # amount, date within 2 days
        "2026-02-07,500.00,B5000,王小明,现金存入\n"     # the cash repayment never matches
        "2026-02-07,-15.00,FEE1,银行,手续费\n"
        "2026-02-07,800.00,B8000,王小明,还款\n"         # nothing posted: post as repayment
        + extra
    ).encode()


def lines_by_ref(books: Books, import_id: int) -> dict[str, rc.LineRecord]:
    view = rc.statement(books.recon, import_id)
    return {ln.reference: ln for ln in view.lines}


def do_import(books: Books, data: bytes, name: str = "bank.csv") -> rc.ImportResult:
    return rc.import_statement(books.recon, data, file_name=name, source="ICBC 1234",
                               actor=MAKER, now=dt.datetime(2026, 2, 9, 9, tzinfo=dt.UTC))


def count(books: Books, model: type) -> int:
    with books.world.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def test_csv_import_matches_by_reference_then_by_amount_and_date(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    assert (result.line_count, result.matched) == (6, 3)
    lines = lines_by_ref(books, result.import_id)
    assert lines["BK1"].transaction_id == books.txn["disbursement"]
    assert lines["wx-001"].transaction_id == books.txn["r1100"]
    assert lines["B9000"].transaction_id == books.txn["r900"]
    assert {lines[r].resolution for r in ("BK1", "wx-001", "B9000")} == {"matched_auto"}
    assert [lines[r].status for r in ("B5000", "FEE1", "B8000")] == ["unmatched"] * 3
    assert lines["FEE1"].direction == "out" and lines["FEE1"].amount == Decimal("15.00")
    assert lines["B8000"].line_no == 7  # the file's row: the header is row 1
    record = rc.imports(books.recon)[0]
    assert (record.line_count, record.period_start, record.period_end) == (
        6, dt.date(2026, 1, 6), dt.date(2026, 2, 8))
    assert record.counts == {"matched": 3, "unmatched": 3}
    assert record.imported_by_name == MAKER.username


def test_xlsx_with_chinese_headers_and_title_rows(books: Books) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["中国工商银行 账户明细"])
    ws.append([])
    ws.append(["交易日期", "收入金额", "支出金额", "流水号", "对方户名", "摘要", "余额"])
    ws.append([dt.date(2026, 2, 6), 1100, None, "WX-001", "王小明", "还款", 1100])
    ws.append([dt.datetime(2026, 1, 6), None, float(books.net_proceeds), "BK1", "王小明", "放款", 0])
    ws.append(["2026/2/9", 66.5, None, "B6650", "李四", "", 0])
    out = io.BytesIO()
    wb.save(out)
    result = do_import(books, out.getvalue(), "明细.xlsx")
    assert (result.line_count, result.matched) == (3, 2)
    lines = lines_by_ref(books, result.import_id)
    assert lines["B6650"].amount == Decimal("66.50") and lines["B6650"].line_no == 6
    assert lines["BK1"].direction == "out" and lines["BK1"].status == "matched"
    assert lines["WX-001"].counterparty == "王小明"


def test_missing_columns_name_them_and_store_nothing(books: Books) -> None:
    with pytest.raises(StatementFormatError) as err:
        do_import(books, "日期,摘要\n2026-02-06,还款\n".encode())
    assert err.value.code == "statement_columns_missing"
    assert err.value.params["missing"] == ["reference", "amount"]
    assert err.value.params["found"] == ["日期", "摘要"]
    assert count(books, StatementImport) == count(books, StatementLine) == 0


def test_bad_rows_are_all_named_and_nothing_is_stored(books: Books) -> None:
    data = statement_csv(books, "2026-02-31,10.00,X1,,\n2026-02-07,12.345,X2,,\n"
                                "2026-02-07,abc,,,\n")
    with pytest.raises(StatementFormatError) as err:
        do_import(books, data)
    assert err.value.code == "statement_rows_invalid"
    found = [(p.row, p.column, p.code) for p in err.value.params["problems"]]  # type: ignore[attr-defined]
    assert found == [
        (8, "value_date", "date_invalid"),
        (9, "amount", "amount_precision"),
        (10, "amount", "amount_invalid"),
        (10, "reference", "reference_missing"),
    ]
    assert count(books, StatementImport) == count(books, StatementLine) == 0
    assert count(books, AuditLog) == 0


def test_same_file_twice_is_refused(books: Books) -> None:
    first = do_import(books, statement_csv(books))
    with pytest.raises(rc.ReconciliationError) as err:
        do_import(books, statement_csv(books), "renamed.csv")
    assert (err.value.code, err.value.status) == ("statement_duplicate", 409)
    assert err.value.params["import_id"] == first.import_id
    assert err.value.params["file_name"] == "bank.csv"
    assert count(books, StatementImport) == 1


def test_unreadable_and_unsupported_files(books: Books) -> None:
    with pytest.raises(rc.ReconciliationError) as err:
        do_import(books, b"PK\x03\x04 not really a workbook", "x.xlsx")
    assert err.value.code == "statement_unreadable"
    with pytest.raises(rc.ReconciliationError) as err:
        do_import(books, b"\xd0\xcf\x11\xe0", "old.xls")
    assert err.value.code == "statement_type_unsupported"
    with pytest.raises(StatementFormatError) as err2:
        do_import(books, b"value_date,amount,reference\n")
    assert err2.value.code == "statement_empty"


def test_unmatched_on_both_sides(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    view = rc.statement(books.recon, result.import_id)
    assert [ln.reference for ln in view.unmatched_lines] == ["B5000", "FEE1", "B8000"]
    # posted, not cash, in the statement's period, explained by no line
    assert [p.id for p in view.unmatched_postings] == [books.txn["r300"]]


def test_manual_link_with_audit_trail(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    lines = lines_by_ref(books, result.import_id)
    cash, line = books.txn["cash500"], lines["B5000"]
    with pytest.raises(rc.ReconciliationError) as err:
        rc.link_line(books.recon, line.id, cash, actor=CHECKER)
    assert err.value.code == "transaction_not_matchable"
    with pytest.raises(rc.ReconciliationError) as err:
        rc.link_line(books.recon, line.id, books.txn["r1100"], actor=CHECKER)
    assert err.value.code == "transaction_already_matched"
    with pytest.raises(rc.ReconciliationError) as err:
        rc.link_line(books.recon, lines["FEE1"].id, books.txn["r300"], actor=CHECKER)
    assert err.value.code == "transaction_direction_mismatch"
    with pytest.raises(rc.ReconciliationError) as err:
        rc.link_line(books.recon, line.id, books.txn["r300"], actor=CHECKER)
    assert err.value.code == "note_required_amount_differs"
    linked = rc.link_line(books.recon, line.id, books.txn["r300"], actor=CHECKER,
                          note="两笔合并入账，差额另查",
                          now=dt.datetime(2026, 2, 9, 10, tzinfo=dt.UTC))
    assert (linked.status, linked.resolution, linked.transaction_id) == (
        "matched", "matched_manual", books.txn["r300"])
    assert (linked.resolved_by, linked.resolved_by_name) == (CHECKER.user_id, "chief")
    assert linked.resolved_at is not None
    with pytest.raises(rc.ReconciliationError) as err:
        rc.link_line(books.recon, line.id, books.txn["r300"], actor=CHECKER, note="again")
    assert (err.value.code, err.value.status) == ("statement_line_resolved", 409)
    with books.world.engine.connect() as conn:
        row = conn.execute(sa.select(AuditLog).where(
            AuditLog.entity == "statement_lines", AuditLog.entity_id == str(line.id))).one()
    assert row.username == "chief" and row.action == "update"
    assert row.before["status"] == "unmatched"
    assert row.after["resolution"] == "matched_manual"
    assert row.after["transaction_id"] == books.txn["r300"]
    assert rc.statement(books.recon, result.import_id).unmatched_postings == []


def test_bank_fee_needs_a_note_and_reopen(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    fee = lines_by_ref(books, result.import_id)["FEE1"]
    with pytest.raises(rc.ReconciliationError) as err:
        rc.mark_line(books.recon, fee.id, "bank_fee", actor=MAKER, note="  ")
    assert (err.value.code, err.value.field) == ("note_required", "note")
    marked = rc.mark_line(books.recon, fee.id, "bank_fee", actor=MAKER, note="2月账户管理费")
    assert (marked.status, marked.resolution, marked.resolution_note) == (
        "resolved", "bank_fee", "2月账户管理费")
    with pytest.raises(rc.ReconciliationError):
        rc.mark_line(books.recon, fee.id, "ignored", actor=MAKER, note="x")
    reopened = rc.reopen_line(books.recon, fee.id, actor=CHECKER, note="不是手续费")
    assert (reopened.status, reopened.resolution) == ("unmatched", None)
    ignored = rc.mark_line(books.recon, fee.id, "ignored", actor=MAKER, note="内部划转")
    assert ignored.resolution == "ignored"


def test_post_as_repayment_posts_once(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    line = lines_by_ref(books, result.import_id)["B8000"]
    before = count(books, Transaction)

    def post() -> rc.LineRecord:
        return rc.post_as_repayment(
            books.recon, books.world.uow, line.id, books.loan_id, actor=CHECKER,
            registry_for=books.world.registry_for, business_date=BUSINESS_DATE,
            note="客户转账未备注合同号",
        )

    first = post()
    assert (first.status, first.resolution) == ("resolved", "posted_as_repayment")
    second = post()
    assert second.transaction_id == first.transaction_id
    assert count(books, Transaction) == before + 1
    with books.world.engine.connect() as conn:
        txn = conn.execute(sa.select(Transaction).where(
            Transaction.id == first.transaction_id)).one()
    assert (txn.type, txn.channel, txn.reference, txn.amount, txn.value_date) == (
        "repayment", "statement", "B8000", Decimal("800.00"), dt.date(2026, 2, 7))
    with pytest.raises(rc.ReconciliationError) as err:
        rc.reopen_line(books.recon, line.id, actor=CHECKER, note="x")
    assert err.value.code == "statement_line_posted"
    fee = lines_by_ref(books, result.import_id)["FEE1"]
    with pytest.raises(rc.ReconciliationError) as err:
        rc.post_as_repayment(books.recon, books.world.uow, fee.id, books.loan_id, actor=CHECKER,
                             registry_for=books.world.registry_for, business_date=BUSINESS_DATE)
    assert err.value.code == "statement_line_not_incoming"


def test_post_as_repayment_after_an_interrupted_first_attempt(books: Books) -> None:
    """The repayment was posted but recording the line failed: resolving again records
    the same transaction and posts nothing."""
    result = do_import(books, statement_csv(books))
    line = lines_by_ref(books, result.import_id)["B8000"]
    record = rc.imports(books.recon)[0]
    request = RepaymentRequest(line.amount, line.value_date, channel="statement",
                               reference=line.reference,
                               note=f"{record.source} · {record.file_name} · {line.line_no}")
    posted = repay(books.world.uow, books.loan_id, request, actor=CHECKER,
                   registry_for=books.world.registry_for, business_date=BUSINESS_DATE,
                   idempotency_key=rc.repayment_key(record, line))
    before = count(books, Transaction)

    def post(loan_id: int) -> rc.LineRecord:
        return rc.post_as_repayment(books.recon, books.world.uow, line.id, loan_id,
                                    actor=CHECKER, registry_for=books.world.registry_for,
                                    business_date=BUSINESS_DATE)

    other = books.world.approved_loan()  # another loan cannot take the line's money again
    with pytest.raises(rc.ReconciliationError) as err:
        post(other)
    assert (err.value.code, err.value.status) == ("statement_line_posted_elsewhere", 409)
    done = post(books.loan_id)
    assert done.transaction_id == posted.transaction_id
    assert count(books, Transaction) == before
    with pytest.raises(rc.ReconciliationError) as err:
        post(other)
    assert err.value.code == "statement_line_resolved"


def test_match_again_after_a_later_posting(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    line = lines_by_ref(books, result.import_id)["B5000"]
    assert line.status == "unmatched"
    txn = books.repay("500.00", dt.date(2026, 2, 8), reference="B5000")
    assert rc.match_again(books.recon, result.import_id) == 1
    assert lines_by_ref(books, result.import_id)["B5000"].transaction_id == txn


def test_daily_report(books: Books) -> None:
    result = do_import(books, statement_csv(books))
    lines = lines_by_ref(books, result.import_id)
    rc.mark_line(books.recon, lines["FEE1"].id, "bank_fee", actor=MAKER, note="手续费")
    rc.link_line(books.recon, lines["B5000"].id, books.txn["r300"], actor=MAKER, note="差额另查")
    report = rc.daily_report(books.recon, dt.date(2026, 2, 7))
    rows = {(d, side, cat): (n, amt) for _c, d, side, cat, n, amt in report.rows()}
    assert rows[("in", "statement", "total")] == (2, Decimal("1300.00"))  # B5000, B8000
    assert rows[("in", "statement", "matched_manual")] == (1, Decimal("500.00"))
    assert rows[("in", "statement", "unmatched")] == (1, Decimal("800.00"))
    assert rows[("in", "statement", "matched_auto")] == (0, Decimal("0.00"))
    assert rows[("out", "statement", "bank_fee")] == (1, Decimal("15.00"))
    # the 900.00 transfer of 02-07 was matched by a line of 02-08; the cash 500.00 is left out
    assert rows[("in", "ledger", "total")] == (1, Decimal("900.00"))
    assert rows[("in", "ledger", "matched")] == (1, Decimal("900.00"))
    assert rows[("out", "ledger", "total")] == (0, Decimal("0.00"))
    text = rc.report_csv(report)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == list(rc.REPORT_COLUMNS)
    assert ["2026-02-07", "CNY", "in", "statement", "unmatched", "1", "800.00"] in parsed
    report_06 = rc.daily_report(books.recon, dt.date(2026, 2, 6))
    rows_06 = {(d, side, cat): (n, amt) for _c, d, side, cat, n, amt in report_06.rows()}
    assert rows_06[("in", "statement", "matched_auto")] == (1, Decimal("1100.00"))
    assert rows_06[("in", "ledger", "unmatched")] == (0, Decimal("0.00"))


def test_two_people_posting_the_same_line_at_once_post_once(books: Books) -> None:
    if books.world.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    import threading

    result = do_import(books, statement_csv(books))
    line = lines_by_ref(books, result.import_id)["B8000"]
    before = count(books, Transaction)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def post() -> None:
        barrier.wait()
        try:
            outcomes.append(rc.post_as_repayment(
                books.recon, books.world.uow, line.id, books.loan_id, actor=CHECKER,
                registry_for=books.world.registry_for, business_date=BUSINESS_DATE))
        except Exception as exc:  # reported below
            outcomes.append(exc)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(isinstance(o, rc.LineRecord) for o in outcomes), outcomes
    assert len({o.transaction_id for o in outcomes}) == 1  # type: ignore[union-attr]
    assert count(books, Transaction) == before + 1


def test_a_reversed_posting_is_nothing_to_match(books: Books) -> None:
    from lowlend.services.lending import corrections

    request = corrections.request_reversal(books.world.uow, books.txn["r300"], reason="重复登记",
                                           actor=MAKER, business_date=BUSINESS_DATE)
    corrections.approve(books.world.uow, request, actor=CHECKER,
                        registry_for=books.world.registry_for, business_date=BUSINESS_DATE)
    result = do_import(books, statement_csv(books, "2026-02-05,300.00,WX-300,王小明,还款\n"))
    lines = lines_by_ref(books, result.import_id)
    assert lines["WX-300"].status == "unmatched"  # the reversed repayment is not matched
    assert rc.statement(books.recon, result.import_id).unmatched_postings == []
    with pytest.raises(rc.ReconciliationError) as err:
        rc.link_line(books.recon, lines["WX-300"].id, books.txn["r300"], actor=CHECKER)
    assert err.value.code == "transaction_not_matchable"
