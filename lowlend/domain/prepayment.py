"""Full payoff quotes (提前结清) and partial prepayments.

A payoff as of a date = arrears and dues (with penalties) + outstanding principal
+ interest **up to that date only** (the running period's, plus interest of finished
interest-payment grace periods that was deferred to a later row) + the prepayment fee.
Paying exactly that amount as a :class:`~lowlend.domain.transactions.Prepayment`
on that date closes the loan. Partial prepayments are transactions too; their
effect (reduce term / reduce instalment) is applied by the replay
(:mod:`lowlend.domain.replay`, :mod:`lowlend.domain.reschedule`).

>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import LoanTerms
>>> s = build_schedule(LoanTerms(amount=Decimal("12000.00"), term=12, annual_rate=Decimal("0.365"),
...                              start=date(2026, 1, 1)))
>>> q = payoff_quote(s, [], date(2026, 1, 11))   # 10 days: 12000 × .365 × 10/365 = 120.00
>>> str(q.principal), str(q.interest), str(q.total)
('12000.00', '120.00', '12120.00')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.errors import LoanStateError
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.replay import interest_due_to_date, prepayment_fee, replay
from lowlend.domain.schedule import Schedule
from lowlend.domain.transactions import Prepayment, Transaction

__all__ = ["PayoffQuote", "payoff_quote", "payoff_transaction"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What closing the loan on ``as_of`` costs, by part.

    ``principal`` / ``interest`` / ``fee`` are net of interest and fees the borrower
    already paid in advance on future instalments. ``unearned`` is what was paid in
    advance beyond all of that — scheduled interest and fees of periods that will not
    run once the loan is settled — and is owed back to the borrower on settlement.
    """

    as_of: date
    arrears: Decimal
    principal: Decimal
    interest: Decimal
    fee: Decimal
    credit: Decimal
    unearned: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        """Amount to pay (any credit balance is reported, not netted)."""
        return self.arrears + self.principal + self.interest + self.fee


def payoff_quote(
    schedule: Schedule,
    transactions: Iterable[Transaction],
    as_of: date,
    fees: FeeSchedule | None = None,
) -> PayoffQuote:
    """Payoff amount on ``as_of`` given the transactions so far."""
    state = replay(schedule, transactions, as_of, fees)
    terms = schedule.terms
    rows = state.installments
    arrears = sum((r.total_outstanding for r in rows if r.due_date <= as_of), _ZERO)
    future = [r for r in rows if r.due_date > as_of]
    if not future:
        if arrears == 0:
            raise LoanStateError("loan_closed")
        return PayoffQuote(as_of, arrears, _ZERO, _ZERO, _ZERO, state.credit)
    adv_principal = sum((r.principal_paid for r in future), _ZERO)
    adv_other = sum((r.interest_paid + r.fee_paid for r in future), _ZERO)
    outstanding = sum((r.principal for r in future), _ZERO) - adv_principal
    interest = interest_due_to_date(terms, future, outstanding + adv_principal, as_of)
    fee = prepayment_fee(terms, fees, outstanding, outstanding)
    # interest/fees paid in advance on future rows are credited against the payoff
    rem = adv_other
    interest_net = interest - min(rem, interest)
    rem -= interest - interest_net
    fee_net = fee - min(rem, fee)
    rem -= fee - fee_net
    principal_net = outstanding - min(rem, outstanding)
    rem -= outstanding - principal_net
    return PayoffQuote(as_of, arrears, principal_net, interest_net, fee_net, state.credit, rem)

def payoff_transaction(quote: PayoffQuote, txn_id: str) -> Prepayment:
    """The prepayment that settles ``quote``.

    :raises LoanStateError: ``nothing_to_pay`` when advance payments already cover the
        payoff (``quote.total`` is zero; ``quote.unearned`` is then owed back).
    """
    if quote.total <= 0:
        raise LoanStateError("nothing_to_pay", unearned=quote.unearned)
    return Prepayment(txn_id, quote.as_of, quote.total)
