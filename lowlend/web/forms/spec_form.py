"""WTForms generated from field specs (entity fields, product custom fields).

:func:`build_form` returns a FAB :class:`~flask_appbuilder.forms.DynamicForm`
subclass with one WTForms field per :class:`~lowlend.spec.model.FieldSpec`
(widget by kind; ``enum`` choices come from the *current* registry's dictionary
when the form is instantiated). Type, range, pattern, dictionary and
``required_if``/``visible_if`` checks are **not** WTForms validators: the form's
:meth:`SpecForm.validate` calls a server-side validator
(:mod:`lowlend.services.custom_fields`) and puts its messages next to the
fields, then replaces the raw strings by the typed values (``Decimal``,
``date``, …; hidden fields become ``None``) so ``populate_obj`` stores them.

Field names may carry a prefix (``custom__purpose``) so that product custom
fields can sit next to an application's own columns; the validator sees the
spec codes.

``child_table`` fields are inline tables (:mod:`lowlend.web.forms.child_table`);
the validator's row messages are put next to their cells. Always-required fields
get FAB's ``*`` marker (``flags.required``, without the browser's ``required``
attribute: the server decides).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    DatePickerWidget,
    DateTimePickerWidget,
    Select2ManyWidget,
    Select2Widget,
)
from flask_appbuilder.forms import DynamicForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField

from lowlend.web.forms.child_table import ChildTableField
from lowlend.web.generic.labels import translate
from lowlend.web.i18n import request_locale

__all__ = ["ChildTableField", "JsonTextField", "SpecForm", "build_form", "field_for"]

Validator = Callable[[Mapping[str, Any]], Any]
"""values by spec code → an object with ``values``, ``errors`` (code → messages), ``hidden``."""


class JsonTextField(TextAreaField):
    """A textarea holding JSON (lists, objects); shows stored values as JSON text."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None or self.data == "":
            return ""
        if isinstance(self.data, str):
            return self.data
        return json.dumps(self.data, ensure_ascii=False, default=str)


