"""Loan terms: the engine's input, field for field the product YAML.

``LoanTerms`` maps 1:1 onto ``product_configs/products/*.yaml`` (with the
product's *default* or the applicant's chosen amount/term/rate filled in):

=============================  =========================================
YAML                           domain
=============================  =========================================
``amount`` / ``term``          ``LoanTerms.amount`` / ``.term``
``interest.annual_rate``       ``.annual_rate``
``interest.period``            ``.interest_period``
``amortization``               ``.amortization`` (``interest.method: flat`` ⇒ ``flat``)
``repayment.frequency/every``  ``.frequency`` / ``.every``
``repayment.first_due``        ``.first_due`` (:class:`FirstDue`)
``day_count``                  ``.day_count``
``grace``                      ``.grace`` (:class:`Grace`)
``rounding``                   ``.rounding`` (:class:`Rounding`)
``penalty``                    ``.penalty`` (:class:`PenaltyTerms`)
``allocation``                 ``.allocation`` (:class:`AllocationRule`)
``prepayment``                 ``.prepayment`` (:class:`PrepaymentTerms`)
``overpayment``                ``.overpayment``
``currency`` / ``kind``        ``.currency`` / ``.kind``
=============================  =========================================

>>> t = LoanTerms(amount=Decimal("10000.00"), term=12, annual_rate=Decimal("0.18"),
...               start=date(2026, 1, 1))
>>> t.amortization.value, t.frequency.value, t.day_count.value
('equal_installment', 'monthly', 'ACT/365')
>>> LoanTerms(amount=Decimal("0"), term=12, annual_rate=Decimal("0.18"), start=date(2026, 1, 1))
Traceback (most recent call last):
...
lowlend.domain.errors.LoanInputError: amount: amount_not_positive (value=0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lowlend.domain.calendar import FirstDue
from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    DayCount,
    Frequency,
    GraceMode,
    InterestPeriod,
    LoanKind,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
    SpreadFeesOnPayoff,
)
from lowlend.domain.errors import LoanInputError
from lowlend.domain.money import Rounding

__all__ = [
    "MAX_AMOUNT",
    "MAX_RATE",
    "MAX_TERM",
    "AllocationRule",
    "Grace",
    "LoanTerms",
    "PenaltyTerms",
    "PrepaymentTerms",
]

MAX_AMOUNT = Decimal("1000000000000")  # 1e12 major units: anything larger is a typo
MAX_RATE = Decimal("10")  # 1000 % a year
MAX_TERM = 3660  # periods (ten years of daily installments)
MAX_EVERY = 366


def _finite(value: Decimal, name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise LoanInputError(name, "not_a_finite_decimal", value=value)


@dataclass(frozen=True, slots=True)
class Grace:
    """YAML ``grace``: periods at the start of the loan.

    :param principal_periods: no principal is repaid (interest is paid).
    :param interest_payment_periods: interest is charged but paid later, with the
        first installment after the grace (deferred interest).
    :param interest_free_periods: no interest is charged at all.
    """

    principal_periods: int = 0
    interest_payment_periods: int = 0
    interest_free_periods: int = 0

    def __post_init__(self) -> None:
        for name in ("principal_periods", "interest_payment_periods", "interest_free_periods"):
            if not 0 <= getattr(self, name) <= MAX_TERM:
                raise LoanInputError(f"grace.{name}", "grace_out_of_range", value=getattr(self, name))


@dataclass(frozen=True, slots=True)
class PenaltyTerms:
    """YAML ``penalty``: 罚息 and 滞纳金.

    :param rate_per_day: penalty interest per day on the overdue base.
    :param base: ``principal`` or ``principal_and_interest``.
    :param late_fee: fixed late fee once per overdue installment.
    :param grace_days: days after the due date during which paying costs no
        penalty (penalty interest and late fee); what happens once they are
        exceeded is ``grace_mode``.
    :param cap_ratio: annualised cap on penalty interest + late fees relative to
        the overdue base (``None`` = no cap).
    :param grace_mode: :class:`~lowlend.domain.conventions.GraceMode`:
        ``after_grace`` (default: penalty interest counts from ``due + grace_days``)
        or ``from_due_date`` (once the grace days are exceeded with something
        unpaid, penalty interest counts from the due date). The late fee is charged
        on day ``due + grace_days + 1`` in both modes. See :mod:`lowlend.domain.penalties`.
    """

    rate_per_day: Decimal = Decimal(0)
    base: PenaltyBase = PenaltyBase.PRINCIPAL
    late_fee: Decimal = Decimal(0)
    grace_days: int = 0
    cap_ratio: Decimal | None = None
    grace_mode: GraceMode = GraceMode.AFTER_GRACE

    def __post_init__(self) -> None:
        _finite(self.rate_per_day, "penalty.rate_per_day")
        _finite(self.late_fee, "penalty.late_fee")
        if not 0 <= self.rate_per_day <= Decimal("0.1"):
            raise LoanInputError("penalty.rate_per_day", "rate_out_of_range", value=self.rate_per_day)
        if self.late_fee < 0:
            raise LoanInputError("penalty.late_fee", "amount_negative", value=self.late_fee)
        if not 0 <= self.grace_days <= 366:
            raise LoanInputError("penalty.grace_days", "days_out_of_range", value=self.grace_days)
        if self.cap_ratio is not None:
            _finite(self.cap_ratio, "penalty.cap_ratio")
            if not 0 <= self.cap_ratio <= MAX_RATE:
                raise LoanInputError("penalty.cap_ratio", "rate_out_of_range", value=self.cap_ratio)


DEFAULT_ORDER = (
    AllocationComponent.PENALTY,
    AllocationComponent.FEE,
    AllocationComponent.INTEREST,
    AllocationComponent.PRINCIPAL,
)
DEFAULT_BUCKETS = (AllocationBucket.PAST_DUE, AllocationBucket.DUE, AllocationBucket.IN_ADVANCE)


@dataclass(frozen=True, slots=True)
class AllocationRule:
    """YAML ``allocation``: bucket order, then component order within a bucket.

    Within a bucket installments are taken oldest first; within an installment the
    components in ``order``. ``horizontal=True`` instead takes one component across
    every installment of the bucket before the next component.
    """

    order: tuple[AllocationComponent, ...] = DEFAULT_ORDER
    buckets: tuple[AllocationBucket, ...] = DEFAULT_BUCKETS
    horizontal: bool = False

    def __post_init__(self) -> None:
        if sorted(c.value for c in self.order) != sorted(c.value for c in AllocationComponent):
            raise LoanInputError("allocation.order", "order_not_a_permutation")
        if len(set(self.buckets)) != len(self.buckets) or not self.buckets:
            raise LoanInputError("allocation.buckets", "buckets_invalid")


@dataclass(frozen=True, slots=True)
class PrepaymentTerms:
    """YAML ``prepayment``.

    :param allowed_after_periods: installments that must have fallen due before a
        prepayment is accepted.
    :param effect: what a partial prepayment does to the rest of the schedule
        (``reduce_term`` | ``reduce_installment``); a transaction may override it.
    :param spread_fees_on_payoff: :class:`~lowlend.domain.conventions.SpreadFeesOnPayoff`,
        what happens on early payoff to the fees scheduled on the installments not yet
        due: ``waive`` (default: the running period's fee pro rata to the payoff date is
        owed, the fees of periods not yet started are not) or ``due`` (all of them fall
        due at payoff). See :mod:`lowlend.domain.prepayment`.
    """

    allowed_after_periods: int = 0
    effect: PrepaymentEffect = PrepaymentEffect.REDUCE_TERM
    spread_fees_on_payoff: SpreadFeesOnPayoff = SpreadFeesOnPayoff.WAIVE


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """Everything needed to build a repayment schedule (see the module table).

    ``term`` counts installments. ``start`` is the disbursement date.
    """

    amount: Decimal
    term: int
    annual_rate: Decimal
    start: date
    amortization: Amortization = Amortization.EQUAL_INSTALLMENT
    frequency: Frequency = Frequency.MONTHLY
    every: int = 1
    first_due: FirstDue = field(default_factory=FirstDue)
    day_count: DayCount = DayCount.ACT_365
    interest_period: InterestPeriod = InterestPeriod.DAILY
    grace: Grace = field(default_factory=Grace)
    rounding: Rounding = field(default_factory=Rounding)
    penalty: PenaltyTerms = field(default_factory=PenaltyTerms)
    allocation: AllocationRule = field(default_factory=AllocationRule)
    prepayment: PrepaymentTerms = field(default_factory=PrepaymentTerms)
    overpayment: OverpaymentPolicy = OverpaymentPolicy.CREDIT
    currency: str = "CNY"
    kind: LoanKind = LoanKind.TERM
    product_code: str = ""

    def __post_init__(self) -> None:
        _finite(self.amount, "amount")
        _finite(self.annual_rate, "annual_rate")
        if self.amount <= 0:
            raise LoanInputError("amount", "amount_not_positive", value=self.amount)
        if self.amount > MAX_AMOUNT:
            raise LoanInputError("amount", "amount_too_large", value=self.amount)
        if self.rounding.round(self.amount) != self.amount:
            raise LoanInputError("amount", "amount_not_in_minor_units", value=self.amount)
        if not isinstance(self.term, int) or self.term < 1:
            raise LoanInputError("term", "term_not_positive", value=self.term)
        if self.term > MAX_TERM:
            raise LoanInputError("term", "term_too_large", value=self.term)
        if self.annual_rate < 0:
            raise LoanInputError("annual_rate", "rate_negative", value=self.annual_rate)
        if self.annual_rate > MAX_RATE:
            raise LoanInputError("annual_rate", "rate_too_large", value=self.annual_rate)
        if not 1 <= self.every <= MAX_EVERY:
            raise LoanInputError("every", "every_out_of_range", value=self.every)
        g = self.grace
        if self.amortization in (Amortization.EQUAL_INSTALLMENT, Amortization.EQUAL_PRINCIPAL,
                                 Amortization.FLAT):
            if g.principal_periods >= self.term:
                raise LoanInputError("grace.principal_periods", "grace_not_below_term",
                                     value=g.principal_periods)
        if max(g.interest_payment_periods, g.interest_free_periods) >= self.term and self.term > 1:
            raise LoanInputError("grace", "grace_not_below_term")
