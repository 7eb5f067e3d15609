"""Reconciliation (对账) rules: automatic matching of statement lines with postings, the
daily figures. Pure; statements are read by :mod:`lowlend.domain.statement_lines`.

**Matching** (:func:`auto_match`): a statement line matches one posted, non-cash
transaction of the same direction, currency and amount — first one with the same
reference (any date), else one whose value date is within ±:data:`MATCH_WINDOW_DAYS`
days (closest date first, then lowest id). Money in = repayment, prepayment, recovery;
money out = disbursement, refund. Each transaction matches at most one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "IN_TYPES",
    "MATCH_WINDOW_DAYS",
    "NEVER_MATCHED_CHANNELS",
    "OUT_TYPES",
    "REPORT_CATEGORIES",
    "RESOLUTIONS",
    "Figure",
    "LineFacts",
    "Posting",
    "ReportSection",
    "auto_match",
    "daily_figures",
    "direction_of",
]

MATCH_WINDOW_DAYS = 2
"""A line matches a transaction whose value date is at most this many days away."""

IN_TYPES = frozenset({"repayment", "prepayment", "recovery"})
"""Transaction types that bring money in (a statement credit)."""

OUT_TYPES = frozenset({"disbursement", "refund"})
"""Transaction types that pay money out (a statement debit)."""

NEVER_MATCHED_CHANNELS = frozenset({"cash"})
"""Channels of transactions that never appear on a bank statement."""

#: how a line was reconciled → its status
RESOLUTIONS: Mapping[str, str] = {
    "matched_auto": "matched",
    "matched_manual": "matched",
    "posted_as_repayment": "resolved",
    "bank_fee": "resolved",
    "ignored": "resolved",
}

REPORT_CATEGORIES = (*RESOLUTIONS, "unmatched")
"""Categories of the statement lines in the daily report."""

# -- matching --------------------------------------------------------------------------


def direction_of(txn_type: str) -> str | None:
    """``in`` / ``out`` for the transaction types a statement shows, else ``None``.

    >>> direction_of("repayment"), direction_of("refund"), direction_of("write_off")
    ('in', 'out', None)
    """
    if txn_type in IN_TYPES:
        return "in"
    if txn_type in OUT_TYPES:
        return "out"
    return None


@dataclass(frozen=True, slots=True)
class Posting:
    """What matching needs of a posted transaction."""

    id: int
    loan_id: int
    type: str
    channel: str | None
    amount: Decimal
    currency: str
    value_date: dt.date
    reference: str | None = None

    @property
    def direction(self) -> str | None:
        return direction_of(self.type)

    @property
    def matchable(self) -> bool:
        """Whether a statement line may ever be linked to it (not cash, money type)."""
        return self.direction is not None and (self.channel or "") not in NEVER_MATCHED_CHANNELS


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What matching and the report need of a stored statement line (``resolution``
    ``None`` = unmatched)."""

    id: int
    direction: str
    amount: Decimal
    currency: str
    value_date: dt.date
    reference: str
    resolution: str | None = None


def _norm_ref(text: str | None) -> str:
    return (text or "").strip().upper()


def _same_money(line: LineFacts, posting: Posting) -> bool:
    return (posting.matchable and posting.direction == line.direction
            and posting.currency == line.currency and posting.amount == line.amount)


