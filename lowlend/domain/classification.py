"""Five-category loan classification (贷款五级分类) and delinquency buckets from days past due.

The ``classify`` step of ``eod.yaml`` maps a loan's DPD to a category with ordered
``dpd_ranges``: the first range whose ``max_dpd`` is at least the DPD (``null`` = no upper
bound) gives the category. The default ranges are 正常 ``pass`` (0), 关注
``special_mention`` (1–90), 次级 ``substandard`` (91–180), 可疑 ``doubtful`` (181–360),
损失 ``loss`` (361+). The same ``params`` may give ``region_dpd_ranges`` (compliance region
code → ranges: the loans of that region's products use them) and ``bucket_edges`` (see
:func:`delinquency_bucket`).

The configuration is checked when it is built (``lowlend.spec.builders.operations``
reports every problem with its file, line and key path); :func:`dpd_ranges` and
:func:`bucket_edges` parse checked data and still refuse bad data with a
:class:`LoanInputError`.

>>> ranges = dpd_ranges([{"max_dpd": 0, "category": "pass"},
...                      {"max_dpd": 90, "category": "special_mention"},
...                      {"max_dpd": None, "category": "loss"}])
>>> [classify(d, ranges) for d in (0, 1, 90, 91)]
['pass', 'special_mention', 'special_mention', 'loss']
>>> dpd_ranges([{"max_dpd": 30, "category": "pass"}])
Traceback (most recent call last):
...
lowlend.domain.errors.LoanInputError: dpd_ranges: dpd_ranges_unbounded
>>> bucket_edges([30, 30])
Traceback (most recent call last):
...
lowlend.domain.errors.LoanInputError: bucket_edges: bucket_edges_invalid (value=[30, 30])
>>> [delinquency_bucket(d) for d in (0, 1, 30, 31, 90, 91, 400)]
['M0', 'M1', 'M1', 'M2', 'M3', 'M4+', 'M4+']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lowlend.domain.conventions import Classification
from lowlend.domain.errors import LoanInputError

__all__ = [
    "CATEGORIES",
    "DEFAULT_BUCKET_EDGES",
    "DEFAULT_RANGES",
    "DpdRange",
    "bucket_edges",
    "classify",
    "delinquency_bucket",
    "dpd_ranges",
    "worse",
]

CATEGORIES = tuple(c.value for c in Classification)
"""The five categories, from best to worst."""

DEFAULT_BUCKET_EDGES = (30, 60, 90)
"""Upper DPD bounds of M1, M2, M3 (M0: DPD 0; beyond the last edge: ``M4+``)."""

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


def bucket_edges(raw: Sequence[Any] | None) -> tuple[int, ...]:
    """Parse ``bucket_edges`` (``None``: :data:`DEFAULT_BUCKET_EDGES`).

    :raises LoanInputError: ``bucket_edges_invalid``: empty, or not increasing whole
        numbers above 0.
    """
    if raw is None:
        return DEFAULT_BUCKET_EDGES
    edges = list(raw)
    whole = all(isinstance(e, int) and not isinstance(e, bool) for e in edges)
    if not edges or not whole or any(b <= a for a, b in zip([0, *edges], edges, strict=False)):
        raise LoanInputError("bucket_edges", "bucket_edges_invalid", value=edges)
    return tuple(edges)


def classify(dpd: int, ranges: tuple[DpdRange, ...] = DEFAULT_RANGES) -> str:
    """The category of a loan ``dpd`` days past due."""
    for r in ranges:
        if r.max_dpd is None or dpd <= r.max_dpd:
            return r.category
    return ranges[-1].category


def delinquency_bucket(dpd: int, edges: tuple[int, ...] = DEFAULT_BUCKET_EDGES) -> str:
    """The delinquency bucket (账龄) of ``dpd``: ``M0`` when not past due, ``Mn`` when ``dpd``
    is at most the n-th edge (and above the one before), ``M<len(edges)+1>+`` beyond the
    last edge."""
    if dpd <= 0:
        return "M0"
    for n, edge in enumerate(edges, start=1):
        if dpd <= edge:
            return f"M{n}"
    return f"M{len(edges) + 1}+"


def worse(a: str, b: str) -> bool:
    """Whether category ``a`` is worse than ``b`` (an unknown category counts as best)."""
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    return rank.get(a, -1) > rank.get(b, -1)
