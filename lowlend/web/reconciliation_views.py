"""Reconciliation (对账): upload bank / gateway statements, see each import's lines and
the unmatched on both sides, resolve them, and the daily report (page and CSV).

Thin: each request parses its input, calls one use case of
:mod:`lowlend.services.reconciliation` and words its errors next to the field they
concern. Permissions (view-menu ``reconciliation``): ``list`` the imports, ``show`` an
import and the report, ``add`` an upload, ``edit`` a resolution. Posting a line as a
repayment also needs ``add`` on ``repayments`` and the loan within the user's data scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from flask import Response, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length

from lowlend.domain.errors import DomainError
from lowlend.domain.reconciliation import REPORT_CATEGORIES
from lowlend.domain.statement_lines import RowProblem
from lowlend.services import reconciliation as rc
from lowlend.services.messages import message
from lowlend.web.backend import WebBackend
from lowlend.web.fab import may
from lowlend.web.generic.labels import format_date, format_money
from lowlend.web.generic.scope_check import record_visible
from lowlend.web.i18n import request_locale
from lowlend.web.lending_context import LendingContext, actor, business_today

__all__ = ["ReconciliationView", "register"]

_KEY = "lowlend_reconciliation"
MAX_PROBLEMS_SHOWN = 20
MAX_LINES_SHOWN = 1000

STATUS_LABELS: Mapping[str, Any] = {
    "unmatched": _l("Unmatched"),
    "matched": _l("Matched"),
    "resolved": _l("Resolved"),
}
RESOLUTION_LABELS: Mapping[str, Any] = {
    "matched_auto": _l("Matched automatically"),
    "matched_manual": _l("Matched by hand"),
    "posted_as_repayment": _l("Posted as a repayment"),
    "bank_fee": _l("Bank fee"),
    "ignored": _l("Ignored"),
    "unmatched": _l("Unmatched"),
    "total": _l("Total"),
}
DIRECTION_LABELS: Mapping[str, Any] = {"in": _l("Money in"), "out": _l("Money out")}
TYPE_LABELS: Mapping[str, Any] = {
    "repayment": _l("Repayment"),
    "prepayment": _l("Prepayment"),
    "recovery": _l("Recovery"),
    "disbursement": _l("Disbursement"),
    "refund": _l("Refund"),
}
CHANNEL_LABELS: Mapping[str, Any] = {
    "cash": _l("Cash"),
    "transfer": _l("Bank transfer"),
    "statement": _l("Bank statement"),
    "gateway": _l("Payment gateway"),
    "auto_debit": _l("Auto-debit"),
}
COLUMN_LABELS: Mapping[str, Any] = {
    "value_date": _l("Value date"),
    "amount": _l("Amount"),
    "amount_in": _l("Amount in"),
    "amount_out": _l("Amount out"),
    "direction": _l("Direction"),
    "reference": _l("Reference"),
    "counterparty": _l("Counterparty"),
    "memo": _l("Memo"),
    "currency": _l("Currency"),
}
#: CSV column names and codes of the daily report
REPORT_LABELS: Mapping[str, Any] = {
    **RESOLUTION_LABELS,
    **DIRECTION_LABELS,
    "date": _l("Date"),
    "currency": _l("Currency"),
    "direction": _l("Direction"),
    "side": _l("Side"),
    "category": _l("Category"),
    "count": _l("Count"),
    "amount": _l("Amount"),
    "statement": _l("Statement"),
    "ledger": _l("Ledger"),
    "matched": _l("Matched"),
}
PROBLEM_LABELS: Mapping[str, Any] = {
    "date_invalid": _l("not a date (use YYYY-MM-DD)"),
    "amount_invalid": _l("not an amount"),
    "amount_zero": _l("the amount is zero or missing"),
    "amount_precision": _l("more than 2 decimal places"),
    "amount_too_large": _l("the amount is too large"),
    "amount_ambiguous": _l("give either the amount in or the amount out, not both"),
    "direction_invalid": _l("the direction must be in or out (收 / 支), with a positive amount"),
    "reference_missing": _l("the reference is missing"),
    "reference_too_long": _l("the reference is longer than 100 characters"),
    "currency_mismatch": _l("another currency than the statement's"),
}
ERROR_TEXTS: Mapping[str, Any] = {
    "statement_empty": _l("The file has no statement lines under its header row."),
    "statement_unreadable": _l("The file could not be read as CSV or XLSX."),
    "statement_type_unsupported": _l("Only CSV and XLSX files can be imported (save .xls files as .xlsx)."),
    "statement_too_large": _l("The file is too large (at most %(max)s bytes)."),
    "statement_too_many_lines": _l("The file has too many lines (at most %(max)s)."),
    "statement_duplicate": _l("This file was already imported (import #%(import_id)s, %(file_name)s, on %(imported_at)s by %(imported_by)s)."),
    "statement_source_required": _l("Name the bank account or payment gateway of the statement."),
    "statement_source_too_long": _l("At most %(max)s characters."),
    "statement_currency_invalid": _l("Give a currency code such as CNY."),
    "statement_not_found": _l("Statement import not found."),
    "statement_line_not_found": _l("Statement line not found."),
    "statement_line_resolved": _l("This line is already reconciled."),
    "statement_line_unmatched": _l("This line is not reconciled."),
    "statement_line_posted": _l("This line was posted as repayment transaction #%(transaction)s: reverse that repayment instead."),
    "statement_line_posted_elsewhere": _l("This line was already posted as a repayment of another loan."),
    "statement_line_not_incoming": _l("Only money received can be posted as a repayment."),
    "transaction_not_found": _l("Transaction #%(value)s not found."),
    "transaction_already_matched": _l("Transaction #%(value)s is already matched with another statement line."),
    "transaction_not_matchable": _l("Transaction #%(value)s is not a posted bank payment (cash, pending or not a money transaction)."),
    "transaction_direction_mismatch": _l("Transaction #%(value)s goes the other way (money in / money out)."),
    "transaction_currency_mismatch": _l("The transaction is in %(value)s, the line in %(expected)s."),
    "note_required_amount_differs": _l("The amounts differ (%(amount)s against %(line_amount)s): say why in the note."),
    "note_required": _l("A note is required."),
    "resolution_invalid": _l("Choose an action."),
    "loan_currency_mismatch": _l("The loan is in %(value)s, the line in %(expected)s."),
    "loan_not_found": _l("Loan #%(value)s not found."),
}
MESSAGES = (
    _l("Reconciliation"),
    _l("Import a statement"),
    _l("Statement file (CSV or XLSX)"),
    _l("Bank account or gateway"),
    _l("Import"),
    _l("Imports"),
    _l("No statement has been imported yet."),
    _l("File"),
    _l("Imported"),
    _l("Lines"),
    _l("Period"),
    _l("Daily report"),
    _l("Statement lines"),
    _l("Unmatched statement lines"),
    _l("Unmatched postings of the period"),
    _l("Every posting of the period is accounted for."),
    _l("Every line is reconciled."),
    _l("Match again"),
    _l("Transaction #"),
    _l("Loan #"),
    _l("Note"),
    _l("Link"),
    _l("Post as repayment"),
    _l("Reopen"),
    _l("Download CSV"),
    _l("Show"),
)


class UploadForm(FlaskForm):
    """A statement file and where it comes from."""

    file = FileField(_l("Statement file (CSV or XLSX)"))
    source = StringField(_l("Bank account or gateway"), validators=[
        Length(max=100, message=_l("At most %(max)d characters."))])
    currency = StringField(_l("Currency"), default="CNY")


def _context() -> Any:
    """This app's reconciliation unit-of-work factory (built on first use)."""
    found = current_app.extensions.get(_KEY)
    if found is None:
        from lowlend.web.backend import backend

        found = backend().uow.reconciliation()
        current_app.extensions[_KEY] = found
    return found


