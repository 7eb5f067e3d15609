"""Fee schedules, approval chains and scorecards (the files a product names)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lowlend.domain.conventions import (
    DEFAULT_RULES,
    DispatchRules,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
)

from .common import Label


class Decision(StrEnum):
    APPROVE = "approve"
    REFER = "refer"
    REJECT = "reject"


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
    """One step; it applies when the amount is within [amount_min, amount_max] and ``condition`` holds.

    Steps with the same ``stage`` run in parallel (default: each step is its own stage, in
    file order); ``approvers`` distinct users must approve (k of the pool: the ``role``'s
    holders, or the named ``users``); past ``sla_hours`` an open step is escalated to the
    ``escalate_to`` role (default: its own role).
    """

    code: str
    label: Label
    role: str
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    condition: str | None = None
    sla_hours: int = 24
    approvers: int = 1
    stage: str | None = None
    users: tuple[str, ...] = ()
    escalate_to: str | None = None


@dataclass(frozen=True, slots=True)
class ApprovalChainSpec:
    """An approval chain; ``distinct_approvers``: nobody approves two steps of one application."""

    code: str
    label: Label
    currency: str
    steps: tuple[ApprovalStep, ...]
    distinct_approvers: bool = True
    dispatch: DispatchRules = DEFAULT_RULES


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
