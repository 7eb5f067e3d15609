"""The finance screens (放款管理, 还款登记, 退款, 会计分录) through the browser forms, on SQLite
and PostgreSQL: who may open them, disbursing with the figures shown first, a repayment
form submitted twice with the same hidden key posting once, a reversal under
maker-checker, the journal and a trial balance whose totals agree, the loan page's
money panel, and the menu entries leading to real pages."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import (
    new_application,
    new_customer,
    token,
    web_login,
    with_csrf,
)

SCREENS = ("/disbursements/", "/repayments/", "/refunds/", "/journal/",
           "/journal/trial_balance", "/repayments/record", "/refunds/new")
MENU = {"放款管理": "/disbursements/", "还款登记": "/repayments/", "退款": "/refunds/",
        "会计分录": "/journal/"}


def approved_loans(app: Any, client: Any, *amounts: str) -> list[int]:
    """Consumer loans of one customer, through submission and approval."""
    manager, risk = token(client, "manager"), token(client, "risk")
    customer_id = new_customer(app)
    assert client.post(f"/api/v1/customers/{customer_id}/consents", headers=manager,
                       json={}).status_code == 201
    loans = []
    for amount in amounts:
        app_id = new_application(app, customer_id, amount, "20000.00", "admin")
        r = client.post(f"/api/v1/applications/{app_id}/submit", headers=manager)
        assert r.status_code == 200, r.get_data(as_text=True)
        for headers in (risk, manager, token(client, "admin")):
            if r.get_json()["status"] != "in_review":
                break
            r = client.post(f"/api/v1/applications/{app_id}/decision", headers=headers,
                            json={"decision": "approve"})
        assert r.get_json()["status"] == "approved", r.get_data(as_text=True)
        loans.append(int(r.get_json()["loan_id"]))
    return loans


def _scalar(app: Any, sql: str, **params: Any) -> Any:
    from lowlend.persistence.db import db

    with app.app_context():
        value = db.session.execute(sa.text(sql), params).scalar_one()
        db.session.remove()
        return value


def _field_error(html: str, field: str) -> str | None:
    found = re.search(rf'lowlend-field-error" data-field="{field}">([^<]*)<', html)
    return unescape(found.group(1)) if found else None


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', html) or re.search(
        rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found.group(1)


def _disburse_by_form(client: Any, loan_id: int) -> None:
    page = client.get(f"/disbursements/{loan_id}/disburse").get_data(as_text=True)
    form = with_csrf(page, {"value_date": "", "channel": "transfer", "reference": "BK-D1",
                            "action": "confirm"})
    r = client.post(f"/disbursements/{loan_id}/disburse", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").strip())


def test_screens_open_for_finance_and_are_refused_for_a_collector(lending_app: Any) -> None:
    client = lending_app.test_client()
    web_login(client, "finance")
    for path in SCREENS:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert "Traceback" not in r.get_data(as_text=True)
    for path in ("/repayments/export/", "/journal/export/", "/journal/trial_balance/export"):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "text/csv", path
        assert r.data.startswith("\ufeff".encode())
    # the menu: the four entries lead to these screens, never to "#"
    home = client.get("/").get_data(as_text=True)
    for label, target in MENU.items():
        found = re.search(rf'href="([^"]*)">\s*{label}</a>', home)
        assert found and found.group(1) == target, (label, found and found.group(1))
        assert client.get(found.group(1)).status_code == 200

    web_login(client, "collector")
    for path in (*SCREENS, "/repayments/export/", "/journal/export/"):
        assert client.get(path).status_code == 403, path
    home = client.get("/").get_data(as_text=True)
    assert not any(label in home for label in ("还款登记", "会计分录"))

    # a business manager sees what awaits disbursement but may not disburse
    web_login(client, "manager")
    assert client.get("/disbursements/").status_code == 200
    assert client.get("/repayments/").status_code == 403


def test_menu_walk_reaches_the_finance_screens(lending_app: Any) -> None:
    """The four finance entries of the menu, for each role that sees them, lead to their
    screen (never ``#``), which answers 200."""
    client = lending_app.test_client()
    seen = set()
    for user, expected in (("admin", set(MENU)), ("finance", set(MENU)),
                           ("auditor", {"还款登记", "会计分录"}), ("manager", {"放款管理"})):
        web_login(client, user)
        home = client.get("/").get_data(as_text=True)
        links = re.findall(r'<a tabindex="-1" href="([^"]*)">\s*([^<]*?)\s*</a>', home)
        shown = {label: href for href, label in links if label in MENU}
        assert set(shown) == expected, (user, shown)
        for label, href in shown.items():
            assert href == MENU[label], (user, label, href)
            status = client.get(href).status_code
            assert status == 200, (user, label, href, status)
            seen.add(label)
    assert seen == set(MENU)


def test_the_data_scope_hides_loans_of_other_departments(lending_app: Any) -> None:
    """The business manager (department and below) does not see a loan moved to a
    department outside their tree; finance (all) does."""
    from lowlend.persistence.db import db
    from tests.web.lending.helpers import department_of

    client = lending_app.test_client()
    mine, moved = approved_loans(lending_app, client, "8000.00", "9000.00")
    with lending_app.app_context():
        home = department_of(db, "manager")
        path = db.session.execute(sa.text("SELECT path FROM departments WHERE id = :d"),
                                  {"d": home}).scalar_one()
        other = db.session.execute(sa.text(
            "SELECT id FROM departments WHERE path NOT LIKE :p ORDER BY id LIMIT 1"),
            {"p": f"{path}%"}).scalar_one()
        db.session.execute(sa.text("UPDATE loans SET department_id = :d WHERE id = :i"),
                           {"d": other, "i": moved})
        db.session.commit()
        db.session.remove()
    web_login(client, "manager")
    page = client.get("/disbursements/").get_data(as_text=True)
    assert f'data-loan="{mine}"' in page and f'data-loan="{moved}"' not in page
    web_login(client, "finance")
    page = client.get("/disbursements/").get_data(as_text=True)
    assert f'data-loan="{mine}"' in page and f'data-loan="{moved}"' in page


def test_disburse_through_the_form(lending_app: Any) -> None:
    client = lending_app.test_client()
    (loan_id,) = approved_loans(lending_app, client, "12000.00")
    web_login(client, "finance")
    page = client.get("/disbursements/").get_data(as_text=True)
    assert f'data-loan="{loan_id}"' in page and "12,000.00" in page

    form_page = client.get(f"/disbursements/{loan_id}/disburse").get_data(as_text=True)
    principal = re.search(r'lowlend-principal">CNY ([^<]*)<', form_page)
    fees = re.search(r'lowlend-upfront-fees">− ([^<]*)<', form_page)
    net = re.search(r'lowlend-net-proceeds"><strong>CNY ([^<]*)<', form_page)
    assert principal and fees and net
    assert _money(principal.group(1)) - _money(fees.group(1)) == _money(net.group(1))
    assert _money(principal.group(1)) == Decimal("12000.00")

    # no reference for a transfer: the error sits next to the field, nothing moves
    bad = with_csrf(form_page, {"value_date": "", "channel": "transfer", "reference": "",
                                "action": "confirm"})
    r = client.post(f"/disbursements/{loan_id}/disburse", data=bad)
    assert r.status_code == 200
    assert _field_error(r.get_data(as_text=True), "reference") == "请填写银行流水号或收据号。"
    bad_date = with_csrf(form_page, {"value_date": "2999-01-01", "channel": "transfer",
                                     "reference": "BK-1", "action": "confirm"})
    r = client.post(f"/disbursements/{loan_id}/disburse", data=bad_date)
    assert r.status_code == 200 and _field_error(r.get_data(as_text=True), "value_date")
    r = client.post(f"/disbursements/{loan_id}/disburse",
                    data={**bad_date, "value_date": "not a date"})
    assert _field_error(r.get_data(as_text=True), "value_date") == "请按 YYYY-MM-DD 格式填写日期。"
    assert _scalar(lending_app, "SELECT status FROM loans WHERE id = :i", i=loan_id) == "approved"
    assert _scalar(lending_app, "SELECT count(*) FROM transactions WHERE loan_id = :i",
                   i=loan_id) == 0

    # "show the figures" posts nothing
    preview = with_csrf(form_page, {"value_date": "", "channel": "transfer", "reference": "BK-1",
                                    "action": "preview"})
    assert client.post(f"/disbursements/{loan_id}/disburse", data=preview).status_code == 200
    assert _scalar(lending_app, "SELECT status FROM loans WHERE id = :i", i=loan_id) == "approved"

    _disburse_by_form(client, loan_id)
    assert _scalar(lending_app, "SELECT status FROM loans WHERE id = :i", i=loan_id) == "active"
    listed = client.get("/disbursements/").get_data(as_text=True)
    assert f'data-loan="{loan_id}"' not in listed and "BK-D1" in listed
    # disbursing again: refused with the reason, back on the list
    r = client.post(f"/disbursements/{loan_id}/disburse", data=preview, follow_redirects=True)
    assert r.status_code == 200 and "已批准待放款" in r.get_data(as_text=True)
    assert _scalar(lending_app, "SELECT count(*) FROM transactions WHERE loan_id = :i "
                   "AND type = 'disbursement'", i=loan_id) == 1


def test_repayment_form_twice_with_the_same_key_posts_once(lending_app: Any) -> None:
    client = lending_app.test_client()
    (loan_id,) = approved_loans(lending_app, client, "12000.00")
    web_login(client, "finance")
    _disburse_by_form(client, loan_id)

    page = client.get(f"/repayments/record?loan={loan_id}").get_data(as_text=True)
    assert "lowlend-payoff-total" in page  # the payoff figure for the value date
    key = _hidden(page, "key")
    assert key.startswith("web-")
    again = client.get(f"/repayments/record?loan={loan_id}").get_data(as_text=True)
    assert _hidden(again, "key") != key  # a key per rendering

    # bad amount: error next to the field, nothing posted
    form = with_csrf(page, {"loan": str(loan_id), "amount": "abc", "value_date": "",
                            "kind": "repayment", "channel": "transfer", "reference": "BK-R1",
                            "note": "", "key": key, "action": "confirm"})
    r = client.post("/repayments/record", data=form)
    assert r.status_code == 200
    assert _field_error(r.get_data(as_text=True), "amount") == "请填写金额，例如 1000.00。"
    r = client.post("/repayments/record", data={**form, "amount": "1.234"})
    assert _field_error(r.get_data(as_text=True), "amount")
    r = client.post("/repayments/record", data={**form, "loan": "999999", "amount": "100"})
    assert _field_error(r.get_data(as_text=True), "loan")
    count = "SELECT count(*) FROM transactions WHERE loan_id = :i AND type = 'repayment'"
    assert _scalar(lending_app, count, i=loan_id) == 0

    form["amount"] = "1100.00"
    first = client.post("/repayments/record", data=form)
    assert first.status_code == 302, first.get_data(as_text=True)
    second = client.post("/repayments/record", data=form, follow_redirects=True)
    assert second.status_code == 200
    assert "此表单已提交过" in second.get_data(as_text=True)
    assert _scalar(lending_app, count, i=loan_id) == 1
    journal = "SELECT count(*) FROM journal_entries WHERE loan_id = :i"
    assert _scalar(lending_app, journal, i=loan_id) == 2  # disbursement + one repayment
    # the same key with another amount (a form edited after posting): refused, said so
    r = client.post("/repayments/record", data={**form, "amount": "1200.00"})
    assert r.status_code == 200 and "此表单已用其他内容提交过" in r.get_data(as_text=True)
    assert _scalar(lending_app, count, i=loan_id) == 1

    # a reference a spreadsheet would run as a formula is exported as text
    formula = with_csrf(page, {**form, "amount": "10.00", "reference": "=HYPERLINK(\"x\")",
                               "key": "web-formula"})
    assert client.post("/repayments/record", data=formula).status_code == 302
    exported = client.get(f"/repayments/export/?loan={loan_id}").get_data(as_text=True)
    assert "'=HYPERLINK" in exported

    listed = client.get(f"/repayments/?loan={loan_id}").get_data(as_text=True)
    assert "BK-R1" in listed and "1,100.00" in listed
    csv_text = client.get(f"/repayments/export/?loan={loan_id}").get_data(as_text=True)
    assert "BK-R1" in csv_text and "1100.00" in csv_text
    assert client.get("/repayments/?date_from=nope").status_code == 200


def test_reverse_then_approve_by_another_user(lending_app: Any) -> None:
    client = lending_app.test_client()
    (loan_id,) = approved_loans(lending_app, client, "12000.00")
    finance = token(client, "finance")
    r = client.post(f"/api/v1/loans/{loan_id}/disburse", headers=finance,
                    json={"channel": "transfer", "reference": "BK-1"})
    assert r.status_code == 201
    r = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=finance,
                    json={"amount": "1500.00", "reference": "BK-R1"})
    txn = r.get_json()["transaction_id"]
    outstanding = "SELECT coalesce(sum(principal - principal_paid), 0) FROM installments " \
                  "WHERE loan_id = :i"
    assert Decimal(str(_scalar(lending_app, outstanding, i=loan_id))) < Decimal("12000")

    web_login(client, "finance")
    page = client.get(f"/repayments/{txn}/reverse").get_data(as_text=True)
    r = client.post(f"/repayments/{txn}/reverse", data=with_csrf(page, {"reason": ""}))
    assert r.status_code == 200
    assert _field_error(r.get_data(as_text=True), "reason") == "请填写原因。"
    r = client.post(f"/repayments/{txn}/reverse", data=with_csrf(page, {"reason": "退票"}))
    assert r.status_code == 302
    request_id = _scalar(lending_app, "SELECT id FROM transactions WHERE reversed_of = :t", t=txn)

    # the maker sees the request, with the reason instead of buttons
    refunds = client.get("/refunds/").get_data(as_text=True)
    assert f'data-request="{request_id}"' in refunds
    assert "该申请由您录入，须由其他人员审批。" in refunds
    assert f"/refunds/{request_id}/decide" not in refunds
    tokened = client.get("/repayments/record").get_data(as_text=True)  # no form on refunds
    r = client.post(f"/refunds/{request_id}/decide",
                    data=with_csrf(tokened, {"decision": "approve"}), follow_redirects=True)
    assert "该申请由您录入，须由其他人员审批。" in r.get_data(as_text=True)
    status = "SELECT status FROM transactions WHERE id = :t"
    assert _scalar(lending_app, status, t=request_id) == "awaiting_approval"

    web_login(client, "admin")
    refunds = client.get("/refunds/").get_data(as_text=True)
    assert f"/refunds/{request_id}/decide" in refunds
    r = client.post(f"/refunds/{request_id}/decide",
                    data=with_csrf(refunds, {"decision": "reject", "reason": ""}))
    assert r.status_code == 200 and _field_error(r.get_data(as_text=True), "reason")
    assert _scalar(lending_app, status, t=request_id) == "awaiting_approval"
    r = client.post(f"/refunds/{request_id}/decide",
                    data=with_csrf(refunds, {"decision": "approve"}))
    assert r.status_code == 302
    assert _scalar(lending_app, status, t=request_id) == "posted"
    assert Decimal(str(_scalar(lending_app, outstanding, i=loan_id))) == Decimal("12000.00")
    decided = client.get("/refunds/").get_data(as_text=True)
    assert f'data-request="{request_id}"' in decided  # among the recent decisions
    assert f"/refunds/{request_id}/decide" not in decided


