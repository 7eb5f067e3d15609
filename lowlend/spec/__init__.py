"""The spec layer: configuration files → validated, frozen spec objects.

>>> from lowlend.spec import load_bundle, ConfigErrors
>>> try:
...     load_bundle({"config/products/x.yaml": "code: [oops"})
... except ConfigErrors as exc:
...     print(next(e for e in exc.errors if e.file.endswith("x.yaml")))
config/products/x.yaml:1: malformed YAML: expected ',' or ']', but got '<stream end>'
"""

from __future__ import annotations

from .errors import ConfigError, ConfigErrors
from .expressions import (
    CompiledExpression,
    ExpressionEnv,
    ExpressionError,
    ExprType,
    T,
    compile_expression,
)
from .loader import BUILTIN_VIEWS, STANDARD_ROLES, load_bundle, load_directory, read_bundle
from .model import (
    ApprovalChainSpec,
    CollectionsSpec,
    DictionarySpec,
    EarlyWarningSpec,
    EntitySpec,
    EodSpec,
    FeeScheduleSpec,
    FieldKind,
    FieldSpec,
    Label,
    MenuCategory,
    NotificationTemplateSpec,
    ProductSpec,
    RegionSpec,
    RoleSpec,
    ScorecardSpec,
)
from .registry import SpecRegistry

__all__ = [
    "BUILTIN_VIEWS",
    "STANDARD_ROLES",
    "ApprovalChainSpec",
    "CollectionsSpec",
    "CompiledExpression",
    "ConfigError",
    "ConfigErrors",
    "DictionarySpec",
    "EarlyWarningSpec",
    "EntitySpec",
    "EodSpec",
    "ExprType",
    "ExpressionEnv",
    "ExpressionError",
    "FeeScheduleSpec",
    "FieldKind",
    "FieldSpec",
    "Label",
    "MenuCategory",
    "NotificationTemplateSpec",
    "ProductSpec",
    "RegionSpec",
    "RoleSpec",
    "ScorecardSpec",
    "SpecRegistry",
    "T",
    "compile_expression",
    "load_bundle",
    "load_directory",
    "read_bundle",
]
