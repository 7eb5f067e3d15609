"""Reverse-replay: a loan's state is its schedule plus its transactions replayed in
value-date order.

Entering a back-dated repayment, or reversing one, simply changes the transaction
set; :func:`replay` recomputes everything from disbursement, so the result equals
what entering the transactions on time would have given. Order is
``(value_date, txn_id)``: independent of entry order, hence deterministic.

A later disbursement tranche (:class:`~lowlend.domain.transactions.Tranche`) adds principal
on its value date and re-amortises the rest of the schedule from it
(:mod:`lowlend.domain.tranches`); a back-dated tranche is replayed like any transaction.

Between transactions, penalties accrue (:mod:`lowlend.domain.penalties`, both
``penalty.grace_mode`` rules); late fees are charged at the start of their day, before
that day's payments.

Overpayment (what is left of a payment once every due and future installment the
allocation rule lets it reach is paid):

* policy ``credit``: kept as ``LoanState.credit`` and **applied automatically at the
  start of each later due date** — after that day's late fees, before that day's
  transactions — to what is then past due or due, in the allocation rule's order
  (never to future installments: a credit is not a prepayment). The lines carry txn id
  ``credit@<due date>``. An end-of-day close that reaches a due date (``LoanBook.close_day``)
  therefore already sees the installment paid from the credit, so it is never marked
  overdue. Being tied to due dates, not to when anything was entered, the application
  is the same under replay, back-dating and reversal.
* policy ``refund``: ``LoanState.refunds`` lists one :class:`~lowlend.domain.loan_state.Refund`
  per overpaying transaction (``refund_due`` is their sum), for the payment service.

>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import Grace, LoanTerms
>>> s = build_schedule(LoanTerms(amount=Decimal("1200.00"), term=3, annual_rate=Decimal("0"),
...                              start=date(2026, 1, 1)))
>>> late = Repayment("r2", date(2026, 2, 10), Decimal("400.00"))
>>> early = Repayment("r1", date(2026, 2, 1), Decimal("400.00"))
>>> replay(s, [late, early], date(2026, 3, 1)) == replay(s, [early, late], date(2026, 3, 1))
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from lowlend.domain.allocation import allocate
from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    FeeCalculation,
    FeeTrigger,
    OverpaymentPolicy,
    PenaltyBase,
)
from lowlend.domain.errors import LoanInputError
from lowlend.domain.fees import FeeSchedule, event_fee
from lowlend.domain.interest import EXACT
from lowlend.domain.loan_state import (
    AllocationLine,
    InstallmentState,
    LoanState,
    Refund,
    from_installment,
)
from lowlend.domain.penalties import late_fee_date, penalty_cap, penalty_days
from lowlend.domain.reschedule import (
    carried_fees,
    rebuild_remaining,
    spread_fees_on_payoff,
)
from lowlend.domain.running_interest import (
    interest_due_to_date,
    interest_to_date,
    remaining_grace,
)
from lowlend.domain.schedule import Schedule
from lowlend.domain.terms import LoanTerms
from lowlend.domain.tranches import apply_tranche
from lowlend.domain.transactions import (
    CREDIT_TXN_PREFIX,
    Prepayment,
    Repayment,
    Reversal,
    Tranche,
    Transaction,
)

__all__ = ["advance", "effective_transactions", "interest_due_to_date", "interest_to_date",
           "prepayment_fee", "replay"]

_ZERO = Decimal(0)


Applied = Repayment | Prepayment | Tranche
"""What the replay applies (reversals only remove what they target)."""


def effective_transactions(transactions: Iterable[Transaction], as_of: date,
                           start: date) -> list[Applied]:
    """Non-reversed money transactions with value date ≤ ``as_of``, in replay order."""
    txns = list(transactions)
    ids = [t.txn_id for t in txns]
    if len(set(ids)) != len(ids):
        raise LoanInputError("txn_id", "txn_id_duplicate")
    reversed_ids = {t.target_id for t in txns if isinstance(t, Reversal)}
    out: list[Applied] = []
    for t in txns:
        if isinstance(t, Reversal) or t.txn_id in reversed_ids:
            continue
        if t.value_date < start:
            raise LoanInputError("value_date", "value_date_before_disbursement", txn=t.txn_id)
        if t.value_date <= as_of:
            out.append(t)
    out.sort(key=lambda t: (t.value_date, t.txn_id))
    return out


def _base(r: InstallmentState, terms: LoanTerms) -> Decimal:
    base = r.principal - r.principal_paid
    if terms.penalty.base is PenaltyBase.PRINCIPAL_AND_INTEREST:
        base += r.interest - r.interest_paid
    return base


def _advance(rows: list[InstallmentState], terms: LoanTerms, fees: FeeSchedule | None,
             start: date, end: date) -> None:
    """Accrue penalties for days ``[start, end)`` and charge late fees due in ``(start, end]``."""
    p = terms.penalty
    rnd = terms.rounding
    overdue_rules = [f for f in (fees.fees if fees else ()) if f.trigger is FeeTrigger.OVERDUE]
    if p.rate_per_day == 0 and p.late_fee == 0 and not overdue_rules:
        return
    for i, r in enumerate(rows):
        if r.due_date >= end or r.scheduled_outstanding <= 0:
            continue
        # exact (unrounded) accumulator: the result does not depend on how the days
        # are split between events and business dates (penalty_days is additive; in
        # grace mode from_due_date the range holding day due + grace_days also brings
        # the grace days, on the base still unpaid that day)
        days = penalty_days(r.due_date, p, start, end)
        pi = r.penalty_interest + EXACT.multiply(EXACT.multiply(_base(r, terms), p.rate_per_day),
                                                 Decimal(days)) if days else r.penalty_interest
        late = r.late_fee_charged
        late_fees = r.late_fees
        if not late and start < late_fee_date(r.due_date, p) <= end:
            late = True
            late_fees += p.late_fee + sum(
                (event_fee(f, terms, r.scheduled_outstanding) for f in overdue_rules), _ZERO)
        total = pi + late_fees
        if p.cap_ratio is not None:
            base_at_due = r.principal + (r.interest if p.base is PenaltyBase.PRINCIPAL_AND_INTEREST
                                         else _ZERO)
            cap = penalty_cap(base_at_due, p.cap_ratio, (end - r.due_date).days, rnd)
            total = min(total, cap)
        # total and cap only grow with time, so the rounded penalty never decreases
        rows[i] = dataclasses.replace(r, penalty=rnd.round(total), penalty_interest=pi,
                                      late_fee_charged=late, late_fees=late_fees)


def prepayment_fee(terms: LoanTerms, fees: FeeSchedule | None, outstanding: Decimal,
                   prepaid: Decimal) -> Decimal:
    """Sum of prepayment-triggered fees: ``% of outstanding`` on the outstanding principal,
    other percentages on ``prepaid`` (the amount offered for principal), ``fixed`` as is."""
    total = _ZERO
    for f in fees.fees if fees else ():
        if f.trigger is FeeTrigger.PREPAYMENT:
            base = outstanding if f.calculation is FeeCalculation.PERCENT_OF_OUTSTANDING else prepaid
            total += event_fee(f, terms, base)
    return total


def _prepay(rows: list[InstallmentState], schedule: Schedule, fees: FeeSchedule | None,
            t: Prepayment, lines: list[AllocationLine]) -> Decimal:
    """Apply a prepayment in place; return the leftover (overpayment).

    Order: arrears and today's dues (allocation rule, without the in-advance bucket);
    then the running period is closed on the value date with interest to that date
    (including interest of finished interest-payment grace periods deferred to a later
    row: :func:`interest_due_to_date`) and the prepayment fee; the rest goes to principal
    and the remaining schedule is rebuilt from the value date (reduce term / reduce
    installment), keeping the grace the contract still promises — rows still inside an
    interest-payment grace charge interest on the reduced balance and defer it to the first
    row after the grace, so the deferred interest is re-priced. A prepayment too small for
    the interest to date leaves the rest due on the closing row (as for any period).
    Interest and fees paid in advance on future rows are un-allocated into the prepayment
    (negative lines).

    Installment fees of the future rows: a payoff (no principal left) also charges the
    closing row :func:`~lowlend.domain.reschedule.spread_fees_on_payoff`, paid after the
    principal (what the payment does not cover stays due on the closing row); a partial
    prepayment keeps them on the rebuilt rows (:func:`~lowlend.domain.reschedule.carried_fees`).
    """
    terms = schedule.terms
    v = t.value_date
    done = sum(1 for r in rows if r.due_date <= v)
    if done < terms.prepayment.allowed_after_periods:
        raise LoanInputError("value_date", "prepayment_not_allowed_yet", txn=t.txn_id)
    buckets = tuple(b for b in terms.allocation.buckets if b is not AllocationBucket.IN_ADVANCE)
    new, got, left = allocate(tuple(rows), t.amount, v, terms.allocation, t.txn_id, buckets)
    rows[:] = new
    lines.extend(got)
    future = [i for i, r in enumerate(rows) if r.due_date > v]
    if not future or (left <= 0 and t.amount > 0):
        return left
    k = future[0]
    cur = rows[k]
    # in-advance payments on future rows go back into the pot; principal stays paid
    adv_principal = sum((rows[i].principal_paid for i in future), _ZERO)
    for i in future:  # un-allocate in-advance interest and fees (the lines keep the trail)
        for comp, paid in ((AllocationComponent.INTEREST, rows[i].interest_paid),
                           (AllocationComponent.FEE, rows[i].fee_paid)):
            if paid:
                lines.append(AllocationLine(t.txn_id, rows[i].seq, comp, -paid))
                left += paid
    outstanding = sum((rows[i].principal for i in future), _ZERO) - adv_principal
    # interest to date includes interest deferred from finished grace periods
    interest = interest_due_to_date(terms, [rows[i] for i in future], outstanding + adv_principal,
                                    v)
    offered = min(outstanding, max(left - interest, _ZERO))
    fee = prepayment_fee(terms, fees, outstanding, offered)
    prepaid = _ZERO if left <= interest + fee else min(left - interest - fee, outstanding)
    # paid off (no principal left): the installment fees that fall due at payoff
    spread = (spread_fees_on_payoff(schedule, [rows[i] for i in future], v)
              if prepaid == outstanding else _ZERO)
    if left <= interest + fee:
        pay_i = min(left, interest)
        closing = dataclasses.replace(cur, due_date=v, principal=adv_principal, interest=interest,
                                      fee=fee + spread, principal_paid=adv_principal,
                                      interest_paid=pay_i, fee_paid=left - pay_i,
                                      interest_charged=None)
        left = _ZERO
    else:
        left -= interest + fee + prepaid
        pay_spread = min(left, spread)
        left -= pay_spread
        closing = dataclasses.replace(
            cur, due_date=v, principal=adv_principal + prepaid, interest=interest,
            fee=fee + spread, principal_paid=adv_principal + prepaid, interest_paid=interest,
            fee_paid=fee + pay_spread, interest_charged=None)
    for comp, amount in ((AllocationComponent.INTEREST, closing.interest_paid),
                         (AllocationComponent.FEE, closing.fee_paid),
                         (AllocationComponent.PRINCIPAL, prepaid)):
        if amount:
            lines.append(AllocationLine(t.txn_id, cur.seq, comp, amount))
    remaining = outstanding - prepaid
    # the level payment: read off the first future row that repays principal (grace rows
    # repay none), principal + the interest of its own period (not deferred interest)
    model = next((rows[i] for i in future[:-1] if rows[i].principal > 0), cur)
    old_level = model.principal + (model.own_interest if terms.amortization in (
        Amortization.EQUAL_INSTALLMENT, Amortization.FLAT) else _ZERO)
    if terms.amortization is Amortization.INTEREST_ONLY:
        old_level = _ZERO
    dates = [rows[i].due_date for i in future]
    effect = t.effect or terms.prepayment.effect
    rebuilt = rebuild_remaining(terms, remaining, v, dates, old_level, effect, cur.seq + 1,
                                remaining_grace(terms, dates))
    kept_fees = carried_fees(terms, [rows[i].fee for i in future], len(rebuilt))
    tail = [dataclasses.replace(from_installment(r), fee=f) for r, f in zip(rebuilt, kept_fees,
                                                                             strict=True)]
    rows[k:] = [closing, *tail]
    return left


def replay(
    schedule: Schedule,
    transactions: Iterable[Transaction],
    as_of: date,
    fees: FeeSchedule | None = None,
) -> LoanState:
    """State of the loan at the start of ``as_of`` after all transactions valued up to it.

    Penalty days up to (not including) ``as_of`` are accrued; late fees whose day is
    ``as_of`` or earlier are charged.
    """
    terms = schedule.terms
    fresh = LoanState(terms.start, tuple(from_installment(r) for r in schedule.installments),
                      _ZERO, _ZERO, (), ())
    return _run(schedule, fresh, effective_transactions(transactions, as_of, terms.start),
                as_of, fees)


def advance(
    schedule: Schedule,
    state: LoanState,
    transactions: Iterable[Applied],
    as_of: date,
    fees: FeeSchedule | None = None,
) -> LoanState:
    """Continue ``state`` with transactions that all come after what it already applied.

    Equal to :func:`replay` over all transactions (the penalty accumulators are exact),
    so on-time posting and end-of-day runs need not replay the whole history.

    :raises LoanInputError: ``back_dated_needs_replay`` if a transaction sorts before the
        state's last applied one or before its ``as_of``; use :func:`replay` then.
    """
    txns = sorted((t for t in transactions if t.value_date <= as_of),
                  key=lambda t: (t.value_date, t.txn_id))
    if as_of < state.as_of:
        raise LoanInputError("as_of", "as_of_before_state", state=state.as_of)
    for t in txns:
        if t.value_date < state.as_of or (state.last_applied is not None
                                          and (t.value_date, t.txn_id) <= state.last_applied):
            raise LoanInputError("value_date", "back_dated_needs_replay", txn=t.txn_id)
    return _run(schedule, state, txns, as_of, fees)


def _roll(rows: list[InstallmentState], terms: LoanTerms, fees: FeeSchedule | None,
          start: date, end: date, credit: Decimal, lines: list[AllocationLine]) -> Decimal:
    """Move from ``start`` to ``end``: accrue penalties and, at the start of every due date
    in ``(start, end]``, apply the credit balance to what is past due or due then.
    Return the credit left."""
    buckets = tuple(b for b in terms.allocation.buckets if b is not AllocationBucket.IN_ADVANCE)
    while credit > 0 and buckets:
        day = min((r.due_date for r in rows if start < r.due_date <= end), default=None)
        if day is None:
            break
        _advance(rows, terms, fees, start, day)
        new, got, credit = allocate(tuple(rows), credit, day, terms.allocation,
                                    f"{CREDIT_TXN_PREFIX}{day.isoformat()}", buckets)
        rows[:] = new
        lines.extend(got)
        start = day
    _advance(rows, terms, fees, start, end)
    return credit


def _run(
    schedule: Schedule,
    state: LoanState,
    txns: list[Applied],
    as_of: date,
    fees: FeeSchedule | None,
) -> LoanState:
    terms = schedule.terms
    rows = list(state.installments)
    lines = list(state.lines)
    applied = list(state.applied)
    refunds = list(state.refunds)
    credit, refund = state.credit, state.refund_due
    cursor = state.as_of
    last = state.last_applied
    for t in txns:
        credit = _roll(rows, terms, fees, cursor, t.value_date, credit, lines)
        cursor = t.value_date
        if isinstance(t, Tranche):
            left = apply_tranche(rows, schedule, t, lines)
        elif isinstance(t, Prepayment):
            left = _prepay(rows, schedule, fees, t, lines)
        else:
            new, got, left = allocate(tuple(rows), t.amount, t.value_date, terms.allocation,
                                      t.txn_id)
            rows[:] = new
            lines.extend(got)
        if left > 0:
            if terms.overpayment is OverpaymentPolicy.CREDIT:
                credit += left
            else:
                refund += left
                refunds.append(Refund(t.txn_id, t.value_date, left))
        applied.append(t.txn_id)
        last = (t.value_date, t.txn_id)
    end = max(as_of, cursor)
    credit = _roll(rows, terms, fees, cursor, end, credit, lines)
    charged = sum((r.fee for r in rows), _ZERO)
    return LoanState(end, tuple(rows), credit, refund, tuple(lines), tuple(applied), charged,
                     last, tuple(refunds))
