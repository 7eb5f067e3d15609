"""Exact integer rounding for the vectorized path (int64 numpy arrays, minor units)."""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from lowlend.domain.conventions import RoundingMode

__all__ = ["I64", "interest_minor", "mul_div_round", "round_div"]

I64 = npt.NDArray[np.int64]


def round_div(num: I64, den: I64 | int, mode: RoundingMode) -> I64:
    """Round ``num / den`` (``num ≥ 0``, ``den > 0``) to integers with ``mode``, exactly.

    >>> round_div(np.array([5, 15, 25, 1]), 10, RoundingMode.HALF_EVEN).tolist()
    [0, 2, 2, 0]
    """
    q, r = np.divmod(num, den)
    return _round_qr(q, r, den, mode)


def _round_qr(q: I64, r: I64, den: I64 | int, mode: RoundingMode) -> I64:
    if mode is RoundingMode.DOWN:
        return q
    if mode is RoundingMode.UP:
        return q + (r > 0)
    if mode is RoundingMode.HALF_UP:
        return q + (2 * r >= den)
    bump = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    return cast(I64, q + bump)


def mul_div_round(x: I64, n: I64, d: I64 | int, mode: RoundingMode) -> I64:
    """round(x × n / d) without int64 overflow (``x·n`` may exceed 2⁶³; ``d·n`` may not)."""
    if x.size and int(x.max()) * int(n.max()) < 2**62:
        q, r = np.divmod(x * n, d)
        return _round_qr(q, r, d, mode)
    q1, r1 = np.divmod(x, d)
    q2, r2 = np.divmod(r1 * n, d)
    return _round_qr(q1 * n + q2, r2, d, mode)




def interest_minor(x: I64, num: I64, den: I64 | int, mode: RoundingMode) -> I64:
    """round(x × num / (den × 10⁶)) for ``x = balance × rate_micro``."""
    return mul_div_round(x, num, den * 1_000_000, mode)

