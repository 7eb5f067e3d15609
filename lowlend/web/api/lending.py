"""REST actions of origination: submit, decide, withdraw, consent, draw, reassign.

Each endpoint parses the body, calls one use case of :mod:`lowlend.services.lending` and
maps its errors: 401 not signed in, 403 no permission or not an eligible approver, 404
unknown or out of the user's data scope, 409 a move the state does not allow, 422 field
errors ``{"message": ..., "errors": {field: [...]}}``, 503 bureau unavailable (retry).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext as _

from lowlend.domain.approval import ApprovalError, Verdict
from lowlend.domain.errors import DomainError
from lowlend.services.lending import applications, approvals, loans
from lowlend.services.lending.errors import LendingError
from lowlend.services.messages import message
from lowlend.web.api.quote import _json
from lowlend.web.fab import may
from lowlend.web.generic.scope_check import record_visible
from lowlend.web.i18n import request_locale
from lowlend.web.lending_context import actor, business_today, lending
from lowlend.web.user_context import current_principal, signed_in

__all__ = [
    "ApplicationActionsApi",
    "ApprovalTaskActionsApi",
    "CreditLineActionsApi",
    "register_lending_apis",
]

_APPROVAL_STATUS = {
    "approval_self": 403,
    "approval_not_eligible": 403,
    "approval_already_voted": 409,
    "approval_not_distinct": 403,
    "approval_step_not_open": 409,
    "approval_finished": 409,
    "approval_unknown_step": 404,
    "application_bad_transition": 409,
}


def _error(exc: DomainError) -> Response:
    locale = request_locale()
    text = message(exc.code, locale, **exc.params)
    if isinstance(exc, LendingError):
        status = exc.status
    elif exc.code.startswith("bureau_"):
        status = 502  # the bureau refused or answered garbage: not the caller's input
    else:
        status = _APPROVAL_STATUS.get(exc.code, 422)
    errors: dict[str, list[str]] = dict(getattr(exc, "errors", {}) or {})
    for name, pairs in (getattr(exc, "codes", {}) or {}).items():
        errors.setdefault(name, []).extend(message(c, locale, **p) for c, p in pairs)
    if exc.field and exc.field not in errors:
        errors[exc.field] = [text]
    body: dict[str, Any] = {"message": text, "code": exc.code}
    if errors:
        body["errors"] = errors
    return _json(body, status)


def _invalid(field: str, text: str) -> Response:
    """422 with ``text`` as the message and as the error of ``field``."""
    return _json({"message": text, "errors": {field: [text]}}, 422)


def _body() -> dict[str, Any] | None:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}", parse_float=Decimal)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None



def _guard(action: str, view: str) -> Response | None:
    if not signed_in():
        return _json({"message": _("Sign in first.")}, 401)
    if not may(action, view):
        return _json({"message": _("You may not do this.")}, 403)
    return None


def _in_scope(view: str, pk: int) -> bool:
    """Whether the user can see record ``pk`` of the generated ``view`` (data scope)."""
    return record_visible(view, pk)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ApplicationActionsApi(BaseApi):
    """Submit, decide and withdraw loan applications."""

    resource_name = "applications"
    openapi_spec_tag = "Applications"
    route_base = "/api/v1/applications"

    @expose("/<int:pk>/submit", methods=["POST"])
    def submit(self, pk: int) -> Response:
        """Submit an application (or retry its scoring).
        ---
        post:
          description: >-
            Checks the terms and the region's caps, pulls (or reuses) the credit report,
            runs the scorecard; refers to the approval chain, or approves / rejects.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: "{status, score, decision, reasons, open_tasks, loan_id}"}
            401: {description: not signed in}
            403: {description: no permission}
            404: {description: unknown or outside the data scope}
            409: {description: the application's state does not allow it}
            422: {description: field errors (terms, compliance rule, consent)}
            503: {description: bureau unavailable; the application stays retryable}
        """
        refused = _guard("edit", "applications") or (
            None if _in_scope("applications", pk) else _not_found()
        )
        if refused is not None:
            return refused
        ctx = lending()
        try:
            result = applications.submit(
                ctx.uow(), pk, actor=actor(), registry_for=ctx.registry_for, bureau=ctx.bureau,
                now=_now(), today=business_today(),
                department_path=current_principal().department_path, contract=ctx.contract,
            )
        except DomainError as exc:
            return _error(exc)
        return _json(
            {
                "id": result.application_id, "status": result.status, "score": result.score,
                "decision": result.decision, "reasons": list(result.reasons),
                "open_tasks": list(result.open_tasks), "loan_id": result.loan_id,
                "credit_line_id": result.credit_line_id,
            },
            200,
        )

    @expose("/<int:pk>/decision", methods=["POST"])
    def decision(self, pk: int) -> Response:
        """Approve, reject or return an application in review.
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
                  required: [decision]
                  properties:
                    decision: {type: string, enum: [approve, reject, return]}
                    comment: {type: string}
                    task_id: {type: integer}
          responses:
            200: {description: "{status, open_tasks, loan_id}"}
            401: {description: not signed in}
            403: {description: no permission, own application, not an eligible approver}
            404: {description: unknown or outside the data scope}
            409: {description: acted twice, out of turn, not in review}
            422: {description: field errors}
        """
        refused = _guard("approve", "applications") or (
            None if _in_scope("applications", pk) else _not_found()
        )
        if refused is not None:
            return refused
        body = _body()
        if body is None:
            return _json({"message": _("The request body must be a JSON object.")}, 400)
        try:
            verdict = Verdict(str(body.get("decision", "")))
        except ValueError:
            text = _("Choose approve, reject or return.")
            return _invalid("decision", text)
        task_id = body.get("task_id")
        if task_id is not None and (isinstance(task_id, bool) or not isinstance(task_id, int)):
            text = _("The task id must be a whole number.")
            return _invalid("task_id", text)
        comment = body.get("comment") or ""
        if not isinstance(comment, str) or len(comment) > 2000:
            text = _("The comment must be text of at most 2000 characters.")
            return _invalid("comment", text)
        ctx = lending()
        try:
            result = approvals.decide(
                ctx.uow(), pk, actor=actor(), verdict=verdict, comment=comment, task_id=task_id,
                registry_for=ctx.registry_for, now=_now(), today=business_today(),
                department_path=current_principal().department_path, contract=ctx.contract,
            )
        except (LendingError, ApprovalError, DomainError) as exc:
            return _error(exc)
        return _json(
            {
                "id": result.application_id, "status": result.status,
                "open_tasks": list(result.open_tasks), "loan_id": result.loan_id,
                "credit_line_id": result.credit_line_id,
            },
            200,
        )

    @expose("/<int:pk>/withdraw", methods=["POST"])
    def withdraw(self, pk: int) -> Response:
        """Withdraw an application that is not decided yet.
        ---
        post:
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: "{status}"}
            401: {description: not signed in}
            403: {description: no permission}
            404: {description: unknown or outside the data scope}
            409: {description: already decided}
        """
        refused = _guard("edit", "applications") or (
            None if _in_scope("applications", pk) else _not_found()
        )
        if refused is not None:
            return refused
        body = _body() or {}
        try:
            status = applications.withdraw(
                lending().uow(), pk, actor=actor(), now=_now(), reason=str(body.get("reason", ""))
            )
        except DomainError as exc:
            return _error(exc)
        return _json({"id": pk, "status": status}, 200)


class CustomerConsentApi(BaseApi):
    """Record a customer's consent to credit-report pulls (征信授权)."""

    resource_name = "customers"
    openapi_spec_tag = "Customers"
    route_base = "/api/v1/customers"

    @expose("/<int:pk>/consents", methods=["POST"])
    def consent(self, pk: int) -> Response:
        """Record a consent.
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
                    granted_on: {type: string, format: date}
                    valid_days: {type: integer}
                    channel: {type: string, enum: [paper, electronic]}
          responses:
            201: {description: "{id}"}
            401: {description: not signed in}
            403: {description: no permission}
            404: {description: unknown or outside the data scope}
            422: {description: field errors}
        """
        refused = _guard("edit", "customers") or (
            None if _in_scope("customers", pk) else _not_found()
        )
        if refused is not None:
            return refused
        body = _body()
        if body is None:
            return _json({"message": _("The request body must be a JSON object.")}, 400)
        errors: dict[str, list[str]] = {}
        try:
            granted = dt.date.fromisoformat(str(body.get("granted_on") or business_today()))
        except ValueError:
            errors["granted_on"] = [_("Give a date as YYYY-MM-DD.")]
            granted = business_today()
        days = body.get("valid_days", 90)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
            errors["valid_days"] = [_("Give a number of days from 1 to 3660.")]
        channel = body.get("channel", "paper")
        if channel not in ("paper", "electronic"):
            errors["channel"] = [_("Choose paper or electronic.")]
        if errors:
            return _json({"message": _("Please correct the fields."), "errors": errors}, 422)
        try:
            consent_id = applications.record_consent(
                lending().uow(), pk, granted_on=granted, valid_days=int(days),
                channel=str(channel), actor=actor(),
            )
        except DomainError as exc:
            return _error(exc)
        return _json({"id": consent_id}, 201)


