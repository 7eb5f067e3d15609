"""``POST /api/v1/quote/``: the quote of CONTRACTS.md with the published configuration.

Any signed-in user (session or JWT from ``/api/v1/security/login``) may quote:
a quote discloses pricing, not customer data. Errors are JSON
``{"message": ..., "errors": {field: [...]}}``: 400 for a body that is not a JSON
object, 401 without login, 422 for bad fields, 503 before any configuration is
published.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext as _

from lowlend.services.quote import QuoteInputError, parse_quote_request, quote_json
from lowlend.web import registry_hooks
from lowlend.web.i18n import request_locale
from lowlend.web.user_context import signed_in


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


class QuoteApi(BaseApi):
    """Repayment schedule, fees, APR and compliance verdict for a product."""

    resource_name = "quote"
    openapi_spec_tag = "Quote"

    @expose("/", methods=["POST"])
    def post(self) -> Response:
        """Quote a loan.
        ---
        post:
          description: >-
            Schedule, fees, net proceeds, APR and the compliance verdict of the
            product's region (CONTRACTS.md). Money as strings, rates as decimal strings.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [product, amount, term]
                  properties:
                    product: {type: string}
                    amount: {type: string, example: "10000.00"}
                    term: {type: integer, example: 12}
                    annual_rate: {type: string, example: "0.180000"}
                    start: {type: string, format: date}
                    region: {type: string}
          responses:
            200: {description: the quote}
            400: {description: the body is not a JSON object}
            401: {description: not signed in}
            422: {description: field errors}
            503: {description: no published configuration}
        """
        if not signed_in():
            return _json({"message": _("Sign in first.")}, 401)
        try:
            body = json.loads(request.get_data(as_text=True) or "null", parse_float=Decimal)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _json({"message": _("The request body must be a JSON object.")}, 400)
        registry = registry_hooks.current_registry()
        if registry is None:
            return _json({"message": _("No configuration has been published yet.")}, 503)
        locale = request_locale()
        try:
            parsed = parse_quote_request(body, today=dt.date.today(), locale=locale)
            return _json(quote_json(registry, parsed), 200)
        except QuoteInputError as exc:
            return _json({"message": _("The quote request has errors."), "errors": exc.errors},
                         422)
