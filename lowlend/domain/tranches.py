"""Disbursement in tranches (分笔放款): the rules a tranche must meet, the upfront fees it
carries and what a later tranche does to the schedule.

A product may allow an approved loan to be paid out in up to ``max_count`` tranches of at
least ``min_amount`` each (the last one may be smaller: it is whatever is left of the
approved principal). The first tranche prices the schedule as a disbursement of its
amount does; each later tranche is a :class:`~lowlend.domain.transactions.Tranche` that
the replay (:mod:`lowlend.domain.replay`) applies on its value date:

* the running period's interest up to the value date, on the principal out before the
  tranche (plus interest deferred from finished interest-payment grace periods), stays
  owed: it is carried, as deferred interest, by the first rebuilt row that pays interest;
* the principal then out (what was out, less principal paid in advance, plus the tranche)
  is re-amortised over the remaining due dates from the value date (the first new period
  is broken: value date → next due date), with a new level payment, keeping the grace the
  contract still promises — so interest accrues per day on the principal actually out;
* installment fees stay on the rows of their due dates, and the one-off fees collected
  spread that the tranche brings (``Tranche.fee``) are spread over the rebuilt rows in
  equal parts (the last takes the rounding rest); principal paid in advance stays
  paid (on the first rebuilt row); interest and fees paid in advance on the rebuilt rows
  are taken back and allocated again to the rebuilt rows (what they no longer need
  becomes overpayment).

Fees charged at disbursement (:func:`tranche_fee_share`): those of the approved principal
— deducted upfront, or collected spread over the installments — are charged pro rata to
each tranche's amount; the tranche that completes the approved principal takes the rest,
so the tranches together charge what a single disbursement of the approved principal
would (the first tranche's spread fees are those its schedule is priced with).

>>> from datetime import date
>>> from lowlend.domain.replay import replay
>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import LoanTerms
>>> first = build_schedule(LoanTerms(amount=Decimal("6000.00"), term=3,
...     annual_rate=Decimal("0.365"), start=date(2026, 1, 1)))
>>> state = replay(first, [Tranche("T2", date(2026, 1, 11), Decimal("6000.00"))], date(2026, 1, 11))
>>> str(state.principal_outstanding)
'12000.00'
>>> str(state.installments[0].interest)   # 10 days on 6000 + 21 days on 12000 (0.1 % a day)
'312.00'
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from lowlend.domain.allocation import allocate
from lowlend.domain.conventions import AllocationBucket, AllocationComponent, PrepaymentEffect
from lowlend.domain.errors import DomainError, LoanInputError
from lowlend.domain.interest import EXACT
from lowlend.domain.loan_state import AllocationLine, InstallmentState, from_installment
from lowlend.domain.money import Rounding
from lowlend.domain.reschedule import carried_fees, rebuild_remaining
from lowlend.domain.running_interest import interest_due_to_date, remaining_grace
from lowlend.domain.schedule import Schedule
from lowlend.domain.transactions import Tranche

__all__ = ["TrancheRules", "apply_tranche", "check_tranche", "tranche_fee_share"]

_ZERO = Decimal(0)


@dataclasses.dataclass(frozen=True, slots=True)
class TrancheRules:
    """A product's tranche option: at most ``max_count`` tranches, each at least
    ``min_amount`` unless it completes the approved principal."""

    max_count: int
    min_amount: Decimal


def check_tranche(rules: TrancheRules | None, approved: Decimal, disbursed: Decimal,
                  count: int, amount: Decimal) -> None:
    """Refuse a tranche of ``amount`` when ``count`` tranches totalling ``disbursed`` of the
    ``approved`` principal are already out.

    :raises DomainError: ``amount_not_positive``, ``tranche_exceeds_undisbursed`` (more than
        the rest), ``tranches_not_allowed`` (a product without tranches and less than the
        whole principal), ``tranche_count_exceeded`` (one past ``max_count``),
        ``tranche_below_minimum`` (below ``min_amount`` and not the last one).

    >>> rules = TrancheRules(3, Decimal("1000.00"))
    >>> try:
    ...     check_tranche(rules, Decimal("5000.00"), Decimal("0"), 0, Decimal("500.00"))
    ... except DomainError as exc:
    ...     print(exc.code)
    tranche_below_minimum
    >>> check_tranche(rules, Decimal("5000.00"), Decimal("4500.00"), 2, Decimal("500.00"))
    """
    rest = approved - disbursed
    if amount <= 0:
        raise DomainError("amount_not_positive", "amount", value=str(amount))
    if amount > rest:
        raise DomainError("tranche_exceeds_undisbursed", "amount", value=str(amount),
                          rest=str(rest), approved=str(approved))
    if rules is None:
        if amount != rest:
            raise DomainError("tranches_not_allowed", "amount", value=str(amount), rest=str(rest))
        return
    if count >= rules.max_count:
        raise DomainError("tranche_count_exceeded", "amount", max_count=rules.max_count)
    if amount < rules.min_amount and amount != rest:
        raise DomainError("tranche_below_minimum", "amount", value=str(amount),
                          min_amount=str(rules.min_amount))


def tranche_fee_share(total: Decimal, approved: Decimal, amount: Decimal,
                      charged: Decimal, completes: bool, rounding: Rounding) -> Decimal:
    """A tranche's share of a disbursement fee: ``total`` (the fee of the ``approved``
    principal) × amount / approved, rounded; the tranche that ``completes`` the principal
    takes what is left of ``total`` after the ``charged`` fees of earlier tranches (never
    below zero).

    >>> from lowlend.domain.money import Rounding
    >>> r = Rounding()
    >>> str(tranche_fee_share(Decimal("100.00"), Decimal("3000.00"), Decimal("1000.00"),
    ...                       Decimal("0"), False, r))
    '33.33'
    >>> str(tranche_fee_share(Decimal("100.00"), Decimal("3000.00"), Decimal("1000.00"),
    ...                       Decimal("66.66"), True, r))
    '33.34'
    """
    if completes:
        return max(total - charged, rounding.round(_ZERO))
    if approved <= 0:
        return rounding.round(_ZERO)
    return rounding.round(EXACT.divide(EXACT.multiply(total, amount), approved))


def apply_tranche(rows: list[InstallmentState], schedule: Schedule, t: Tranche,
                  lines: list[AllocationLine]) -> Decimal:
    """Apply a later tranche to ``rows`` in place (see the module text); return what is
    left of the interest and fees paid in advance once allocated again (an overpayment).

    :raises LoanInputError: ``tranche_after_maturity`` when no installment falls due after
        the tranche's value date.
    """
    terms = schedule.terms
    v = t.value_date
    future = [i for i, r in enumerate(rows) if r.due_date > v]
    if not future:
        raise LoanInputError("value_date", "tranche_after_maturity", txn=t.txn_id)
    k = future[0]
    taken = _ZERO
    for i in future:  # in-advance interest and fees go back into the pot (lines keep the trail)
        for comp, paid in ((AllocationComponent.INTEREST, rows[i].interest_paid),
                           (AllocationComponent.FEE, rows[i].fee_paid)):
            if paid:
                lines.append(AllocationLine(t.txn_id, rows[i].seq, comp, -paid))
                taken += paid
    adv_principal = sum((rows[i].principal_paid for i in future), _ZERO)
    balance = sum((rows[i].principal for i in future), _ZERO)
    accrued = interest_due_to_date(terms, [rows[i] for i in future], balance, v)
    dates = [rows[i].due_date for i in future]
    grace = remaining_grace(terms, dates)
    rebuilt = rebuild_remaining(terms, balance - adv_principal + t.amount, v, dates, _ZERO,
                                PrepaymentEffect.REDUCE_INSTALLMENT, rows[k].seq, grace)
    fees = _plus_spread(carried_fees(terms, [rows[i].fee for i in future], len(rebuilt)),
                        t.fee, terms.rounding)
    tail = [dataclasses.replace(from_installment(r), fee=f)
            for r, f in zip(rebuilt, fees, strict=True)]
    first = tail[0]
    tail[0] = dataclasses.replace(first, principal=first.principal + adv_principal,
                                  principal_paid=adv_principal)
    carrier = min(grace.interest_payment_periods, len(tail) - 1)
    row = tail[carrier]
    if accrued:
        tail[carrier] = dataclasses.replace(row, interest=row.interest + accrued,
                                            interest_charged=row.own_interest)
    rows[k:] = tail
    return _reallocate(rows, schedule, v, taken, t.txn_id, lines)


def _plus_spread(fees: list[Decimal], extra: Decimal, rounding: Rounding) -> list[Decimal]:
    """``fees`` with ``extra`` spread in equal parts, the last row taking the rest."""
    n = len(fees)
    if not extra or not n:
        return fees
    each = rounding.round(EXACT.divide(extra, Decimal(n)))
    if each * (n - 1) > extra:
        each = rounding.round(_ZERO)
    parts = [each] * (n - 1) + [extra - each * (n - 1)]
    return [f + p for f, p in zip(fees, parts, strict=True)]


def _reallocate(rows: list[InstallmentState], schedule: Schedule, on: date, amount: Decimal,
                txn_id: str, lines: list[AllocationLine]) -> Decimal:
    rule = schedule.terms.allocation
    if amount <= 0:
        return amount
    if AllocationBucket.IN_ADVANCE not in rule.buckets:
        return amount
    new, got, left = allocate(tuple(rows), amount, on, rule, txn_id,
                              (AllocationBucket.IN_ADVANCE,))
    rows[:] = new
    lines.extend(got)
    return left
