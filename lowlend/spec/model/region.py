"""A compliance region (``compliance/<CODE>.yaml``, inheritance merged)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lowlend.domain.conventions import (
    ComplianceAction,
)

from .common import Label, empty


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
    extra: Mapping[str, Any] = field(default_factory=empty)

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
    extra: Mapping[str, Any] = field(default_factory=empty)


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
