"""REST endpoints of entrusted funds (委托资金): an entrusting party's deposits, withdrawals
and available funds.

Each endpoint parses the body, calls one use case of
:mod:`lowlend.services.lending.entrusted_funds` and maps its errors like the other money
endpoints: 401 not signed in, 403 no permission (view-menu ``entrusted_funds``: ``list``
to read the funds, ``add`` to record a deposit or withdrawal), 404 unknown party, 409 a
withdrawal above the available funds (``entrusted_funds_insufficient``), 422 field errors
``{"message", "code", "errors": {field: [...]}}``. A party outside the user's data scope
(the scope its roles have on ``entrusted_funds``) answers 404 like an unknown one.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose

from lowlend.domain.errors import DomainError
from lowlend.services.lending import entrusted_funds
from lowlend.services.lending.errors import LendingError
from lowlend.web import registry_hooks
from lowlend.web.api.lending import _error, _guard
from lowlend.web.api.money_input import _amount, _date, _fields, _parsed, _text
from lowlend.web.api.quote import _json
from lowlend.web.generic.scope_check import record_visible
from lowlend.web.lending_context import actor, business_today, lending

__all__ = ["VIEW", "EntrustedFundsApi"]

VIEW = "entrusted_funds"
"""The view-menu whose permissions guard these endpoints (the finance screen's code)."""


def _refused(action: str, pk: int) -> Response | None:
    """401/403 without ``can_<action>`` on :data:`VIEW`; 404 for a party outside the user's
    data scope, as for an unknown one."""
    refused = _guard(action, VIEW)
    if refused is not None:
        return refused
    registry = registry_hooks.current_registry()
    known = registry is not None and entrusted_funds.ENTITY in registry.entities
    # without the entity the use case answers 404 itself
    if known and not record_visible(entrusted_funds.ENTITY, pk, scope_view=VIEW):
        return _error(LendingError("entrusting_party_not_found", status=404, value=pk))
    return None


def _funds_json(funds: entrusted_funds.PartyFunds) -> dict[str, Any]:
    return {
        "party_id": funds.party_id, "name": funds.name, "currency": funds.currency,
        "balance": str(funds.balance), "principal_out": str(funds.principal_out),
        "reserved": str(funds.reserved), "available": str(funds.available),
    }


class EntrustedFundsApi(BaseApi):
    """Deposits, withdrawals and funds of one entrusting party."""

    resource_name = "entrusted_funds"
    openapi_spec_tag = "Entrusted funds"
    route_base = "/api/v1/entrusting_parties"

    def _move(self, pk: int, kind: str) -> Response:
        refused = _refused("add", pk)
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        amount = _amount(body, errors)
        value_date = _date(body, errors)
        reference = _text(body, "reference", 100, errors)
        note = _text(body, "note", 500, errors)
        currency = _text(body, "currency", 3, errors) or "CNY"
        if errors or amount is None:
            return _fields(errors)
        req = entrusted_funds.FundsRequest(amount, value_date, reference, note, currency)
        use_case = entrusted_funds.deposit if kind == "deposit" else entrusted_funds.withdraw
        try:
            result = use_case(lending().money, pk, req, actor=actor(),  # type: ignore[arg-type]
                              registry=registry_hooks.current_registry(),
                              business_date=business_today())
        except DomainError as exc:
            return _error(exc)
        return _json({"movement_id": result.movement_id, "type": kind,
                      "journal_entry_id": result.journal_entry_id,
                      "funds": _funds_json(result.funds)}, 201)

    @expose("/<int:pk>/deposits", methods=["POST"])
    def deposits(self, pk: int) -> Response:
        """Record money the entrusting party paid in (posts ``entrusted_deposit``).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [amount, reference]
                  properties:
                    amount: {type: string, example: "1000000.00"}
                    value_date: {type: string, format: date}
                    reference: {type: string}
                    note: {type: string}
                    currency: {type: string, example: CNY}
          responses:
            201: {description: "{movement_id, type, journal_entry_id, funds}"}
            404: {description: unknown entrusting party}
            422: {description: field errors}
        """
        return self._move(pk, "deposit")

    @expose("/<int:pk>/withdrawals", methods=["POST"])
    def withdrawals(self, pk: int) -> Response:
        """Record money paid back to the entrusting party (posts ``entrusted_withdrawal``); at
        most its available funds.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [amount, reference]
                  properties:
                    amount: {type: string, example: "200000.00"}
                    value_date: {type: string, format: date}
                    reference: {type: string}
                    note: {type: string}
                    currency: {type: string, example: CNY}
          responses:
            201: {description: "{movement_id, type, journal_entry_id, funds}"}
            404: {description: unknown entrusting party}
            409: {description: "entrusted_funds_insufficient: above the available funds"}
            422: {description: field errors}
        """
        return self._move(pk, "withdrawal")

    @expose("/<int:pk>/funds", methods=["GET"])
    def funds(self, pk: int) -> Response:
        """The party's funds from the journal and its movements, newest first.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: currency, schema: {type: string, example: CNY}}
          responses:
            200: {description: "{party_id, name, currency, balance, principal_out, reserved, available, movements}"}
            404: {description: unknown entrusting party}
        """
        refused = _refused("list", pk)
        if refused is not None:
            return refused
        currency = (request.args.get("currency") or "CNY")[:3]
        try:
            funds, movements = entrusted_funds.party_funds(
                lending().money, registry_hooks.current_registry(), pk, currency,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            return _error(exc)
        body = _funds_json(funds)
        body["movements"] = [
            {"id": m.id, "type": m.type, "value_date": m.value_date.isoformat(),
             "amount": str(m.amount), "currency": m.currency, "reference": m.reference,
             "note": m.note, "journal_entry_id": m.journal_entry_id}
            for m in movements
        ]
        return _json(body, 200)
