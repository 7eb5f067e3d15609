"""Shared pieces of the generated views and APIs: validation, formatters, record stamping."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from lowlend.services.custom_fields import ValidationResult, validate_record
from lowlend.spec.model import FieldSpec
from lowlend.web import registry_hooks
from lowlend.web.forms import REFERENCE_PREFIX
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.interface import current_user_info
from lowlend.web.generic.labels import (
    bilingual,
    dictionary_formatter,
    format_bool,
    format_date,
    format_json,
    format_money,
    format_rate,
    label_text,
    pii_formatter,
)

log = logging.getLogger(__name__)


def dictionaries_for(desc: EntityDescriptor) -> dict[str, Any]:
    """Dictionaries of the current registry plus the descriptor's built-in ones."""
    registry = registry_hooks.current_registry()
    out: dict[str, Any] = dict(getattr(registry, "dictionaries", None) or {})
    for code, spec in desc.dictionaries.items():
        out.setdefault(code, spec)
    return out


#: how many records a reference drop-down offers (newest first; type to search)
REFERENCE_CHOICES_LIMIT = 500
#: attributes that name a record in a drop-down, first present wins
_DISPLAY_ATTRIBUTES = (
    "name", "title", "plate_no", "device_no", "code", "employee_no", "username"
)


def reference_choices(code: str) -> list[tuple[str, str]] | None:
    """(id, "name #id") of the records of view ``code`` the user may see; ``None`` when no
    generated view has that code (the form then takes a typed id)."""
    from lowlend.persistence.db import db
    from lowlend.web.datamodel import scoped_select
    from lowlend.web.generic import EXTENSION_KEY

    target = current_app.extensions.get(EXTENSION_KEY, {}).get(code)
    if target is None:
        return None
    model = target.model
    stmt = scoped_select(model, code).order_by(model.id.desc()).limit(REFERENCE_CHOICES_LIMIT)
    out = []
    for record in db.session.scalars(stmt):
        name = next((getattr(record, a) for a in _DISPLAY_ATTRIBUTES
                     if getattr(record, a, None)), None)
        out.append((str(record.id), f"{name} #{record.id}" if name else f"#{record.id}"))
    return out


def choices_for(
    desc: EntityDescriptor,
) -> Callable[[str | None], list[tuple[str, str]] | None]:
    def choices(dictionary: str | None) -> list[tuple[str, str]] | None:
        if dictionary and dictionary.startswith(REFERENCE_PREFIX):
            return reference_choices(dictionary[len(REFERENCE_PREFIX):])
        spec = dictionaries_for(desc).get(dictionary or "")
        if spec is None:
            return []
        return [(item.code, label_text(item.label)) for item in spec.items if item.active]

    return choices


def enum_choices(desc: EntityDescriptor) -> dict[str, Callable[[], list[tuple[str, str]]]]:
    """Search columns holding a dictionary code → their (code, label) choices (callable, so
    the labels follow the request locale): for select widgets of the search filters."""
    by_field = {f.code: f.dictionary for f in desc.fields if f.dictionary}
    out: dict[str, Callable[[], list[tuple[str, str]]]] = {}
    for column in desc.search_columns:
        kind = desc.kinds.get(column, "")
        code = kind.split(":", 1)[1] if kind.startswith("enum:") else None
        if kind == "enum":
            code = by_field.get(column)
        if code:
            out[column] = functools.partial(_dictionary_choices, desc, code)
    return out


def _dictionary_choices(desc: EntityDescriptor, code: str) -> list[tuple[str, str]]:
    """(code, label) of the active items of dictionary ``code``, read now."""
    return list(choices_for(desc)(code) or [])


def enum_filter_fields(desc: EntityDescriptor) -> dict[str, Any]:
    """FAB ``search_form_extra_fields``: a select of (code, label) per dictionary column.

    The choices are a callable, resolved each time the search form is instantiated
    (once per request), so labels follow the request locale and a dictionary published
    after boot shows at once.
    """
    from wtforms import SelectField
    from wtforms.widgets import Select

    out: dict[str, Any] = {}
    for column, choices in enum_choices(desc).items():
        out[column] = SelectField(
            desc.labels.get(column, column),
            choices=choices,
            validate_choice=False,
            widget=Select(),
            render_kw={"class": "form-control lowlend-enum-filter"},
        )
    return out


