"""Generated FAB ModelViews: one class per view code, built with ``type(...)`` at boot."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash
from flask_appbuilder import ModelView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.permissions import VIEW_METHOD_ACTIONS, permission_name
from lowlend.web.forms.spec_form import SpecForm, build_form
from lowlend.web.generic import common, conditions, formatters, stamping
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.form_state import form_state
from lowlend.web.generic.interface import DATAMODEL, WriteError

log = logging.getLogger(__name__)

__all__ = ["GenericModelView", "make_view", "view_class_name"]

RESTART_NOTE = _l(
    "New entity kinds and new fields of an entity take effect after the web service "
    "is restarted; products, dictionaries and rules take effect at once."
)


#: the configuration screen of entity definitions (lowlend.web.config_admin)
ENTITY_CONFIG_SCREEN = "config_entities"


def view_class_name(code: str) -> str:
    """Class (and blueprint/endpoint) name of the view of ``code``."""
    return "GenericView_" + code


class GenericModelView(ModelView):
    """Base of the generated views (see :func:`make_view`)."""

    descriptor: EntityDescriptor
    list_template = "generic/list.html"
    show_template = "generic/show.html"
    add_template = "generic/add.html"
    edit_template = "generic/edit.html"
    page_size = 25

    # -- templates get the restart note for config entities (for those who configure) ---
    def render_template(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("generic_descriptor", self.descriptor)
        kwargs.setdefault("restart_note", RESTART_NOTE if self._shows_restart_note() else None)
        if template in (self.add_template, self.edit_template):
            kwargs.setdefault("lowlend_form", conditions.client_config(self))
        return super().render_template(template, **kwargs)

    @expose("/_conditions", methods=["POST"])
    def conditions(self) -> Any:
        """Visible/required form fields for the posted values (JSON; see ``conditions``).

        Checks ``can_add``/``can_edit`` itself (answers JSON 401/403, no login redirect).
        """
        return conditions.conditions_response(self)

    def condition_states(
        self, values: dict[str, Any]
    ) -> tuple[dict[str, dict[str, bool]] | None, Any]:
        """(field states for the posted form ``values``, or an error answer) — see
        :mod:`lowlend.web.generic.conditions`; views with other forms override it."""
        return conditions.entity_states(self, values), None

    def condition_fields(self) -> tuple[Any, dict[str, str]] | None:
        """(the form's field specs, the conditions URL's query) for
        :func:`~lowlend.web.generic.conditions.client_config`."""
        return common.current_fields(self.descriptor), {}

    def _shows_restart_note(self) -> bool:
        """Config entities tell the users who may change entity definitions that new
        kinds and fields need a restart; other staff are not bothered with it."""
        if not self.descriptor.config_entity:
            return False
        return bool(
            self.appbuilder.sm.has_access(permission_name("edit"), ENTITY_CONFIG_SCREEN)
        )

    # -- hooks --------------------------------------------------------------------------
    def process_form(self, form: Any, is_created: bool) -> None:
        extra = {}
        for name in self.descriptor.virtual:
            field = form._fields.get(name)
            if field is not None:
                extra[name] = field.data
        form_state().extra = extra

    def pre_add(self, item: Any) -> None:
        for name in self.descriptor.virtual:  # populate_obj copied virtual fields too
            item.__dict__.pop(name, None)
        stamping.stamp_new(self.descriptor, item, form_state().extra)

    def pre_update(self, item: Any) -> None:
        stamping.stamp_update(item, self.descriptor)

    # -- fields the user may not set (``field_actions``) are not on the form -------------
    def _present(self, form: Any, columns: Any, fieldsets: Any) -> tuple[Any, Any]:
        if not self.descriptor.field_actions:
            return columns, fieldsets
        columns = [c for c in columns if c in form]
        if fieldsets:
            fieldsets = [
                (label, {**spec, "fields": [c for c in spec["fields"] if c in form]})
                for label, spec in fieldsets
            ]
        return columns, fieldsets

    def _get_add_widget(self, form: Any, exclude_cols: Any = None, widgets: Any = None) -> Any:
        if not self.descriptor.field_actions:
            return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets = widgets or {}
        columns, fieldsets = self._present(form, self.add_columns, self.add_fieldsets)
        widgets["add"] = self.add_widget(
            form=form, include_cols=columns, exclude_cols=exclude_cols or [], fieldsets=fieldsets
        )
        return widgets

    def _get_edit_widget(self, form: Any, exclude_cols: Any = None, widgets: Any = None) -> Any:
        if not self.descriptor.field_actions:
            return super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets = widgets or {}
        columns, fieldsets = self._present(form, self.edit_columns, self.edit_fieldsets)
        widgets["edit"] = self.edit_widget(
            form=form, include_cols=columns, exclude_cols=exclude_cols or [], fieldsets=fieldsets
        )
        return widgets

    @expose("/export/")
    @has_access
    def export(self) -> Any:
        """The list (same filters and order, same data scope) as CSV or Excel."""
        from lowlend.web.generic.export import export_response

        return export_response(self, self.descriptor.code)

    def _delete(self, pk: Any) -> None:
        """FAB's delete, with its refusals flashed as errors: a record other records still
        refer to is kept and the message says which (:class:`~.interface.ReferencedError`)."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except ValueError as exc:  # a refusal of pre_delete (e.g. a submitted application)
            flash(str(exc), "danger")
        except SQLAlchemyError as exc:  # WriteError: its message says why (referenced, conflict)
            if not isinstance(exc, WriteError):
                log.exception("lowlend: deleting %s %s failed", self.descriptor.code, pk)
            flash(str(exc), "danger")
        else:
            flash(self.delete_row_message, "success")
        self.update_redirect()