def auto_match(lines: Iterable[LineFacts], postings: Iterable[Posting],
               window_days: int = MATCH_WINDOW_DAYS) -> list[tuple[int, int]]:
    """``(line id, transaction id)`` pairs: same reference first, then amount and date
    (see the module text). Lines and postings already matched must not be passed.

    >>> d = dt.date(2026, 2, 6)
    >>> lines = [LineFacts(1, "in", Decimal("100.00"), "CNY", d, "X9"),
    ...          LineFacts(2, "in", Decimal("100.00"), "CNY", d, "B2")]
    >>> posts = [Posting(7, 1, "repayment", "transfer", Decimal("100.00"), "CNY", d + dt.timedelta(days=1)),
    ...          Posting(8, 1, "repayment", "transfer", Decimal("100.00"), "CNY", d - dt.timedelta(days=5), "B2"),
    ...          Posting(9, 1, "repayment", "cash", Decimal("100.00"), "CNY", d)]
    >>> auto_match(lines, posts)
    [(2, 8), (1, 7)]
    """
    pending = sorted(lines, key=lambda ln: (ln.value_date, ln.id))
    pool = sorted((p for p in postings if p.matchable), key=lambda p: p.id)
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []

    def closest(line: LineFacts, candidates: Iterable[Posting]) -> Posting | None:
        found = [p for p in candidates if p.id not in taken and _same_money(line, p)]
        if not found:
            return None
        return min(found, key=lambda p: (abs((p.value_date - line.value_date).days), p.id))

    by_ref: dict[str, list[Posting]] = {}
    for p in pool:
        if _norm_ref(p.reference):
            by_ref.setdefault(_norm_ref(p.reference), []).append(p)
    rest: list[LineFacts] = []
    for line in pending:
        hit = closest(line, by_ref.get(_norm_ref(line.reference), ())) if _norm_ref(
            line.reference) else None
        if hit is None:
            rest.append(line)
            continue
        taken.add(hit.id)
        pairs.append((line.id, hit.id))
    for line in rest:
        near = (p for p in pool if abs((p.value_date - line.value_date).days) <= window_days)
        hit = closest(line, near)
        if hit is not None:
            taken.add(hit.id)
            pairs.append((line.id, hit.id))
    return pairs


# -- the daily report ------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """A count and a sum of amounts."""

    count: int = 0
    amount: Decimal = Decimal("0.00")

    def add(self, amount: Decimal) -> None:
        self.count += 1
        self.amount += amount


@dataclass(slots=True)
class ReportSection:
    """The figures of one currency and direction on one day.

    ``lines``: statement lines by category (:data:`REPORT_CATEGORIES`) plus ``total``;
    ``postings``: the posted non-cash transactions of the day: ``total``, ``matched``,
    ``unmatched``.
    """

    currency: str
    direction: str
    lines: dict[str, Figure] = field(
        default_factory=lambda: {c: Figure() for c in ("total", *REPORT_CATEGORIES)}
    )
    postings: dict[str, Figure] = field(
        default_factory=lambda: {c: Figure() for c in ("total", "matched", "unmatched")}
    )


def daily_figures(lines: Iterable[LineFacts],
                  postings: Iterable[tuple[Posting, bool]]) -> list[ReportSection]:
    """Sections by (currency, direction) of the lines and ``(posting, matched)`` pairs of
    one day (the caller selects the day); cash and non-money transactions are left out.

    >>> d = dt.date(2026, 2, 6)
    >>> s = daily_figures([LineFacts(1, "in", Decimal("5.00"), "CNY", d, "R", "matched_auto"),
    ...                    LineFacts(2, "in", Decimal("7.00"), "CNY", d, "S")],
    ...                   [(Posting(3, 1, "repayment", "transfer", Decimal("5.00"), "CNY", d), True)])
    >>> [(x.direction, x.lines["total"].count, x.lines["unmatched"].amount, x.postings["matched"].count) for x in s]
    [('in', 2, Decimal('7.00'), 1)]
    """
    sections: dict[tuple[str, str], ReportSection] = {}

    def section(currency: str, direction: str) -> ReportSection:
        key = (currency, direction)
        if key not in sections:
            sections[key] = ReportSection(currency, direction)
        return sections[key]

    for line in lines:
        s = section(line.currency, line.direction)
        s.lines["total"].add(line.amount)
        s.lines[line.resolution or "unmatched"].add(line.amount)
    for posting, matched in postings:
        if not posting.matchable or posting.direction is None:
            continue
        s = section(posting.currency, posting.direction)
        s.postings["total"].add(posting.amount)
        s.postings["matched" if matched else "unmatched"].add(posting.amount)
    return [sections[k] for k in sorted(sections, key=lambda k: (k[0], k[1] != "in"))]
