"""Exact interest arithmetic shared by the schedule, accrual and payoff code.

Interest for a period is ``round(balance × annual_rate × num / den)`` where
``num / den`` is the exact year fraction from :mod:`lowlend.domain.daycount`.
The product is formed exactly (40 significant digits) and divided once, then
rounded with the product's rounding mode, so the result equals the exact
rational rounding done in integer vectorized code.

>>> from lowlend.domain.money import Rounding
>>> # 10000.00 × 18 % × 31/365 = 152.876712… → 152.88
>>> period_interest(Decimal("10000.00"), Decimal("0.18"), (31, 365), Rounding())
Decimal('152.88')
>>> # annuity: 10000 at 1.5 %/month over 12 months = 916.7999…
>>> annuity_payment(Decimal("10000.00"), Decimal("0.015"), 12).quantize(Decimal("0.0001"))
Decimal('916.7999')
"""

from __future__ import annotations

from decimal import Context, Decimal

from lowlend.domain.money import Rounding

__all__ = ["EXACT", "annuity_payment", "period_interest", "periodic_rate"]

#: Context wide enough that balance × rate × days is exact before the one division.
EXACT = Context(prec=40)
_ONE = Decimal(1)


def period_interest(
    balance: Decimal, annual_rate: Decimal, fraction: tuple[int, int], rounding: Rounding
) -> Decimal:
    """Rounded interest on ``balance`` over a year fraction ``(num, den)``."""
    num, den = fraction
    if num == 0 or balance == 0 or annual_rate == 0:
        return rounding.round(Decimal(0))
    raw = EXACT.divide(EXACT.multiply(EXACT.multiply(balance, annual_rate), Decimal(num)), Decimal(den))
    return rounding.round(raw)


def periodic_rate(annual_rate: Decimal, periods_per_year: tuple[int, int]) -> Decimal:
    """Nominal periodic rate ``annual_rate / k`` with ``k = num / den`` periods a year.

    This is the normalisation used for the annuity payment (as in Fineract's
    ``nominal rate / periods per year``); row interest then uses actual dates.
    """
    num, den = periods_per_year
    return EXACT.divide(EXACT.multiply(annual_rate, Decimal(den)), Decimal(num))


def annuity_payment(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """Unrounded annuity ``P·i / (1 − (1+i)^−m)``; ``P / m`` when ``i = 0``."""
    if periods <= 0:
        return principal
    if rate == 0:
        return EXACT.divide(principal, Decimal(periods))
    growth = EXACT.power(EXACT.add(_ONE, rate), periods)
    return EXACT.divide(EXACT.multiply(EXACT.multiply(principal, rate), growth), EXACT.subtract(growth, _ONE))
