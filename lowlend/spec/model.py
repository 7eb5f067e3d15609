"""Frozen spec objects built from the validated configuration.

Collections are tuples or read-only mappings (``types.MappingProxyType``); money
and rates are :class:`~decimal.Decimal`; conventions are the enums of
:mod:`lowlend.domain.conventions`.

>>> Label("个人消费贷", "Consumer loan").get("zh-CN")
'个人消费贷'
>>> Label("个人消费贷", "Consumer loan").get("fr")
'Consumer loan'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    ComplianceAction,
    DataScope,
    DayCount,
    EodStepCode,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
    FirstDueRule,
    Frequency,
    InterestMethod,
    InterestPeriod,
    LoanKind,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
    RoundingMode,
    Severity,
)

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


class FieldKind(StrEnum):
    """Kinds of config-declared fields (application custom fields, entity fields)."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"
    RATE = "rate"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    ENUM = "enum"
    REFERENCE = "reference"
    CHILD_TABLE = "child_table"
    FILE = "file"
    JSON = "json"


class Decision(StrEnum):
    APPROVE = "approve"
    REFER = "refer"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Label:
    """A translated label; ``get(locale)`` falls back to English."""

    zh_CN: str
    en: str

    def get(self, locale: str | None) -> str:
        """The text for ``locale`` (``zh``, ``zh_CN``, ``zh-CN`` → Chinese; anything else → English)."""
        if locale and locale.replace("-", "_").lower().startswith("zh"):
            return self.zh_CN
        return self.en

    def __str__(self) -> str:
        return self.en


# ---------------------------------------------------------------- products


@dataclass(frozen=True, slots=True)
class DecimalRange:
    min: Decimal
    max: Decimal
    default: Decimal | None = None


@dataclass(frozen=True, slots=True)
class IntRange:
    min: int
    max: int
    default: int | None = None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A typed, validated field of an application form or a config-declared entity."""

    code: str
    kind: FieldKind
    label: Label
    required: bool = False
    required_if: str | None = None
    visible_if: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    pattern: str | None = None
    dictionary: str | None = None
    reference: str | None = None
    columns: tuple[FieldSpec, ...] = ()
    section: str | None = None
    order: int = 0
    help: Label | None = None
    pii: str | None = None  # data-protection field class, e.g. ``phone`` (masking from region)
    default: Any = None


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


@dataclass(frozen=True, slots=True)
class AllocationSpec:
    order: tuple[AllocationComponent, ...]
    buckets: tuple[AllocationBucket, ...]


@dataclass(frozen=True, slots=True)
class PrepaymentSpec:
    allowed_after_periods: int
    effect: PrepaymentEffect


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


# ---------------------------------------------------------------- fees


@dataclass(frozen=True, slots=True)
class FeeTier:
    """First matching tier wins; bounds are inclusive, ``None`` = unbounded."""

    term_min: int | None = None
    term_max: int | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    rate: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FeeSpec:
    code: str
    label: Label
    trigger: FeeTrigger
    calculation: FeeCalculation
    collection: FeeCollection
    party: FeeParty
    rate: Decimal | None = None
    amount: Decimal | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    tiers: tuple[FeeTier, ...] = ()


@dataclass(frozen=True, slots=True)
class FeeScheduleSpec:
    code: str
    label: Label
    currency: str
    fees: tuple[FeeSpec, ...]


# ---------------------------------------------------------------- approval, scorecards


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One step; it applies when the amount is within [amount_min, amount_max] and ``condition`` holds."""

    code: str
    label: Label
    role: str
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    condition: str | None = None
    sla_hours: int = 24
    approvers: int = 1


@dataclass(frozen=True, slots=True)
class ApprovalChainSpec:
    code: str
    label: Label
    currency: str
    steps: tuple[ApprovalStep, ...]


@dataclass(frozen=True, slots=True)
class ScoreBin:
    when: str
    points: int
    label: Label | None = None


@dataclass(frozen=True, slots=True)
class Characteristic:
    """A scorecard characteristic: the first bin whose ``when`` holds gives the points."""

    code: str
    label: Label
    bins: tuple[ScoreBin, ...]


