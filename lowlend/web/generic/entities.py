"""What a generated view/API is built from: :class:`EntityDescriptor`.

One descriptor per view code: config-declared entities (from ``EntitySpec``)
and the core entities (code-level field descriptions with bilingual lazy labels,
:data:`lowlend.web.generic.core_entities.CORE_ENTITIES`). Field rules are :class:`~lowlend.spec.model.FieldSpec`
objects in both cases, so the same server-side validator
(:mod:`lowlend.services.custom_fields`) checks web forms and REST input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from lowlend.spec.model import DictionarySpec, FieldKind, FieldSpec, Label
from lowlend.web.generic.labels import bilingual, config_label

__all__ = ["EntityDescriptor", "config_descriptor"]


@dataclass
class EntityDescriptor:
    """Everything needed to generate the view and API of one code."""

    code: str
    model: type
    label: Any  # lazy string
    fields: tuple[FieldSpec, ...]  # editable fields (validated server-side)
    labels: dict[str, Any]  # column/field code → lazy label
    list_columns: tuple[str, ...]
    search_columns: tuple[str, ...]
    show_columns: tuple[str, ...] = ()
    sections: tuple[tuple[Any, tuple[str, ...]], ...] = ()  # (label, field codes)
    read_only: bool = False
    config_entity: bool = False
    pii: dict[str, str] = field(default_factory=dict)  # column → PII class
    dictionaries: dict[str, DictionarySpec] = field(default_factory=dict)  # built-in enums
    virtual: tuple[str, ...] = ()  # form/API fields that are not columns (e.g. id_number)
    edit_read_only: tuple[str, ...] = ()  # fields shown on add only
    kinds: dict[str, str] = field(default_factory=dict)  # column → kind (formatting)
    base_order: tuple[str, str] | None = ("id", "desc")
    spec_source: Callable[[], Any] | None = None  # current EntitySpec (config entities)
    owner_field: str | None = None
    menu_category: str | None = None
    parent: str | None = None  # view code of the parent record (config entities)
    #: field code → roles.yaml action needed to set it (other users neither see it on the
    #: form nor may send it over REST), e.g. ``{"credit_limit": "approve"}``
    field_actions: dict[str, str] = field(default_factory=dict)
    extra_actions: tuple[str, ...] = ()  # permissions beyond CRUD (``approve``)
    #: record rules beyond the field rules (a :class:`~lowlend.web.generic.hooks.RecordHooks`)
    hooks: Any = None


def _field_labels(fields: tuple[FieldSpec, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        out[f.code] = config_label(f.label)
        if f.help is not None:
            out[f"{f.code}.__help__"] = config_label(f.help)
    return out


STANDARD_LABELS: dict[str, tuple[str, str]] = {
    "id": ("ID", "编号"),
    "department_id": ("Department", "部门"),
    "owner_id": ("Owner", "负责人"),
    "parent_id": ("Parent record", "上级记录"),
    "created_at": ("Created at", "创建时间"),
    "created_by": ("Created by", "创建人"),
    "updated_at": ("Updated at", "更新时间"),
    "updated_by": ("Updated by", "更新人"),
    "config_version_id": ("Config version", "配置版本"),
}


def config_descriptor(
    spec: Any, model: type, registry_lookup: Callable[[], Any]
) -> EntityDescriptor:
    """Descriptor of a config-declared entity (``entities/<code>.yaml``)."""
    fields = tuple(sorted(spec.fields, key=lambda f: (f.order, spec.fields.index(f))))
    columns = set(model.__table__.columns.keys())  # type: ignore[attr-defined]
    fields = tuple(f for f in fields if f.code in columns)
    labels = {k: bilingual(*v) for k, v in STANDARD_LABELS.items()}
    labels.update(_field_labels(fields))
    parent_label = {
        "loans": ("Loan", "贷款"),
        "customers": ("Customer", "客户"),
        "applications": ("Application", "申请"),
    }.get(spec.parent or "")
    if parent_label:
        labels["parent_id"] = bilingual(*parent_label)
    if spec.parent:  # the record it belongs to (e.g. the loan of a collateral)
        en, zh = parent_label or ("Parent record", "上级记录")
        fields = (
            FieldSpec("parent_id", FieldKind.REFERENCE, Label(zh, en), reference=spec.parent),
            *fields,
        )
    sections: list[tuple[Any, tuple[str, ...]]] = []
    if spec.sections:
        seen: set[str] = set()
        for section in spec.sections:
            codes = tuple(f.code for f in fields if f.section == section.code)
            if spec.parent and not sections:  # the record it belongs to comes first
                codes = ("parent_id", *codes)
            seen.update(codes)
            if codes:
                sections.append((config_label(section.label), codes))
        rest = tuple(f.code for f in fields if f.code not in seen)
        if rest:
            sections.append((_l("Other"), rest))
    list_columns = tuple(c for c in spec.list_columns if c in columns) or tuple(
        f.code for f in fields[:4]
    )
    search = tuple(c for c in spec.search_columns if c in columns and _searchable(fields, c)) + (
        ("parent_id",) if spec.parent else ()
    )

    def current_spec() -> Any:
        registry = registry_lookup()
        entities = getattr(registry, "entities", None) or {}
        return entities.get(spec.code) or spec

    return EntityDescriptor(
        code=spec.code,
        model=model,
        label=config_label(spec.label),
        fields=fields,
        labels=labels,
        list_columns=list_columns,
        search_columns=search,
        show_columns=(
            *tuple(f.code for f in fields),
            "parent_id",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "config_version_id",
        ),
        sections=tuple(sections),
        config_entity=True,
        pii={f.code: f.pii for f in fields if f.pii},
        kinds={f.code: f.kind.value for f in fields},
        spec_source=current_spec,
        owner_field=spec.owner_field,
        menu_category=spec.menu_category,
        parent=spec.parent,
    )


def _searchable(fields: tuple[FieldSpec, ...], code: str) -> bool:
    for f in fields:
        if f.code == code:
            return f.kind not in (
                FieldKind.JSON,
                FieldKind.CHILD_TABLE,
                FieldKind.FILE,
                FieldKind.ENUM_LIST,
            )
    return True
