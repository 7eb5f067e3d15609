"""退款 / Refunds: the requests awaiting approval (reversals, refunds, write-offs) with
approve / reject buttons, the recent decisions, and the form entering a refund of an
overpayment (the amount at most what may be refunded, shown).

Maker-checker: whoever entered a request cannot decide it; they see it with the reason
instead of buttons. Deciding needs the permission of the request's kind (as on the REST
API): ``reverse`` on ``repayments`` for a reversal, ``approve`` on ``refunds`` for a refund,
``write_off`` on ``loans`` for a write-off. The decision is
:func:`lowlend.services.lending.corrections.approve` / ``reject``; entering a refund
:func:`~lowlend.services.lending.corrections.request_refund`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from lowlend.domain.errors import DomainError
from lowlend.services.lending import corrections, money_queries
from lowlend.services.lending.errors import LendingError
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.finance.common import (
    FinanceView,
    code_text,
    error_text,
    find_loan,
    loan_scope,
    loan_visible,
    parse_amount,
    place_error,
    user_names,
)
from lowlend.web.finance.forms import RefundForm
from lowlend.web.lending_context import actor, business_today, lending
from lowlend.web.user_context import current_principal

__all__ = ["RefundsView"]

CODE = "refunds"
KINDS = ("reversal", "refund", "write_off")

#: the permission deciding a request of each kind (the same as the REST API's)
DECIDE_PERMISSION: dict[str, tuple[str, str]] = {
    "reversal": ("reverse", "repayments"),
    "refund": ("approve", "refunds"),
    "write_off": ("write_off", "loans"),
}
RECENT = 20
WAITING_LIMIT = 500


def _rows(statuses: tuple[str, ...], decided: bool, limit: int | None = None) -> list[Any]:
    """Requests in ``statuses``: waiting ones oldest first, decided ones newest first (only
    those a user decided)."""
    return backend().finance.refund_requests(
        loan_scope(CODE), KINDS, statuses, decided=decided, limit=limit
    )


def _why_not(txn: Any) -> str | None:
    """Why the signed-in user cannot decide ``txn`` (``None``: they can)."""
    if txn.created_by is not None and txn.created_by == current_principal().user_id:
        return error_text(LendingError("maker_checker", status=403))
    action, view = DECIDE_PERMISSION[txn.type]
    if not may(action, view):
        return str(_l("Deciding a request of this kind needs a permission you do not hold."))
    return None


class RefundsView(FinanceView):
    """退款 / Refunds (and every request awaiting approval)."""

    route_base = "/refunds"
    class_permission_name = CODE
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = {
        "list": "list",
        "decide": "list",  # each decision checks the permission of its kind (DECIDE_PERMISSION)
        "new": "add",
    }
    base_permissions: ClassVar[list[str] | None] = ["can_list", "can_show", "can_add", "can_approve"]

    def _render(self, errors: dict[int, dict[str, str]] | None = None,
                reasons: dict[int, str] | None = None) -> Any:
        waiting = _rows((corrections.AWAITING,), decided=False, limit=WAITING_LIMIT)
        decided = _rows(("posted", "rejected"), decided=True, limit=RECENT)
        users = user_names([r[0].created_by for r in waiting + decided]
                           + [r[0].approved_by for r in decided])
        return self.render_template(
            "finance/refunds.html",
            title=_l("Refunds"),
            waiting=[(row, _why_not(row[0])) for row in waiting], decided=decided, users=users,
            errors=errors or {}, reasons=reasons or {}, may_add=may("add", CODE),
        )

    @expose("/")
    @has_access
    def list(self) -> Any:
        return self._render()

    @expose("/<int:txn_id>/decide", methods=["POST"])
    @has_access
    def decide(self, txn_id: int) -> Any:
        """Approve or reject request ``txn_id`` (a reason is required to reject)."""
        txn = backend().finance.transaction(txn_id)
        decision = request.form.get("decision", "")
        if (txn is None or txn.type not in KINDS or decision not in ("approve", "reject")
                or not loan_visible(CODE, txn.loan_id)):
            abort(404)
        reason = (request.form.get("reason") or "").strip()[:500]
        why_not = _why_not(txn)
        if why_not is not None:
            flash(why_not, "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        ctx = lending()
        try:
            if decision == "approve":
                result = corrections.approve(
                    ctx.money, txn_id, actor=actor(), registry_for=ctx.registry_for,  # type: ignore[arg-type]
                    business_date=business_today(),
                )
            else:
                result = corrections.reject(ctx.money, txn_id, reason=reason, actor=actor())  # type: ignore[arg-type]
        except DomainError as exc:
            backend().records.expire_all()
            if exc.field == "reason":
                return self._render({txn_id: {"reason": error_text(exc)}}, {txn_id: reason})
            return self._render({txn_id: {"": error_text(exc)}}, {txn_id: reason})
        finally:
            backend().records.expire_all()
        if result.status == "posted":
            flash(str(_l("Request %(id)s is approved and posted; the loan is now %(status)s.",
                         id=txn_id, status=code_text(result.loan_status))), "success")
        else:
            flash(str(_l("Request %(id)s is rejected; nothing was posted.", id=txn_id)), "info")
        return redirect(url_for(f"{self.endpoint}.list"))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self) -> Any:
        """Enter a refund of an overpayment: the loan, then the amount (≤ refundable)."""
        today = business_today()
        form = RefundForm()
        general: str | None = None
        if request.method == "GET":
            form.loan.data = request.args.get("loan", "")
        loan_id, loan_error = find_loan(form.loan.data, CODE) if form.loan.data else (None, None)
        if loan_error or (request.method == "POST" and loan_id is None):
            form.loan.errors = [loan_error or str(_l("Give the loan's number or contract number."))]
        refundable = None
        if loan_id is not None:
            try:
                refundable = money_queries.refundable_amount(lending().money, loan_id, today)  # type: ignore[arg-type]
            except DomainError as exc:
                general = error_text(exc)
        if request.method == "POST" and request.form.get("action") == "confirm" and loan_id is not None:
            amount = parse_amount(form.amount.data)
            if amount is None:
                form.amount.errors = [str(_l("Give an amount such as 1000.00."))]
            else:
                try:
                    request_id = corrections.request_refund(
                        lending().money, loan_id, amount, reference=form.reference.data or "",  # type: ignore[arg-type]
                        note=form.note.data or "", actor=actor(), business_date=today,
                    )
                except DomainError as exc:
                    general = place_error(form, exc)
                else:
                    flash(str(_l("The refund is entered (request %(id)s): another user must "
                                 "approve it.", id=request_id)), "success")
                    return redirect(url_for(f"{self.endpoint}.list"))
                finally:
                    backend().records.expire_all()
        loan = backend().finance.loan(loan_id) if loan_id is not None else None
        return self.render_template(
            "finance/refund_new.html", title=_l("Enter a refund"), form=form, general=general,
            loan=loan, refundable=refundable,
            customer=backend().finance.customer(loan.customer_id) if loan else None,
        )