def current_fields(desc: EntityDescriptor) -> tuple[FieldSpec, ...]:
    """Field rules now: the current registry's entity spec (boot columns only) or the boot ones."""
    if desc.spec_source is None:
        return desc.fields
    try:
        spec = desc.spec_source()
    except Exception:
        return desc.fields
    boot = {f.code for f in desc.fields}
    declared = tuple(f for f in getattr(spec, "fields", ()) if f.code in boot)
    if not declared:
        return desc.fields
    codes = {f.code for f in declared}
    synthetic = tuple(f for f in desc.fields if f.code not in codes and f.code == "parent_id")
    return synthetic + declared


def validate(
    desc: EntityDescriptor,
    values: Mapping[str, Any],
    *,
    only: set[str] | None = None,
    reject_unknown: bool = False,
) -> ValidationResult:
    """Validate ``values`` against the descriptor's (current) field rules."""
    fields = current_fields(desc)
    if only is not None:
        fields = tuple(f for f in fields if f.code in only)
    return validate_record(fields, values, dictionaries_for(desc), reject_unknown=reject_unknown)


def form_validator(desc: EntityDescriptor) -> Callable[[Mapping[str, Any]], ValidationResult]:
    def run(values: Mapping[str, Any]) -> ValidationResult:
        return validate(desc, values, only=set(values))

    return run


def formatters_for(desc: EntityDescriptor) -> dict[str, Callable[[Any], str]]:
    """List/show formatters by column: money, rates, dates, dictionary labels, JSON, PII."""
    from lowlend.web.generic.audit_format import audit_json_formatter

    out: dict[str, Callable[[Any], str]] = {}
    dictionaries = {f.code: f.dictionary for f in desc.fields if f.dictionary}
    for column, kind in desc.kinds.items():
        fmt: Callable[[Any], str] | None = None
        if kind == "money":
            fmt = format_money
        elif kind == "rate":
            fmt = format_rate
        elif kind in ("date", "datetime"):
            fmt = format_date
        elif kind == "bool":
            fmt = format_bool
        elif kind == "enum":
            code = dictionaries.get(column)
            # a core entity's own dictionaries (statuses) come first, then dictionaries.yaml
            if code is not None and code in desc.dictionaries:
                fmt = _builtin_dictionary(desc, code)
            else:
                fmt = dictionary_formatter(code)
        elif kind.startswith("enum:"):
            fmt = _builtin_dictionary(desc, kind.split(":", 1)[1])
        elif kind.startswith("enum_list:"):
            fmt = _code_list(desc, kind.split(":", 1)[1])
        elif kind == "entity":
            fmt = format_entity
        elif kind == "child_table":
            fmt = child_table_formatter(desc, column)
        elif kind == "file":
            from lowlend.web.attachments import file_formatter

            fmt = file_formatter
        elif kind in ("json", "child_table"):
            fmt = format_json
        elif kind == "audit_json":
            fmt = audit_json_formatter
        if fmt is not None:
            out[column] = fmt
    for column in ("created_at", "updated_at", "at", "booked_at", "submitted_at", "decided_at"):
        out.setdefault(column, format_date)
    if desc.code == "applications":
        out.setdefault("custom", application_custom_formatter(desc))
    if "product_code" in desc.kinds or any(f.code == "product_code" for f in desc.fields):
        out.setdefault("product_code", format_product)
    for f in desc.fields:
        if f.kind.value == "reference" and f.reference:
            out[f.code] = reference_formatter(f.reference)
    for column, target in REFERENCE_COLUMNS.items():
        if column in desc.kinds or column in out:
            continue
        out[column] = reference_formatter(target)
    if desc.config_entity and desc.parent:
        out["parent_id"] = reference_formatter(desc.parent)
    for column, pii_class in desc.pii.items():
        inner = out.get(column)
        if column == "id_number_enc":
            inner = _decrypt_id_number
        out[column] = pii_formatter(desc.code, pii_class, inner)
    for column in (*desc.list_columns, *desc.show_columns):
        out.setdefault(column, format_plain)  # an empty cell, not "None"
    return out


def child_table_formatter(desc: EntityDescriptor, code: str) -> Callable[[Any], Any]:
    """Rows of a ``child_table`` field as a small HTML table (columns of the current spec)."""
    from lowlend.web.forms.child_table import child_table_html

    def fmt(value: Any) -> Any:
        spec = next((f for f in current_fields(desc) if f.code == code), None)
        columns = getattr(spec, "columns", None) or ()
        return child_table_html(columns, value, dictionaries_for(desc))

    return fmt