class CreditLineActionsApi(BaseApi):
    """Draw on a revolving credit line."""

    resource_name = "credit_lines"
    openapi_spec_tag = "Credit lines"
    route_base = "/api/v1/credit_lines"

    @expose("/<int:pk>/draws", methods=["POST"])
    def draw(self, pk: int) -> Response:
        """Draw an amount: a new loan under the line.
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
                  required: [amount, term]
                  properties:
                    amount: {type: string, example: "5000.00"}
                    term: {type: integer, example: 6}
          responses:
            201: {description: "{loan_id}"}
            401: {description: not signed in}
            403: {description: no permission}
            404: {description: unknown line}
            409: {description: line not active or expired}
            422: {description: field errors}
        """
        refused = _guard("draw", "credit_lines") or (
            None if _in_scope("credit_lines", pk) else _not_found()
        )
        if refused is not None:
            return refused
        body = _body()
        if body is None:
            return _json({"message": _("The request body must be a JSON object.")}, 400)
        errors: dict[str, list[str]] = {}
        try:
            amount = Decimal(str(body.get("amount")))
            if not amount.is_finite() or abs(amount) >= Decimal("1e15"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("Give an amount such as 5000.00.")]
            amount = Decimal(0)
        term = body.get("term")
        if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 600:
            errors["term"] = [_("Give a number of installments from 1 to 600.")]
        if errors:
            return _json({"message": _("Please correct the fields."), "errors": errors}, 422)
        ctx = lending()
        try:
            loan_id = loans.draw(
                ctx.uow(), pk, amount=amount, term=int(term), actor=actor(),  # type: ignore[arg-type]
                registry_for=ctx.registry_for, today=business_today(), contract=ctx.contract,
            )
        except DomainError as exc:
            return _error(exc)
        return _json({"loan_id": loan_id}, 201)


