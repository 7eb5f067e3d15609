"""A loan product (``products/<code>.yaml``) and its parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    DayCount,
    FirstDueRule,
    Frequency,
    GraceMode,
    InterestMethod,
    InterestPeriod,
    LoanKind,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
    RoundingMode,
    SpreadFeesOnPayoff,
)

from .common import DecimalRange, FieldSpec, IntRange, Label


@dataclass(frozen=True, slots=True)
class InterestSpec:
    annual_rate: DecimalRange
    method: InterestMethod
    period: InterestPeriod


@dataclass(frozen=True, slots=True)
class FirstDue:
    rule: FirstDueRule
    day: int | None = None
    days: int | None = None


@dataclass(frozen=True, slots=True)
class RepaymentSpec:
    frequency: Frequency
    every: int
    first_due: FirstDue


@dataclass(frozen=True, slots=True)
class GraceSpec:
    principal_periods: int = 0
    interest_payment_periods: int = 0
    interest_free_periods: int = 0


@dataclass(frozen=True, slots=True)
class RoundingSpec:
    mode: RoundingMode
    minor_unit: int
    installment_multiple: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PenaltySpec:
    rate_per_day: Decimal
    base: PenaltyBase
    late_fee: Decimal
    grace_days: int
    cap_ratio: Decimal | None = None
    #: after_grace (default: the penalty clock starts after the grace days) or from_due_date
    #: (once the grace days are exceeded, penalty interest counts from the due date)
    grace_mode: GraceMode = GraceMode.AFTER_GRACE


@dataclass(frozen=True, slots=True)
class AllocationSpec:
    order: tuple[AllocationComponent, ...]
    buckets: tuple[AllocationBucket, ...]


@dataclass(frozen=True, slots=True)
class PrepaymentSpec:
    allowed_after_periods: int
    effect: PrepaymentEffect
    #: waive (default: on early payoff the running period's installment fees are owed pro
    #: rata, those of periods not yet started are not) or due (all of them fall due)
    spread_fees_on_payoff: SpreadFeesOnPayoff = SpreadFeesOnPayoff.WAIVE


@dataclass(frozen=True, slots=True)
class RevolvingSpec:
    """循环贷: credit limit range, minimum draw, limit term, renewal."""

    credit_limit: DecimalRange
    draw_min: Decimal
    limit_term_months: int
    renewable: bool


@dataclass(frozen=True, slots=True)
class EntrustedSpec:
    """委托贷款: the lender earns an agency fee; the entrusting party funds the loan."""

    agency_fee_rate: Decimal
    entrusting_party_required: bool = True


@dataclass(frozen=True, slots=True)
class TrancheSpec:
    """分笔放款: at most ``max_count`` tranches, each at least ``min_amount`` unless it is
    what is left of the approved principal."""

    max_count: int
    min_amount: Decimal


@dataclass(frozen=True, slots=True)
class DisbursementSpec:
    """How an approved loan is paid out: at once (``tranches`` ``None``) or in tranches."""

    tranches: TrancheSpec | None = None


@dataclass(frozen=True, slots=True)
class CreditCheckSpec:
    """征信: whether a bureau report is required on submit, how long one may be reused, and
    how long a customer's consent to a pull stays valid."""

    required: bool = True
    reuse_days: int = 30
    consent_valid_days: int = 90


@dataclass(frozen=True, slots=True)
class WriteOffSpec:
    """核销: a loan may be written off once its days past due reach ``min_dpd``; with
    ``requires_approval`` a second user must approve the write-off (four eyes)."""

    min_dpd: int = 180
    requires_approval: bool = True


@dataclass(frozen=True, slots=True)
class ProductSpec:
    code: str
    kind: LoanKind
    label: Label
    description: Label | None
    region: str
    currency: str
    valid_from: dt.date
    valid_to: dt.date | None
    amount: DecimalRange
    term: IntRange
    interest: InterestSpec
    amortization: Amortization
    repayment: RepaymentSpec
    day_count: DayCount
    grace: GraceSpec
    rounding: RoundingSpec
    fee_schedule: str
    penalty: PenaltySpec
    allocation: AllocationSpec
    prepayment: PrepaymentSpec
    overpayment: OverpaymentPolicy
    approval_chain: str
    scorecard: str | None
    notifications: tuple[str, ...]
    custom_fields: tuple[FieldSpec, ...]
    revolving: RevolvingSpec | None = None
    entrusted: EntrustedSpec | None = None
    credit_check: CreditCheckSpec = CreditCheckSpec()
    #: always present: the defaults when the product file has no ``write_off:`` section
    write_off: WriteOffSpec = WriteOffSpec()
    #: always present: paid out at once when the product file has no ``disbursement:`` section
    disbursement: DisbursementSpec = DisbursementSpec()
