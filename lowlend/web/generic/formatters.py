"""How the generated lists, show pages and exports display values, by column kind.

:func:`formatters_for` maps each column of a descriptor to a formatter: money, rates
and dates in the request locale (:mod:`lowlend.web.generic.labels`), dictionary
labels (config and built-in), child tables and ``Application.custom`` as small
escaped tables, file fields as download links, references by name, masked PII.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.fernet import InvalidToken
from flask import current_app
from werkzeug.routing import BuildError

from lowlend.web import registry_hooks
from lowlend.web.generic.common import current_fields, dictionaries_for, reference_name
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.labels import (
    bilingual,
    dictionary_formatter,
    format_bool,
    format_date,
    format_json,
    format_money,
    format_rate,
    pii_formatter,
)
from lowlend.web.generic.stamping import id_protector
from lowlend.web.i18n import label_text

__all__ = ["REFERENCE_COLUMNS", "choices_dict", "formatters_for", "reference_formatter"]

log = logging.getLogger(__name__)


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
        elif kind == "enum_list":
            fmt = _code_list(desc, dictionaries.get(column) or "")
        elif kind == "entity":
            fmt = format_entity
        elif kind == "child_table":
            fmt = child_table_formatter(desc, column)
        elif kind == "file":
            from lowlend.web.attachments.uploads import file_formatter

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


def _typed(kind: str, value: Any) -> Any:
    """A stored custom value (JSON text) as the type its formatter expects."""
    import datetime as dt

    try:
        if kind == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if kind == "datetime" and isinstance(value, str):
            return dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return value


#: custom field kinds displayed like the columns of the same kind
_CUSTOM_VALUE_FORMATTERS: Mapping[str, Callable[[Any], str]] = {
    "money": format_money,
    "rate": format_rate,
    "date": format_date,
    "datetime": format_date,
}


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
                from lowlend.web.attachments.uploads import file_formatter

                cell: Any = file_formatter(item)
            elif isinstance(item, list) and all(isinstance(r, Mapping) for r in item):
                cell = child_table_html(getattr(spec, "columns", ()) or (), item, dictionaries)
            elif isinstance(item, (dict, list)):
                cell = format_json(item)
            elif isinstance(item, bool):
                cell = format_bool(item)
            elif spec is not None and spec.dictionary:
                cell = choices_dict(dictionaries, spec.dictionary).get(str(item), str(item))
            elif kind in _CUSTOM_VALUE_FORMATTERS and item not in (None, ""):
                cell = _CUSTOM_VALUE_FORMATTERS[kind](_typed(kind, item))
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
    """Shows a record id as a link to the show page of the target view (when registered),
    named like the drop-downs (``南昌分公司 #3``); a record outside the user's data scope
    shows its number only."""

    if target == "users":
        return format_user

    def fmt(value: Any) -> Any:
        if value is None or value == "":
            return ""
        from flask import url_for
        from markupsafe import Markup

        try:
            href = url_for(f"GenericView_{target}.show", pk=value)
        except BuildError:  # no generated view of ``target`` in this app: the number only
            log.debug("lowlend: no view %s: reference %s without a link", target, value)
            return str(value)
        name = reference_name(target, value)
        text = f"{name} #{value}" if name else f"#{value}"
        return Markup('<a href="{}">{}</a>').format(href, text)

    return fmt


def format_user(value: Any) -> Any:
    """A login (FAB user id) as ``username (role labels)``, linked to the user screen for
    those who may open it; the roles come from roles.yaml labels where declared."""
    from flask import url_for
    from markupsafe import Markup

    if value is None or value == "":
        return ""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    try:
        user = sm.get_user_by_id(int(value))
    except (TypeError, ValueError):
        user = None
    if user is None:
        return f"#{value}"
    registry = registry_hooks.current_registry()
    declared = getattr(registry, "roles", None) or {}
    roles = ", ".join(
        label_text(declared[r.name].label) if r.name in declared else r.name for r in user.roles
    )
    text = f"{user.username} ({roles})" if roles else user.username
    if not sm.has_access("can_show", "UserDBModelView"):
        return text
    try:
        href = url_for("UserDBModelView.show", pk=user.id)
    except BuildError:
        log.warning("lowlend: no UserDBModelView.show: user %s shown without a link", user.id)
        return text
    return Markup('<a href="{}">{}</a>').format(href, text)


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
    from lowlend.web.generic.core_entities import AUDIT_SUBJECTS, CORE_ENTITIES

    for core in CORE_ENTITIES:
        if core.code == value:
            return str(bilingual(*core.label))
    if value in AUDIT_SUBJECTS:
        return str(bilingual(*AUDIT_SUBJECTS[value]))
    registry = registry_hooks.current_registry()
    spec = (getattr(registry, "entities", None) or {}).get(value)
    return label_text(spec.label) if spec is not None else str(value)




def _decrypt_id_number(value: Any) -> str:
    if not value:
        return ""
    try:
        return str(id_protector().decrypt(str(value)))
    except (InvalidToken, ValueError, RuntimeError) as exc:
        # wrong or missing master key / pepper, or a damaged value: shown masked
        log.warning("lowlend: an identity number cannot be decrypted (%s)", type(exc).__name__)
        return "******"
