"""The kinds of configuration the config screens edit, and where their files live.

One :class:`Kind` per screen. Its ``code`` is the screen's FAB view-menu
(``class_permission_name``) and, where the kind has a menu entry, the ``view`` of
that ``menus.yaml`` item, so the grants of ``roles.yaml`` (``products: [list,
show, edit]``) apply unchanged.

An *item* of a kind is what a ``show``/``edit`` URL names. Where an item's
files live is the kind's :class:`Layout`:

* :class:`FolderLayout` — one ``<prefix><code>.yaml`` per item (products, fee
  schedules, approval chains, regions, scorecards, entities);
* :class:`TemplateFolderLayout` — a folder per item: ``meta.yaml`` and every body
  (notification templates);
* :class:`FileSetLayout` — a fixed set of single files, the item code naming the
  file (``roles.yaml`` → ``roles``; the settings ``collections``, ``early_warning``,
  ``eod``). Such a kind lists what is *inside* its file (role codes, menu items,
  dictionaries) while the editor edits the whole file.

What the list shows (rows with labels) is :mod:`lowlend.web.config_admin.listing`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from lowlend.web.config_admin import listing
from lowlend.web.config_admin.i18n import _l

CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,49}$")
"""A new item's code (also its file name)."""


class Layout(Protocol):
    """Where the files of a kind's items live in the bundle."""

    def main_key(self, code: str) -> str:
        """The bundle key of an item's main file (``""`` when the code has none)."""
        ...

    def item_keys(self, files: Mapping[str, str], code: str) -> list[str]:
        """Bundle keys of an item's files present in ``files`` (main file first)."""
        ...

    def codes_in(self, files: Mapping[str, str]) -> list[str]:
        """Item codes present in a bundle (by file layout)."""
        ...


@dataclass(frozen=True)
class FolderLayout:
    """One YAML file per item: ``<prefix><code>.yaml``."""

    prefix: str

    def main_key(self, code: str) -> str:
        """``<prefix><code>.yaml``."""
        return f"{self.prefix}{code}.yaml"

    def item_keys(self, files: Mapping[str, str], code: str) -> list[str]:
        """The item's one file, if present."""
        key = self.main_key(code)
        return [key] if key in files else []

    def codes_in(self, files: Mapping[str, str]) -> list[str]:
        """Stems of the ``.yaml`` files directly in the folder."""
        codes = set()
        for key in files:
            rest = key[len(self.prefix) :] if key.startswith(self.prefix) else ""
            if rest and "/" not in rest and rest.endswith(".yaml"):
                codes.add(rest[: -len(".yaml")])
        return sorted(codes)


@dataclass(frozen=True)
class TemplateFolderLayout:
    """One folder per item: ``<prefix><code>/meta.yaml`` and its bodies."""

    prefix: str

    def main_key(self, code: str) -> str:
        """``<prefix><code>/meta.yaml``."""
        return f"{self.prefix}{code}/meta.yaml"

    def item_keys(self, files: Mapping[str, str], code: str) -> list[str]:
        """Every file directly in the item's folder, ``meta.yaml`` first."""
        folder = f"{self.prefix}{code}/"
        keys = sorted(k for k in files if k.startswith(folder) and "/" not in k[len(folder) :])
        main = self.main_key(code)
        return ([main] if main in keys else []) + [k for k in keys if k != main]

    def codes_in(self, files: Mapping[str, str]) -> list[str]:
        """Names of the folders under the prefix."""
        return sorted(
            {
                key[len(self.prefix) :].split("/", 1)[0]
                for key in files
                if key.startswith(self.prefix) and "/" in key[len(self.prefix) :]
            }
        )


@dataclass(frozen=True)
class FileSetLayout:
    """A fixed set of single files; the item code names the file (in this order)."""

    files: tuple[tuple[str, str], ...]  # (item code, bundle key)

    def main_key(self, code: str) -> str:
        """The bundle key of file ``code`` (``""`` when the set has no such file)."""
        return dict(self.files).get(code, "")

    def item_keys(self, files: Mapping[str, str], code: str) -> list[str]:
        """The file ``code``, if present."""
        key = self.main_key(code)
        return [key] if key and key in files else []

    def codes_in(self, files: Mapping[str, str]) -> list[str]:
        """The codes of the set's files present in ``files`` (declared order)."""
        return [code for code, key in self.files if key in files]


RowsFn = Callable[["Kind", Any, Mapping[str, str]], list[listing.Row]]