def application_custom_formatter(desc: EntityDescriptor) -> Callable[[Any], Any]:
    """``Application.custom`` as a label/value table; child tables as nested tables.

    Labels and columns come from the custom fields of the current registry's products
    (the first product declaring a code wins); unknown keys are shown by code.
    """
    from markupsafe import Markup

    from lowlend.web.forms.child_table import child_table_html

    def fmt(value: Any) -> Any:
        if value is None or value == "" or value == {}:
            return ""
        if not isinstance(value, Mapping):
            return format_json(value)
        registry = registry_hooks.current_registry()
        specs: dict[str, Any] = {}
        for product in (getattr(registry, "products", None) or {}).values():
            for spec in getattr(product, "custom_fields", ()):
                specs.setdefault(spec.code, spec)
        dictionaries = dictionaries_for(desc)
        rows = Markup("")
        for key, item in value.items():
            spec = specs.get(key)
            label = label_text(spec.label) if spec is not None else str(key)
            kind = str(getattr(getattr(spec, "kind", None), "value", ""))
            if kind == "file":
                from lowlend.web.attachments import file_formatter

                cell: Any = file_formatter(item)
            elif isinstance(item, list) and all(isinstance(r, Mapping) for r in item):
                cell = child_table_html(getattr(spec, "columns", ()) or (), item, dictionaries)
            elif isinstance(item, (dict, list)):
                cell = format_json(item)
            elif isinstance(item, bool):
                cell = format_bool(item)
            elif spec is not None and spec.dictionary:
                cell = choices_dict(dictionaries, spec.dictionary).get(str(item), str(item))
            else:
                cell = "" if item is None else str(item)
            rows += Markup("<tr><th>{}</th><td>{}</td></tr>\n").format(label, cell)
        return Markup(
            '<table class="table table-condensed lowlend-custom-view"><tbody>{}</tbody></table>'
        ).format(rows)

    return fmt


def choices_dict(dictionaries: Mapping[str, Any], code: str) -> dict[str, str]:
    """Item code → label (request locale) of one dictionary (empty if unknown)."""
    spec = dictionaries.get(code)
    return {i.code: label_text(i.label) for i in getattr(spec, "items", ())}


def format_plain(value: Any) -> Any:
    """A value as it is, ``None`` as an empty cell (FAB would show "None")."""
    return "" if value is None else value


#: integer columns of the core tables that point at a record of another view code
REFERENCE_COLUMNS: Mapping[str, str] = {
    "customer_id": "customers",
    "loan_id": "loans",
    "application_id": "applications",
    "department_id": "departments",
    "owner_staff_id": "staff",
    "reversed_of": "transactions",
}


def reference_formatter(target: str) -> Callable[[Any], Any]:
    """Shows a record id as a link to the show page of the target view (when registered)."""

    def fmt(value: Any) -> Any:
        if value is None or value == "":
            return ""
        from flask import url_for
        from markupsafe import Markup, escape

        try:
            href = url_for(f"GenericView_{target}.show", pk=value)
        except Exception:
            return str(value)
        return Markup('<a href="{}">{}</a>').format(href, escape(str(value)))

    return fmt


def format_product(value: Any) -> str:
    """A product code as its label in the request locale (the code if unknown)."""
    if value is None or value == "":
        return ""
    registry = registry_hooks.current_registry()
    product = getattr(registry, "products", {}).get(value) if registry is not None else None
    return label_text(product.label) if product is not None else str(value)


def _builtin_dictionary(desc: EntityDescriptor, code: str) -> Callable[[Any], str]:
    spec = desc.dictionaries.get(code)
    fallback_items = {i.code: i.label for i in spec.items} if spec is not None else {}

    def fmt(value: Any) -> str:
        if value in fallback_items:
            return label_text(fallback_items[value])
        return "" if value is None else str(value)

    return fmt


