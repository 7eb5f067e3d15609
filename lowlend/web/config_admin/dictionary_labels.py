"""A form editor for the labels of one dictionary of ``dictionaries.yaml``.

``GET|POST /config/dictionaries/labels/<dictionary>`` (action ``edit`` on
``dictionaries``) shows the dictionary's label and every item's label as
zh_CN/en text fields. The new values are written into the YAML text in place
(only the edited scalars change, as double-quoted YAML strings; comments and
layout stay), then the file goes through the same validation and publish as the
YAML editor. An error of the spec layer on a label's line is shown next to that
field; other errors are listed with their line.

:func:`label_fields` and :func:`apply_labels` are plain functions on text (no
Flask); :class:`DictionaryItemsView` is the dictionaries screen with the form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml
from flask import flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from lowlend.spec.standard_names import LOCALES
from lowlend.web.config_admin import editing
from lowlend.web.config_admin.forms import MAX_COMMENT
from lowlend.web.config_admin.i18n import _
from lowlend.web.config_admin.item_views import (
    ITEM_METHOD_ACTIONS,
    ConfigItemsView,
    conflict_message,
)
from lowlend.web.config_admin.listing import Row
from lowlend.web.config_admin.pages import can

MAX_LABEL = 200
"""Longest label accepted by the form."""


class LabelFormError(ValueError):
    """The dictionary cannot be edited in the form (unknown, or labels not plain text)."""


@dataclass(frozen=True)
class LabelField:
    """One editable label text: its form field and where its scalar is in the file.

    :ivar name: form field name (``label-<locale>`` or ``item-<code>-<locale>``).
    :ivar item: the item code (``None``: the dictionary's own label).
    :ivar start: offset of the scalar (quotes included) in the file text.
    :ivar end: offset just after it.
    """

    name: str
    item: str | None
    locale: str
    value: str
    line: int
    start: int
    end: int


def _get(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node if isinstance(value_node, yaml.Node) else None
    return None


def _label_fields(label: yaml.Node | None, item: str | None) -> list[LabelField]:
    if not isinstance(label, yaml.MappingNode):
        raise LabelFormError(f"the label of {item or 'the dictionary'} is not a mapping")
    out = []
    for locale in LOCALES:
        node = _get(label, locale)
        if not isinstance(node, yaml.ScalarNode):
            raise LabelFormError(f"the {locale} label of {item or 'the dictionary'} is not text")
        name = f"label-{locale}" if item is None else f"item-{item}-{locale}"
        out.append(
            LabelField(
                name,
                item,
                locale,
                str(node.value),
                node.start_mark.line + 1,
                node.start_mark.index,
                node.end_mark.index,
            )
        )
    return out


def label_fields(text: str, dictionary: str) -> list[LabelField]:
    """The label fields of ``dictionary`` in the text of ``dictionaries.yaml``.

    :raises LabelFormError: the text does not parse, the dictionary is unknown, or a
        label is not a ``{zh_CN: ..., en: ...}`` mapping of plain texts.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise LabelFormError(f"dictionaries.yaml does not parse: {exc}") from None
    entries = _get(root, "dictionaries") if isinstance(root, yaml.MappingNode) else None
    if not isinstance(entries, yaml.SequenceNode):
        raise LabelFormError("dictionaries.yaml has no list of dictionaries")
    for entry in entries.value:
        if not isinstance(entry, yaml.MappingNode):
            continue
        code = _get(entry, "code")
        if not isinstance(code, yaml.ScalarNode) or code.value != dictionary:
            continue
        fields = _label_fields(_get(entry, "label"), None)
        items = _get(entry, "items")
        for item in items.value if isinstance(items, yaml.SequenceNode) else ():
            item_code = _get(item, "code") if isinstance(item, yaml.MappingNode) else None
            if not isinstance(item_code, yaml.ScalarNode):
                raise LabelFormError("an item of the dictionary has no code")
            fields += _label_fields(_get(item, "label"), str(item_code.value))
        return fields
    raise LabelFormError(f"unknown dictionary: {dictionary}")


def quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar (JSON string syntax, which YAML accepts)."""
    return json.dumps(value, ensure_ascii=False)


def apply_labels(text: str, fields: list[LabelField], values: Mapping[str, str]) -> str:
    """``text`` with each changed field's scalar replaced by its new value (quoted)."""
    out = text
    for f in sorted(fields, key=lambda one: one.start, reverse=True):
        new = values.get(f.name, f.value)
        if new != f.value:
            out = out[: f.start] + quoted(new) + out[f.end :]
    return out


def field_errors(values: Mapping[str, str]) -> dict[str, str]:
    """Empty, multi-line or too long labels (form name → message)."""
    errors = {}
    for name, value in values.items():
        if not value.strip():
            errors[name] = _("A label is required.")
        elif "\n" in value or "\r" in value:
            errors[name] = _("A label is one line of text.")
        elif len(value) > MAX_LABEL:
            errors[name] = _("At most %(count)s characters.", count=MAX_LABEL)
    return errors


def field_of(fields: list[LabelField], problem: editing.Problem) -> str | None:
    """The form field a validation problem belongs to (by line, then locale in its path)."""
    on_line = [f for f in fields if f.line == problem.line]
    for f in on_line:
        if problem.path.endswith(f".{f.locale}"):
            return f.name
    return on_line[0].name if on_line else None


class LabelsForm(FlaskForm):
    """CSRF, publish comment and the version the form was opened on (labels: request)."""

    comment = StringField(validators=[Optional(), Length(max=MAX_COMMENT)])
    base = HiddenField()


class DictionaryItemsView(ConfigItemsView):
    """The dictionaries screen plus the label form of one dictionary."""

    method_permission_name: ClassVar[dict[str, str]] = {**ITEM_METHOD_ACTIONS, "labels": "edit"}

    def row_links(self, rows: list[Row]) -> dict[str, list[dict[str, str]]]:
        """An "Edit labels" button per dictionary (needs ``edit``)."""
        if not can("edit", self.kind.code):
            return {}
        return {
            row.code: [
                {
                    "url": url_for(f"{self.endpoint}.labels", code=row.code),
                    "title": _("Edit labels"),
                    "icon": "fa-language",
                    "css": "lowlend-edit-labels",
                }
            ]
            for row in rows
        }

    @expose("/labels/<code>", methods=["GET", "POST"])
    @has_access
    def labels(self, code: str) -> Any:
        """The zh_CN/en labels of dictionary ``code`` as form fields; validate, publish."""
        current = self._current_or_redirect()
        target = next(iter(self.kind.codes_in(current.files)), "") if current else ""
        if current is None or not target:
            return redirect(url_for(f"{self.endpoint}.list"))
        key = self.kind.main_key(target)
        try:
            fields = label_fields(current.files[key], code)
        except LabelFormError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        form = LabelsForm()
        if request.method == "GET":
            form.base.data = str(current.number)
        values = {f.name: f.value for f in fields}
        errors: dict[str, str] = {}
        form_errors: list[str] = []
        validation: editing.Validation | None = None
        op = request.form.get("op", "") if request.method == "POST" else ""
        if request.method == "POST":
            values = {f.name: request.form.get(f.name, f.value) for f in fields}
            if not form.validate():
                for name, messages in form.errors.items():
                    form_errors += [f"{name}: {m}" for m in messages]
            conflict = conflict_message(form.base.data, current, key)
            if conflict:
                form_errors.append(conflict)
            errors = field_errors(values)
            if not form_errors and not errors:
                text = apply_labels(current.files[key], fields, values)
                files = editing.working_bundle(current.files, key, text)
                validation = editing.validate(files)
                for problem in validation.problems_in(key):
                    name = field_of(fields, problem)
                    if name is not None:
                        errors.setdefault(name, problem.message)
                if op == "publish" and validation.ok:
                    response = self._publish(
                        files, form, validation, target, url_for(f"{self.endpoint}.list")
                    )
                    if response is not None:
                        return response
        lines = {f.name: f.line for f in fields}
        return self.render_template(
            "config_admin/dictionary_labels.html",
            form=form,
            code=code,
            key=key,
            label=self.kind.item_label(None, target),
            rows=_form_rows(fields, values, errors, lines),
            errors=errors,
            form_errors=form_errors,
            validation=validation,
            other_problems=[
                p
                for p in (validation.problems if validation is not None else ())
                if p.key != key or p.line not in set(lines.values())
            ],
            version=current,
            **self._common(f"{self.kind.title} · {code}", None),
        )


def _form_rows(
    fields: list[LabelField],
    values: Mapping[str, str],
    errors: Mapping[str, str],
    lines: Mapping[str, int],
) -> list[dict[str, Any]]:
    """One row per label (the dictionary first, then each item) with its locale inputs."""
    rows: dict[str | None, dict[str, Any]] = {}
    for f in fields:
        row = rows.setdefault(f.item, {"item": f.item, "line": lines[f.name], "inputs": []})
        row["inputs"].append(
            {
                "name": f.name,
                "locale": f.locale,
                "value": values.get(f.name, f.value),
                "error": errors.get(f.name),
            }
        )
    return list(rows.values())
