"""Quote use case: product spec + request → schedule, fees, APR and compliance verdict.

The one place where a quote request is parsed and checked, shared by
``lowlend quote`` and ``POST /api/v1/quote/``. Rate caps of the region are chosen
here (:func:`rate_caps_for`) and measured by the loan engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lowlend.domain.compliance import RateCap
from lowlend.domain.errors import DomainError
from lowlend.domain.quote import Quote, build_quote, quote_to_json
from lowlend.services.messages import message
from lowlend.services.product_terms import terms_and_fees
from lowlend.spec import SpecRegistry
from lowlend.spec.compliance import cap_annualisation, cap_limit, principal_condition_holds
from lowlend.spec.model import RegionSpec

__all__ = ["QuoteInputError", "QuoteRequest", "parse_quote_request", "quote", "quote_json",
           "rate_caps_for"]

_MAX_AMOUNT = Decimal("1e15")


class QuoteInputError(ValueError):
    """Bad quote input: ``errors`` maps each offending field to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {k: list(v) for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """A parsed, typed quote request (``annual_rate=None`` = the product default)."""

    product: str
    amount: Decimal
    term: int
    start: dt.date
    annual_rate: Decimal | None = None
    region: str | None = None
    locale: str = field(default="en")


def _decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, float):  # never money from a binary float
        return None
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_quote_request(
    raw: Mapping[str, object], *, today: dt.date, locale: str = "en"
) -> QuoteRequest:
    """Parse strings/JSON values into a :class:`QuoteRequest`, reporting every bad field.

    >>> r = parse_quote_request({"product": "p", "amount": "10000", "term": "12"},
    ...                         today=dt.date(2026, 1, 1))
    >>> (r.amount, r.term, r.start.isoformat(), r.annual_rate)
    (Decimal('10000'), 12, '2026-01-01', None)
    >>> parse_quote_request({"amount": "ten", "term": 0}, today=dt.date(2026, 1, 1))
    Traceback (most recent call last):
    ...
    lowlend.services.quote.QuoteInputError: product: A product code is required.; amount: ...
    """
    errors: dict[str, list[str]] = {}

    product = raw.get("product")
    if not isinstance(product, str) or not product.strip():
        errors["product"] = [message("product_required", locale)]
        product = ""

    amount = _decimal(raw.get("amount"))
    if amount is None:
        errors["amount"] = [message("amount_not_a_decimal", locale)]
    elif amount <= 0:
        errors["amount"] = [message("amount_not_positive", locale)]
    elif amount >= _MAX_AMOUNT:
        errors["amount"] = [message("amount_too_large", locale, value=amount)]

    term_raw = raw.get("term")
    term = 0
    if isinstance(term_raw, int) and not isinstance(term_raw, bool):
        term = term_raw
    elif isinstance(term_raw, str) and term_raw.strip().isdigit():
        term = int(term_raw.strip())
    else:
        errors["term"] = [message("term_not_an_integer", locale)]
    if "term" not in errors and term < 1:
        errors["term"] = [message("term_not_positive", locale)]

    rate: Decimal | None = None
    if raw.get("annual_rate") not in (None, ""):
        rate = _decimal(raw.get("annual_rate"))
        if rate is None:
            errors["annual_rate"] = [message("rate_not_a_decimal", locale)]
        elif rate < 0:
            errors["annual_rate"] = [message("rate_negative", locale)]

    start = today
    if raw.get("start") not in (None, ""):
        try:
            start = dt.date.fromisoformat(str(raw.get("start")))
        except ValueError:
            errors["start"] = [message("date_invalid", locale, value=raw.get("start"))]

    region = raw.get("region")
    if region is not None and (not isinstance(region, str) or not region.strip()):
        errors["region"] = [message("unknown_region", locale, value=region)]

    if errors:
        raise QuoteInputError(errors)
    assert amount is not None
    return QuoteRequest(product.strip(), amount, term, start, rate,
                        region.strip() if isinstance(region, str) else None, locale)


def rate_caps_for(region: RegionSpec, contract_date: dt.date, amount: Decimal) -> tuple[RateCap, ...]:
    """The annualised-rate caps of ``region`` in force for a new loan on ``contract_date``.

    A cap counts when it caps the annual rate of a licensed lender's new loans
    (:func:`lowlend.spec.compliance.cap_annualisation`), its principal condition
    holds, an action is in force on that date and it has a value then. Caps of
    other shapes — per-day cost caps, tiered monthly rates, licence- or
    borrower-specific overlays — are not measured by a quote.
    """
    caps: list[RateCap] = []
    for cap in region.rate_caps:
        how = cap_annualisation(cap, region)
        if how is None or not principal_condition_holds(cap, amount):
            continue
        action = cap.action_on(contract_date)
        limit = cap_limit(cap, region, contract_date)
        if action is not None and limit is not None:
            caps.append(RateCap(cap.id, limit, how, action))
    return tuple(caps)


def quote(registry: SpecRegistry, request: QuoteRequest) -> Quote:
    """Price ``request`` with the product of ``registry``.

    :raises QuoteInputError: unknown product or region, or input the product does not
        allow (field errors in the request's locale).
    """
    product = registry.products.get(request.product)
    if product is None:
        raise QuoteInputError(
            {"product": [message("unknown_product", request.locale, value=request.product)]}
        )
    region_code = request.region or product.region
    region = registry.regions.get(region_code) if region_code else None
    if region_code and region is None:
        raise QuoteInputError(
            {"region": [message("unknown_region", request.locale, value=region_code)]}
        )
    try:
        terms, fees = terms_and_fees(
            registry, request.product, amount=request.amount, term=request.term,
            annual_rate=request.annual_rate, start=request.start,
        )
        caps = rate_caps_for(region, request.start, request.amount) if region else ()
        return build_quote(terms, fees, caps, region_code or "", product.code)
    except DomainError as exc:
        field_name = (exc.field or "request").split(".")[0]
        params = {k: v for k, v in exc.params.items()}
        raise QuoteInputError({field_name: [message(exc.code, request.locale, **params)]}) from exc


def quote_json(registry: SpecRegistry, request: QuoteRequest) -> dict[str, Any]:
    """The CONTRACTS.md quote JSON, violation messages in the request's locale."""
    return quote_to_json(quote(registry, request), request.locale)