class PlainTextField(StringField):
    """A text input keeping the raw string; shows stored Decimals/dates as text."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


class CodeSelectField(SelectField):
    """A select of dictionary codes; choices are filled when the form is created."""

    def __init__(self, *args: Any, dictionary: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(*args, **kwargs)
        self.dictionary = dictionary

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        if valuelist:
            self.data = valuelist[0] or None

    def process_data(self, value: Any) -> None:
        self.data = value


class ReferenceSelectField(CodeSelectField):
    """A select of records of another view (ids, shown by name), within the user's data
    scope; a plain id input when the target view is not registered."""

    def __init__(self, *args: Any, reference: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, dictionary=REFERENCE_PREFIX + (reference or ""), **kwargs)
        self.reference = reference

    def process_data(self, value: Any) -> None:
        self.data = None if value is None else str(value)  # option values are strings

    def _value(self) -> str:
        """The text of the id input used when the target view is not registered."""
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


class CodeMultiSelectField(SelectMultipleField):
    """A multiple select of dictionary codes (``enum_list``); choices are filled when the
    form is created, the server validator checks the codes."""

    def __init__(self, *args: Any, dictionary: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(*args, **kwargs)
        self.dictionary = dictionary

    def process_formdata(self, valuelist: Sequence[Any]) -> None:
        self.data = [str(v) for v in valuelist if v]

    def process_data(self, value: Any) -> None:
        self.data = list(value) if isinstance(value, (list, tuple)) else []


#: ``choices`` callables get ``"ref:<view code>"`` for reference fields
REFERENCE_PREFIX = "ref:"


def field_for(
    kind: str,
    label: Any,
    description: Any = "",
    dictionary: str | None = None,
    max_length: int | None = None,
    reference: str | None = None,
    columns: Sequence[Any] = (),
) -> Any:
    """An unbound WTForms field for a field kind (``columns``: of a child table)."""
    kind = str(getattr(kind, "value", kind))
    if kind == "child_table" and columns:
        return ChildTableField(label, description=description, columns=columns)
    if kind == "reference" and reference:
        return ReferenceSelectField(
            label, description=description, reference=reference, widget=Select2Widget()
        )
    if kind == "bool":
        return BooleanField(label, description=description)
    if kind == "enum":
        return CodeSelectField(
            label, description=description, dictionary=dictionary, widget=Select2Widget()
        )
    if kind == "enum_list":
        return CodeMultiSelectField(
            label, description=description, dictionary=dictionary, widget=Select2ManyWidget()
        )
    if kind == "date":
        return PlainTextField(label, description=description, widget=DatePickerWidget())
    if kind == "datetime":
        return PlainTextField(label, description=description, widget=DateTimePickerWidget())
    if kind == "file":
        from lowlend.web.forms.file_field import AttachmentField

        return AttachmentField(label, description=description)
    if kind in ("child_table", "json"):
        return JsonTextField(label, description=description, widget=BS3TextAreaFieldWidget())
    if kind == "text" and (max_length is None or max_length > 200):
        return PlainTextField(label, description=description, widget=BS3TextAreaFieldWidget())
    return PlainTextField(label, description=description, widget=BS3TextFieldWidget())


class SpecForm(DynamicForm):
    """Base of generated forms: server-side validation through ``_validator``."""

    _spec_fields: tuple[tuple[str, str], ...] = ()  # (form field name, spec code)
    _validator: Validator | None = None
    _choices: Callable[[str | None], list[tuple[str, str]] | None] | None = None
    #: form field names of fields that are always required (marked ``*`` on the form)
    _required_names: frozenset[str] = frozenset()
    #: spec codes hidden by ``visible_if`` in the last validation
    hidden: set[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden = set()
        choices = type(self)._choices
        for field in self:
            if isinstance(field, CodeSelectField):
                options = choices(field.dictionary) if choices is not None else []
                if options is None and isinstance(field, ReferenceSelectField):
                    field.widget = BS3TextFieldWidget()  # target not registered: type the id
                    options = []
                field.choices = [("", "—"), *list(options or [])]
                _offer_stored_value(field)
            elif isinstance(field, CodeMultiSelectField):
                field.choices = list((choices(field.dictionary) if choices else None) or [])
            elif isinstance(field, ChildTableField) and choices is not None:
                for column in field.columns:
                    if getattr(column, "dictionary", None):
                        field.column_choices[column.code] = list(
                            choices(column.dictionary) or []
                        )
            if field.name in self._required_names:
                field.flags.required = True  # the label's "*" (the server checks it)
                field.render_kw = {**(field.render_kw or {}), "required": False}

    def populate_obj(self, obj: Any) -> None:
        """Store the fields on ``obj``, except a select left empty whose stored value is
        not among the options this user was offered: the user could neither see nor
        change that value (a department or account manager outside the user's drop-down),
        and clearing it would lose it and could move the record out of the user's own
        data scope. A value the user chose is stored as usual."""
        kept: dict[str, Any] = {}
        for field in self:
            if isinstance(field, CodeSelectField) and field.data in (None, ""):
                stored = getattr(obj, field.name, None)
                offered = {value for value, _ in field.choices}
                if stored not in (None, "") and str(stored) not in offered:
                    kept[field.name] = stored
        super().populate_obj(obj)
        for name, value in kept.items():
            setattr(obj, name, value)

    def spec_values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, code in self._spec_fields:
            field = self._fields.get(name)
            if field is not None:
                out[code] = field.data
        return out

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators=extra_validators)
        validator = type(self)._validator
        if validator is None:
            return ok
        result = validator(self.spec_values())
        names = {code: name for name, code in self._spec_fields}
        for code, messages in result.errors.items():
            field = self._fields.get(names.get(code, code))
            texts = [
                m.text(translate, request_locale()) if hasattr(m, "text") else str(m)
                for m in messages
            ]
            if field is None:
                self.form_errors.extend(f"{code}: {t}" for t in texts)
                continue
            if isinstance(field, ChildTableField):  # row messages go next to their cells
                texts = field.add_messages(messages)
                if not texts and field.has_cell_errors:
                    continue
            field.errors = list(field.errors or []) + texts
        self.hidden = set(result.hidden)
        if not result.errors:
            for code, value in result.values.items():
                field = self._fields.get(names.get(code, code))
                if field is not None:
                    field.data = value
        return ok and not result.errors


def _offer_stored_value(field: CodeSelectField) -> None:
    """Keep the record's current value selectable: a value outside the options offered
    to this user (a reference outside the user's drop-down, an inactive code) is added
    as an option, so the form shows it and sends it back unchanged."""
    value = field.data
    if value in (None, "") or str(value) in {v for v, _ in field.choices}:
        return
    field.choices = [*field.choices, (str(value), f"#{value}" if isinstance(
        field, ReferenceSelectField) else str(value))]


def build_form(
    name: str,
    fields: Sequence[Any],
    labels: Mapping[str, Any],
    validator: Validator | None,
    choices: Callable[[str | None], list[tuple[str, str]] | None] | None = None,
    prefix: str = "",
    extra: Mapping[str, Any] | None = None,
    base: type[SpecForm] = SpecForm,
) -> type[SpecForm]:
    """A form class with one field per field spec (name ``prefix + code``).

    :param fields: field specs (``code``, ``kind``, ``dictionary``, ``max_length``, ``help``).
    :param labels: field code → label (lazy strings).
    :param extra: more unbound fields (by form field name), placed first.
    """
    attrs: dict[str, Any] = dict(extra or {})
    spec_fields: list[tuple[str, str]] = []
    for spec in fields:
        form_name = prefix + spec.code
        attrs[form_name] = field_for(
            spec.kind,
            labels.get(spec.code, spec.code),
            description=labels.get(f"{spec.code}.__help__", ""),
            dictionary=getattr(spec, "dictionary", None),
            max_length=getattr(spec, "max_length", None),
            reference=getattr(spec, "reference", None),
            columns=getattr(spec, "columns", None) or (),
        )
        spec_fields.append((form_name, spec.code))
    attrs["_spec_fields"] = tuple(spec_fields)
    attrs["_required_names"] = frozenset(
        prefix + spec.code for spec in fields if getattr(spec, "required", False)
    )
    attrs["_validator"] = staticmethod(validator) if validator is not None else None
    attrs["_choices"] = staticmethod(choices) if choices is not None else None
    return type(name, (base,), attrs)