def _code_list(desc: EntityDescriptor, dictionary_code: str) -> Callable[[Any], str]:
    """A list of codes (e.g. staff skills) as its labels, comma-separated.

    Labels come from the dictionary ``dictionary_code`` (dictionaries.yaml of the current
    registry, else the descriptor's built-in one); a code without a label is shown as is.
    """

    def fmt(value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.lstrip().startswith("[") else [value]
            except ValueError:
                value = [value]
        codes = value if isinstance(value, (list, tuple, set)) else [value]
        spec = dictionaries_for(desc).get(dictionary_code)
        labels = {i.code: i.label for i in spec.items} if spec is not None else {}
        return ", ".join(
            label_text(labels[c]) if c in labels else str(c) for c in codes if c not in (None, "")
        )

    return fmt


def format_entity(value: Any) -> str:
    """A view code (e.g. the entity of an audit row) as the view's label."""
    if value is None or value == "":
        return ""
    descriptors = current_app.extensions.get("lowlend_generic") or {}
    desc = descriptors.get(value)
    if desc is not None:
        return str(desc.label)
    from lowlend.web.generic.entities import CORE_ENTITIES

    for core in CORE_ENTITIES:
        if core.code == value:
            return str(bilingual(*core.label))
    registry = registry_hooks.current_registry()
    spec = (getattr(registry, "entities", None) or {}).get(value)
    return label_text(spec.label) if spec is not None else str(value)


def id_protector() -> Any:
    """The identity-number hasher/encrypter (``LOWLEND_ID_PEPPER``, ``MASTER_KEY``)."""
    from lowlend.persistence.demo_loader import DEMO_PEPPER
    from lowlend.persistence.repositories import IdNumberProtector

    pepper = current_app.config.get("LOWLEND_ID_PEPPER") or DEMO_PEPPER
    if isinstance(pepper, str):
        pepper = pepper.encode("utf-8")
    return IdNumberProtector(pepper, current_app.config.get("MASTER_KEY"))


def _decrypt_id_number(value: Any) -> str:
    if not value:
        return ""
    try:
        return str(id_protector().decrypt(str(value)))
    except Exception:
        return "******"


def current_version_id() -> int | None:
    """Database id of the current published config version (``None`` if none)."""
    prov = registry_hooks.provider()
    if prov is None:
        return None
    try:
        prov.current()
    except Exception:
        return None
    return getattr(prov, "version_id", None)


def _staff_of(user_id: int | None) -> tuple[int | None, int | None]:
    """(staff id, department id) of a FAB user's staff record."""
    if user_id is None:
        return None, None
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Staff

    try:
        with db.session.no_autoflush:
            staff = db.session.query(Staff).filter(Staff.user_id == user_id).first()
    except Exception:
        return None, None
    if staff is None:
        return None, None
    return staff.id, staff.department_id


def stamp_new(desc: EntityDescriptor, item: Any, extra: Mapping[str, Any] | None = None) -> None:
    """Fill standard columns of a new record (owner, department, version, virtual fields)."""
    user_id, username = current_user_info()
    columns = set(item.__table__.columns.keys())
    if "created_by" in columns and getattr(item, "created_by", None) is None:
        item.created_by = user_id
    if "owner_id" in columns and getattr(item, "owner_id", None) is None:
        item.owner_id = user_id
    staff_id, department_id = _staff_of(user_id)
    if "department_id" in columns and getattr(item, "department_id", None) is None:
        item.department_id = department_id
    if (
        desc.code != "staff"
        and "owner_staff_id" in columns
        and getattr(item, "owner_staff_id", None) is None
    ):
        item.owner_staff_id = staff_id
    if "config_version_id" in columns and getattr(item, "config_version_id", None) is None:
        item.config_version_id = current_version_id()
    if (
        desc.owner_field
        and desc.owner_field in columns
        and not getattr(item, desc.owner_field, None)
    ):
        setattr(item, desc.owner_field, username or None)
    if desc.code == "customers":
        number = (extra or {}).get("id_number")
        if number:
            protector = id_protector()
            item.id_number_hash = protector.hash(str(number))
            item.id_number_enc = protector.encrypt(str(number))
        if not getattr(item, "custom", None):
            item.custom = {}


def keep_not_null(item: Any) -> None:
    """A blank value of a NOT NULL column keeps the stored value (e.g. ``currency``)."""
    import sqlalchemy as sa

    state = sa.inspect(item)
    for column in item.__table__.columns:
        if column.nullable or column.primary_key or getattr(item, column.key, None) is not None:
            continue
        history = state.attrs[column.key].history
        if history.deleted and history.deleted[0] is not None:
            setattr(item, column.key, history.deleted[0])


def stamp_update(item: Any) -> None:
    keep_not_null(item)
    user_id, _ = current_user_info()
    if "updated_by" in item.__table__.columns.keys():
        item.updated_by = user_id