def test_journal_lists_entries_and_the_trial_balance_agrees(lending_app: Any) -> None:
    client = lending_app.test_client()
    (loan_id,) = approved_loans(lending_app, client, "12000.00")
    web_login(client, "finance")
    _disburse_by_form(client, loan_id)
    page = client.get(f"/repayments/record?loan={loan_id}").get_data(as_text=True)
    client.post("/repayments/record", data=with_csrf(page, {
        "loan": str(loan_id), "amount": "800.00", "value_date": "", "kind": "repayment",
        "channel": "cash", "reference": "RC-1", "key": _hidden(page, "key"),
        "action": "confirm"}))

    journal = client.get(f"/journal/?loan={loan_id}").get_data(as_text=True)
    entries = re.findall(r'data-entry="(\d+)"', journal)
    assert len(entries) == 2 and int(entries[0]) > int(entries[1])  # newest first
    assert "贷款本金" in journal and "银行存款" in journal  # account labels, zh_CN
    assert f'href="/loans/show/{loan_id}"' in journal
    full_hash = _scalar(lending_app, "SELECT hash FROM journal_entries WHERE id = :i",
                        i=int(entries[0]))
    assert f"{full_hash[:12]}…" in journal and f">{full_hash}<" not in journal

    tb = client.get("/journal/trial_balance").get_data(as_text=True)
    debit = re.search(r'lowlend-total-debit">([^<]*)<', tb)
    credit = re.search(r'lowlend-total-credit">([^<]*)<', tb)
    assert debit and credit and _money(debit.group(1)) == _money(credit.group(1)) > 0
    assert "lowlend-balanced" in tb
    bal_d = re.search(r'lowlend-total-balance-debit">([^<]*)<', tb)
    bal_c = re.search(r'lowlend-total-balance-credit">([^<]*)<', tb)
    assert bal_d and bal_c and _money(bal_d.group(1)) == _money(bal_c.group(1))

    # by department (the loan's), by currency, and before any entry
    dept = _scalar(lending_app, "SELECT department_id FROM loans WHERE id = :i", i=loan_id)
    by_dept = client.get(f"/journal/trial_balance?department={dept}&currency=CNY")
    assert by_dept.status_code == 200 and "lowlend-balanced" in by_dept.get_data(as_text=True)
    empty = client.get("/journal/trial_balance?as_of=1990-01-01").get_data(as_text=True)
    assert "lowlend-total-debit" not in empty
    bad = client.get("/journal/trial_balance?as_of=soon").get_data(as_text=True)
    assert _field_error(bad, "as_of")

    csv_text = client.get("/journal/trial_balance/export").get_data(as_text=True)
    assert "贷款本金" in csv_text and "合计" in csv_text
    lines = client.get(f"/journal/export/?loan={loan_id}").get_data(as_text=True)
    assert full_hash in lines and "RC-1" in lines

    web_login(client, "collector")
    assert client.get("/journal/trial_balance/export").status_code == 403


