"""The terms of an application checked against its product: one rule set for the form,
the REST API and submission (every broken bound, keyed by the application's field).

A revolving product's application asks for a credit limit: its amount is checked against
``revolving.credit_limit``; the product's amount bounds apply to each draw instead.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lowlend.services.product_terms import product_term_errors

__all__ = ["FieldCodes", "application_term_errors"]

FieldCodes = dict[str, list[tuple[str, dict[str, Any]]]]
"""Errors by application field: ``[(code, params), ...]`` (worded at the edge)."""

_FIELDS = {"annual_rate": "rate", "start": "amount"}


def application_term_errors(
    product: Any,
    *,
    amount: Decimal | None,
    term: int | None,
    rate: Decimal | None,
    currency: str | None,
    start: dt.date,
) -> FieldCodes:
    """Every bound of ``product`` that the application's terms break (``{}`` when none).

    ``None`` values are not checked (a missing required field is the form's own error).
    """
    errors: FieldCodes = {}

    def add(field: str, code: str, **params: Any) -> None:
        errors.setdefault(field, []).append((code, params))

    if currency and currency != product.currency:
        add("currency", "currency_mismatch", value=currency, expected=product.currency)
    revolving = getattr(product, "revolving", None)
    if revolving is not None and amount is not None and not (
        revolving.credit_limit.min <= amount <= revolving.credit_limit.max
    ):
        add("amount", "credit_limit_out_of_range", value=str(amount),
            min=str(revolving.credit_limit.min), max=str(revolving.credit_limit.max))
    for exc in product_term_errors(
        product,
        amount=amount if amount is not None else product.amount.default,
        term=term if term is not None else product.term.default,
        annual_rate=rate,
        start=start,
    ):
        field = _FIELDS.get(exc.field or "", exc.field or "amount")
        if field == "amount" and revolving is not None and exc.code.startswith("amount_"):
            continue  # a limit, not a draw
        if (field == "amount" and amount is None) or (field == "term" and term is None):
            continue
        add(field, exc.code, **exc.params)
    return errors