def _guarded_form(desc: EntityDescriptor) -> type[SpecForm]:
    """A form base without the fields the current user may not set (``field_actions``):
    they are neither shown nor read from the post, so the stored values stay."""
    from lowlend.web.generic.hooks import refused_fields

    class GuardedSpecForm(SpecForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name in refused_fields(desc):
                if name in self:
                    del self[name]

    return GuardedSpecForm


def _fieldsets(desc: EntityDescriptor, codes: list[str]) -> list[tuple[Any, dict[str, Any]]] | None:
    if not desc.sections:
        return None
    out = []
    placed: set[str] = set()
    for label, fields in desc.sections:
        chosen = [c for c in fields if c in codes]
        placed.update(chosen)
        if chosen:
            out.append((label, {"fields": chosen}))
    rest = [c for c in codes if c not in placed]
    if rest:
        out.append((_l("Other"), {"fields": rest}))
    return out


def base_permissions(desc: EntityDescriptor) -> list[str]:
    """Permissions of a code, identical for its view and its API (they share the view-menu).

    FAB's permission update removes permissions missing from ``base_permissions``, so
    the view and the API must declare the same set.
    """
    actions = ["list", "show"] if desc.read_only else ["list", "show", "add", "edit", "delete"]
    actions.append("export")
    actions.extend(a for a in desc.extra_actions if a not in actions)
    if desc.pii or desc.code == "audit_log":  # audit images hold PII of every entity
        actions.append("view_pii")
    return [permission_name(a) for a in actions]


def make_view(
    desc: EntityDescriptor, base: type[GenericModelView] = GenericModelView
) -> type[GenericModelView]:
    """The ModelView class of one descriptor (routes ``/<code>/list/`` …)."""
    model_columns = set(desc.model.__table__.columns.keys())  # type: ignore[attr-defined]
    add_codes = [f.code for f in desc.fields]
    edit_codes = [
        f.code
        for f in desc.fields
        if f.code not in desc.edit_read_only and f.code not in desc.virtual
    ]
    validator = common.form_validator(desc)
    choices = common.choices_for(desc)
    form_base = _guarded_form(desc) if desc.field_actions else SpecForm
    add_fields = tuple(f for f in desc.fields)
    edit_fields = tuple(f for f in desc.fields if f.code in edit_codes)
    attrs: dict[str, Any] = {
        "descriptor": desc,
        "datamodel": DATAMODEL(desc.model, desc.code),
        "route_base": f"/{desc.code}",
        "class_permission_name": desc.code,
        "method_permission_name": dict(VIEW_METHOD_ACTIONS),
        "list_title": desc.label,
        "show_title": desc.label,
        "add_title": desc.label,
        "edit_title": desc.label,
        "label_columns": dict(desc.labels),
        "list_columns": [c for c in desc.list_columns if c in model_columns],
        "show_columns": list(
            dict.fromkeys(c for c in (desc.show_columns or desc.list_columns) if c in model_columns)
        ),
        "search_columns": [c for c in desc.search_columns if c in model_columns],
        "formatters_columns": formatters.formatters_for(desc),
        "base_order": desc.base_order,
    }
    attrs["order_columns"] = list(attrs["list_columns"])
    enum_filters = common.enum_filter_fields(desc)  # dictionary columns: selects, not codes
    if enum_filters:
        attrs["search_form_extra_fields"] = enum_filters
    attrs["base_permissions"] = base_permissions(desc)
    attrs["method_permission_name"].update(getattr(base, "extra_method_permissions", {}))
    if desc.read_only:
        attrs["include_route_methods"] = {"list", "show", "export"} | set(
            getattr(base, "extra_routes", ())
        )
    else:
        attrs["add_columns"] = add_codes
        attrs["edit_columns"] = edit_codes
        add_form = build_form(
            f"{desc.code}_AddForm", add_fields, desc.labels, validator, choices, base=form_base
        )
        attrs["_base_add_form" if getattr(base, "dynamic_add", False) else "add_form"] = add_form
        edit_form = build_form(
            f"{desc.code}_EditForm", edit_fields, desc.labels, validator, choices, base=form_base
        )
        attrs["_base_edit_form" if getattr(base, "dynamic_add", False) else "edit_form"] = edit_form
        attrs["add_fieldsets"] = _fieldsets(desc, add_codes)
        attrs["edit_fieldsets"] = _fieldsets(desc, edit_codes)
    show_sets = _fieldsets(desc, attrs["show_columns"])
    if show_sets:
        attrs["show_fieldsets"] = show_sets
    return type(view_class_name(desc.code), (base,), attrs)
