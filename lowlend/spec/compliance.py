"""Rate-cap arithmetic used at load time (and reusable by the quote engine).

Supported ``max_expr`` forms (what the shipped regions need):

* ``"<number> * SERIES(<anything>)"`` — e.g. ``4 * CN_LPR_1Y(contract_date)``
* ``"<number> + SERIES(<anything>)"`` — e.g. ``0.36 + US_FED_FUNDS_H15(...)``

where ``SERIES`` is a reference-rate series of the region, looked up at the given
date (value in force on that date).  Lookup rules other than "in force on the
date" (``first_day_of_previous_month``) are applied when the series declares
``lookup: first_day_of_previous_month``.  Anything else is rejected at load time.

>>> import datetime as dt
>>> from decimal import Decimal
>>> lpr = ReferenceRate("CN_LPR_1Y", "annual_rate",
...                     (RatePoint(dt.date(2025, 5, 20), Decimal("0.0300")),))
>>> evaluate_max_expr("4 * CN_LPR_1Y(contract_date)", {"CN_LPR_1Y": lpr}, dt.date(2026, 1, 1))
Decimal('0.1200')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

from lowlend.domain.conventions import Annualisation

from .model import RateCap, RatePoint, ReferenceRate, RegionSpec

__all__ = [
    "ANNUAL_RATE_METRICS",
    "RatePoint",
    "ReferenceRate",
    "cap_annualisation",
    "cap_limit",
    "evaluate_max_expr",
    "parse_max_expr",
    "principal_condition_holds",
]

#: measures compared with the nominal rate (r × k): APR-style and simple-rate caps
NOMINAL_RATE_METRICS = frozenset({"apr", "mapr", "annual_simple_rate_on_unpaid_principal"})
#: measures compared with the effective rate ((1 + r)^k − 1): IRR-based costs
EFFECTIVE_RATE_METRICS = frozenset(
    {"annualised_comprehensive_financing_cost", "aprc", "effective_rate_of_interest"}
)
ANNUAL_RATE_METRICS = NOMINAL_RATE_METRICS | EFFECTIVE_RATE_METRICS

_EXPR_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([*+])\s*([A-Z][A-Z0-9_]*)\s*\((.*)\)\s*$")


def parse_max_expr(expr: str) -> tuple[Decimal, str, str]:
    """Split a supported ``max_expr`` into ``(number, operator, series)``.

    :raises ValueError: unsupported form.

    >>> parse_max_expr("4 * CN_LPR_1Y(contract_date)")
    (Decimal('4'), '*', 'CN_LPR_1Y')
    """
    match = _EXPR_RE.match(expr)
    if match is None:
        raise ValueError(
            f"unsupported max_expr {expr!r}: expected '<number> * SERIES(date)' "
            "or '<number> + SERIES(date)'"
        )
    return Decimal(match.group(1)), match.group(2), match.group(3)


def _lookup_date(series: ReferenceRate, day: dt.date) -> dt.date:
    if series.lookup == "first_day_of_previous_month":
        first = day.replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)
    return day


def evaluate_max_expr(
    expr: str, series: Mapping[str, ReferenceRate], day: dt.date
) -> Decimal | None:
    """The cap value of ``expr`` on ``day``; ``None`` when the series has no value then.

    :raises ValueError: unsupported form or unknown series.
    """
    number, op, name = parse_max_expr(expr)
    rate = series.get(name)
    if rate is None:
        raise ValueError(f"unknown reference rate {name!r} in max_expr")
    value = rate.value_on(_lookup_date(rate, day))
    if value is None:
        return None
    return number * value if op == "*" else number + value


def cap_annualisation(cap: RateCap, region: RegionSpec) -> Annualisation | None:
    """How ``cap`` is measured when it caps the annual rate of a licensed lender's new loans.

    ``None`` for caps of other shapes (per-day or total-cost caps, tiered monthly
    rates, licence-specific caps such as the court benchmark for unlicensed lending,
    existing-loan rules). The measure's ``annualisation`` wins; otherwise IRR-based
    metrics are effective and APR-style ones nominal.
    """
    if cap.extra.get("applies_to_licence") or cap.applies_to not in (None, "new_loans"):
        return None
    measure = region.measures.get(cap.measure or "") or {}
    metric = measure.get("metric") if isinstance(measure, Mapping) else None
    if not isinstance(metric, str) or metric not in ANNUAL_RATE_METRICS:
        return None
    named = measure.get("annualisation")
    if named in ("nominal", "effective"):
        return Annualisation(named)
    return Annualisation.NOMINAL if metric in NOMINAL_RATE_METRICS else Annualisation.EFFECTIVE


_PRINCIPAL_TESTS = {
    "principal_lt": Decimal.__lt__,
    "principal_lte": Decimal.__le__,
    "principal_gt": Decimal.__gt__,
    "principal_gte": Decimal.__ge__,
}


def principal_condition_holds(cap: RateCap, principal: Decimal | None) -> bool:
    """Whether the cap's ``applies_if`` principal bounds hold (no condition: always).

    An unknown principal, or a condition on anything but the principal, does not hold.

    >>> from lowlend.spec.model import RateCap as Cap
    >>> cap = Cap("x", None, None, Decimal("0.3"), None, None, None, None, None, None, None,
    ...           None, None, None, {"applies_if": {"principal_gte": "2500"}})
    >>> principal_condition_holds(cap, Decimal("3000")), principal_condition_holds(cap, None)
    (True, False)
    """
    condition = cap.extra.get("applies_if")
    if not condition:
        return True
    if principal is None or not isinstance(condition, Mapping):
        return False
    for key, bound in condition.items():
        test = _PRINCIPAL_TESTS.get(str(key))
        try:
            limit = Decimal(str(bound))
        except ArithmeticError:
            return False
        if test is None or not test(principal, limit):
            return False
    return True


def cap_limit(cap: RateCap, region: RegionSpec, day: dt.date) -> Decimal | None:
    """The cap's value on ``day``: ``max``, or ``max_expr`` over the region's series.

    ``None`` when the series has no value on that day or the expression is unusable.
    """
    if cap.max is not None:
        return cap.max
    if cap.max_expr is None:
        return None
    try:
        return evaluate_max_expr(cap.max_expr, region.reference_rates, day)
    except ValueError:
        return None