@dataclass(frozen=True, slots=True)
class KnockoutRule:
    code: str
    label: Label
    when: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class ScorecardSpec:
    """Score = base_points + Σ points; ≥ approve_min → approve, ≥ refer_min → refer, else reject."""

    code: str
    label: Label
    base_points: int
    characteristics: tuple[Characteristic, ...]
    approve_min: int
    refer_min: int
    knockouts: tuple[KnockoutRule, ...] = ()

    def decide(self, score: int) -> Decision:
        """The decision for a total ``score``."""
        if score >= self.approve_min:
            return Decision.APPROVE
        if score >= self.refer_min:
            return Decision.REFER
        return Decision.REJECT


# ---------------------------------------------------------------- compliance


@dataclass(frozen=True, slots=True)
class RatePoint:
    effective_from: dt.date
    value: Decimal


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    """A reference-rate time series (e.g. CN_LPR_1Y); use the value in force on a date."""

    code: str
    unit: str
    series: tuple[RatePoint, ...]
    lookup: str | None = None

    def value_on(self, day: dt.date) -> Decimal | None:
        """The value in force on ``day`` (``None`` before the first point)."""
        found: Decimal | None = None
        for point in sorted(self.series, key=lambda p: p.effective_from):
            if point.effective_from <= day:
                found = point.value
        return found


@dataclass(frozen=True, slots=True)
class RateCap:
    """A rate cap.  ``max`` is numeric; ``max_expr`` (e.g. ``4 * CN_LPR_1Y(contract_date)``)
    is evaluated by :func:`lowlend.spec.compliance.cap_limit`."""

    id: str
    measure: str | None
    metric: str | None
    max: Decimal | None
    max_expr: str | None
    applies_to: str | None
    action: ComplianceAction | None
    action_before: tuple[dt.date, ComplianceAction] | None
    action_after: tuple[dt.date, ComplianceAction] | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    status: str | None
    confidence: str | None
    source: str | None
    extra: Mapping[str, Any] = field(default_factory=_empty)

    def action_on(self, day: dt.date) -> ComplianceAction | None:
        """The action in force on ``day`` (``action_before``/``action_after`` switch by date)."""
        if self.effective_from is not None and day < self.effective_from:
            return None
        if self.effective_to is not None and day > self.effective_to:
            return None
        if self.action_after is not None and day >= self.action_after[0]:
            return self.action_after[1]
        if self.action_before is not None and day <= self.action_before[0]:
            return self.action_before[1]
        return self.action


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: str
    end: str
    tz: str | None = None
    waivable_by_consent: bool = False


@dataclass(frozen=True, slots=True)
class PiiField:
    code: str
    mask: str | None
    encrypt_at_rest: bool
    extra: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class Overlay:
    when: str
    region: str


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """Effective (inheritance-merged) compliance limits of a region.

    Typed parts are what the engine uses; everything else of COMPLIANCE.md §7 is kept
    read-only in ``extra`` (frozen mappings/tuples).
    """

    code: str
    label: Label
    inherits: str | None
    currency: str | None
    timezone: str | None
    reference_rates: Mapping[str, ReferenceRate]
    measures: Mapping[str, Mapping[str, Any]]
    rate_caps: tuple[RateCap, ...]
    fee_rules: Mapping[str, Any]
    quiet_hours: QuietHours | None
    policy_default_quiet_hours: QuietHours | None
    collections: Mapping[str, Any]
    pii_fields: Mapping[str, PiiField]
    data_protection: Mapping[str, Any]
    overlays: tuple[Overlay, ...]
    extra: Mapping[str, Any]

    @property
    def effective_quiet_hours(self) -> QuietHours | None:
        """The rule's quiet hours, else the company policy default."""
        return self.quiet_hours or self.policy_default_quiet_hours


# ---------------------------------------------------------------- entities, roles, menus


@dataclass(frozen=True, slots=True)
class Section:
    code: str
    label: Label


