"""Money rounding: one policy per product (mode + minor unit + optional installment multiple).

Money is :class:`~decimal.Decimal` in the per-loan engine and integer minor units
(分) in vectorized code. Never ``float``.

>>> r = Rounding(RoundingMode.HALF_UP, 2)
>>> r.round(Decimal("1.005")), r.round(Decimal("-1.005"))
(Decimal('1.01'), Decimal('-1.01'))
>>> Rounding(RoundingMode.HALF_EVEN, 2).round(Decimal("1.005"))
Decimal('1.00')
>>> Rounding(RoundingMode.UP, 2).round(Decimal("1.001")), Rounding(RoundingMode.DOWN, 2).round(Decimal("1.009"))
(Decimal('1.01'), Decimal('1.00'))
>>> Rounding(RoundingMode.HALF_UP, 2, Decimal("1")).round_installment(Decimal("888.49"))
Decimal('888.00')
>>> Rounding().to_minor(Decimal("12.34")), Rounding().from_minor(1234)
(1234, Decimal('12.34'))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from lowlend.domain.conventions import RoundingMode
from lowlend.domain.errors import LoanInputError

__all__ = ["ZERO", "Decimal", "Rounding", "RoundingMode", "decimal_rounding", "round_ratio"]

ZERO = Decimal(0)

_DECIMAL_ROUNDING = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.UP: ROUND_UP,
    RoundingMode.DOWN: ROUND_DOWN,
}

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def decimal_rounding(mode: RoundingMode) -> str:
    """The :mod:`decimal` rounding constant for ``mode`` (UP/DOWN are away from / toward zero)."""
    return _DECIMAL_ROUNDING[mode]


def round_ratio(num: int, den: int, mode: RoundingMode) -> int:
    """Round the exact rational ``num / den`` (``den > 0``) to an integer with ``mode``.

    The integer twin of :meth:`Rounding.round`, used by vectorized code and tests.

    >>> [round_ratio(n, 2, RoundingMode.HALF_EVEN) for n in (1, 3, 5, -1)]
    [0, 2, 2, 0]
    >>> [round_ratio(n, 2, RoundingMode.HALF_UP) for n in (1, 3, -1)]
    [1, 2, -1]
    """
    sign = -1 if num < 0 else 1
    q, r = divmod(abs(num), den)
    if r:
        if mode is RoundingMode.UP:
            q += 1
        elif mode is RoundingMode.HALF_UP:
            q += 2 * r >= den
        elif mode is RoundingMode.HALF_EVEN:
            q += 2 * r > den or (2 * r == den and q % 2 == 1)
    return sign * q


@dataclass(frozen=True, slots=True)
class Rounding:
    """The product's single rounding policy.

    :param mode: rounding mode (``half_up`` | ``half_even`` | ``up`` | ``down``).
    :param minor_unit: number of decimal places of the currency (2 for CNY).
    :param installment_multiple: optional multiple (e.g. ``1.00``) the regular
        installment is rounded to; ``None`` rounds it to the minor unit.
    """

    mode: RoundingMode = RoundingMode.HALF_UP
    minor_unit: int = 2
    installment_multiple: Decimal | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.minor_unit <= 6:
            raise LoanInputError("rounding.minor_unit", "minor_unit_out_of_range", value=self.minor_unit)
        m = self.installment_multiple
        if m is not None and (not m.is_finite() or m <= 0 or m != self.round(m) or m > 10**6):
            raise LoanInputError("rounding.installment_multiple", "multiple_invalid", value=m)

    @property
    def quantum(self) -> Decimal:
        """The smallest money step, e.g. ``Decimal('0.01')``."""
        return _QUANTA[self.minor_unit]

    def round(self, value: Decimal) -> Decimal:
        """Quantize ``value`` to the minor unit with the policy's mode."""
        return value.quantize(_QUANTA[self.minor_unit], rounding=_DECIMAL_ROUNDING[self.mode])

    def round_installment(self, value: Decimal) -> Decimal:
        """Round a regular installment amount (to the installment multiple when one is set)."""
        m = self.installment_multiple
        if m is None:
            return self.round(value)
        units = (value / m).quantize(Decimal(1), rounding=_DECIMAL_ROUNDING[self.mode])
        return self.round(units * m)

    def to_minor(self, value: Decimal) -> int:
        """Exact integer minor units of an already-rounded amount."""
        return int(value.scaleb(self.minor_unit))

    def from_minor(self, units: int) -> Decimal:
        """Decimal amount of ``units`` minor units."""
        return Decimal(units).scaleb(-self.minor_unit)

    def format(self, value: Decimal) -> str:
        """Money string with exactly ``minor_unit`` places (``"1234.50"``)."""
        return format(self.round(value), "f")
