"""IRR, XIRR and annualised cost (APR / 年化综合融资成本).

Cash flows are from the lender's side: the net proceeds actually received by
the borrower at t0 are negative, every borrower-borne payment (principal,
interest, every fee to anyone) positive. The periodic IRR ``r`` solves
``Σ cf_t (1+r)^−t = 0`` by bracketing then safeguarded Newton (bisection
whenever Newton leaves the bracket), so it always terminates. Annualised:
``nominal = r × k`` (单利 label) and ``effective = (1 + r)^k − 1`` (IRR/复利).

Floats are used for the *rate* only; money stays Decimal and is converted
just for the solve. Rates are reported as Decimal with 6 places.

PBOC 〔2021〕No. 3 worked example: 100,000 lent, 1,000 upfront fee, 12 × 8,833.30:

>>> flows = [Decimal("-99000")] + [Decimal("8833.30")] * 12
>>> r = periodic_irr(flows)
>>> round(r, 5)
0.01067
>>> apr = annualise(r, 12)
>>> str(apr.nominal), str(apr.effective)
('0.128038', '0.135826')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from lowlend.domain.errors import NoSolutionError

__all__ = ["Apr", "annualise", "irr_at_times", "periodic_irr", "rate_decimal", "xirr"]

_TOL = 1e-13
_MAX_ITER = 300
_R_MAX = 1e6  # a periodic rate above 100,000,000 % means "no sensible solution"
_SIX = Decimal("0.000001")


def rate_decimal(rate: float) -> Decimal:
    """A float rate as a Decimal with 6 places (half-even)."""
    if not math.isfinite(rate) or abs(rate) >= 1e12:
        raise NoSolutionError("rate_out_of_range", rate=rate)
    return Decimal(repr(rate)).quantize(_SIX, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Apr:
    """Annualised rates. ``periodic`` is the solved per-period IRR."""

    periodic: Decimal
    nominal: Decimal
    effective: Decimal
    periods_per_year: Decimal


def annualise(r: float, k: float) -> Apr:
    """``nominal = r·k``, ``effective = (1+r)^k − 1`` for ``k`` periods a year."""
    try:
        effective = math.expm1(k * math.log1p(r))
    except OverflowError as exc:
        raise NoSolutionError("rate_overflow", periodic=r) from exc
    return Apr(rate_decimal(r), rate_decimal(r * k), rate_decimal(effective),
               Decimal(repr(float(k))))


_Fn = Callable[[float], tuple[float, float]]


def _solve(fn: _Fn, lo: float, hi: float, f_lo: float, f_hi: float) -> float:
    x = (lo + hi) / 2
    for _ in range(_MAX_ITER):
        f, df = fn(x)
        if f == 0:
            return x
        if (f > 0) == (f_lo > 0):
            lo, f_lo = x, f
        else:
            hi = x
        step_ok = df != 0 and math.isfinite(df)
        nx = x - f / df if step_ok else lo - 1.0
        if not lo < nx < hi:
            nx = (lo + hi) / 2
        if abs(nx - x) <= _TOL * max(1.0, abs(x)) or hi - lo <= _TOL * max(1.0, abs(x)):
            return nx
        x = nx
    return x


def _bracket(fn: _Fn, total: float, guess: float | None = None) -> tuple[float, float, float, float]:
    if guess is not None and guess > -0.99 and math.isfinite(guess):
        # a good guess (e.g. the note rate) brackets the root with two evaluations
        width = 1e-3 * max(abs(guess), 1e-3)
        lo, hi = guess - width, guess + width
        f_lo, f_hi = fn(lo)[0], fn(hi)[0]
        if (f_lo > 0) != (f_hi > 0):
            return (lo, hi, f_lo, f_hi)
    # f(r) → Σ cf_t (r = -1⁺ gives +inf for a positive late flow). Walk r up from 0 or down.
    f0 = total
    if f0 == 0:
        return (0.0, 0.0, 0.0, 0.0)
    if f0 > 0:  # payments exceed proceeds → positive rate
        lo, hi = 0.0, 0.1
        f_hi = fn(hi)[0]
        while f_hi > 0:
            lo = hi
            hi *= 4
            if hi > _R_MAX:
                raise NoSolutionError("irr_no_solution", reason="no_sign_change")
            f_hi = fn(hi)[0]
        return (lo, hi, fn(lo)[0], f_hi)
    lo, hi = -0.5, 0.0
    f_lo = fn(lo)[0]
    while f_lo < 0:
        hi = lo
        lo = -1 + (1 + lo) / 16
        if lo + 1 < 1e-12:
            raise NoSolutionError("irr_no_solution", reason="no_sign_change")
        f_lo = fn(lo)[0]
    return (lo, hi, f_lo, fn(hi)[0])


def periodic_irr(flows: Sequence[Decimal], guess: float | None = None) -> float:
    """Periodic IRR of flows at ``t = 0, 1, 2, …`` (use zeros for empty periods).

    Raises :class:`NoSolutionError` when there is no sign change (all flows of
    one sign) or the root lies beyond any sensible rate.

    >>> round(periodic_irr([Decimal(-100), Decimal(110)]), 10)
    0.1
    >>> periodic_irr([Decimal(100), Decimal(110)])
    Traceback (most recent call last):
    ...
    lowlend.domain.errors.NoSolutionError: irr_no_solution (reason=same_sign)
    """
    cf = [float(x) for x in flows]
    if not any(c > 0 for c in cf) or not any(c < 0 for c in cf):
        raise NoSolutionError("irr_no_solution", reason="same_sign")
    rev = cf[::-1]

    def fn(r: float) -> tuple[float, float]:
        # Horner in v = 1/(1+r): f = Σ cf_t v^t ; df/dr = -v Σ t cf_t v^t
        v = 1.0 / (1.0 + r)
        f = 0.0
        g = 0.0  # Σ t cf_t v^(t-1) by Horner on the derivative polynomial
        for c in rev:
            g = g * v + f
            f = f * v + c
        return f, -g * v * v

    lo, hi, f_lo, f_hi = _bracket(fn, sum(cf), guess)
    if lo == hi:
        return lo
    return _solve(fn, lo, hi, f_lo, f_hi)


def xirr(flows: Sequence[tuple[date, Decimal]], year_days: int = 365,
         guess: float | None = None) -> float:
    """Effective annual rate X solving ``Σ cf_i (1+X)^−(d_i−d_0)/year_days = 0`` (Excel XIRR).

    >>> round(xirr([(date(2026, 1, 1), Decimal(-100)), (date(2027, 1, 1), Decimal(112))]), 6)
    0.12
    """
    if not flows:
        raise NoSolutionError("irr_no_solution", reason="no_flows")
    d0 = min(d for d, _ in flows)
    return irr_at_times([((d - d0).days / year_days, x) for d, x in flows], guess)


def irr_at_times(flows: Sequence[tuple[float, Decimal]], guess: float | None = None) -> float:
    """Periodic IRR of flows at fractional times ``t`` in unit periods.

    Solves ``Σ cf (1+r)^−t = 0`` — the actuarial method with an odd first period
    counted as a fraction of a unit period (12 CFR 1026 App. J). With whole
    ``t`` it equals :func:`periodic_irr`.

    >>> round(irr_at_times([(0.0, Decimal(-100)), (0.5, Decimal(105))]), 6)
    0.1025
    """
    cf = [float(x) for _, x in flows]
    if not any(c > 0 for c in cf) or not any(c < 0 for c in cf):
        raise NoSolutionError("irr_no_solution", reason="same_sign")
    pairs = [(t, float(x)) for t, x in flows]

    def fn(r: float) -> tuple[float, float]:
        lg = math.log1p(r)
        f = 0.0
        df = 0.0
        for t, c in pairs:
            d = c * math.exp(-t * lg)
            f += d
            df -= t * d / (1 + r)
        return f, df

    lo, hi, f_lo, f_hi = _bracket(fn, sum(cf), guess)
    if lo == hi:
        return lo
    return _solve(fn, lo, hi, f_lo, f_hi)

