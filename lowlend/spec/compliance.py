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

from .model import RatePoint, ReferenceRate

__all__ = ["RatePoint", "ReferenceRate", "evaluate_max_expr", "parse_max_expr"]

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
