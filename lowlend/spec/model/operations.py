"""End of day, collections and early warning (``eod.yaml``, ``collections.yaml``, …)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lowlend.domain.conventions import (
    EodStepCode,
    Severity,
)

from .common import Label, empty


@dataclass(frozen=True, slots=True)
class EodStep:
    code: EodStepCode
    label: Label | None
    enabled: bool
    params: Mapping[str, Any] = field(default_factory=empty)


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
    dispatch: Mapping[str, Any] = field(default_factory=empty)

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
