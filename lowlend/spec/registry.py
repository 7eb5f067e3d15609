"""The immutable snapshot of a validated configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import (
    ApprovalChainSpec,
    CollectionsSpec,
    DictionarySpec,
    EarlyWarningSpec,
    EntitySpec,
    EodSpec,
    FeeScheduleSpec,
    LedgerSpec,
    MenuCategory,
    NotificationTemplateSpec,
    ProductSpec,
    RegionSpec,
    RoleSpec,
    ScorecardSpec,
)

__all__ = ["SpecRegistry"]


@dataclass(frozen=True, slots=True, eq=False)
class SpecRegistry:
    """Every spec of one configuration version, keyed by stable code (read-only).

    ``content_hash`` is the SHA-256 (hex) of the canonical bundle: the JSON array of
    ``[key, text]`` pairs sorted by key (UTF-8, no whitespace between tokens); it is
    the configuration version.  ``files`` is the bundle itself, so a registry can be
    stored, exported and re-loaded with :func:`lowlend.spec.load_bundle`.
    ``regions`` holds the *effective* regions (``inherits`` resolved and merged).
    """

    content_hash: str
    files: Mapping[str, str]
    products: Mapping[str, ProductSpec]
    fee_schedules: Mapping[str, FeeScheduleSpec]
    approval_chains: Mapping[str, ApprovalChainSpec]
    scorecards: Mapping[str, ScorecardSpec]
    regions: Mapping[str, RegionSpec]
    entities: Mapping[str, EntitySpec]
    dictionaries: Mapping[str, DictionarySpec]
    templates: Mapping[str, NotificationTemplateSpec]
    roles: Mapping[str, RoleSpec]
    menus: tuple[MenuCategory, ...]
    eod: EodSpec
    collections: CollectionsSpec
    early_warning: EarlyWarningSpec
    ledger: LedgerSpec

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpecRegistry) and other.content_hash == self.content_hash

    def __hash__(self) -> int:
        return hash(self.content_hash)
