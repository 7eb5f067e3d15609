"""Fee rules and their charges (YAML ``product_configs/fees/*.yaml``).

``FeeRule`` maps 1:1 onto one entry of a fee schedule's ``fees`` list
(``code, label, trigger, calculation, rate | amount, collection, party, tiers``).

How a rule turns into charges on a schedule (:func:`apply_fees`):

* trigger ``application`` / ``disbursement``: one charge on the loan amount
  (``fixed`` amount or ``rate ×`` principal); collected ``upfront`` or
  ``on_event`` → paid at disbursement (reduces the net proceeds);
  ``spread`` → split equally over the installments (the last absorbs rounding).
* trigger ``installment``: one charge per row: ``fixed``, ``% of principal`` (loan
  amount), ``% of installment`` (row principal + interest) or ``% of
  outstanding`` (row opening balance); ``upfront`` collection sums them at t0.
* triggers ``prepayment`` / ``overdue``: event fees, see :func:`event_fee`.

Every charge records the collecting party; all are borne by the borrower and all
count in the APR.

>>> from lowlend.domain.terms import LoanTerms
>>> from lowlend.domain.schedule import build_schedule
>>> t = LoanTerms(amount=Decimal("1200.00"), term=3, annual_rate=Decimal("0"), start=date(2026, 1, 1))
>>> fees = FeeSchedule("std", (FeeRule("svc", FeeTrigger.DISBURSEMENT, FeeCalculation.PERCENT_OF_PRINCIPAL,
...     rate=Decimal("0.01"), collection=FeeCollection.SPREAD),))
>>> s, charges = apply_fees(build_schedule(t), fees)
>>> [str(r.fee) for r in s.installments], [str(r.total) for r in s.installments]
(['4.00', '4.00', '4.00'], ['404.00', '404.00', '404.00'])
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lowlend.domain.conventions import FeeCalculation, FeeCollection, FeeParty, FeeTrigger
from lowlend.domain.errors import LoanInputError
from lowlend.domain.interest import EXACT
from lowlend.domain.money import decimal_rounding
from lowlend.domain.schedule import Installment, Schedule
from lowlend.domain.terms import MAX_AMOUNT, MAX_RATE, LoanTerms

__all__ = ["FeeCharge", "FeeRule", "FeeSchedule", "FeeTier", "apply_fees", "event_fee"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class FeeTier:
    """YAML ``tiers[]``: ``{when: {amount_min, amount_max, term_min, term_max}, rate | amount}``.

    Bounds are inclusive; ``None`` means unbounded.
    """

    rate: Decimal | None = None
    amount: Decimal | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    term_min: int | None = None
    term_max: int | None = None

    def matches(self, amount: Decimal, term: int) -> bool:
        return (
            (self.amount_min is None or amount >= self.amount_min)
            and (self.amount_max is None or amount <= self.amount_max)
            and (self.term_min is None or term >= self.term_min)
            and (self.term_max is None or term <= self.term_max)
        )


@dataclass(frozen=True, slots=True)
class FeeRule:
    """One fee of a fee schedule. ``rate`` for percentages, ``amount`` for ``fixed``;
    each computed charge is clamped to ``[min_amount, max_amount]`` when given.
    ``label`` is ``((locale, text), ...)``."""

    code: str
    trigger: FeeTrigger
    calculation: FeeCalculation
    rate: Decimal | None = None
    amount: Decimal | None = None
    collection: FeeCollection = FeeCollection.ON_EVENT
    party: FeeParty = FeeParty.LENDER
    tiers: tuple[FeeTier, ...] = ()
    label: tuple[tuple[str, str], ...] = ()
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    def __post_init__(self) -> None:
        field = f"fees.{self.code}"
        if self.calculation is FeeCalculation.FIXED:
            if self.amount is None and not self.tiers:
                raise LoanInputError(f"{field}.amount", "fee_amount_missing")
        elif self.rate is None and not self.tiers:
            raise LoanInputError(f"{field}.rate", "fee_rate_missing")
        values = [(self.rate, "rate"), (self.amount, "amount")]
        values += [(t.rate, "tiers.rate") for t in self.tiers]
        values += [(t.amount, "tiers.amount") for t in self.tiers]
        values += [(self.min_amount, "min_amount"), (self.max_amount, "max_amount")]
        for value, name in values:
            if value is None:
                continue
            limit = MAX_RATE if "rate" in name else MAX_AMOUNT
            if not value.is_finite() or value < 0 or value > limit:
                raise LoanInputError(f"{field}.{name}", "fee_value_out_of_range", value=value)

    def resolve(self, amount: Decimal, term: int) -> tuple[Decimal | None, Decimal | None]:
        """``(rate, fixed amount)`` after applying the first matching tier."""
        for tier in self.tiers:
            if tier.matches(amount, term):
                return (tier.rate if tier.rate is not None else self.rate,
                        tier.amount if tier.amount is not None else self.amount)
        return (self.rate, self.amount)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """YAML fee schedule (``code``, ``fees``)."""

    code: str
    fees: tuple[FeeRule, ...] = ()
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class FeeCharge:
    """One fee line: who collects it, when, and how much. ``seq`` is ``None`` for t0 fees."""

    code: str
    party: FeeParty
    trigger: FeeTrigger
    collection: FeeCollection
    amount: Decimal
    due_date: date
    seq: int | None


def _charge(rule: FeeRule, terms: LoanTerms, base: Decimal) -> Decimal:
    rate, fixed = rule.resolve(terms.amount, terms.term)
    if rule.calculation is FeeCalculation.FIXED:
        value = fixed or _ZERO
    else:
        value = EXACT.multiply(base, rate or _ZERO)
    if rule.min_amount is not None and value < rule.min_amount:
        value = rule.min_amount
    if rule.max_amount is not None and value > rule.max_amount:
        value = rule.max_amount
    return terms.rounding.round(value)


def event_fee(rule: FeeRule, terms: LoanTerms, base: Decimal) -> Decimal:
    """Fee of an event (prepayment, overdue) on ``base`` (prepaid / outstanding / overdue amount)."""
    return _charge(rule, terms, base)


def _row_base(rule: FeeRule, terms: LoanTerms, row: Installment) -> Decimal:
    calc = rule.calculation
    if calc is FeeCalculation.PERCENT_OF_INSTALLMENT:
        return row.principal + row.interest
    if calc is FeeCalculation.PERCENT_OF_OUTSTANDING:
        return row.balance + row.principal
    if calc is FeeCalculation.PERCENT_OF_OVERDUE:
        return _ZERO
    return terms.amount


def _per_row(rule: FeeRule, terms: LoanTerms, rows: tuple[Installment, ...]) -> list[Decimal]:
    """One installment-triggered charge per row (rate resolved once; same result as ``_charge``)."""
    rate = rule.resolve(terms.amount, terms.term)[0]
    rnd = terms.rounding
    lo, hi = rule.min_amount, rule.max_amount
    if rule.calculation is FeeCalculation.FIXED or (lo is None and hi is None and rate == 0):
        return [_charge(rule, terms, _ZERO)] * len(rows)
    if lo is not None or hi is not None:
        return [_charge(rule, terms, _row_base(rule, terms, r)) for r in rows]
    q = rnd.quantum
    mode = decimal_rounding(rnd.mode)
    mul = EXACT.multiply
    r_ = rate or _ZERO
    return [mul(_row_base(rule, terms, r), r_).quantize(q, rounding=mode) for r in rows]


def apply_fees(schedule: Schedule, fees: FeeSchedule | None) -> tuple[Schedule, tuple[FeeCharge, ...]]:
    """Add schedule fees to the rows; return the new schedule and every fee line.

    Charges with ``seq=None`` are due at disbursement and reduce the net proceeds.
    """
    if fees is None or not fees.fees:
        return schedule, ()
    terms = schedule.terms
    rows = schedule.installments
    n = len(rows)
    row_fee = [_ZERO] * n
    charges: list[FeeCharge] = []
    for rule in fees.fees:
        if rule.trigger in (FeeTrigger.PREPAYMENT, FeeTrigger.OVERDUE):
            continue
        if rule.trigger is FeeTrigger.INSTALLMENT:
            per_row = _per_row(rule, terms, rows)
            if rule.collection is FeeCollection.UPFRONT:
                charges.append(FeeCharge(rule.code, rule.party, rule.trigger, rule.collection,
                                         sum(per_row, _ZERO), terms.start, None))
                continue
            for i, amount in enumerate(per_row):
                row_fee[i] += amount
                charges.append(FeeCharge(rule.code, rule.party, rule.trigger, rule.collection,
                                         amount, rows[i].due_date, rows[i].seq))
            continue
        base = rows[0].principal + rows[0].interest if (
            rule.calculation is FeeCalculation.PERCENT_OF_INSTALLMENT) else terms.amount
        total = _charge(rule, terms, base)
        if rule.collection is FeeCollection.SPREAD:
            each = terms.rounding.round(EXACT.divide(total, Decimal(n)))
            if each * (n - 1) > total:
                each = terms.rounding.round(_ZERO)
            parts = [each] * (n - 1) + [total - each * (n - 1)]
            for i, amount in enumerate(parts):
                row_fee[i] += amount
                charges.append(FeeCharge(rule.code, rule.party, rule.trigger, rule.collection,
                                         amount, rows[i].due_date, rows[i].seq))
        else:
            charges.append(FeeCharge(rule.code, rule.party, rule.trigger, rule.collection,
                                     total, terms.start, None))
    new_rows = tuple(
        Installment(r.seq, r.start_date, r.due_date, r.principal, r.interest,
                    terms.rounding.round(f), r.balance, r.period, r.interest_charged) if f else r
        for r, f in zip(rows, row_fee, strict=True)
    )
    return dataclasses.replace(schedule, installments=new_rows), tuple(charges)
