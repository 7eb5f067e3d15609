"""Product choices: which products are usable, their weights, amount, term and rate."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from lowlend.domain.conventions import Frequency
from lowlend.services.demo_data.common import _RATE_Q, _money
from lowlend.spec.model import ProductSpec

# Product mix of the seed configuration (other products weigh 1.0).
PRODUCT_WEIGHTS: Mapping[str, float] = {
    "consumer_emi": 8.0,
    "installment_flat": 3.5,
    "revolving_credit_line": 3.0,
    "business_equal_principal": 3.0,
    "business_interest_only": 1.5,
    "bridge_bullet": 0.8,
    "entrusted_loan": 0.7,
    "hk_personal_loan": 1.5,
}


def _choose_amount(rng: random.Random, product: ProductSpec) -> Decimal:
    lo, hi = product.amount.min, product.amount.max
    if product.revolving is not None:
        lo = max(lo, product.revolving.draw_min)
    default = product.amount.default or (lo + hi) / 2
    # a log-normal spread around the default: the random factor is a plain number, the
    # amount stays Decimal (rounded to whole steps of 100 / 1,000 / 10,000)
    factor = Decimal(repr(math.exp(rng.gauss(0.0, 0.55)))).quantize(Decimal("0.000001"))
    step = 100 if default < 50000 else 1000 if default < 500000 else 10000
    value = (default * factor / step).quantize(Decimal(1), ROUND_HALF_EVEN) * step
    return _money(min(max(value, lo), hi))


def _choose_term(rng: random.Random, product: ProductSpec) -> int:
    lo, hi = product.term.min, product.term.max
    if product.repayment.frequency is Frequency.MONTHLY:
        choices = [t for t in (3, 6, 6, 9, 12, 12, 12, 18, 24, 24, 36) if lo <= t <= hi]
    else:
        choices = list(range(lo, hi + 1))
    if product.term.default is not None:
        choices += [product.term.default] * 2
    return rng.choice(choices or [lo])


def _choose_rate(rng: random.Random, product: ProductSpec) -> Decimal:
    r = product.interest.annual_rate
    base = r.default if r.default is not None else (r.min + r.max) / 2
    options = [base + Decimal("0.006") * k for k in (-3, -2, -1, 0, 0, 0, 1, 2)]
    options = [o for o in options if r.min <= o <= r.max] or [base]
    return rng.choice(options).quantize(_RATE_Q)


def _products(registry: Any, business_date: date) -> list[tuple[ProductSpec, float]]:
    out = []
    for code in sorted(registry.products):
        p = registry.products[code]
        first, last = _window(p, business_date)
        if first <= last and p.fee_schedule in registry.fee_schedules:
            out.append((p, PRODUCT_WEIGHTS.get(code, 1.0)))
    return out


def _window(product: ProductSpec, business_date: date) -> tuple[date, date]:
    first = max(product.valid_from or date.min, business_date - timedelta(days=720))
    last = business_date - timedelta(days=1)
    if product.valid_to is not None:
        last = min(last, product.valid_to)
    return first, last
