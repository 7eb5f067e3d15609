"""Full payoff quotes (提前结清) and partial prepayments.

A payoff as of a date = arrears and dues (with penalties) + outstanding principal
+ interest **up to that date only** (the running period's, plus interest of finished
interest-payment grace periods that was deferred to a later row) + the prepayment fee
+ the installment fees that fall due at payoff. Paying exactly that amount as a
:class:`~lowlend.domain.transactions.Prepayment` on that date closes the loan. Partial
prepayments are transactions too; their effect (reduce term / reduce installment) is
applied by the replay (:mod:`lowlend.domain.replay`, :mod:`lowlend.domain.reschedule`).

Installment fees (every fee the schedule puts on the installments: a one-off fee collected
``spread`` — 手续费分期 — and ``installment`` fees) of the installments not yet due, by the
product's ``prepayment.spread_fees_on_payoff``
(:class:`~lowlend.domain.conventions.SpreadFeesOnPayoff`):

* ``waive`` (default): the running period's fee is owed pro rata to the payoff date
  (fee × days elapsed / days of the period); the fees of periods that have not started
  are not owed (no fee for a service not rendered, 不得收取未提供服务的费用).
* ``due``: all of them fall due at payoff.

A partial prepayment keeps the fees on the rebuilt installments (see
:mod:`lowlend.domain.reschedule`).

>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import LoanTerms
>>> s = build_schedule(LoanTerms(amount=Decimal("12000.00"), term=12, annual_rate=Decimal("0.365"),
...                              start=date(2026, 1, 1)))
>>> q = payoff_quote(s, [], date(2026, 1, 11))   # 10 days: 12000 × .365 × 10/365 = 120.00
>>> str(q.principal), str(q.interest), str(q.total)
('12000.00', '120.00', '12120.00')

With a one-off fee of 120.00 spread over the 12 installments (10.00 each), on 11 Jan
(10 of January's 31 days): ``waive`` owes 10.00 × 10/31 = 3.23, ``due`` all 120.00.

>>> import dataclasses
>>> from lowlend.domain.conventions import (FeeCalculation, FeeCollection, FeeTrigger,
...                                         SpreadFeesOnPayoff)
>>> from lowlend.domain.fees import FeeRule, apply_fees
>>> spread = FeeSchedule("f", (FeeRule("svc", FeeTrigger.DISBURSEMENT, FeeCalculation.FIXED,
...                                    amount=Decimal("120.00"), collection=FeeCollection.SPREAD),))
>>> sf, _ = apply_fees(s, spread)
>>> q = payoff_quote(sf, [], date(2026, 1, 11), spread)
>>> str(q.fee), str(q.spread_fee), str(q.prepayment_fee), str(q.total)
('3.23', '3.23', '0.00', '12123.23')
>>> due = dataclasses.replace(sf.terms, prepayment=dataclasses.replace(
...     sf.terms.prepayment, spread_fees_on_payoff=SpreadFeesOnPayoff.DUE))
>>> q = payoff_quote(dataclasses.replace(sf, terms=due), [], date(2026, 1, 11), spread)
>>> str(q.spread_fee), str(q.total)
('120.00', '12240.00')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.errors import LoanStateError
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.replay import interest_due_to_date, prepayment_fee, replay
from lowlend.domain.reschedule import spread_fees_on_payoff
from lowlend.domain.schedule import Schedule
from lowlend.domain.transactions import Prepayment, Transaction

__all__ = ["PayoffQuote", "payoff_quote", "payoff_transaction"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What closing the loan on ``as_of`` costs, by part.

    ``fee`` is every fee owed at payoff: ``spread_fee`` (the installment fees that fall
    due at payoff, by ``prepayment.spread_fees_on_payoff``) + :attr:`prepayment_fee`.
    ``principal`` / ``interest`` / ``fee`` are net of interest and fees the borrower
    already paid in advance on future installments (credited against the interest, then
    the installment fees, then the prepayment fee, then the principal). ``unearned`` is
    what was paid in advance beyond all of that — scheduled interest and fees of periods
    that will not run once the loan is settled — and is owed back to the borrower on
    settlement.
    """

    as_of: date
    arrears: Decimal
    principal: Decimal
    interest: Decimal
    fee: Decimal
    credit: Decimal
    unearned: Decimal = _ZERO
    spread_fee: Decimal = _ZERO

    @property
    def prepayment_fee(self) -> Decimal:
        """The prepayment-triggered fees (提前还款手续费): ``fee`` − ``spread_fee``."""
        return self.fee - self.spread_fee

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
    spread = spread_fees_on_payoff(schedule, future, as_of)
    fee = prepayment_fee(terms, fees, outstanding, outstanding)
    # interest/fees paid in advance on future rows are credited against the payoff
    rem = adv_other
    nets = []
    for part in (interest, spread, fee, outstanding):
        net = part - min(rem, part)
        rem -= part - net
        nets.append(net)
    interest_net, spread_net, fee_net, principal_net = nets
    return PayoffQuote(as_of, arrears, principal_net, interest_net, spread_net + fee_net,
                       state.credit, rem, spread_net)


def payoff_transaction(quote: PayoffQuote, txn_id: str) -> Prepayment:
    """The prepayment that settles ``quote``: of ``quote.total``, or of zero when advance
    payments already cover the payoff — a settlement that closes the loan and leaves
    ``quote.unearned`` to the borrower (credit or refund, by the product's overpayment rule).
    """
    return Prepayment(txn_id, quote.as_of, quote.total)
