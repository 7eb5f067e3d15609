"""还款登记 / Repayments: the repayment, prepayment, reversal and recovery transactions
(filters by loan, value date, channel, status and type; CSV export), the "record a
repayment" form, the reversal request of a posted repayment and the auto-debit button of
the loan page.

* Recording calls :func:`lowlend.services.lending.repayments.repay` with an idempotency
  key generated for each rendering of the form (a hidden field): submitting the same form
  twice posts once, the second answer is the first one's result.
* Reversing calls :func:`lowlend.services.lending.corrections.request_reversal` (another
  user approves it on the refunds screen).
* The payoff figure shown for the value date is
  :func:`lowlend.services.lending.repayments.payoff`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from lowlend.domain.errors import DomainError
from lowlend.services.admin_ports import Listing, TransactionFilter
from lowlend.services.lending import auto_debit, corrections, repayments
from lowlend.services.lending.errors import LendingError
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.finance.common import (
    CHANNEL_LABELS,
    TXN_STATUS_LABELS,
    TXN_TYPE_LABELS,
    FinanceView,
    code_text,
    csv_response,
    error_text,
    failure_text,
    find_loan,
    loan_scope,
    loan_visible,
    paginate,
    parse_amount,
    parse_date,
    place_error,
    safe_next,
    user_names,
)
from lowlend.web.finance.forms import ReasonForm, RepaymentForm, new_key
from lowlend.web.generic.labels import format_money
from lowlend.web.lending_context import actor, business_today, lending

__all__ = ["RepaymentsView"]

CODE = "repayments"
TYPES = ("repayment", "prepayment", "reversal", "recovery")
CHANNELS = ("transfer", "cash", "auto_debit", "statement")
STATUSES = ("posted", "pending", "failed", "awaiting_approval", "rejected")
REVERSIBLE = ("repayment", "prepayment")
KINDS = ("repayment", "prepayment", "payoff", "recovery")
EXPORT_LIMIT = 100_000
_COMPONENTS = ("principal", "interest", "fee", "penalty", "overpayment")


def _filters() -> tuple[dict[str, str], dict[str, str], TransactionFilter]:
    """The list's filters from the query string: (values, errors by name, filter)."""
    args = {k: request.args.get(k, "").strip() for k in
            ("loan", "date_from", "date_to", "channel", "status", "type")}
    errors: dict[str, str] = {}
    days: dict[str, dt.date | None] = {"date_from": None, "date_to": None}
    for name in days:
        if args[name]:
            day = parse_date(args[name])
            if day is None:
                errors[name] = str(_l("Give a date as YYYY-MM-DD."))
            else:
                days[name] = day
    for name, allowed in (("channel", CHANNELS), ("status", STATUSES), ("type", TYPES)):
        if args[name] not in allowed:
            args[name] = ""
    flt = TransactionFilter(
        loan=args["loan"].lstrip("#") if args["loan"] else None, date_from=days["date_from"], date_to=days["date_to"],
        channel=args["channel"], status=args["status"], type=args["type"],
    )
    return args, errors, flt


def _query(flt: TransactionFilter) -> Listing:
    return backend().finance.repayments(loan_scope(CODE), TYPES, flt)


def _reversed(ids: list[int]) -> set[int]:
    """Which of ``ids`` a reversal (posted or awaiting approval) already targets."""
    return backend().finance.reversed_ids(ids, ("posted", corrections.AWAITING))


