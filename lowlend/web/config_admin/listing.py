"""The rows of a config screen's list: item codes, labels in the request locale, details.

A kind's ``rows`` function (see :class:`lowlend.web.config_admin.kinds.Kind`)
turns the current registry and bundle into :class:`Row` objects:

* :func:`file_rows` — one row per item file, labelled from its spec (products,
  fee schedules, chains, templates, regions, scorecards, entities);
* :func:`dictionary_rows`, :func:`role_rows`, :func:`menu_rows` — the items *inside*
  ``dictionaries.yaml``, ``roles.yaml`` and ``menus.yaml`` (every row opens the
  whole file);
* :func:`settings_rows` — one row per operations file (collections, early warning,
  end of day) with a summary of what it declares.

Rows are computed per request (labels follow the request locale); the templates
escape every value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lowlend.web.config_admin.i18n import _, code_label
from lowlend.web.i18n import label_text

if TYPE_CHECKING:  # pragma: no cover
    from lowlend.web.config_admin.kinds import Kind

MAX_LISTED = 8
"""How many inner labels a details cell lists before "…"."""


@dataclass(frozen=True)
class Row:
    """One row of a config list.

    :ivar code: the code shown (an item, a role, a dictionary, a menu category).
    :ivar label: its label in the request locale.
    :ivar details: one short line about it.
    :ivar target: the item code its show/edit links open (the file for single-file kinds).
    :ivar files: bundle keys of the files behind the row.
    """

    code: str
    label: str
    details: str
    target: str
    files: list[str] = field(default_factory=list)


def label_of(spec: Any) -> str:
    """The ``label`` of a spec (or a label object itself) in the request locale."""
    label = getattr(spec, "label", spec)
    return label_text(label) if label is not None else ""


def region_label(registry: Any, code: Any) -> str:
    """A compliance region code as the region's label (the code if unknown)."""
    if not code:
        return ""
    regions = getattr(registry, "regions", None) or {}
    spec = regions.get(str(code))
    return (label_of(spec) if spec is not None else "") or str(code)


def joined(labels: Iterable[str], sep: str = ", ") -> str:
    """At most :data:`MAX_LISTED` non-empty labels joined by ``sep`` ("…" if more)."""
    values = [v for v in labels if v]
    more = "…" if len(values) > MAX_LISTED else ""
    return sep.join(values[:MAX_LISTED]) + (f"{sep}{more}" if more else "")


def spec_details(spec: Any, registry: Any) -> str:
    """One short line about a per-file item, codes shown as their labels.

    Products: loan kind · region · currency · repayment method · frequency; regions:
    currency · the region inherited from; templates: channels; chains: steps;
    scorecards: base points and cut-offs; entities: table, parent and fields.
    """
    if spec is None:
        return ""
    parts = [code_label("loan_kind", getattr(spec, "kind", None))]
    parts.append(region_label(registry, getattr(spec, "region", None)))
    parts.append(str(getattr(spec, "currency", None) or ""))
    parts.append(code_label("amortization", getattr(spec, "amortization", None)))
    repayment = getattr(spec, "repayment", None)
    parts.append(code_label("frequency", getattr(repayment, "frequency", None)))
    parts.append(region_label(registry, getattr(spec, "inherits", None)))
    channels = getattr(spec, "channels", None)
    if channels:
        parts.append(", ".join(code_label("channel", c) for c in channels))
    steps = getattr(spec, "steps", None)
    if steps:
        parts.append(" → ".join(label_of(s) or str(getattr(s, "code", s)) for s in steps))
    if getattr(spec, "approve_min", None) is not None:
        parts.append(
            _(
                "base %(base)s, approve ≥ %(approve)s, refer ≥ %(refer)s",
                base=spec.base_points,
                approve=spec.approve_min,
                refer=spec.refer_min,
            )
        )
        parts.append(joined(label_of(c) for c in spec.characteristics))
    if getattr(spec, "table", None):
        parts.append(str(spec.table))
        if getattr(spec, "parent", None):
            parts.append(_("belongs to %(parent)s", parent=spec.parent))
        parts.append(joined(label_of(f) for f in getattr(spec, "fields", ())))
    return " · ".join(p for p in parts if p)


