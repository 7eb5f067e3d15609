"""Entities, roles, menus, dictionaries and notification templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lowlend.domain.conventions import (
    DataScope,
)

from .common import FieldSpec, Label


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
