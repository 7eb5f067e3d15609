"""The dashboard's to-do tiles, computed from counts (pure: no framework, no database).

The web layer counts rows in the current user's data scope
(:func:`lowlend.web.datamodel.scoped_count`) — one count per tile of
:data:`TILES` whose table exists — and this module turns the counts into the
tiles shown on the landing page: which ones, in which order, how urgent, and
which list they link to.

Core tiles always show (``None``: not counted); optional ones only when counted:

>>> tiles = todo_tiles({"loans_overdue": 3, "applications_pending": 0})
>>> [(t.code, t.count) for t in tiles]  # doctest: +NORMALIZE_WHITESPACE
[('applications_pending', 0), ('loans_to_disburse', None), ('loans_overdue', 3),
 ('installments_due_soon', None), ('installments_overdue', None)]
>>> next(t for t in tiles if t.code == "loans_overdue").level
'danger'
>>> due_window(date(2026, 11, 28))
(datetime.date(2026, 11, 28), datetime.date(2026, 12, 5))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "APPROVAL_STATUSES",
    "DUE_SOON_DAYS",
    "TILES",
    "Tile",
    "TileDef",
    "business_date_after",
    "due_window",
    "todo_tiles",
    "total",
]

DUE_SOON_DAYS = 7
"""Installments due within this many days of the business date count as "due soon"."""

APPROVAL_STATUSES: tuple[str, ...] = ("submitted", "in_review")
"""Application statuses that wait for an approval decision."""

PAID_STATUSES: tuple[str, ...] = ("paid", "waived", "cancelled")
"""Installment statuses that need no more action."""

CLOSED_CASE_STATUSES: tuple[str, ...] = ("closed", "resolved", "settled", "cancelled", "done")
"""Statuses of collection cases / early warnings that are no longer open."""


@dataclass(frozen=True)
class TileDef:
    """One kind of to-do tile.

    :ivar code: stable tile code (``data-code`` on the page, key of the counts).
    :ivar entity: entity/view code whose ``data_scope`` applies to the count.
    :ivar view: view code the tile links to (its list; shown if the user may list it).
    :ivar icon: Font Awesome icon.
    :ivar urgency: ``info`` | ``warning`` | ``danger`` when the count is above zero.
    :ivar filters: list filters of the link (column → value).
    :ivar optional: shown only when counted (its table exists).
    """

    code: str
    entity: str
    view: str
    icon: str
    urgency: str = "info"
    filters: Mapping[str, str] = field(default_factory=dict)
    optional: bool = False


TILES: tuple[TileDef, ...] = (
    TileDef("applications_pending", "applications", "applications", "fa-inbox", "warning"),
    TileDef("loans_to_disburse", "loans", "loans", "fa-money", "warning", {"status": "approved"}),
    TileDef(
        "loans_overdue",
        "loans",
        "loans",
        "fa-exclamation-triangle",
        "danger",
        {"status": "overdue"},
    ),
    TileDef("installments_due_soon", "loans", "installments", "fa-calendar", "info"),
    TileDef(
        "installments_overdue",
        "loans",
        "installments",
        "fa-clock-o",
        "danger",
        {"status": "overdue"},
    ),
    TileDef(
        "collection_cases",
        "collection_cases",
        "collection_cases",
        "fa-phone",
        "warning",
        optional=True,
    ),
    TileDef("warnings", "warnings", "warnings", "fa-bell", "danger", optional=True),
)
"""Every tile, in display order."""


@dataclass(frozen=True)
class Tile:
    """A tile to show: ``count`` is ``None`` when it could not be counted."""

    code: str
    view: str
    icon: str
    count: int | None
    level: str  # "default" (nothing to do) | "info" | "warning" | "danger" | "muted" (unknown)
    filters: Mapping[str, str] = field(default_factory=dict)


def due_window(business_date: date, days: int = DUE_SOON_DAYS) -> tuple[date, date]:
    """``(first, last)`` due dates (inclusive) of "due in the next ``days`` days"."""
    return business_date, business_date + timedelta(days=days)


def business_date_after(last_closed: date | None, fallback: date) -> date:
    """The current business date: the day after the last closed one (EOD), else ``fallback``."""
    return last_closed + timedelta(days=1) if last_closed is not None else fallback


def _level(definition: TileDef, count: int | None) -> str:
    if count is None:
        return "muted"
    return definition.urgency if count > 0 else "default"


def todo_tiles(
    counts: Mapping[str, int | None], definitions: Iterable[TileDef] = TILES
) -> list[Tile]:
    """The tiles to show for ``counts`` (tile code → count; missing/None = not counted).

    Core tiles always show (``None`` → a placeholder); optional tiles (collection
    cases, early warnings) only when they were counted, i.e. their table exists.
    """
    tiles: list[Tile] = []
    for definition in definitions:
        count = counts.get(definition.code)
        if definition.optional and count is None:
            continue
        value = None if count is None else max(0, int(count))
        tiles.append(
            Tile(
                definition.code,
                definition.view,
                definition.icon,
                value,
                _level(definition, value),
                dict(definition.filters),
            )
        )
    return tiles


def total(tiles: Iterable[Tile]) -> int:
    """Sum of the known counts (the number of open to-dos)."""
    return sum(t.count for t in tiles if t.count)