def _problem_text(p: RowProblem) -> str:
    column = COLUMN_LABELS.get(p.column, p.column)
    return _("Row %(row)s, %(column)s “%(value)s”: %(problem)s", row=p.row,
                   column=f"{column} ({p.column})", value=p.value,
                   problem=str(PROBLEM_LABELS.get(p.code, p.code)))


def _listed(value: object) -> list[object]:
    """An error parameter that holds a list (anything else: nothing)."""
    return list(value) if isinstance(value, (list, tuple)) else []


def _columns_text(codes: Any) -> str:
    return ", ".join(f"{COLUMN_LABELS.get(c, c)} ({c})" for c in codes or ())


def error_texts(exc: DomainError) -> list[str]:
    """The user's-language texts of a reconciliation or lending error (several for a file
    with several bad rows)."""
    params = dict(exc.params)
    if exc.code == "statement_columns_missing":
        return [_("The file has no column %(columns)s. Its header row is: %(found)s.",
                        columns=_columns_text(params.get("missing")),
                        found=", ".join(str(h) for h in _listed(params.get("found")) if h) or "-")]
    if exc.code == "statement_columns_ambiguous":
        return [_("These headers name the same column: %(columns)s.",
                        columns=", ".join(map(str, _listed(params.get("columns")))))]
    if exc.code == "statement_rows_invalid":
        problems = [p for p in _listed(params.get("problems")) if isinstance(p, RowProblem)]
        texts = [_("%(n)s problem(s) in the file; nothing was imported.",
                         n=len(problems))]
        texts += [_problem_text(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            texts.append(_("… and %(n)s more.", n=len(problems) - MAX_PROBLEMS_SHOWN))
        return texts
    text = ERROR_TEXTS.get(exc.code)
    if text is not None:
        try:
            return [str(text) % params if params else str(text)]
        except (KeyError, TypeError, ValueError):
            return [str(text)]
    return [message(exc.code, request_locale(), **params)]


def _label(table: Mapping[str, Any], code: str | None) -> str:
    if not code:
        return ""
    found = table.get(code)
    return str(found) if found is not None else code


def _int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip().lstrip("#")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


class ReconciliationView(BaseView):
    """对账 / Reconciliation."""

    route_base = "/reconciliation"
    class_permission_name = "reconciliation"
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = {
        "list": "list", "upload": "add", "show": "show", "report": "show",
        "report_csv": "show", "resolve": "edit", "rematch": "edit",
    }
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_add", "can_edit"]

    def _may(self, action: str, view: str = "reconciliation") -> bool:
        return may(action, view)

    def _list_page(self, form: UploadForm, status: int = 200) -> Any:
        page = self.render_template(
            "reconciliation/list.html", title=_l("Reconciliation"), form=form,
            imports=rc.imports(_context()), may_add=self._may("add"), may_show=self._may("show"),
            today=business_today().isoformat(), fmt_date=format_date, fmt_money=format_money,
            status_labels=STATUS_LABELS,
        )
        return page if status == 200 else (page, status)

    @expose("/")
    @has_access
    def list(self) -> Any:
        return self._list_page(UploadForm())

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self) -> Any:
        form = UploadForm()
        form.validate()  # CSRF is checked for every POST by CSRFProtect; lengths here
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Choose a CSV or XLSX file.")]
        if form.errors or form.file.errors:
            return self._list_page(form, 422)
        assert upload is not None
        data = upload.stream.read(rc.MAX_FILE_BYTES + 1)
        try:
            result = rc.import_statement(
                _context(), data, file_name=upload.filename or "", source=form.source.data or "",
                currency=form.currency.data or "CNY", actor=actor(),
            )
        except DomainError as exc:
            field = getattr(form, exc.field or "file", form.file)
            field.errors = [*field.errors, *error_texts(exc)]
            return self._list_page(form, 422)
        flash(_("Imported %(lines)s lines; %(matched)s matched automatically.",
                      lines=result.line_count, matched=result.matched), "success")
        return redirect(url_for("ReconciliationView.show", import_id=result.import_id))

    def _show_page(self, import_id: int, errors: Mapping[int, Any] | None = None,
                   status: int = 200) -> Any:
        try:
            view = rc.statement(_context(), import_id)
        except DomainError:
            flash(_("Statement import not found."), "danger")
            return redirect(url_for("ReconciliationView.list"))
        wanted = request.args.get("status", "")
        lines = [ln for ln in view.lines if not wanted or ln.status == wanted]
        page = self.render_template(
            "reconciliation/show.html", title=_l("Reconciliation"), view=view,
            lines=lines[:MAX_LINES_SHOWN], hidden=max(0, len(lines) - MAX_LINES_SHOWN),
            wanted=wanted, errors=errors or {}, form_values=request.form,
            may_edit=self._may("edit"), may_repay=self._may("add", "repayments"),
            status_labels=STATUS_LABELS, resolution_labels=RESOLUTION_LABELS,
            direction_labels=DIRECTION_LABELS, type_labels=TYPE_LABELS,
            channel_labels=CHANNEL_LABELS, label=_label, fmt_date=format_date,
            fmt_money=format_money,
        )
        return page if status == 200 else (page, status)

    @expose("/show/<int:import_id>")
    @has_access
    def show(self, import_id: int) -> Any:
        return self._show_page(import_id)

    @expose("/show/<int:import_id>/rematch", methods=["POST"])
    @has_access
    def rematch(self, import_id: int) -> Any:
        try:
            done = rc.match_again(_context(), import_id)
        except DomainError as exc:
            flash(" ".join(error_texts(exc)), "danger")
            return redirect(url_for("ReconciliationView.list"))
        flash(_("%(n)s more line(s) matched automatically.", n=done), "success")
        return redirect(url_for("ReconciliationView.show", import_id=import_id))

    @expose("/lines/<int:line_id>/resolve", methods=["POST"])
    @has_access
    def resolve(self, line_id: int) -> Any:
        import_id = _int("import_id") or 0
        action = request.form.get("action", "")
        note = (request.form.get("note") or "")[:500]
        uow, me = _context(), actor()
        field_errors: dict[str, list[str]] = {}
        try:
            if action == "link":
                txn = _int("transaction_id")
                if txn is None:
                    field_errors["transaction_id"] = [_("Give the transaction number.")]
                else:
                    rc.link_line(uow, line_id, txn, actor=me, note=note)
            elif action in rc.MANUAL_MARKS:
                rc.mark_line(uow, line_id, action, actor=me, note=note)
            elif action == "repayment":
                loan = _int("loan_id")
                if loan is None:
                    field_errors["loan_id"] = [_("Give the loan number.")]
                elif not self._may("add", "repayments"):
                    field_errors["loan_id"] = [_("You may not post repayments.")]
                elif not record_visible("loans", loan):
                    field_errors["loan_id"] = [_("Loan #%(value)s not found.", value=loan)]
                else:
                    rc.post_as_repayment(uow, uow, line_id, loan, actor=me,
                                         registry_for=LendingContext.registry_for,
                                         business_date=business_today(), note=note)
            elif action == "reopen":
                rc.reopen_line(uow, line_id, actor=me, note=note)
            else:
                field_errors["action"] = [_("Choose an action.")]
        except DomainError as exc:
            name = exc.field if exc.field in ("transaction_id", "loan_id", "note") else "action"
            if action == "repayment" and name == "action":
                name = "loan_id"  # what the repayment refused (closed loan, value date …)
            field_errors[name] = error_texts(exc)
        if field_errors:
            return self._show_page(import_id, {line_id: field_errors}, 422)
        flash(_("Line reconciled.") if action != "reopen" else _("Line reopened."),
              "success")
        return redirect(url_for("ReconciliationView.show", import_id=import_id)
                        + f"#line-{line_id}")

    def _day(self) -> tuple[dt.date, str | None]:
        raw = (request.args.get("day") or "").strip()
        if not raw:
            return business_today(), None
        try:
            return dt.date.fromisoformat(raw), None
        except ValueError:
            return business_today(), _("Give a date as YYYY-MM-DD.")

    @expose("/report")
    @has_access
    def report(self) -> Any:
        day, error = self._day()
        report = rc.daily_report(_context(), day)
        return self.render_template(
            "reconciliation/report.html", title=_l("Daily report"), report=report, day=day,
            day_text=request.args.get("day", day.isoformat()) if error else day.isoformat(),
            error=error, categories=("total", *REPORT_CATEGORIES),
            labels=REPORT_LABELS, label=_label, fmt_money=format_money,
        )

    @expose("/report.csv")
    @has_access
    def report_csv(self) -> Any:
        day, error = self._day()
        if error:
            flash(error, "danger")
            return redirect(url_for("ReconciliationView.report"))
        text = rc.report_csv(rc.daily_report(_context(), day),
                             label=lambda code: _label(REPORT_LABELS, code))
        return Response(
            text.encode("utf-8-sig"),  # the BOM lets spreadsheet programs see UTF-8
            mimetype="text/csv",
            headers={"Content-Disposition":
                     f"attachment; filename=reconciliation-{day.isoformat()}.csv"},
        )


def register(appbuilder: Any, registry: Any, backend: WebBackend | None = None) -> None:
    """Add the reconciliation screens (menu entry ``reconciliation`` of menus.yaml)."""
    appbuilder.add_view_no_menu(ReconciliationView())