class RepaymentsView(FinanceView):
    """还款登记 / Repayments."""

    route_base = "/repayments"
    class_permission_name = CODE
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = {
        "list": "list", "export": "export", "record": "add", "reverse": "reverse",
        "send_auto_debit": "add",
    }
    base_permissions: ClassVar[list[str] | None] = [
        "can_list", "can_show", "can_add", "can_reverse", "can_export",
    ]

    @expose("/")
    @has_access
    def list(self) -> Any:
        args, errors, where = _filters()
        page = paginate(_query(where))
        ids = [row[0].id for row in page.rows]
        return self.render_template(
            "finance/repayments.html",
            title=_l("Repayments"),
            page=page, args=args, errors=errors, reversed=_reversed(ids),
            users=user_names(row[0].created_by for row in page.rows),
            types=[(t, TXN_TYPE_LABELS[t]) for t in TYPES],
            channels=[(c, CHANNEL_LABELS[c]) for c in CHANNELS],
            statuses=[(s, TXN_STATUS_LABELS[s]) for s in STATUSES],
            reversible=REVERSIBLE, may_add=may("add", CODE), may_reverse=may("reverse", CODE),
            may_export=may("export", CODE),
        )

    @expose("/export/")
    @has_access
    def export(self) -> Any:
        """The filtered list as CSV (every page)."""
        _args, _errors, where = _filters()
        rows = backend().records.all_rows(_query(where), EXPORT_LIMIT)
        users = user_names([r[0].created_by for r in rows] + [r[0].approved_by for r in rows])
        header = [
            _l("Transaction"), _l("Loan"), _l("Contract number"), _l("Customer"), _l("Type"),
            _l("Status"), _l("Value date"), _l("Business date"), _l("Amount"), _l("Currency"),
            _l("Channel"), _l("Reference"), _l("Principal"), _l("Interest"), _l("Fee"),
            _l("Penalty"), _l("Overpayment"), _l("Reversal of"), _l("Entered by"),
            _l("Approved by"), _l("Note"),
        ]
        out: list[list[Any]] = [[str(h) for h in header]]
        for txn, contract_no, customer in rows:
            a = txn.allocation or {}
            out.append([
                txn.id, txn.loan_id, contract_no or "", customer, code_text(txn.type),
                code_text(txn.status), txn.value_date.isoformat(),
                txn.business_date.isoformat() if txn.business_date else "", txn.amount,
                txn.currency, str(CHANNEL_LABELS.get(txn.channel or "", txn.channel or "")),
                txn.reference or "", *[a.get(c, "") for c in _COMPONENTS], txn.reversed_of or "",
                users.get(txn.created_by or 0, ""), users.get(txn.approved_by or 0, ""), txn.note,
            ])
        return csv_response(out, f"repayments-{business_today().isoformat()}.csv")

    # -- record a repayment -------------------------------------------------------------

    @expose("/record", methods=["GET", "POST"])
    @has_access
    def record(self) -> Any:
        """The "record a repayment" form; ``?loan=`` pre-fills the loan, ``?next=`` is
        where to go afterwards (a path of this site)."""
        today = business_today()
        form = RepaymentForm()
        back = safe_next(request.values.get("next"), url_for(f"{self.endpoint}.list"))
        general: str | None = None
        if request.method == "GET":
            form.loan.data = request.args.get("loan", "")
            form.value_date.data = today.isoformat()
            if request.args.get("kind") in KINDS:
                form.kind.data = request.args["kind"]
        loan_id, loan_error = find_loan(form.loan.data, CODE) if form.loan.data else (None, None)
        value_date = parse_date(form.value_date.data, today)
        if loan_error or (request.method == "POST" and loan_id is None):
            form.loan.errors = [loan_error or str(_l("Give the loan's number or contract number."))]
        if request.method == "POST":
            if value_date is None:
                form.value_date.errors = [str(_l("Give a date as YYYY-MM-DD."))]
        if request.method == "POST" and request.form.get("action") == "confirm":
            amount = parse_amount(form.amount.data)
            if amount is None:
                form.amount.errors = [str(_l("Give an amount such as 1000.00."))]
            if loan_id is not None and value_date is not None and amount is not None:
                posted, general = self._post(form, loan_id, amount, value_date, today)
                if posted:
                    return redirect(back if "next" in request.values else
                                    url_for(f"{self.endpoint}.list", loan=str(loan_id)))
        loan = backend().finance.loan(loan_id) if loan_id is not None else None
        figures, figures_error = self._payoff(loan, value_date or today, today)
        form.key.data = new_key()  # every rendering gets its own key
        return self.render_template(
            "finance/record_repayment.html",
            title=_l("Record a repayment"),
            form=form, general=general, loan=loan, figures=figures,
            figures_error=figures_error, back=back, next_url=request.values.get("next", ""),
            customer=backend().finance.customer(loan.customer_id) if loan else None,
        )

    def _post(self, form: RepaymentForm, loan_id: int, amount: Any, value_date: dt.date,
              today: dt.date) -> tuple[bool, str | None]:
        """Call the use case: ``(True, None)`` when posted (or replayed), else ``(False,
        the text to show above the form)`` (field errors are placed next to their fields)."""
        if form.kind.data == "recovery":
            return self._recover(form, loan_id, amount, value_date, today)
        ctx = lending()
        req = repayments.RepaymentRequest(
            amount, value_date, form.channel.data or "transfer", form.reference.data or "",
            form.note.data or "", form.kind.data or "repayment",  # type: ignore[arg-type]
        )
        try:
            result = repayments.repay(
                ctx.money, loan_id, req, actor=actor(),  # type: ignore[arg-type]
                registry_for=ctx.registry_for, business_date=today,
                idempotency_key=(form.key.data or "").strip() or None,
            )
        except DomainError as exc:
            if exc.code == "idempotency_key_reused":
                return False, str(_l("This form was already submitted with other values: nothing "
                                     "more was posted. Check the list before entering the "
                                     "payment again."))
            return False, place_error(form, exc, {"Idempotency-Key": "key"})
        finally:
            backend().records.expire_all()
        if result.replayed:
            flash(str(_l("This form was already submitted: the payment was posted once, as "
                         "transaction %(id)s.", id=result.transaction_id)), "info")
        else:
            flash(str(_l("The payment is posted as transaction %(id)s; the loan is now %(status)s.",
                         id=result.transaction_id, status=code_text(result.loan_status))),
                  "success")
        return True, None

    def _recover(self, form: RepaymentForm, loan_id: int, amount: Any, value_date: dt.date,
                 today: dt.date) -> tuple[bool, str | None]:
        """Money received on a written-off loan (no approval; the same key twice posts once)."""
        ctx = lending()
        try:
            txn = corrections.record_recovery(
                ctx.money, loan_id, amount, value_date=value_date,  # type: ignore[arg-type]
                reference=form.reference.data or "", actor=actor(),
                registry_for=ctx.registry_for, business_date=today,
                idempotency_key=(form.key.data or "").strip() or None,
            )
        except DomainError as exc:
            if exc.code == "idempotency_key_taken":
                flash(str(_l("This form was already submitted: the recovery was posted once.")),
                      "info")
                return True, None
            return False, place_error(form, exc, {"Idempotency-Key": "key"})
        finally:
            backend().records.expire_all()
        flash(str(_l("The recovery is posted as transaction %(id)s.", id=txn)), "success")
        return True, None

    @staticmethod
    def _payoff(loan: Any, as_of: dt.date, today: dt.date) -> tuple[Any, str | None]:
        if loan is None or loan.status not in ("active", "overdue"):
            return None, None
        try:
            return repayments.payoff(lending().money(), loan.id, as_of, today), None  # type: ignore[misc]
        except DomainError as exc:
            return None, error_text(exc)

    # -- reverse a repayment -------------------------------------------------------------

    @expose("/<int:txn_id>/reverse", methods=["GET", "POST"])
    @has_access
    def reverse(self, txn_id: int) -> Any:
        """Request the reversal of a posted repayment (a reason is required)."""
        txn = backend().finance.transaction(txn_id)
        if txn is None or txn.type not in TYPES or not loan_visible(CODE, txn.loan_id):
            abort(404)
        form = ReasonForm()
        general: str | None = None
        if request.method == "POST":
            try:
                request_id = corrections.request_reversal(
                    lending().money, txn_id, reason=form.reason.data or "",  # type: ignore[arg-type]
                    actor=actor(), business_date=business_today(),
                )
            except DomainError as exc:
                if isinstance(exc, LendingError) and exc.status in (404, 409):
                    flash(error_text(exc), "warning")
                    return redirect(url_for(f"{self.endpoint}.list"))
                general = place_error(form, exc)
            else:
                flash(str(_l("The reversal is requested (request %(id)s): another user must "
                             "approve it.", id=request_id)), "success")
                return redirect(url_for(f"{self.endpoint}.list"))
            finally:
                backend().records.expire_all()
            txn = backend().finance.transaction(txn_id)
        return self.render_template(
            "finance/reverse.html", title=_l("Reverse transaction %(id)s", id=txn_id),
            txn=txn, form=form, general=general,
        )

    # -- auto-debit (the loan page's button) ---------------------------------------------

    @expose("/auto_debit/<int:loan_id>", methods=["POST"])
    @has_access
    def send_auto_debit(self, loan_id: int) -> Any:
        """Send an auto-debit of what is due; back to the loan page with the outcome."""
        if not loan_visible(CODE, loan_id):
            abort(404)
        back = safe_next(request.form.get("next"), f"{request.script_root}/loans/show/{loan_id}")
        ctx = lending()
        if ctx.gateway is None:
            flash(error_text(LendingError("gateway_not_configured", status=503)), "danger")
            return redirect(back)
        try:
            r = auto_debit.auto_debit(
                ctx.money, loan_id, gateway=ctx.gateway, actor=actor(),  # type: ignore[arg-type]
                registry_for=ctx.registry_for, business_date=business_today(),
            )
        except DomainError as exc:
            flash(error_text(exc), "danger")
        else:
            if r.status == "posted":
                flash(str(_l("The auto-debit collected %(amount)s.", amount=format_money(r.amount))),
                      "success")
            elif r.status == "pending":
                flash(str(_l("The auto-debit of %(amount)s is sent; it posts when the gateway "
                             "confirms it.", amount=format_money(r.amount))), "info")
            else:
                flash(str(_l("The auto-debit failed: %(reason)s",
                             reason=failure_text(r.failure_code))), "danger")
        finally:
            backend().records.expire_all()
        return redirect(back)
