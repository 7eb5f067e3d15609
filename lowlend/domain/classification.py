"""Five-category loan classification (贷款五级分类) from days past due.

The ``classify`` step of ``eod.yaml`` maps a loan's DPD to a category with ordered
``dpd_ranges``: the first range whose ``max_dpd`` is at least the DPD (``null`` = no upper
bound) gives the category. The default ranges are 正常 ``pass`` (0), 关注
``special_mention`` (1–90), 次级 ``substandard`` (91–180), 可疑 ``doubtful`` (181–360),
损失 ``loss`` (361+).

>>> ranges = dpd_ranges([{"max_dpd": 0, "category": "pass"},
...                      {"max_dpd": 90, "category": "special_mention"},
...                      {"max_dpd": None, "category": "loss"}])
>>> [classify(d, ranges) for d in (0, 1, 90, 91)]
['pass', 'special_mention', 'special_mention', 'loss']
>>> dpd_ranges([{"max_dpd": 30, "category": "pass"}])
Traceback (most recent call last):
...
lowlend.domain.errors.LoanInputError: dpd_ranges: dpd_ranges_unbounded
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lowlend.domain.errors import LoanInputError

__all__ = ["CATEGORIES", "DEFAULT_RANGES", "DpdRange", "classify", "dpd_ranges"]

CATEGORIES = ("pass", "special_mention", "substandard", "doubtful", "loss")
"""The five categories, from best to worst."""


@dataclass(frozen=True, slots=True)
class DpdRange:
    """Loans with DPD up to ``max_dpd`` (``None``: any) are ``category``."""

    max_dpd: int | None
    category: str


DEFAULT_RANGES = (DpdRange(0, "pass"), DpdRange(90, "special_mention"),
                  DpdRange(180, "substandard"), DpdRange(360, "doubtful"), DpdRange(None, "loss"))


def dpd_ranges(raw: Iterable[Mapping[str, Any]] | None) -> tuple[DpdRange, ...]:
    """Parse the ``dpd_ranges`` parameter (``None``: :data:`DEFAULT_RANGES`).

    :raises LoanInputError: ``dpd_ranges_order`` (bounds not increasing),
        ``dpd_ranges_unbounded`` (the last range has a bound), ``dpd_ranges_category``
        (not one of :data:`CATEGORIES`).
    """
    if raw is None:
        return DEFAULT_RANGES
    out: list[DpdRange] = []
    for item in raw:
        bound = item.get("max_dpd")
        category = str(item.get("category", ""))
        if category not in CATEGORIES:
            raise LoanInputError("dpd_ranges", "dpd_ranges_category", value=category)
        if out and (out[-1].max_dpd is None or (bound is not None and int(bound) <= out[-1].max_dpd)):
            raise LoanInputError("dpd_ranges", "dpd_ranges_order", value=bound)
        out.append(DpdRange(None if bound is None else int(bound), category))
    if not out or out[-1].max_dpd is not None:
        raise LoanInputError("dpd_ranges", "dpd_ranges_unbounded")
    return tuple(out)


def classify(dpd: int, ranges: tuple[DpdRange, ...] = DEFAULT_RANGES) -> str:
    """The category of a loan ``dpd`` days past due."""
    for r in ranges:
        if r.max_dpd is None or dpd <= r.max_dpd:
            return r.category
    return ranges[-1].category
