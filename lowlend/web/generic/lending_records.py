"""Generated screens of lending records with their actions: a loan's contract documents
(download, within the user's data scope), its money panel (schedule with what is paid,
transactions, payoff figures, and the actions: record a repayment, send an auto-debit,
request a write-off, enter a refund, disburse) and drawing on a credit line (one use case
per action)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from lowlend.domain.errors import DomainError
from lowlend.services.lending import corrections, loans
from lowlend.services.messages import message
from lowlend.web.backend import backend
from lowlend.web.fab import security_manager
from lowlend.web.generic.labels import format_money
from lowlend.web.generic.scope_check import record_visible
from lowlend.web.generic.views import GenericModelView
from lowlend.web.i18n import request_locale
from lowlend.web.lending_context import actor, business_today, lending

__all__ = ["CreditLinesView", "LoansView"]

MESSAGES = (
    _l("Contract"),
    _l("Chinese"),
    _l("English"),
    _l("Draw on this line"),
    _l("Available"),
    _l("Term (periods)"),
    _l("Draw"),
    _l("Loan %(id)s is booked under the line."),
    _l("Give an amount such as 5000.00 and a number of installments."),
)

_FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


class LoansView(GenericModelView):
    """Loans (read-only) with their contract documents, money panel and write-off request."""

    extra_routes: ClassVar[tuple[str, ...]] = ("contract", "write_off")
    extra_method_permissions: ClassVar[dict[str, str]] = {
        "contract": "show", "write_off": "write_off",
    }
    show_template = "lending/loan_show.html"

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.show_template and "pk" in kwargs:
            from lowlend.web.finance.common import template_helpers
            from lowlend.web.finance.loan_panel import loan_panel

            kwargs.setdefault("loan_finance", loan_panel(int(kwargs["pk"])))
            for name, helper in template_helpers().items():
                kwargs.setdefault(name, helper)
            kwargs.setdefault(
                "loan_documents",
                backend().lending.loan_documents(int(kwargs["pk"])),
            )
        return super().render_template(template, **kwargs)

    @expose("/<int:pk>/contract/<locale>.<fmt>")
    @has_access
    def contract(self, pk: int, locale: str, fmt: str) -> Any:
        """The loan's contract in ``locale`` as PDF or HTML (404 outside the data scope)."""
        if fmt not in _FORMATS or not record_visible("loans", pk):
            abort(404)
        doc = backend().lending.contract(pk, locale)
        if doc is None or (fmt == "pdf" and not doc.pdf):
            abort(404)
        body = doc.pdf if fmt == "pdf" else doc.html.encode("utf-8")
        response = Response(body, mimetype=_FORMATS[fmt].split(";")[0])
        response.headers["Content-Type"] = _FORMATS[fmt]
        name = f"{doc.number}-{locale}.{fmt}"
        disposition = "attachment" if fmt == "pdf" else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
        response.headers["X-Content-SHA256"] = doc.sha256
        return response


    @expose("/<int:pk>/write_off", methods=["GET", "POST"])
    @has_access
    def write_off(self, pk: int) -> Any:
        """Request the write-off of the loan (a reason is required; another user approves
        it on the refunds screen unless the product needs no approval)."""
        from lowlend.web.finance.common import place_error, template_helpers
        from lowlend.web.finance.forms import ReasonForm

        if not record_visible("loans", pk):
            abort(404)
        loan = backend().finance.loan(pk)
        form = ReasonForm()
        general: str | None = None
        if request.method == "POST":
            ctx = lending()
            try:
                request_id = corrections.request_write_off(
                    ctx.money, pk, reason=form.reason.data or "", actor=actor(),  # type: ignore[arg-type]
                    registry_for=ctx.registry_for, business_date=business_today(),
                )
            except DomainError as exc:
                general = place_error(form, exc)
            else:
                backend().records.expire_all()
                loan = backend().finance.loan(pk)
                if loan is not None and loan.status == "written_off":
                    flash(str(_l("The loan is written off.")), "success")
                else:
                    flash(str(_l("The write-off is requested (request %(id)s): another user must "
                                 "approve it.", id=request_id)), "success")
                return redirect(url_for(f"{self.endpoint}.show", pk=pk))
            finally:
                backend().records.expire_all()
            loan = backend().finance.loan(pk)
        return self.render_template(
            "finance/write_off.html", title=_l("Request the write-off of loan %(id)s", id=pk),
            loan=loan, form=form, general=general, **template_helpers(),
        )


class CreditLinesView(GenericModelView):
    """Credit lines (read-only) with "Draw on this line"."""

    extra_routes: ClassVar[tuple[str, ...]] = ("draw",)
    extra_method_permissions: ClassVar[dict[str, str]] = {"draw": "draw"}
    show_template = "lending/credit_line_show.html"

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.show_template and "pk" in kwargs:
            line = backend().lending.credit_line(int(kwargs["pk"]))
            available = loans.available_on_line(lending().uow(), int(kwargs["pk"]))
            if line is not None and available is not None:
                kwargs.setdefault("line_available", format_money(available))
                kwargs.setdefault(
                    "may_draw",
                    line.status == "active"
                    and security_manager().has_access("can_draw", "credit_lines"),
                )
        return super().render_template(template, **kwargs)

    @expose("/<int:pk>/draw", methods=["POST"])
    @has_access
    def draw(self, pk: int) -> Any:
        """Draw an amount on the line: a new loan (one use case)."""
        if not record_visible("credit_lines", pk):
            abort(404)
        try:
            amount = Decimal(request.form.get("amount", "").replace(",", "").strip())
            term = int(request.form.get("term", ""))
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            flash(str(MESSAGES[-1]), "danger")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        ctx = lending()
        try:
            loan_id = loans.draw(
                ctx.uow(), pk, amount=amount, term=term, actor=actor(),
                registry_for=ctx.registry_for, today=business_today(), contract=ctx.contract,
            )
        except DomainError as exc:
            flash(message(exc.code, request_locale(), **exc.params), "danger")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        finally:
            backend().records.expire_all()
        flash(str(_l("Loan %(id)s is booked under the line.") % {"id": loan_id}), "success")
        return redirect(f"{request.script_root}/loans/show/{loan_id}")


