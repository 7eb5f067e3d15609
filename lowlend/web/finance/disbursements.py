"""放款管理 / Disbursements: loans awaiting disbursement — approved ones, and active ones with
principal left to pay out in tranches (分笔放款) — with what each would pay out on the
business date, a disburse form per loan showing the approved and disbursed principal and,
for the chosen value date and amount (blank: the undisbursed rest), the tranche's
principal, upfront fees and net proceeds before confirming, and the disbursement
transactions (posted, waiting for the gateway, failed).

Disbursing calls :func:`lowlend.services.lending.disbursements.disburse` once; the
figures come from :mod:`lowlend.services.lending.money_queries`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from lowlend.domain.errors import DomainError
from lowlend.services.lending import disbursements, money_queries
from lowlend.services.lending.errors import LendingError
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.finance.common import (
    TXN_STATUS_LABELS,
    FinanceView,
    error_text,
    loan_scope,
    loan_visible,
    paginate,
    parse_amount,
    parse_date,
    place_error,
    user_names,
)
from lowlend.web.finance.forms import DisburseForm
from lowlend.web.generic.labels import format_money
from lowlend.web.lending_context import actor, business_today, lending

__all__ = ["DisbursementsView"]

CODE = "disbursements"
SHOWN_STATUSES = ("posted", "pending", "failed")



class DisbursementsView(FinanceView):
    """放款管理 / Disbursements."""

    route_base = "/disbursements"
    class_permission_name = CODE
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = {"list": "list", "disburse": "disburse"}
    base_permissions: ClassVar[list[str] | None] = ["can_list", "can_show", "can_disburse"]

    @expose("/")
    @has_access
    def list(self) -> Any:
        scope = loan_scope(CODE)
        queries = backend().finance
        awaiting = queries.awaiting_disbursement(scope)
        status = request.args.get("status", "")
        txns = queries.disbursements(
            scope, [status] if status in SHOWN_STATUSES else SHOWN_STATUSES
        )
        loans = paginate(awaiting)
        today = business_today()
        ctx = lending()
        figures = money_queries.disbursement_figures(
            ctx.money, [row[0].id for row in loans.rows], today,  # type: ignore[arg-type]
            ctx.registry_for,
        )
        done = paginate(txns, arg="tpage")
        return self.render_template(
            "finance/disbursements.html",
            title=_l("Disbursements"),
            loans=loans, figures=figures, done=done, today=today, status=status,
            statuses=[(s, TXN_STATUS_LABELS[s]) for s in SHOWN_STATUSES],
            users=user_names(row[0].created_by for row in done.rows),
            may_disburse=may("disburse", CODE),
        )

    @expose("/<int:loan_id>/disburse", methods=["GET", "POST"])
    @has_access
    def disburse(self, loan_id: int) -> Any:
        """The disburse form of one loan: figures for the value date, then confirm."""
        if not loan_visible(CODE, loan_id):
            abort(404)
        ctx = lending()
        today = business_today()
        form = DisburseForm()
        general: str | None = None
        if request.method == "GET":
            form.value_date.data = today.isoformat()
        value_date = parse_date(form.value_date.data, today)
        if value_date is None:
            form.value_date.errors = [str(_l("Give a date as YYYY-MM-DD."))]
            value_date = today
        amount = None
        if (form.amount.data or "").strip():
            amount = parse_amount(form.amount.data)
            if amount is None:
                form.amount.errors = [str(_l("Give an amount such as 1000.00."))]
        try:
            figures = money_queries.disbursement_figures_of(
                ctx.money, loan_id, value_date, ctx.registry_for, amount,  # type: ignore[arg-type]
            )
        except LendingError as exc:
            if exc.status == 404 or exc.code == "loan_not_awaiting_disbursement":
                flash(error_text(exc), "warning")
                return redirect(url_for(f"{self.endpoint}.list"))
            general = place_error(form, exc, {"value_date": "value_date", "amount": "amount"})
            figures = None
        if request.method == "GET" and figures is not None and figures.bank_card:
            form.card_number.data = figures.bank_card
        if (request.method == "POST" and request.form.get("action") == "confirm"
                and not form.value_date.errors and not form.amount.errors and figures is not None):
            request_ = disbursements.DisbursementRequest(
                value_date, form.channel.data or "transfer", form.reference.data or "",  # type: ignore[arg-type]
                form.note.data or "", form.card_number.data or "", form.bank_code.data or "",
                form.holder_name.data or "", amount,
            )
            try:
                result = disbursements.disburse(
                    ctx.money, loan_id, request_, actor=actor(),  # type: ignore[arg-type]
                    registry_for=ctx.registry_for, business_date=today, gateway=ctx.gateway,
                )
            except DomainError as exc:
                if isinstance(exc, LendingError) and (
                        exc.status == 404 or exc.code == "loan_not_awaiting_disbursement"):
                    flash(error_text(exc), "warning")
                    return redirect(url_for(f"{self.endpoint}.list"))
                general = place_error(form, exc, {"amount": "amount"})
            else:
                self._flash_result(loan_id, result)
                return redirect(url_for(f"{self.endpoint}.list"))
            finally:
                backend().records.expire_all()
        loan = backend().finance.loan(loan_id)
        return self.render_template(
            "finance/disburse.html",
            title=_l("Disburse loan %(id)s", id=loan_id),
            loan=loan, form=form, figures=figures, general=general,
            customer=backend().finance.customer(loan.customer_id) if loan else None,
        )

    @staticmethod
    def _flash_result(loan_id: int, result: disbursements.DisbursementResult) -> None:
        if result.status == "posted" and result.tranche > 1:
            flash(str(_l("Tranche %(n)s of loan %(id)s is disbursed: %(amount)s paid out.",
                         n=result.tranche, id=loan_id,
                         amount=format_money(result.net_proceeds))), "success")
        elif result.status == "posted":
            flash(str(_l("Loan %(id)s is disbursed: %(amount)s paid out.",
                         id=loan_id, amount=format_money(result.net_proceeds))), "success")
        elif result.status == "pending":
            flash(str(_l("The payment order of loan %(id)s was sent; the disbursement posts when "
                         "the gateway confirms it.", id=loan_id)), "info")
        else:
            flash(str(_l("The payment gateway refused the disbursement of loan %(id)s (%(code)s); "
                         "the loan still awaits disbursement.",
                         id=loan_id, code=result.failure_code or "")), "danger")
