"""The kinds of configuration the config screens edit, and where their files live.

One :class:`Kind` per screen. Its ``code`` is the screen's FAB view-menu
(``class_permission_name``) and the menu item code of ``menus.yaml``, so the
grants of ``roles.yaml`` (``products: [list, show, edit]``) apply unchanged.

An *item* (a product, a fee schedule, a region...) is one or more files of the
published bundle: ``config/<folder>/<code>.yaml`` for YAML kinds; the meta file
and every body of ``templates/<event>/`` for notification templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lowlend.web.config_admin.i18n import _l

CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,49}$")
"""A new item's code (also its file name)."""


@dataclass(frozen=True)
class Kind:
    """One kind of configuration item shown by one config screen."""

    code: str  # view-menu / menu item code
    route: str  # URL segment under /config/
    registry_attr: str  # SpecRegistry attribute (mapping code -> spec)
    prefix: str  # bundle key prefix of its files
    title: Any  # lazy label
    can_add: bool = True
    multi_file: bool = False  # notification templates: a folder of files per item

    def main_key(self, code: str) -> str:
        """The bundle key of an item's main file."""
        if self.multi_file:
            return f"{self.prefix}{code}/meta.yaml"
        return f"{self.prefix}{code}.yaml"

    def item_keys(self, files: Mapping[str, str], code: str) -> list[str]:
        """Bundle keys of an item's files (main file first)."""
        if not self.multi_file:
            key = self.main_key(code)
            return [key] if key in files else []
        folder = f"{self.prefix}{code}/"
        keys = sorted(k for k in files if k.startswith(folder))
        main = self.main_key(code)
        return ([main] if main in keys else []) + [k for k in keys if k != main]

    def owns_key(self, code: str, key: str) -> bool:
        if self.multi_file:
            return (
                key.startswith(f"{self.prefix}{code}/")
                and "/" not in key[len(f"{self.prefix}{code}/") :]
            )
        return key == self.main_key(code)

    def codes_in(self, files: Mapping[str, str]) -> list[str]:
        """Item codes present in a bundle (by file layout)."""
        codes: set[str] = set()
        for key in files:
            if not key.startswith(self.prefix):
                continue
            rest = key[len(self.prefix) :]
            if self.multi_file:
                if "/" in rest:
                    codes.add(rest.split("/", 1)[0])
            elif "/" not in rest and rest.endswith(".yaml"):
                codes.add(rest[: -len(".yaml")])
        return sorted(codes)

    def specs(self, registry: Any) -> Mapping[str, Any]:
        specs = getattr(registry, self.registry_attr, None) if registry is not None else None
        return specs if isinstance(specs, Mapping) else {}


PRODUCTS = Kind("products", "products", "products", "config/products/", _l("Loan products"))
FEE_SCHEDULES = Kind(
    "fee_schedules", "fee_schedules", "fee_schedules", "config/fees/", _l("Fee schedules")
)
APPROVAL_CHAINS = Kind(
    "approval_chains",
    "approval_chains",
    "approval_chains",
    "config/approval_chains/",
    _l("Approval chains"),
)
NOTIFICATION_TEMPLATES = Kind(
    "notification_templates",
    "notification_templates",
    "templates",
    "templates/",
    _l("Notification templates"),
    can_add=False,
    multi_file=True,
)
REGIONS = Kind("regions", "regions", "regions", "config/compliance/", _l("Compliance regions"))

KINDS: tuple[Kind, ...] = (
    PRODUCTS,
    FEE_SCHEDULES,
    APPROVAL_CHAINS,
    NOTIFICATION_TEMPLATES,
    REGIONS,
)
"""Every config screen's kind, in tab order."""