@dataclass(frozen=True, slots=True)
class EntitySpec:
    code: str
    label: Label
    table: str
    fields: tuple[FieldSpec, ...]
    list_columns: tuple[str, ...]
    search_columns: tuple[str, ...]
    sections: tuple[Section, ...]
    owner_field: str | None
    menu_category: str | None
    parent: str | None = None  # e.g. collateral records belong to a loan or customer


@dataclass(frozen=True, slots=True)
class RoleSpec:
    code: str
    label: Label
    menus: tuple[str, ...]  # menu item codes, or ``*``
    permissions: Mapping[str, frozenset[str]]  # entity/view code (or ``*``) → actions
    data_scope: Mapping[str, DataScope]  # entity/view code (or ``*``) → scope

    def can(self, entity: str, action: str) -> bool:
        """Whether the role may do ``action`` on ``entity`` (``*`` entries apply to all)."""
        for key in (entity, "*"):
            actions = self.permissions.get(key)
            if actions is not None and (action in actions or "*" in actions):
                return True
        return False

    def scope_for(self, entity: str) -> DataScope:
        """Data scope for ``entity`` (falls back to ``*``, then ``own``)."""
        return self.data_scope.get(entity) or self.data_scope.get("*") or DataScope.OWN


@dataclass(frozen=True, slots=True)
class MenuItem:
    code: str
    label: Label
    view: str  # a built-in view code or a config entity code
    icon: str | None = None


@dataclass(frozen=True, slots=True)
class MenuCategory:
    code: str
    label: Label
    icon: str | None
    items: tuple[MenuItem, ...]


@dataclass(frozen=True, slots=True)
class DictionaryItem:
    code: str
    label: Label
    active: bool = True


@dataclass(frozen=True, slots=True)
class DictionarySpec:
    code: str
    label: Label
    items: tuple[DictionaryItem, ...]

    def codes(self) -> tuple[str, ...]:
        """The item codes in order."""
        return tuple(item.code for item in self.items)


# ---------------------------------------------------------------- operations


@dataclass(frozen=True, slots=True)
class EodStep:
    code: EodStepCode
    label: Label | None
    enabled: bool
    params: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class EodSpec:
    steps: tuple[EodStep, ...]
    partition_size: int = 1000


@dataclass(frozen=True, slots=True)
class CollectionLevel:
    level: int
    code: str
    label: Label
    dpd_min: int
    dpd_max: int | None
    actions: tuple[str, ...]
    assign_role: str | None
    notification: str | None


@dataclass(frozen=True, slots=True)
class CollectionsSpec:
    levels: tuple[CollectionLevel, ...]
    remind_before_due_days: tuple[int, ...]
    remind_after_overdue_days: tuple[int, ...]
    dispatch: Mapping[str, Any] = field(default_factory=_empty)

    def level_for(self, dpd: int) -> CollectionLevel | None:
        """The collection level for ``dpd`` days past due (``None`` when not overdue enough)."""
        for level in self.levels:
            if dpd >= level.dpd_min and (level.dpd_max is None or dpd <= level.dpd_max):
                return level
        return None


@dataclass(frozen=True, slots=True)
class WarningIndicator:
    code: str
    label: Label
    when: str
    severity: Severity
    action: str | None = None


@dataclass(frozen=True, slots=True)
class EarlyWarningSpec:
    indicators: tuple[WarningIndicator, ...]


@dataclass(frozen=True, slots=True)
class TemplateVariable:
    code: str
    label: Label
    type: str


@dataclass(frozen=True, slots=True)
class NotificationTemplateSpec:
    """An event's templates: ``bodies[(channel, locale)]`` is the Jinja source text."""

    code: str
    label: Label
    channels: tuple[str, ...]
    variables: tuple[TemplateVariable, ...]
    bodies: Mapping[tuple[str, str], str]

    def body(self, channel: str, locale: str) -> str | None:
        """The template text for ``channel`` in ``locale`` (falls back to ``en``)."""
        return self.bodies.get((channel, locale)) or self.bodies.get((channel, "en"))


__all__ = [name for name in dir() if name[0].isupper()]
