"""A loan's posted transactions and current state, kept consistent by reverse-replay.

``post`` applies an on-time transaction incrementally (:func:`~lowlend.domain.replay.advance`);
a back-dated one (value date before the state's date, or sorting before the last
applied transaction) or a reversal makes the book replay the whole history in
value-date order (:func:`~lowlend.domain.replay.replay`). Either way the state equals
what entering every transaction on time would have produced.

>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import LoanTerms
>>> s = build_schedule(LoanTerms(amount=Decimal("1200.00"), term=3, annual_rate=Decimal("0"),
...                              start=date(2026, 1, 1)))
>>> book = LoanBook.open(s).post(Repayment("r2", date(2026, 3, 1), Decimal("400")), date(2026, 3, 1))
>>> book = book.post(Repayment("r1", date(2026, 2, 1), Decimal("400")), date(2026, 3, 2))
>>> book.replayed, book.state.applied, book.state.as_of
(True, ('r1', 'r2'), datetime.date(2026, 3, 2))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.errors import LoanInputError
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.loan_state import LoanState
from lowlend.domain.replay import advance, replay
from lowlend.domain.schedule import Schedule
from lowlend.domain.transactions import Prepayment, Repayment, Reversal, Tranche, Transaction

__all__ = ["LoanBook"]


@dataclass(frozen=True, slots=True)
class LoanBook:
    """Immutable: every operation returns a new book. ``replayed`` tells whether the last
    operation needed a full replay (for monitoring how often back-dating happens)."""

    schedule: Schedule
    fees: FeeSchedule | None
    transactions: tuple[Transaction, ...]
    state: LoanState
    replayed: bool = False

    @classmethod
    def open(cls, schedule: Schedule, fees: FeeSchedule | None = None) -> LoanBook:
        """A freshly disbursed loan, as of its disbursement date."""
        start = schedule.terms.start
        return cls(schedule, fees, (), replay(schedule, (), start, fees))

    def close_day(self, business_date: date) -> LoanBook:
        """Advance to ``business_date`` (accrue penalties, charge late fees) with no posting."""
        state = advance(self.schedule, self.state, (), business_date, self.fees)
        return LoanBook(self.schedule, self.fees, self.transactions, state, False)

    def post(self, txn: Transaction, business_date: date) -> LoanBook:
        """Post ``txn`` entered on ``business_date`` (its value date may be earlier)."""
        if business_date < self.state.as_of:
            raise LoanInputError("business_date", "business_date_before_state",
                                 state=self.state.as_of)
        if any(t.txn_id == txn.txn_id for t in self.transactions):
            raise LoanInputError("txn_id", "txn_id_duplicate", txn=txn.txn_id)
        if not isinstance(txn, Reversal) and txn.value_date > business_date:
            raise LoanInputError("value_date", "value_date_in_future", txn=txn.txn_id)
        txns = (*self.transactions, txn)
        if isinstance(txn, Reversal) or self._back_dated(txn):
            state = replay(self.schedule, txns, business_date, self.fees)
            return LoanBook(self.schedule, self.fees, txns, state, True)
        state = advance(self.schedule, self.state, (txn,), business_date, self.fees)
        return LoanBook(self.schedule, self.fees, txns, state, False)

    def _back_dated(self, txn: Repayment | Prepayment | Tranche) -> bool:
        last = self.state.last_applied
        return txn.value_date < self.state.as_of or (
            last is not None and (txn.value_date, txn.txn_id) <= last)

    @property
    def outstanding(self) -> Decimal:
        return self.state.total_outstanding
