"""REST actions of the money path: disburse (in full or a tranche), repay, payoff,
auto-debit, refund, write off, recover, reverse, approve/reject (maker-checker), the
payment gateway's callback, and an entrusting party's deposits, withdrawals and funds.

Each endpoint parses the body, calls one use case of :mod:`lowlend.services.lending` and
maps its errors like :mod:`lowlend.web.api.lending`: 401 not signed in, 403 no permission
(or the maker approving their own request), 404 unknown or out of the data scope, 409 a
move the loan's state does not allow or an ``Idempotency-Key`` reused with another body,
422 field errors ``{"message", "code", "errors": {field: [...]}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext as _

from lowlend.domain.errors import DomainError
from lowlend.services.lending import (
    auto_debit,
    corrections,
    disbursements,
    payment_flow,
    repayments,
)
from lowlend.web.api.entrusted_funds import EntrustedFundsApi
from lowlend.web.api.lending import _error, _guard, _in_scope, _not_found
from lowlend.web.api.money_input import _amount, _date, _fields, _parsed, _text
from lowlend.web.api.quote import _json
from lowlend.web.lending_context import actor, business_today, lending

__all__ = ["LoanMoneyApi", "PaymentCallbackApi", "TransactionActionsApi", "register_money_apis"]


class LoanMoneyApi(BaseApi):
    """Money actions on one loan."""

    resource_name = "loan_money"
    openapi_spec_tag = "Loans"
    route_base = "/api/v1/loans"

    def _refused(self, action: str, view: str, pk: int) -> Response | None:
        return _guard(action, view) or (None if _in_scope("loans", pk) else _not_found())

    @expose("/<int:pk>/disburse", methods=["POST"])
    def disburse(self, pk: int) -> Response:
        """Disburse an approved loan (re-dates its schedule from the value date), or one
        tranche of it where the product allows (``amount``; absent: all that is left).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    amount: {type: string, example: "100000.00", description: "the tranche; absent: the undisbursed rest"}
                    value_date: {type: string, format: date}
                    channel: {type: string, enum: [transfer, cash, gateway]}
                    reference: {type: string}
                    note: {type: string}
                    card_number: {type: string}
                    bank_code: {type: string}
                    holder_name: {type: string}
          responses:
            201: {description: "posted: {transaction_id, status, principal, upfront_fees, net_proceeds, tranche}"}
            202: {description: "sent to the gateway, no final answer yet (status pending)"}
            409: {description: "not awaiting disbursement, tranche count exceeded, entrusted funds insufficient"}
            422: {description: field errors}
        """
        refused = self._refused("disburse", "disbursements", pk)
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        amount = _amount(body, errors, required=False)
        value_date = _date(body, errors)
        fields = {name: _text(body, name, limit, errors) for name, limit in (
            ("channel", 20), ("reference", 100), ("note", 500), ("card_number", 30),
            ("bank_code", 16), ("holder_name", 100))}
        if errors:
            return _fields(errors)
        ctx = lending()
        req = disbursements.DisbursementRequest(
            value_date, fields["channel"] or "transfer", fields["reference"], fields["note"],  # type: ignore[arg-type]
            fields["card_number"], fields["bank_code"], fields["holder_name"], amount,
        )
        try:
            result = disbursements.disburse(
                ctx.money, pk, req, actor=actor(), registry_for=ctx.registry_for,
                business_date=business_today(), gateway=ctx.gateway,
            )
        except DomainError as exc:
            return _error(exc)
        payload = {
            "transaction_id": result.transaction_id, "status": result.status,
            "principal": str(result.principal), "upfront_fees": str(result.upfront_fees),
            "net_proceeds": str(result.net_proceeds), "failure_code": result.failure_code,
            "tranche": result.tranche,
        }
        return _json(payload, {"posted": 201, "pending": 202}.get(result.status, 200))

    @expose("/<int:pk>/repayments", methods=["POST"])
    def repayments(self, pk: int) -> Response:
        """Record a payment received (idempotent with an ``Idempotency-Key`` header).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: Idempotency-Key, schema: {type: string, maxLength: 200}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [amount]
                  properties:
                    amount: {type: string, example: "1100.00"}
                    value_date: {type: string, format: date}
                    channel: {type: string, enum: [cash, transfer, statement]}
                    kind: {type: string, enum: [repayment, prepayment, payoff]}
                    reference: {type: string}
                    note: {type: string}
          responses:
            201: {description: "posted: {transaction_id, loan_status, allocation}"}
            200: {description: "the same key and body again: the stored result (header Idempotent-Replayed: true)"}
            409: {description: loan closed / not disbursed / key reused with another body}
            422: {description: field errors}
        """
        refused = self._refused("add", "repayments", pk)
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        amount = _amount(body, errors)
        value_date = _date(body, errors)
        channel = _text(body, "channel", 20, errors) or "transfer"
        kind = _text(body, "kind", 20, errors) or "repayment"
        reference = _text(body, "reference", 100, errors)
        note = _text(body, "note", 500, errors)
        if errors or amount is None:
            return _fields(errors)
        ctx = lending()
        try:
            result = repayments.repay(
                ctx.money, pk,
                repayments.RepaymentRequest(amount, value_date, channel, reference, note, kind),  # type: ignore[arg-type]
                actor=actor(), registry_for=ctx.registry_for, business_date=business_today(),
                idempotency_key=request.headers.get("Idempotency-Key"),
            )
        except DomainError as exc:
            return _error(exc)
        response = _json({"transaction_id": result.transaction_id, "loan_status": result.loan_status,
                          "allocation": result.allocation}, 200 if result.replayed else 201)
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @expose("/<int:pk>/payoff", methods=["GET"])
    def payoff(self, pk: int) -> Response:
        """What settling the loan on ``date`` (default: the business date) costs.
        ---
        get:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: date, schema: {type: string, format: date}}
          responses:
            200: {description: "{as_of, arrears, principal, interest, fee, spread_fee, prepayment_fee, total, credit, unearned}"}
        """
        refused = self._refused("show", "loans", pk)
        if refused is not None:
            return refused
        errors: dict[str, list[str]] = {}
        as_of = _date(dict(request.args), errors, "date")
        if errors:
            return _fields(errors)
        try:
            f = repayments.payoff(lending().money(), pk, as_of, business_today())  # type: ignore[misc]
        except DomainError as exc:
            return _error(exc)
        return _json({"as_of": f.as_of.isoformat(), "arrears": str(f.arrears),
                      "principal": str(f.principal), "interest": str(f.interest), "fee": str(f.fee),
                      "spread_fee": str(f.spread_fee), "prepayment_fee": str(f.prepayment_fee),
                      "total": str(f.total), "credit": str(f.credit), "unearned": str(f.unearned)}, 200)

    @expose("/<int:pk>/auto_debit", methods=["POST"])
    def auto_debit(self, pk: int) -> Response:
        """Send an auto-debit for what is due (the retry rules of eod.yaml apply).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            201: {description: "{transaction_id, order_id, amount, status, failure_code}"}
            409: {description: nothing due / attempts used up / still pending}
        """
        refused = self._refused("add", "repayments", pk)
        if refused is not None:
            return refused
        ctx = lending()
        try:
            r = auto_debit.auto_debit(ctx.money, pk, gateway=ctx.gateway, actor=actor(),  # type: ignore[arg-type]
                                      registry_for=ctx.registry_for, business_date=business_today())
        except DomainError as exc:
            return _error(exc)
        return _json({"transaction_id": r.transaction_id, "order_id": r.order_id,
                      "amount": str(r.amount), "status": r.status,
                      "failure_code": r.failure_code}, 201)

    @expose("/<int:pk>/refunds", methods=["POST"])
    def refunds(self, pk: int) -> Response:
        """Enter a refund of an overpayment (another user approves it).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            201: {description: "{transaction_id, status: awaiting_approval}"}
        """
        refused = self._refused("add", "refunds", pk)
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        amount = _amount(body, errors)
        reference = _text(body, "reference", 100, errors)
        note = _text(body, "note", 500, errors)
        if errors or amount is None:
            return _fields(errors)
        try:
            txn = corrections.request_refund(lending().money, pk, amount, reference=reference,  # type: ignore[arg-type]
                                             note=note, actor=actor(), business_date=business_today())
        except DomainError as exc:
            return _error(exc)
        return _json({"transaction_id": txn, "status": corrections.AWAITING}, 201)

    @expose("/<int:pk>/write_off", methods=["POST"])
    def write_off(self, pk: int) -> Response:
        """Enter the write-off of a loan past the product's ``write_off.min_dpd``.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            201: {description: "{transaction_id}"}
            409: {description: too early / not open}
        """
        refused = self._refused("write_off", "loans", pk)
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        reason = _text(body, "reason", 500, errors)
        if errors:
            return _fields(errors)
        ctx = lending()
        try:
            txn = corrections.request_write_off(ctx.money, pk, reason=reason, actor=actor(),  # type: ignore[arg-type]
                                                registry_for=ctx.registry_for,
                                                business_date=business_today())
        except DomainError as exc:
            return _error(exc)
        return _json({"transaction_id": txn}, 201)

    @expose("/<int:pk>/recoveries", methods=["POST"])
    def recoveries(self, pk: int) -> Response:
        """Record money received on a written-off loan.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            201: {description: "{transaction_id}"}
        """
        refused = self._refused("add", "repayments", pk)
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        amount = _amount(body, errors)
        value_date = _date(body, errors)
        reference = _text(body, "reference", 100, errors)
        if errors or amount is None:
            return _fields(errors)
        ctx = lending()
        try:
            txn = corrections.record_recovery(
                ctx.money, pk, amount, value_date=value_date, reference=reference,  # type: ignore[arg-type]
                actor=actor(), registry_for=ctx.registry_for, business_date=business_today(),
                idempotency_key=request.headers.get("Idempotency-Key"),
            )
        except DomainError as exc:
            return _error(exc)
        return _json({"transaction_id": txn}, 201)


_APPROVE_PERMISSION = {
    "reversal": ("reverse", "repayments"),
    "refund": ("approve", "refunds"),
    "write_off": ("write_off", "loans"),
}


class TransactionActionsApi(BaseApi):
    """Reverse a repayment; approve or reject a request (maker-checker)."""

    resource_name = "transaction_actions"
    openapi_spec_tag = "Transactions"
    route_base = "/api/v1/transactions"

    @expose("/<int:pk>/reverse", methods=["POST"])
    def reverse(self, pk: int) -> Response:
        """Enter the reversal of a posted repayment (another user approves it).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            201: {description: "{transaction_id, status: awaiting_approval}"}
        """
        refused = _guard("reverse", "repayments")
        if refused is not None:
            return refused
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        reason = _text(body, "reason", 500, errors)
        if errors:
            return _fields(errors)
        ctx = lending()
        loan_id = _loan_of(pk)
        if loan_id is None or not _in_scope("loans", loan_id):
            return _not_found()
        try:
            txn = corrections.request_reversal(ctx.money, pk, reason=reason, actor=actor(),  # type: ignore[arg-type]
                                               business_date=business_today())
        except DomainError as exc:
            return _error(exc)
        return _json({"transaction_id": txn, "status": corrections.AWAITING}, 201)

    def _decide(self, pk: int, approve: bool) -> Response:
        kind = _kind_of(pk)
        if kind is None or kind[0] not in _APPROVE_PERMISSION:
            return _not_found()
        refused = _guard(*_APPROVE_PERMISSION[kind[0]])
        if refused is not None:
            return refused
        if not _in_scope("loans", kind[1]):
            return _not_found()
        body, bad = _parsed()
        if body is None:
            return bad  # type: ignore[return-value]
        errors: dict[str, list[str]] = {}
        reason = _text(body, "reason", 500, errors)
        if errors:
            return _fields(errors)
        ctx = lending()
        try:
            if approve:
                d = corrections.approve(ctx.money, pk, actor=actor(), registry_for=ctx.registry_for,  # type: ignore[arg-type]
                                        business_date=business_today())
            else:
                d = corrections.reject(ctx.money, pk, reason=reason, actor=actor())  # type: ignore[arg-type]
        except DomainError as exc:
            return _error(exc)
        return _json({"transaction_id": d.transaction_id, "status": d.status,
                      "loan_status": d.loan_status}, 200)

    @expose("/<int:pk>/approve", methods=["POST"])
    def approve(self, pk: int) -> Response:
        """Approve a reversal, refund or write-off entered by another user.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: "{transaction_id, status, loan_status}"}
            403: {description: the maker cannot approve}
        """
        return self._decide(pk, True)

    @expose("/<int:pk>/reject", methods=["POST"])
    def reject(self, pk: int) -> Response:
        """Reject a request (a reason is required).
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: "{transaction_id, status, loan_status}"}
        """
        return self._decide(pk, False)


def _kind_of(txn_id: int) -> tuple[str, int] | None:
    with lending().money() as uow:  # type: ignore[misc]
        row = uow.money.transaction(txn_id)
        return None if row is None else (row.type, row.loan_id)


def _loan_of(txn_id: int) -> int | None:
    found = _kind_of(txn_id)
    return None if found is None else found[1]


class PaymentCallbackApi(BaseApi):
    """The payment gateway's asynchronous notices (signed; no user session)."""

    resource_name = "payment_callbacks"
    openapi_spec_tag = "Payments"
    route_base = "/api/v1/payments"

    @expose("/callback", methods=["POST"])
    def callback(self) -> Response:
        """A signed notice about one payment order.
        ---
        post:
          responses:
            200: {description: "{action, reason}: applied, ignored (duplicate) or conflict"}
            401: {description: bad or missing signature}
            404: {description: unknown order}
        """
        ctx = lending()
        if ctx.gateway is None:
            return _json({"message": _("No payment gateway is configured.")}, 503)
        try:
            notice = ctx.gateway.verify_callback(dict(request.headers), request.get_data())
        except DomainError as exc:
            status = 401 if exc.code == "gateway_callback_signature_invalid" else 400
            return _json({"message": exc.code, "code": exc.code}, status)
        try:
            outcome = payment_flow.apply_result(
                ctx.money, notice, registry_for=ctx.registry_for,  # type: ignore[arg-type]
                business_date=business_today(),
            )
        except DomainError as exc:
            return _error(exc)
        return _json({"action": outcome.action, "reason": outcome.reason}, 200)


def register_money_apis(appbuilder: Any) -> None:
    for api in (LoanMoneyApi, TransactionActionsApi, PaymentCallbackApi, EntrustedFundsApi):
        appbuilder.add_api(api)