def file_rows(kind: Kind, registry: Any, files: Mapping[str, str]) -> list[Row]:
    """One row per item file of ``kind`` (codes of the registry and of the bundle)."""
    specs = kind.specs(registry)
    rows = []
    for code in sorted(set(specs) | set(kind.codes_in(files))):
        spec = specs.get(code)
        rows.append(
            Row(
                code=code,
                label=label_of(spec) if spec is not None else "",
                details=spec_details(spec, registry),
                target=code,
                files=kind.item_keys(files, code),
            )
        )
    return rows


def _inner_rows(
    kind: Kind, files: Mapping[str, str], entries: Iterable[tuple[str, str, str]]
) -> list[Row]:
    """Rows for ``(code, label, details)`` entries inside the kind's single file."""
    target = next(iter(kind.codes_in(files)), "")
    keys = kind.item_keys(files, target) if target else []
    return [Row(code, label, details, target, keys) for code, label, details in entries]


def dictionary_rows(kind: Kind, registry: Any, files: Mapping[str, str]) -> list[Row]:
    """One row per dictionary of ``dictionaries.yaml``: its items' labels as details."""
    dictionaries = getattr(registry, "dictionaries", None) or {}
    return _inner_rows(
        kind,
        files,
        (
            (
                code,
                label_of(spec),
                f"{len(spec.items)}: " + joined(label_of(item) for item in spec.items),
            )
            for code, spec in dictionaries.items()
        ),
    )


def _scope(value: Any) -> str:
    return code_label("data_scope", value)


def view_labels(registry: Any) -> dict[str, str]:
    """View/entity code → its label in the request locale (menu items, then entities)."""
    out: dict[str, str] = {}
    for entity_code, spec in (getattr(registry, "entities", None) or {}).items():
        out[entity_code] = label_of(spec)
    for category in getattr(registry, "menus", None) or ():
        for item in category.items:
            out.setdefault(item.view, label_of(item))
    return out


def role_rows(kind: Kind, registry: Any, files: Mapping[str, str]) -> list[Row]:
    """One row per role of ``roles.yaml``: the entities/views it may use, data scope."""
    roles = getattr(registry, "roles", None) or {}
    labels = view_labels(registry)
    entries = []
    for code, role in roles.items():
        targets = joined(
            _("all screens") if view == "*" else labels.get(view, view)
            for view in sorted(role.permissions)
        )
        scope = role.data_scope.get("*")
        details = [_("Permissions: %(targets)s", targets=targets)] if targets else []
        if scope is not None:
            details.append(_("Data scope: %(scope)s", scope=_scope(scope)))
        entries.append((code, label_of(role), " · ".join(details)))
    return _inner_rows(kind, files, entries)


def menu_rows(kind: Kind, registry: Any, files: Mapping[str, str]) -> list[Row]:
    """One row per menu category of ``menus.yaml``: its items' labels as details."""
    menus = getattr(registry, "menus", None) or ()
    return _inner_rows(
        kind,
        files,
        (
            (cat.code, label_of(cat), joined((label_of(i) for i in cat.items), " · "))
            for cat in menus
        ),
    )


def settings_rows(kind: Kind, registry: Any, files: Mapping[str, str]) -> list[Row]:
    """One row per operations file: collection levels, warning indicators, EOD steps."""
    summaries = {
        "collections": lambda spec: joined((label_of(lv) for lv in spec.levels), " → "),
        "early_warning": lambda spec: joined(label_of(i) for i in spec.indicators),
        "eod": lambda spec: joined(
            (label_of(s) or _scope(s.code) for s in spec.steps if s.enabled), " → "
        ),
        "ledger": lambda spec: joined(label_of(a) for a in spec.accounts.values()),
    }
    rows = []
    for code in kind.codes_in(files):
        spec = getattr(registry, code, None) if registry is not None else None
        summary = summaries.get(code)
        details = summary(spec) if spec is not None and summary is not None else ""
        rows.append(
            Row(code, kind.item_label(registry, code), details, code, kind.item_keys(files, code))
        )
    return rows
