"""Shared pieces of the generated views and APIs: field rules, choices and validation.

Display is in :mod:`lowlend.web.generic.formatters`, ownership stamps in
:mod:`lowlend.web.generic.stamping`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app

from lowlend.services.custom_fields import ValidationResult, validate_record
from lowlend.spec.model import FieldSpec
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.forms.spec_form import REFERENCE_PREFIX
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.i18n import label_text

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


def display_name(record: Any) -> str | None:
    """What names a record in drop-downs and reference cells (first present of
    :data:`_DISPLAY_ATTRIBUTES`); ``None`` when it has none."""
    name = next((getattr(record, a) for a in _DISPLAY_ATTRIBUTES if getattr(record, a, None)), None)
    return None if name is None else str(name)


def reference_name(code: str, value: Any) -> str | None:
    """The display name of record ``value`` of view ``code`` if the user may see it, else
    ``None``; cached per request (a list repeats the same department on many rows)."""
    from flask import g, has_request_context

    from lowlend.web.datamodel import scoped_record
    from lowlend.web.generic.extension import EXTENSION_KEY

    target = current_app.extensions.get(EXTENSION_KEY, {}).get(code)
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    if target is None:
        return None
    cache: dict[tuple[str, int], str | None] = (
        g.setdefault("_lowlend_reference_names", {}) if has_request_context() else {}
    )
    if (code, pk) not in cache:
        record = scoped_record(target.model, code, pk)
        cache[(code, pk)] = display_name(record) if record is not None else None
    return cache[(code, pk)]


def reference_choices(code: str) -> list[tuple[str, str]] | None:
    """(id, "name #id") of the records of view ``code`` the user may see; ``None`` when no
    generated view has that code (the form then takes a typed id)."""
    from lowlend.web.datamodel import scoped_newest
    from lowlend.web.generic.extension import EXTENSION_KEY

    target = current_app.extensions.get(EXTENSION_KEY, {}).get(code)
    if target is None:
        return None
    out = []
    for record in scoped_newest(target.model, code, REFERENCE_CHOICES_LIMIT):
        name = display_name(record)
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
    spec = desc.spec_source()  # the registry look-up itself never raises
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
        result = validate(desc, values, only=set(values))
        return check_record(desc, result, edited_item(desc))

    return run


def edited_item(desc: EntityDescriptor) -> Any | None:
    """The record of the edit page being posted (``/<code>/edit/<pk>``), else ``None``."""
    from flask import has_request_context, request

    if not has_request_context() or not request.view_args:
        return None
    pk = request.view_args.get("pk")
    if pk is None or not str(request.endpoint or "").endswith(".edit"):
        return None
    try:
        return backend().records.get(desc.model, int(pk), no_autoflush=True)
    except (TypeError, ValueError):
        return None


def check_record(
    desc: EntityDescriptor, result: ValidationResult, item: Any | None
) -> ValidationResult:
    """Run the descriptor's record rules (:class:`~lowlend.web.generic.hooks.RecordHooks`)
    on the fields that passed their own checks; their messages join ``result.errors``
    and canonical values replace the typed ones."""
    if desc.hooks is None:
        return result
    valid = {k: v for k, v in result.values.items() if k not in result.errors}
    found = desc.hooks.check(desc, valid, item)
    result.values.update(valid)
    for code, messages in found.items():
        result.errors.setdefault(code, []).extend(messages)
    return result


def missing_references(desc: EntityDescriptor, values: Mapping[str, Any]) -> set[str]:
    """Reference fields among ``values`` whose id names no record of the target view
    (targets without a generated view are not checked)."""
    from lowlend.web.generic.extension import EXTENSION_KEY

    views = current_app.extensions.get(EXTENSION_KEY, {})
    out: set[str] = set()
    for f in desc.fields:
        value = values.get(f.code)
        target = views.get(f.reference or "")
        if f.kind.value != "reference" or value is None or target is None:
            continue
        if backend().records.get(target.model, value, no_autoflush=True) is None:
            out.add(f.code)
    return out


