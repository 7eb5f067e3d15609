"""Entrusted loans (委托贷款): who each collected yuan belongs to.

The entrusting party (委托人) funds the principal and receives principal and
interest (and, by default, penalties) as a pass-through; the lender earns only its
agency fee (a fee rule with ``party: lender``); other fees go to their party.
Fee payments on an installment are split over that installment's fee lines in
fee-schedule order, so the split is deterministic.

>>> from datetime import date
>>> from lowlend.domain.conventions import Amortization, DayCount, FeeCalculation, FeeTrigger
>>> from lowlend.domain.fees import FeeRule, FeeSchedule, apply_fees
>>> from lowlend.domain.replay import replay
>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import LoanTerms
>>> from lowlend.domain.transactions import Repayment
>>> t = LoanTerms(amount=Decimal("1200.00"), term=3, annual_rate=Decimal("0.12"),
...               start=date(2026, 1, 1), amortization=Amortization.EQUAL_PRINCIPAL,
...               day_count=DayCount.THIRTY_360)
>>> agency = FeeSchedule("agency", (FeeRule("agency_fee", FeeTrigger.INSTALLMENT, FeeCalculation.FIXED,
...     amount=Decimal("5.00"), party=FeeParty.LENDER),))
>>> s, charges = apply_fees(build_schedule(t), agency)
>>> st = replay(s, [Repayment("r1", date(2026, 2, 1), Decimal("417.00"))], date(2026, 2, 1))
>>> sp = split_collections(st, charges)        # 400 principal + 12 interest | 5 agency fee
>>> str(sp.to_party[FeeParty.ENTRUSTING_PARTY]), str(sp.to_party[FeeParty.LENDER])
('412.00', '5.00')
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from lowlend.domain.conventions import (
    AllocationComponent,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
)
from lowlend.domain.fees import FeeCharge, FeeRule
from lowlend.domain.loan_state import LoanState

__all__ = ["CollectionSplit", "agency_fee_rule", "split_collections"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class CollectionSplit:
    """Collected amounts by party, and by (party, component) for the ledger."""

    to_party: dict[FeeParty, Decimal]
    by_component: dict[tuple[FeeParty, AllocationComponent], Decimal]
    upfront_to_party: dict[FeeParty, Decimal]

    @property
    def lender_income(self) -> Decimal:
        return self.to_party.get(FeeParty.LENDER, _ZERO) + self.upfront_to_party.get(
            FeeParty.LENDER, _ZERO)


def split_collections(
    state: LoanState,
    charges: tuple[FeeCharge, ...],
    penalty_to: FeeParty = FeeParty.ENTRUSTING_PARTY,
    funder: FeeParty = FeeParty.ENTRUSTING_PARTY,
) -> CollectionSplit:
    """Split every allocation line of ``state`` between the parties.

    ``funder`` receives principal and interest (the entrusting party for entrusted
    loans; use ``FeeParty.LENDER`` for own-funds loans). Upfront fee lines
    (``seq is None``) are reported separately, as collected at disbursement.
    """
    fee_lines: dict[int, list[FeeCharge]] = defaultdict(list)
    for c in charges:
        if c.seq is not None:
            fee_lines[c.seq].append(c)
    # fee paid per seq, cumulated, then walked over the fee lines in order
    fee_paid: dict[int, Decimal] = defaultdict(lambda: _ZERO)
    by_comp: dict[tuple[FeeParty, AllocationComponent], Decimal] = defaultdict(lambda: _ZERO)
    for line in state.lines:
        if line.component is AllocationComponent.FEE:
            fee_paid[line.seq] += line.amount
        elif line.component is AllocationComponent.PENALTY:
            by_comp[(penalty_to, line.component)] += line.amount
        else:
            by_comp[(funder, line.component)] += line.amount
    for seq, paid in sorted(fee_paid.items()):
        rest = paid
        for c in fee_lines.get(seq, []):
            take = min(rest, c.amount)
            by_comp[(c.party, AllocationComponent.FEE)] += take
            rest -= take
        if rest:  # prepayment fees and other event fees: the lender's
            by_comp[(FeeParty.LENDER, AllocationComponent.FEE)] += rest
    to_party: dict[FeeParty, Decimal] = defaultdict(lambda: _ZERO)
    for (party, _), amount in by_comp.items():
        to_party[party] += amount
    upfront: dict[FeeParty, Decimal] = defaultdict(lambda: _ZERO)
    for c in charges:
        if c.seq is None:
            upfront[c.party] += c.amount
    return CollectionSplit(dict(to_party), dict(by_comp), dict(upfront))




def agency_fee_rule(
    rate: Decimal,
    calculation: FeeCalculation = FeeCalculation.PERCENT_OF_PRINCIPAL,
    trigger: FeeTrigger = FeeTrigger.DISBURSEMENT,
    collection: FeeCollection = FeeCollection.SPREAD,
) -> FeeRule:
    """The lender's agency fee (product YAML ``entrusted.agency_fee_rate``) as a fee rule.

    Default: ``rate ×`` principal, spread over the installments, collected by the lender.
    Add it to the loan's fee schedule so it counts in the APR like every other fee.
    """
    return FeeRule("agency_fee", trigger, calculation, rate=rate, collection=collection,
                   party=FeeParty.LENDER)
