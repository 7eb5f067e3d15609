"""Frozen spec objects built from the validated configuration.

Collections are tuples or read-only mappings (``types.MappingProxyType``); money
and rates are :class:`~decimal.Decimal`; conventions are the enums of
:mod:`lowlend.domain.conventions`.

* :mod:`~lowlend.spec.model.common` — labels, ranges, config-declared fields;
* :mod:`~lowlend.spec.model.product` — loan products;
* :mod:`~lowlend.spec.model.lending` — fee schedules, approval chains, scorecards;
* :mod:`~lowlend.spec.model.region` — compliance regions;
* :mod:`~lowlend.spec.model.platform` — entities, roles, menus, dictionaries,
  notification templates;
* :mod:`~lowlend.spec.model.operations` — end of day, collections, early warning;
* :mod:`~lowlend.spec.model.finance` — chart of accounts and posting rules.

Import them from here (``from lowlend.spec.model import ProductSpec``).

>>> ProductSpec.__name__ in __all__
True
"""

from __future__ import annotations

from .common import EMPTY, DecimalRange, FieldFormat, FieldKind, FieldSpec, IntRange, Label
from .finance import AccountSpec, LedgerSpec, PostingLineSpec, PostingRuleSpec
from .lending import (
    ApprovalChainSpec,
    ApprovalStep,
    Characteristic,
    Decision,
    FeeScheduleSpec,
    FeeSpec,
    FeeTier,
    KnockoutRule,
    ScoreBin,
    ScorecardSpec,
)
from .operations import (
    CollectionLevel,
    CollectionsSpec,
    EarlyWarningSpec,
    EodSpec,
    EodStep,
    WarningIndicator,
)
from .platform import (
    DictionaryItem,
    DictionarySpec,
    EntitySpec,
    MenuCategory,
    MenuItem,
    NotificationTemplateSpec,
    RoleSpec,
    Section,
    TemplateVariable,
)
from .product import (
    AllocationSpec,
    CreditCheckSpec,
    DisbursementSpec,
    EntrustedSpec,
    FirstDue,
    GraceSpec,
    InterestSpec,
    PenaltySpec,
    PrepaymentSpec,
    ProductSpec,
    RepaymentSpec,
    RevolvingSpec,
    RoundingSpec,
    TrancheSpec,
    WriteOffSpec,
)
from .region import (
    Overlay,
    PiiField,
    QuietHours,
    RateCap,
    RatePoint,
    ReferenceRate,
    RegionSpec,
)

__all__ = [
    "EMPTY",
    "AccountSpec",
    "AllocationSpec",
    "ApprovalChainSpec",
    "ApprovalStep",
    "Characteristic",
    "CollectionLevel",
    "CollectionsSpec",
    "CreditCheckSpec",
    "DecimalRange",
    "Decision",
    "DictionaryItem",
    "DictionarySpec",
    "DisbursementSpec",
    "EarlyWarningSpec",
    "EntitySpec",
    "EntrustedSpec",
    "EodSpec",
    "EodStep",
    "FeeScheduleSpec",
    "FeeSpec",
    "FeeTier",
    "FieldFormat",
    "FieldKind",
    "FieldSpec",
    "FirstDue",
    "GraceSpec",
    "IntRange",
    "InterestSpec",
    "KnockoutRule",
    "Label",
    "LedgerSpec",
    "MenuCategory",
    "MenuItem",
    "NotificationTemplateSpec",
    "Overlay",
    "PenaltySpec",
    "PiiField",
    "PostingLineSpec",
    "PostingRuleSpec",
    "PrepaymentSpec",
    "ProductSpec",
    "QuietHours",
    "RateCap",
    "RatePoint",
    "ReferenceRate",
    "RegionSpec",
    "RepaymentSpec",
    "RevolvingSpec",
    "RoleSpec",
    "RoundingSpec",
    "ScoreBin",
    "ScorecardSpec",
    "Section",
    "TemplateVariable",
    "TrancheSpec",
    "WarningIndicator",
    "WriteOffSpec",
]