def test_loan_page_money_panel_and_write_off_request(lending_app: Any) -> None:
    client = lending_app.test_client()
    waiting, loan_id = approved_loans(lending_app, client, "8000.00", "12000.00")
    web_login(client, "finance")
    approved_page = client.get(f"/loans/show/{waiting}").get_data(as_text=True)
    assert f"/disbursements/{waiting}/disburse" in approved_page
    assert "lowlend-record-repayment" not in approved_page

    _disburse_by_form(client, loan_id)
    page = client.get(f"/loans/show/{loan_id}").get_data(as_text=True)
    assert "lowlend-record-repayment" in page and "lowlend-write-off" in page
    assert "lowlend-payoff-total" in page  # payoff figures for the business date
    assert len(re.findall(r'<tr class="[^"]*" data-seq="\d+"', page)) == 12
    assert re.search(r'data-transaction="\d+"', page)  # the disbursement
    assert "lowlend-auto-debit" in page
    assert client.get(f"/loans/show/{loan_id}?payoff_date=x").status_code == 200

    # the record-repayment link comes back to the loan page
    link = re.search(r'href="(/repayments/record\?loan=\d+&amp;next=[^"]*)"', page)
    assert link
    form_page = client.get(unescape(link.group(1))).get_data(as_text=True)
    r = client.post("/repayments/record", data=with_csrf(form_page, {
        "loan": str(loan_id), "amount": "500.00", "value_date": "", "kind": "repayment",
        "channel": "cash", "reference": "RC-9", "key": _hidden(form_page, "key"),
        "next": f"/loans/show/{loan_id}", "action": "confirm"}))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/loans/show/{loan_id}")
    r = client.post("/repayments/record", data=with_csrf(form_page, {
        "loan": str(loan_id), "amount": "1", "kind": "repayment", "channel": "cash",
        "reference": "x", "key": "k-evil", "next": "https://evil.example/", "action": "confirm"}))
    assert "evil" not in r.headers.get("Location", "")

    # write-off: a reason is required; a loan not past due is refused, nothing is entered
    wo = client.get(f"/loans/{loan_id}/write_off").get_data(as_text=True)
    r = client.post(f"/loans/{loan_id}/write_off", data=with_csrf(wo, {"reason": ""}))
    assert r.status_code == 200 and _field_error(r.get_data(as_text=True), "reason")
    r = client.post(f"/loans/{loan_id}/write_off", data=with_csrf(wo, {"reason": "失联"}))
    assert r.status_code == 200 and "lowlend-form-error" in r.get_data(as_text=True)
    assert _scalar(lending_app, "SELECT count(*) FROM transactions WHERE loan_id = :i "
                   "AND type = 'write_off'", i=loan_id) == 0

    # auto-debit: nothing is due yet, said so on the loan page
    r = client.post(f"/repayments/auto_debit/{loan_id}",
                    data=with_csrf(page, {"next": f"/loans/show/{loan_id}"}),
                    follow_redirects=True)
    assert r.status_code == 200

    web_login(client, "collector")
    assert client.get(f"/loans/{loan_id}/write_off").status_code in (403, 404)


