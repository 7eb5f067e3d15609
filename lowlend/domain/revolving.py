"""Revolving credit lines (循环贷款): a limit, draws each with its own schedule, principal
repayments restoring the available limit, expiry and renewal.

The line's state is derived by replaying every draw's transactions, so back-dated
repayments on a draw change the available limit consistently.

>>> from lowlend.domain.terms import LoanTerms
>>> from lowlend.domain.transactions import Repayment
>>> line = CreditLine("L1", Decimal("10000.00"), date(2026, 1, 1), date(2026, 12, 31),
...                   draw_minimum=Decimal("500.00"))
>>> t = LoanTerms(amount=Decimal("6000.00"), term=3, annual_rate=Decimal("0"), start=date(2026, 1, 5))
>>> d1 = Draw("d1", t)
>>> st = line_state(line, [d1], date(2026, 1, 10))
>>> str(st.used), str(st.available)
('6000.00', '4000.00')
>>> st = line_state(line, [DrawWithTransactions(d1, (Repayment("r", date(2026, 2, 5), Decimal("2000.00")),))],
...                 date(2026, 2, 6))
>>> str(st.available)                                  # principal repaid restores the limit
'6000.00'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.errors import LoanInputError
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.loan_state import LoanState
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule, build_schedule
from lowlend.domain.terms import LoanTerms
from lowlend.domain.transactions import Transaction

__all__ = ["CreditLine", "Draw", "DrawWithTransactions", "LineState", "line_state", "renew"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class CreditLine:
    """授信额度: ``limit`` usable from ``start`` to ``expiry`` (inclusive)."""

    line_id: str
    limit: Decimal
    start: date
    expiry: date
    draw_minimum: Decimal = _ZERO

    def __post_init__(self) -> None:
        if not self.limit.is_finite() or self.limit <= 0:
            raise LoanInputError("limit", "amount_not_positive", value=self.limit)
        if self.expiry < self.start:
            raise LoanInputError("expiry", "expiry_before_start")
        if self.draw_minimum < 0:
            raise LoanInputError("draw_minimum", "amount_negative")


@dataclass(frozen=True, slots=True)
class Draw:
    """One drawdown; ``terms.start`` is the draw date and ``terms.amount`` the amount."""

    draw_id: str
    terms: LoanTerms
    fees: FeeSchedule | None = None


@dataclass(frozen=True, slots=True)
class DrawWithTransactions:
    """A draw with its repayments (and reversals)."""

    draw: Draw
    transactions: tuple[Transaction, ...] = ()


@dataclass(frozen=True, slots=True)
class LineState:
    """The line as of ``as_of``: ``used`` = principal outstanding over all draws."""

    as_of: date
    limit: Decimal
    used: Decimal
    available: Decimal
    expired: bool
    draws: tuple[tuple[str, LoanState], ...]


def renew(line: CreditLine, new_expiry: date, new_limit: Decimal | None = None) -> CreditLine:
    """A renewed line (same id) with a later expiry and optionally a new limit."""
    if new_expiry <= line.expiry:
        raise LoanInputError("expiry", "renewal_not_later", value=new_expiry)
    return dataclasses.replace(line, expiry=new_expiry,
                               limit=line.limit if new_limit is None else new_limit)


def _as_dwt(d: Draw | DrawWithTransactions) -> DrawWithTransactions:
    return d if isinstance(d, DrawWithTransactions) else DrawWithTransactions(d)


def line_state(line: CreditLine, draws: Sequence[Draw | DrawWithTransactions],
               as_of: date) -> LineState:
    """Replay every draw and check each one fitted the limit on its date.

    :raises LoanInputError: ``draw_outside_line_period``, ``draw_below_minimum`` or
        ``draw_exceeds_available`` (field ``amount``) for the first offending draw.
    """
    items = sorted((_as_dwt(d) for d in draws), key=lambda x: (x.draw.terms.start, x.draw.draw_id))
    schedules = [build_schedule(x.draw.terms) for x in items]
    for i, x in enumerate(items):
        t = x.draw.terms
        if not line.start <= t.start <= line.expiry:
            raise LoanInputError("start", "draw_outside_line_period", draw=x.draw.draw_id)
        if t.amount < line.draw_minimum:
            raise LoanInputError("amount", "draw_below_minimum", draw=x.draw.draw_id)
        used = sum((_principal_outstanding(schedules[j], items[j], t.start) for j in range(i)),
                   _ZERO)
        if t.amount > line.limit - used:
            raise LoanInputError("amount", "draw_exceeds_available", draw=x.draw.draw_id,
                                 available=line.limit - used)
    states = tuple(
        (x.draw.draw_id, replay(s, x.transactions, as_of, x.draw.fees))
        for x, s in zip(items, schedules, strict=True) if x.draw.terms.start <= as_of
    )
    used = sum((st.principal_outstanding for _, st in states), _ZERO)
    expired = as_of > line.expiry
    available = _ZERO if expired else max(line.limit - used, _ZERO)
    return LineState(as_of, line.limit, used, available, expired, states)


def _principal_outstanding(schedule: Schedule, item: DrawWithTransactions, on: date) -> Decimal:
    # payments valued on the draw date itself count (same-day repay then redraw)
    return replay(schedule, item.transactions, on, item.draw.fees).principal_outstanding

