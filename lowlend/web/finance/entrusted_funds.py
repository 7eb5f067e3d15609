"""委托资金 / Entrusted funds: the entrusting parties with their available funds, and per
party its funds (from the journal), its deposits and withdrawals, and a form to record
one (:mod:`lowlend.services.lending.entrusted_funds`; permissions on the view-menu
``entrusted_funds``: ``list``/``show`` to read, ``add`` to record a movement).

The figures and the checks are the use case's; the screen only shows them and places its
errors next to the fields.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from lowlend.domain.errors import DomainError
from lowlend.services.lending import entrusted_funds
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.finance.common import (
    FinanceView,
    Page,
    paginate,
    parse_amount,
    parse_date,
    place_error,
    user_names,
)
from lowlend.web.finance.forms import FundsForm
from lowlend.web.generic.labels import format_money
from lowlend.web.generic.scope_check import record_visible, view_model, visible_condition
from lowlend.web.lending_context import actor, business_today, lending

__all__ = ["EntrustedFundsView"]

CODE = "entrusted_funds"
MOVEMENT_LABELS = {"deposit": _l("Deposit"), "withdrawal": _l("Withdrawal")}


def _parties() -> Page | None:
    registry = registry_hooks.current_registry()
    entity = registry.entities.get(entrusted_funds.ENTITY) if registry is not None else None
    if entity is None:
        return None
    model = view_model(entrusted_funds.ENTITY)
    visible = visible_condition(entrusted_funds.ENTITY, scope_view=CODE)
    try:
        return paginate(backend().finance.parties(model, visible))
    except DBAPIError:  # the entity's table is not created yet
        backend().records.rollback()
        return None


class EntrustedFundsView(FinanceView):
    """委托资金 / Entrusted funds."""

    route_base = "/entrusted_funds"
    class_permission_name = CODE
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = {"list": "list", "party": "show"}
    base_permissions: ClassVar[list[str] | None] = ["can_list", "can_show", "can_add"]

    @expose("/")
    @has_access
    def list(self) -> Any:
        parties = _parties()
        registry = registry_hooks.current_registry()
        funds: dict[int, entrusted_funds.PartyFunds] = {}
        for party_id, _name in parties.rows if parties else ():
            try:
                funds[party_id] = entrusted_funds.party_funds(
                    lending().money, registry, party_id)[0]  # type: ignore[arg-type]
            except DomainError:
                continue
        return self.render_template("finance/entrusted_funds.html", title=_l("Entrusted funds"),
                                    parties=parties, funds=funds)

    @expose("/<int:party_id>", methods=["GET", "POST"])
    @has_access
    def party(self, party_id: int) -> Any:
        """One party's funds and movements; a deposit or withdrawal (permission ``add``)."""
        registry = registry_hooks.current_registry()
        known = registry is not None and entrusted_funds.ENTITY in registry.entities
        if known and not record_visible(entrusted_funds.ENTITY, party_id, scope_view=CODE):
            abort(404)  # outside the user's data scope: as if unknown
        ctx = lending()
        today = business_today()
        form = FundsForm()
        general: str | None = None
        may_add = may("add", CODE)
        if request.method == "GET":
            form.value_date.data = today.isoformat()
        elif may_add:
            general = self._record(form, party_id, registry, today)
            if general is None and not any(f.errors for f in form):
                return redirect(url_for(f"{self.endpoint}.party", party_id=party_id))
        else:
            abort(403)
        try:
            funds, movements = entrusted_funds.party_funds(ctx.money, registry, party_id)  # type: ignore[arg-type]
        except DomainError:
            abort(404)
        return self.render_template(
            "finance/entrusted_party.html", title=_l("Entrusted funds of %(name)s", name=funds.name),
            funds=funds, movements=movements, form=form, general=general, may_add=may_add,
            users=user_names(m.created_by for m in movements), kinds=MOVEMENT_LABELS,
        )

    @staticmethod
    def _record(form: FundsForm, party_id: int, registry: Any, today: Any) -> str | None:
        amount = parse_amount(form.amount.data)
        if amount is None:
            form.amount.errors = [str(_l("Give an amount such as 1000.00."))]
        value_date = parse_date(form.value_date.data, today)
        if value_date is None:
            form.value_date.errors = [str(_l("Give a date as YYYY-MM-DD."))]
        if amount is None or value_date is None:
            return None
        kind = "withdrawal" if form.kind.data == "withdrawal" else "deposit"
        use_case = entrusted_funds.withdraw if kind == "withdrawal" else entrusted_funds.deposit
        req = entrusted_funds.FundsRequest(amount, value_date, form.reference.data or "",
                                           form.note.data or "")
        try:
            result = use_case(lending().money, party_id, req, actor=actor(),  # type: ignore[arg-type]
                              registry=registry, business_date=today)
        except DomainError as exc:
            return place_error(form, exc)
        finally:
            backend().records.expire_all()
        flash(str(_l("%(kind)s of %(amount)s recorded; available funds now %(available)s.",
                     kind=MOVEMENT_LABELS[kind], amount=format_money(amount),
                     available=format_money(result.funds.available))), "success")
        return None