def test_recovery_on_a_written_off_loan_posts_once(lending_app: Any) -> None:
    client = lending_app.test_client()
    loan_id = _scalar(lending_app, "SELECT min(id) FROM loans WHERE status = 'written_off'")
    assert loan_id is not None  # the demo data writes long past-due loans off
    web_login(client, "finance")
    loan_page = client.get(f"/loans/show/{loan_id}").get_data(as_text=True)
    link = re.search(r'lowlend-record-recovery" href="([^"]*)"', loan_page)
    assert link and "lowlend-record-repayment" not in loan_page
    page = client.get(unescape(link.group(1))).get_data(as_text=True)
    assert re.search(r'<option selected value="recovery">|<option value="recovery" selected', page)
    form = with_csrf(page, {"loan": str(loan_id), "amount": "300.00", "value_date": "",
                            "kind": "recovery", "channel": "transfer", "reference": "",
                            "key": _hidden(page, "key"), "next": f"/loans/show/{loan_id}",
                            "action": "confirm"})
    r = client.post("/repayments/record", data=form)
    assert r.status_code == 200
    assert _field_error(r.get_data(as_text=True), "reference") == "请填写银行流水号或收据号。"
    count = "SELECT count(*) FROM transactions WHERE loan_id = :i AND type = 'recovery'"
    before = _scalar(lending_app, count, i=loan_id)
    form["reference"] = "RV-1"
    assert client.post("/repayments/record", data=form).status_code == 302
    again = client.post("/repayments/record", data=form, follow_redirects=True)
    assert "此表单已提交过" in again.get_data(as_text=True)
    assert _scalar(lending_app, count, i=loan_id) == before + 1
    # an ordinary repayment on it is refused with the reason, next to nothing posted
    r = client.post("/repayments/record", data={**form, "kind": "repayment", "key": "web-x"})
    assert r.status_code == 200 and "lowlend-form-error" in r.get_data(as_text=True)
