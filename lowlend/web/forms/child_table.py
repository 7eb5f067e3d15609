"""Inline editor of ``child_table`` fields: one HTML table row per child row.

A ``child_table`` field spec declares ``columns`` (field specs of their own). The
form field :class:`ChildTableField` renders them with :class:`ChildTableWidget`:

* one column per column spec, headed by its label in the request locale (``*`` when
  the column is required); the input type follows the column kind (``int`` →
  number, ``money``/``rate`` → decimal number, ``date`` → date, ``bool`` →
  checkbox, ``enum`` → a select of the *current* dictionary, …);
* the stored rows, then one empty row, so that rows can be edited and one added
  without JavaScript; ``static/lowlend/lowlend-forms.js`` adds "Add row" /
  "Remove row" behaviour (the button texts come from the server, translated);
* inputs are named ``<field>-<row>-<column>``; a hidden ``<field>`` input marks the
  table as present (so that removing every row really empties the field).

:func:`parse_rows` turns the posted names back into a list of row dicts (blank
rows dropped). The rows are then checked by the server-side validator
(:mod:`lowlend.services.custom_fields`), whose ``row`` messages (``row`` 1-based,
``column`` code) :meth:`ChildTableField.add_messages` puts next to their cells.

For compatibility with API-like posts, a non-empty ``<field>`` value without any
row inputs is taken as the JSON text of the rows (the validator parses it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field
from wtforms.utils import unset_value

from lowlend.web.generic.labels import (
    format_bool,
    format_date,
    format_money,
    format_rate,
    translate,
)
from lowlend.web.i18n import label_text

__all__ = [
    "MAX_ROWS",
    "ChildTableField",
    "ChildTableWidget",
    "child_table_html",
    "parse_rows",
]

#: texts of this module, translated at render time (listed for message extraction)
MESSAGES = (_l("Add row"), _l("Remove row"), _l("Too many rows (at most %(max)s)."))

#: rows accepted from one post (more are refused with a field error)
MAX_ROWS = 500

_NUMBER_STEPS = {"int": "1", "money": "0.01", "rate": "0.000001", "reference": "1"}
_INPUT_TYPES = {
    "int": "number",
    "money": "number",
    "rate": "number",
    "reference": "number",
    "date": "date",
    "datetime": "datetime-local",
}


def _kind(column: Any) -> str:
    kind = getattr(column, "kind", "text")
    return str(getattr(kind, "value", kind))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_rows(
    formdata: Any, name: str, columns: Sequence[Any]
) -> tuple[list[dict[str, Any]], bool]:
    """The rows posted as ``<name>-<row>-<column>`` (ordered by row number).

    Rows whose cells are all blank (and whose checkboxes are all unchecked) are
    dropped; in a kept row an unchecked ``bool`` column is ``False``. Names of
    undeclared columns are ignored.

    :returns: ``(rows, found)``; ``found`` tells whether any row input was posted.
    """
    codes = {getattr(c, "code", ""): _kind(c) for c in columns}
    pattern = re.compile(rf"^{re.escape(name)}-(\d{{1,6}})-([A-Za-z_][A-Za-z0-9_]*)$")
    by_index: dict[int, dict[str, Any]] = {}
    found = False
    for key in list(formdata.keys()):
        match = pattern.match(str(key))
        if match is None:
            continue
        found = True
        code = match.group(2)
        if code not in codes:
            continue
        value = formdata.get(key)
        by_index.setdefault(int(match.group(1)), {})[code] = value
    rows: list[dict[str, Any]] = []
    for index in sorted(by_index):
        cells = by_index[index]
        if all(_is_blank(v) for v in cells.values()):
            continue
        row: dict[str, Any] = {}
        for code, kind in codes.items():
            value = cells.get(code)
            if kind == "bool":
                row[code] = not _is_blank(value) and str(value).strip().lower() not in (
                    "0",
                    "false",
                    "n",
                    "no",
                    "off",
                )
            else:
                row[code] = "" if value is None else str(value)
        rows.append(row)
    return rows, found


class ChildTableWidget:
    """Renders a :class:`ChildTableField` as an editable HTML table."""

    def __call__(self, field: ChildTableField, **kwargs: Any) -> Markup:
        rows = field.display_rows()
        columns = field.columns
        head = Markup("").join(
            Markup('<th data-column="{}">{}{}</th>').format(
                getattr(c, "code", ""),
                label_text(getattr(c, "label", "")),
                Markup(' <strong class="lowlend-required-mark" style="color: red">*</strong>')
                if getattr(c, "required", False)
                else "",
            )
            for c in columns
        )
        body = Markup("").join(self.row_html(field, index, row) for index, row in enumerate(rows))
        body += self.row_html(field, len(rows), {})  # one empty row (works without JS)
        template = self.row_html(field, "__index__", {})
        return Markup(
            '<div class="lowlend-child-table" id="{id}" data-field="{name}" '
            'data-next-index="{next}">'
            '<input type="hidden" name="{name}" value="">'
            '<table class="table table-condensed table-bordered lowlend-child-table-grid">'
            "<thead><tr>{head}<th></th></tr></thead><tbody>{body}</tbody></table>"
            '<template class="lowlend-child-row-template">{template}</template>'
            '<button type="button" class="btn btn-default btn-sm lowlend-add-row">{add}</button>'
            "</div>"
        ).format(
            id=field.id,
            name=field.name,
            next=len(rows) + 1,
            head=head,
            body=body,
            template=template,
            add=translate("Add row"),
        )

    def row_html(self, field: ChildTableField, index: int | str, row: Mapping[str, Any]) -> Markup:
        """One ``<tr>``: a cell per column (input + its errors), then the remove button."""
        cells = Markup("")
        for column in field.columns:
            code = getattr(column, "code", "")
            errors = field.cell_errors.get((index, code), []) if isinstance(index, int) else []
            cells += Markup('<td class="{}">{}{}</td>').format(
                "has-error" if errors else "",
                self.input_html(field, column, f"{field.name}-{index}-{code}", row.get(code)),
                Markup("").join(
                    Markup('<span class="help-block lowlend-cell-error">{}</span>').format(e)
                    for e in errors
                ),
            )
        row_errors = field.row_errors.get(index, []) if isinstance(index, int) else []
        cells += Markup(
            '<td><button type="button" class="btn btn-link btn-xs lowlend-remove-row" '
            'title="{t}">{t}</button>{errors}</td>'
        ).format(
            t=translate("Remove row"),
            errors=Markup("").join(
                Markup('<span class="help-block lowlend-cell-error">{}</span>').format(e)
                for e in row_errors
            ),
        )
        return Markup('<tr class="lowlend-child-row" data-row="{}">{}</tr>').format(index, cells)

    def input_html(self, field: ChildTableField, column: Any, name: str, value: Any) -> Markup:
        """The input of one cell, by column kind."""
        kind = _kind(column)
        label = label_text(getattr(column, "label", ""))
        if kind == "bool":
            checked = value is True or (
                isinstance(value, str) and value.strip().lower() in ("1", "true", "y", "yes", "on")
            )
            return Markup('<input type="checkbox" name="{}" value="y" aria-label="{}"{}>').format(
                name, label, Markup(" checked") if checked else ""
            )
        text = "" if value is None else str(value)
        if kind == "enum":
            choices = list(field.column_choices.get(getattr(column, "code", ""), []))
            if text and text not in {c for c, _ in choices}:
                choices.append((text, text))  # a retired code stays visible, not lost
            options = Markup('<option value="">—</option>') + Markup("").join(
                Markup('<option value="{}"{}>{}</option>').format(
                    code, Markup(" selected") if code == text else "", label_
                )
                for code, label_ in choices
            )
            return Markup(
                '<select class="form-control input-sm" name="{}" aria-label="{}">{}</select>'
            ).format(name, label, options)
        attrs: dict[str, Any] = {"type": _INPUT_TYPES.get(kind, "text")}
        if kind in _NUMBER_STEPS:
            attrs["step"] = _NUMBER_STEPS[kind]
            for key in ("min", "max"):
                bound = getattr(column, key, None)
                if bound is not None:
                    attrs[key] = str(bound)
        if kind == "date":
            text = text[:10]
        max_length = getattr(column, "max_length", None)
        if max_length:
            attrs["maxlength"] = str(max_length)
        extra = Markup("").join(Markup(' {}="{}"').format(key, val) for key, val in attrs.items())
        return Markup(
            '<input class="form-control input-sm" name="{}" value="{}" aria-label="{}"{}>'
        ).format(name, text, label, extra)


class ChildTableField(Field):
    """A list of row dicts edited as an inline table (see the module docs).

    ``data`` is the list of rows (strings as posted; after validation the typed rows
    of the validator), or the raw JSON text when the rows were posted as JSON.
    """

    widget = ChildTableWidget()

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        columns: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.columns: tuple[Any, ...] = tuple(columns)
        #: enum column code → (code, label) choices (set by the form per request)
        self.column_choices: dict[str, list[tuple[str, str]]] = {}
        #: (row index 0-based, column code) → messages
        self.cell_errors: dict[tuple[int, str], list[str]] = {}
        #: row index 0-based → messages not tied to a declared column
        self.row_errors: dict[int, list[str]] = {}

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if formdata is None:
            return
        rows, found = parse_rows(formdata, self.name, self.columns)
        raw = formdata.get(self.name) if self.name in formdata else None
        if found or (raw is not None and not str(raw).strip()):
            self.data: Any = rows
            if len(rows) > MAX_ROWS:
                self.process_errors.append(
                    translate("Too many rows (at most %(max)s).") % {"max": MAX_ROWS}
                )
        elif raw is not None:
            self.data = str(raw)  # JSON text of the rows (checked by the validator)

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        """Row inputs are read in :meth:`process`; the plain value only marks presence."""

    def display_rows(self) -> list[Mapping[str, Any]]:
        """The rows to show (stored, posted or parsed from JSON text)."""
        data = self.data
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else []
            except ValueError:
                return []
        if not isinstance(data, (list, tuple)):
            return []
        return [row for row in data if isinstance(row, Mapping)]

    def add_messages(self, messages: Iterable[Any]) -> list[str]:
        """Place validator messages: ``row`` messages next to their cells.

        :returns: the texts of the other messages (for the field's error list).
        """
        columns = {getattr(c, "code", "") for c in self.columns}
        rest: list[str] = []
        message: Any
        for message in messages:
            params = getattr(message, "params", None) or {}
            if getattr(message, "code", None) != "row" or "row" not in params:
                rest.append(message.text(translate) if hasattr(message, "text") else str(message))
                continue
            try:
                index = int(params["row"]) - 1
            except (TypeError, ValueError):
                rest.append(message.text(translate))
                continue
            inner: Any = params.get("message")
            text = inner.text(translate) if hasattr(inner, "text") else str(inner)
            column = str(params.get("column", ""))
            if column in columns:
                self.cell_errors.setdefault((index, column), []).append(text)
            else:
                self.row_errors.setdefault(index, []).append(message.text(translate))
        return rest

    @property
    def has_cell_errors(self) -> bool:
        """Whether a message sits next to a cell or row."""
        return bool(self.cell_errors or self.row_errors)


def _cell_text(column: Any, value: Any, dictionaries: Mapping[str, Any]) -> str:
    kind = _kind(column)
    if value is None:
        return ""
    if kind == "bool":
        return format_bool(value)
    if kind == "enum":
        spec = dictionaries.get(getattr(column, "dictionary", None) or "")
        for item in getattr(spec, "items", ()) or ():
            if item.code == value:
                return label_text(item.label)
    if kind == "money" and value != "":
        return format_money(value)
    if kind == "rate" and value != "":
        return format_rate(value)
    if kind == "date" and isinstance(value, str) and value:
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def child_table_html(
    columns: Sequence[Any], value: Any, dictionaries: Mapping[str, Any] | None = None
) -> Markup:
    """Stored rows as a small read-only HTML table (every cell escaped).

    Columns come from the column specs (labels in the request locale, enum codes as
    their labels); keys of a row that are not declared columns get a column of their
    own, headed by the key. A value that is not a list of rows is shown as text.
    """
    if value is None or value == "" or value == []:
        return Markup("")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return Markup("{}").format(value)
    if not isinstance(value, (list, tuple)) or not all(isinstance(r, Mapping) for r in value):
        return Markup("{}").format(json.dumps(value, ensure_ascii=False, default=str))
    dictionaries = dictionaries or {}
    declared = list(columns)
    codes = [getattr(c, "code", "") for c in declared]
    extra: list[str] = []
    for row in value:
        extra.extend(k for k in row if k not in codes and k not in extra)
    sep = Markup("\n")  # keeps cells apart in plain-text exports (``striptags``)
    head = sep.join(
        [
            Markup("<th>{}</th>").format(label_text(getattr(c, "label", "")) or c.code)
            for c in declared
        ]
        + [Markup("<th>{}</th>").format(k) for k in extra]
    )
    body = Markup("")
    for row in value:
        cells = sep.join(
            [
                Markup("<td>{}</td>").format(_cell_text(c, row.get(c.code), dictionaries))
                for c in declared
            ]
            + [
                Markup("<td>{}</td>").format(_cell_text(None, row.get(k), dictionaries))
                for k in extra
            ]
        )
        body += Markup("<tr>{}</tr>\n").format(cells)
    return Markup(
        '<table class="table table-condensed table-bordered lowlend-child-table-view">'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table>"
    ).format(head, body)