class ApprovalTaskActionsApi(BaseApi):
    """Reassign an open approval step (dispatch by hand)."""

    resource_name = "approval_tasks"
    openapi_spec_tag = "Approval tasks"
    route_base = "/api/v1/approval_tasks"

    @expose("/<int:pk>/assign", methods=["POST"])
    def assign(self, pk: int) -> Response:
        """Give an open step to another staff member, or back to the pool.
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
                  required: [staff_id]
                  properties:
                    staff_id: {type: integer, nullable: true}
                    reason: {type: string}
          responses:
            200: {description: "{id, assignee_staff_id}"}
            401: {description: not signed in}
            403: {description: no permission}
            404: {description: unknown task or outside the data scope}
            409: {description: the task is not open}
            422: {description: the staff member cannot take it}
        """
        refused = _guard("assign", "approval_tasks")
        if refused is not None:
            return refused
        body = _body()
        if body is None or "staff_id" not in body:
            text = _("Give the staff id, or null to put the step back in the pool.")
            return _invalid("staff_id", text)
        staff_id = body["staff_id"]
        if staff_id is not None and (isinstance(staff_id, bool) or not isinstance(staff_id, int)):
            text = _("The staff id must be a whole number.")
            return _invalid("staff_id", text)
        from lowlend.web.backend import backend

        task = backend().lending.task(pk)
        if task is None or not _in_scope("applications", task.application_id):
            return _not_found()
        reason = str(body.get("reason") or "manual")[:50]
        try:
            approvals.reassign(lending().uow(), pk, staff_id, actor=actor(),
                               day=business_today(), reason=reason)
        except DomainError as exc:
            return _error(exc)
        return _json({"id": pk, "assignee_staff_id": staff_id}, 200)


def _not_found() -> Response:
    return _json({"message": _("Not found.")}, 404)


def register_lending_apis(appbuilder: Any) -> None:
    """Add the origination APIs."""
    for api in (ApplicationActionsApi, CustomerConsentApi, CreditLineActionsApi,
                ApprovalTaskActionsApi):
        appbuilder.add_api(api)