@dataclass(frozen=True)
class Kind:
    """One kind of configuration item shown by one config screen.

    :ivar code: view-menu (FAB ``class_permission_name``) and roles.yaml target.
    :ivar route: URL segment under ``/config/``.
    :ivar title: lazy label (tab and page title).
    :ivar layout: where the items' files live.
    :ivar registry_attr: SpecRegistry attribute holding ``code → spec`` of the items
        (``None``: the kind's items are not a mapping of the registry).
    :ivar rows: the list rows (:func:`lowlend.web.config_admin.listing.file_rows` by
        default: one row per item file, labelled from its spec).
    :ivar file_titles: lazy titles of the files of a :class:`FileSetLayout`.
    :ivar can_add: whether new items (files) may be created.
    :ivar restart_note: publishing new kinds/fields needs a web restart (entities).
    """

    code: str
    route: str
    title: Any
    layout: Layout
    registry_attr: str | None = None
    rows: RowsFn = listing.file_rows
    file_titles: Mapping[str, Any] = field(default_factory=dict)
    can_add: bool = True
    restart_note: bool = False

    def main_key(self, code: str) -> str:
        """The bundle key of an item's main file."""
        return self.layout.main_key(code)

    def item_keys(self, files: Mapping[str, str], code: str) -> list[str]:
        """Bundle keys of an item's files (main file first)."""
        return self.layout.item_keys(files, code)

    def codes_in(self, files: Mapping[str, str]) -> list[str]:
        """Item codes present in a bundle (by file layout)."""
        return self.layout.codes_in(files)

    def specs(self, registry: Any) -> Mapping[str, Any]:
        """``code → spec`` of the items in ``registry`` (empty when not a mapping)."""
        if registry is None or self.registry_attr is None:
            return {}
        specs = getattr(registry, self.registry_attr, None)
        return specs if isinstance(specs, Mapping) else {}

    def item_label(self, registry: Any, code: str) -> str:
        """The label of item ``code`` in the request locale (``""`` when unknown)."""
        title = self.file_titles.get(code)
        if title is not None:
            return str(title)
        spec = self.specs(registry).get(code)
        return listing.label_of(spec) if spec is not None else ""


def _folder(code: str, folder: str, title: Any, **kw: Any) -> Kind:
    return Kind(code, code, title, FolderLayout(f"config/{folder}/"), registry_attr=code, **kw)


def _single(code: str, route: str, title: Any, rows: RowsFn) -> Kind:
    """A kind made of the one file ``config/<route>.yaml`` that lists the items inside."""
    layout = FileSetLayout(((route, f"config/{route}.yaml"),))
    return Kind(code, route, title, layout, rows=rows, file_titles={route: title}, can_add=False)


PRODUCTS = _folder("products", "products", _l("Loan products"))
FEE_SCHEDULES = _folder("fee_schedules", "fees", _l("Fee schedules"))
APPROVAL_CHAINS = _folder("approval_chains", "approval_chains", _l("Approval chains"))
NOTIFICATION_TEMPLATES = Kind(
    "notification_templates",
    "notification_templates",
    _l("Notification templates"),
    TemplateFolderLayout("templates/"),
    registry_attr="templates",
    can_add=False,
)
REGIONS = _folder("regions", "compliance", _l("Compliance regions"))
SCORECARDS = _folder("scorecards", "scorecards", _l("Scorecards"))
ENTITIES = Kind(
    "config_entities",
    "entities",
    _l("Custom entities"),
    FolderLayout("config/entities/"),
    registry_attr="entities",
    restart_note=True,
)
DICTIONARIES = _single("dictionaries", "dictionaries", _l("Dictionaries"), listing.dictionary_rows)
ROLES = _single("config_roles", "roles", _l("Roles and permissions"), listing.role_rows)
MENUS = _single("config_menus", "menus", _l("Menus"), listing.menu_rows)
SETTINGS = Kind(
    "config_settings",
    "settings",
    _l("Operations settings"),
    FileSetLayout(
        (
            ("collections", "config/collections.yaml"),
            ("early_warning", "config/early_warning.yaml"),
            ("eod", "config/eod.yaml"),
            ("ledger", "config/ledger.yaml"),
        )
    ),
    rows=listing.settings_rows,
    file_titles={
        "collections": _l("Collections"),
        "early_warning": _l("Early-warning indicators"),
        "eod": _l("End-of-day run"),
        "ledger": _l("Chart of accounts and posting rules"),
    },
    can_add=False,
)

KINDS: tuple[Kind, ...] = (
    PRODUCTS,
    FEE_SCHEDULES,
    APPROVAL_CHAINS,
    NOTIFICATION_TEMPLATES,
    REGIONS,
    SCORECARDS,
    DICTIONARIES,
    ENTITIES,
    ROLES,
    MENUS,
    SETTINGS,
)
"""Every config screen's kind, in tab order."""
