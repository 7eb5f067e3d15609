"""Applications: products are data, so the views route on the product code per request.

* ``GET /applications/add`` — choose a product of the **current** registry;
* ``GET|POST /applications/add?product=<code>`` — the standard fields plus that
  product's ``custom_fields`` (looked up per request: a product published after
  boot appears at once, a rolled-back one disappears). Custom values are stored
  in ``Application.custom`` (JSON, hidden fields dropped); ``config_version_id``
  pins the configuration version the application was made under.
* ``POST /api/v1/applications/`` with ``{"product_code": ..., "custom": {...}, ...}``
  (:mod:`lowlend.web.generic.applications_api`)
  — the same rules; errors of custom fields are keyed ``custom.<field>``.

Per-product permission: FAB permission ``can_apply`` on view-menu
``product:<code>`` (:func:`product_view_menu`). When that permission exists in
FAB's tables the user must hold it (web: 403, REST: 403); when it does not exist
(no role sync yet) ``can_add`` on ``applications`` alone decides.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, has_app_context, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.audit import json_safe
from lowlend.services.config_store import ConfigStoreError
from lowlend.services.custom_fields import (
    FieldMessage,
    ValidationResult,
    validate_application_custom,
    validate_record,
)
from lowlend.services.lending.terms import application_term_errors
from lowlend.services.permissions import APPLY_ACTION, permission_name, product_view_menu
from lowlend.spec.expressions import to_basis_points, to_minor_units
from lowlend.web import registry_hooks
from lowlend.web.fab import security_manager
from lowlend.web.forms.spec_form import SpecForm, field_for
from lowlend.web.generic import common, conditions
from lowlend.web.generic.form_state import form_state
from lowlend.web.generic.labels import config_label, translate
from lowlend.web.generic.views import GenericModelView
from lowlend.web.i18n import label_text

log = logging.getLogger(__name__)

__all__ = [
    "APPLY_PERMISSION",
    "ApplicationsView",
    "may_apply",
    "pinned_product",
    "product_view_menu",
    "validate_application",
]

APPLY_PERMISSION = permission_name(APPLY_ACTION)  # "can_apply"
CUSTOM_PREFIX = "custom__"


def current_product(code: str | None) -> Any | None:
    if not code:
        return None
    registry = registry_hooks.current_registry()
    products = getattr(registry, "products", None) or {}
    return products.get(code)


def may_apply(code: str) -> bool:
    """Whether the current user holds ``can_apply`` on ``product:<code>``. The permission
    exists for every published product once its permissions are synced (at publish, and
    by each worker on its next request); a product without it is refused to everyone."""
    return bool(security_manager().has_access(APPLY_PERMISSION, product_view_menu(code)))


def range_errors(product: Any, values: Mapping[str, Any]) -> dict[str, list[FieldMessage]]:
    """The product's bounds broken by the parsed ``values`` (amount, term, rate, currency),
    by field: the lending use case's own check (:mod:`lowlend.services.lending.terms`), so
    the form, the REST API and submission refuse the same things."""
    from lowlend.web.lending_context import business_today

    found = application_term_errors(
        product,
        amount=values.get("amount"),
        term=values.get("term"),
        rate=values.get("rate"),
        currency=values.get("currency") or None,
        start=business_today(),
    )
    return {name: [FieldMessage(code, params) for code, params in pairs]
            for name, pairs in found.items()}


def validate_application(
    desc: Any,
    product: Any,
    standard: Mapping[str, Any],
    custom: Mapping[str, Any],
    *,
    custom_key: str = CUSTOM_PREFIX,
    reject_unknown_custom: bool = False,
) -> ValidationResult:
    """Standard fields + product ranges + the product's custom fields, in one result.

    Custom-field keys in the result are ``custom_key + code``.
    """
    dictionaries = common.dictionaries_for(desc)
    std_fields = tuple(f for f in desc.fields if f.code in standard)
    first = validate_record(std_fields, standard, dictionaries)
    for code, messages in range_errors(product, first.values).items():
        if code not in first.errors:
            first.errors[code] = messages
    plain = {
        "amount": to_minor_units(first.values["amount"]) if first.values.get("amount") else 0,
        "term": int(first.values.get("term") or 0),
        "annual_rate": to_basis_points(first.values["rate"]) if first.values.get("rate") else 0,
        "product": product.code,
        "region": getattr(product, "region", "") or "",
        "currency": getattr(product, "currency", "") or "",
    }
    second = validate_application_custom(
        product.custom_fields,
        custom,
        dictionaries,
        application=plain,
        reject_unknown=reject_unknown_custom,
    )
    values = dict(first.values)
    values.update({custom_key + k: v for k, v in second.values.items()})
    errors = dict(first.errors)
    errors.update({custom_key + k: v for k, v in second.errors.items()})
    hidden = {custom_key + k for k in second.hidden}
    required = set(first.required) | {custom_key + k for k in second.required}
    return ValidationResult(values, errors, hidden, required)


def custom_json(
    product: Any, values: Mapping[str, Any], hidden: set[str], key: str
) -> dict[str, Any]:
    """The ``Application.custom`` document: visible, non-empty custom values (JSON-safe)."""
    out: dict[str, Any] = {}
    for field in product.custom_fields:
        name = key + field.code
        if name in hidden:
            continue
        value = values.get(name)
        if value is not None and value != "":
            out[field.code] = json_safe(value)
    return out


EDITABLE_STATUSES = frozenset({"draft", "returned"})
"""Applications the applicant may still change (lowlend.domain.application_state.EDITABLE)."""


def locked_message(item: Any) -> str | None:
    """Why ``item`` may not be edited or deleted any more, or ``None`` when it may."""
    status = getattr(item, "status", None) or "draft"
    if status in EDITABLE_STATUSES:
        return None
    return str(
        _l("Application %(id)s is %(status)s: it can no longer be changed.")
        % {"id": getattr(item, "id", ""), "status": status}
    )


def fill_application(item: Any, product: Any, custom: dict[str, Any]) -> None:
    from lowlend.web.generic.interface import current_user_info

    if getattr(item, "created_by", None) is None:
        item.created_by = current_user_info()[0]  # the applicant: never their own approver
    for name in list(item.__dict__):
        if name.startswith(CUSTOM_PREFIX):
            item.__dict__.pop(name, None)
    item.product_code = product.code
    item.custom = custom
    if not getattr(item, "currency", None):
        item.currency = product.currency  # a different one was refused by range_errors
    if not getattr(item, "status", None):
        item.status = "draft"


class ApplicationsView(GenericModelView):
    """The application view: its add form is built per request from the product code."""

    dynamic_add = True
    _base_add_form: Any = None
    show_template = "lending/application_show.html"

    def condition_states(
        self, values: dict[str, Any]
    ) -> tuple[dict[str, dict[str, bool]] | None, Any]:
        """Field states of the application form: the product's (``?product=`` on the add
        form, the pinned product of ``?pk=`` on edit) standard and custom fields."""
        pk = request.args.get("pk")
        if pk:
            item = self.datamodel.get(pk, self._base_filters)
            product = pinned_product(item) if item is not None else None
        else:
            product = current_product(request.args.get("product"))
            if product is not None and not may_apply(product.code):
                return None, conditions.error(403, "Access denied.")
        if product is None:
            return None, conditions.error(404, "Unknown record." if pk else "Unknown product.")
        desc = self.descriptor
        standard = {f.code: values.get(f.code) for f in desc.fields}
        custom = {
            f.code: values.get(CUSTOM_PREFIX + f.code)
            for f in product.custom_fields
            if CUSTOM_PREFIX + f.code in values
        }
        result = validate_application(desc, product, standard, custom)
        names = [f.code for f in desc.fields] + [
            CUSTOM_PREFIX + f.code for f in product.custom_fields
        ]
        return conditions.states(result, names), None

    def condition_fields(self) -> tuple[Any, dict[str, str]] | None:
        """The product's form (the product of this request, ``None`` when there is none)."""
        product = form_state().product
        if product is None:
            return None
        fields = (*common.current_fields(self.descriptor), *product.custom_fields)
        pk = (request.view_args or {}).get("pk")
        return fields, ({"pk": str(pk)} if pk is not None else {"product": product.code})

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.show_template and "pk" in kwargs:
            from lowlend.web.application_panel import panel_for

            kwargs.setdefault("application_panel", panel_for(kwargs["pk"]))
        return super().render_template(template, **kwargs)

    @expose("/<int:pk>/act", methods=["POST"])
    @has_access
    def act(self, pk: int) -> Any:
        """Submit, withdraw or decide from the application page (one use case each)."""
        from lowlend.web.application_panel import ACTIONS, act

        if self.datamodel.get(pk, self._base_filters) is None:
            abort(404)
        action = request.form.get("action", "")
        if action not in ACTIONS:
            abort(400)
        needed, view = {
            "submit": ("edit", "applications"),
            "withdraw": ("edit", "applications"),
            "consent": ("edit", "customers"),
        }.get(action, ("approve", "applications"))
        if not security_manager().has_access(f"can_{needed}", view):
            abort(403)
        act(pk, action, request.form.get("comment", "")[:2000])
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @property  # type: ignore[override]
    def add_form(self) -> Any:
        product = form_state().product if has_app_context() else None
        if product is None:
            return self._base_add_form
        return self.product_form(product)

    @add_form.setter
    def add_form(self, value: Any) -> None:
        self._base_add_form = value

    _base_edit_form: Any = None

    @property  # type: ignore[override]
    def edit_form(self) -> Any:
        product = form_state().product if has_app_context() else None
        if product is None:
            return self._base_edit_form
        return self.product_form(product)

    @edit_form.setter
    def edit_form(self, value: Any) -> None:
        self._base_edit_form = value

    # -- edit: the custom fields of the product version the application is pinned to --
    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        locked = locked_message(item)
        if locked is not None:
            flash(locked, "warning")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        product = pinned_product(item)
        if product is not None:
            form_state().product = product
        widgets = self._edit(pk)
        if not widgets:
            return self.post_edit_redirect()
        return self.render_template(
            self.edit_template,
            title=self.edit_title,
            widgets=widgets,
            related_views=self._related_views,
            product=product,
        )

    def prefill_form(self, form: Any, pk: Any) -> None:
        item = self.datamodel.get(pk, self._base_filters)
        custom = dict(getattr(item, "custom", None) or {})
        for name, field in form._fields.items():
            if name.startswith(CUSTOM_PREFIX):
                field.data = custom.get(name[len(CUSTOM_PREFIX) :])

    def _product_widget(
        self, product: Any, widget_class: Any, form: Any, exclude_cols: Any = None
    ) -> Any:
        """An add/edit widget of one product: standard fields, then its custom fields."""
        std = [f.code for f in self.descriptor.fields]
        custom = [CUSTOM_PREFIX + f.code for f in product.custom_fields]
        fieldsets = [(_l("Application"), {"fields": std})]
        if custom:
            fieldsets.append((config_label(product.label), {"fields": custom}))
        return widget_class(
            form=form,
            include_cols=std + custom,
            exclude_cols=exclude_cols or [],
            fieldsets=fieldsets,
        )

    def _get_edit_widget(self, form: Any, exclude_cols: Any = None, widgets: Any = None) -> Any:
        product = form_state().product
        if product is None:
            return super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets = widgets or {}
        widgets["edit"] = self._product_widget(product, self.edit_widget, form, exclude_cols)
        return widgets

    def pre_delete(self, item: Any) -> None:
        locked = locked_message(item)
        if locked is not None:
            raise ValueError(locked)  # FAB shows the message and deletes nothing
        super().pre_delete(item)

    def pre_update(self, item: Any) -> None:
        product = form_state().product
        if product is not None and form_state().custom is not None:
            for name in list(item.__dict__):
                if name.startswith(CUSTOM_PREFIX):
                    item.__dict__.pop(name, None)
            item.custom = form_state().custom
        super().pre_update(item)

    def product_form(self, product: Any) -> type[SpecForm]:
        """The add form of one product: standard fields, then its custom fields."""
        desc = self.descriptor
        choices = common.choices_for(desc)

        def validator(values: Mapping[str, Any]) -> ValidationResult:
            standard = {k: v for k, v in values.items() if not k.startswith(CUSTOM_PREFIX)}
            custom = {
                k[len(CUSTOM_PREFIX) :]: v for k, v in values.items() if k.startswith(CUSTOM_PREFIX)
            }
            return validate_application(desc, product, standard, custom)

        attrs: dict[str, Any] = {}
        spec_fields: list[tuple[str, str]] = []
        for f in desc.fields:
            attrs[f.code] = field_for(
                f.kind,
                desc.labels.get(f.code, f.code),
                dictionary=f.dictionary,
                max_length=f.max_length,
                reference=f.reference,
            )
            spec_fields.append((f.code, f.code))
        for f in product.custom_fields:
            name = CUSTOM_PREFIX + f.code
            attrs[name] = field_for(
                f.kind,
                config_label(f.label),
                description=config_label(f.help) if f.help is not None else "",
                dictionary=f.dictionary,
                max_length=f.max_length,
                reference=f.reference,
                columns=f.columns,
            )
            spec_fields.append((name, name))
        attrs["_spec_fields"] = tuple(spec_fields)
        attrs["_required_names"] = frozenset(
            [f.code for f in desc.fields if f.required]
            + [CUSTOM_PREFIX + f.code for f in product.custom_fields if f.required]
        )
        attrs["_validator"] = staticmethod(validator)
        attrs["_choices"] = staticmethod(choices)
        return type(f"{product.code}_ApplicationForm", (SpecForm,), attrs)

    def _get_add_widget(self, form: Any, exclude_cols: Any = None, widgets: Any = None) -> Any:
        product = form_state().product
        if product is None:
            return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets = widgets or {}
        widgets["add"] = self._product_widget(product, self.add_widget, form, exclude_cols)
        return widgets

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self) -> Any:
        code = request.args.get("product")
        if not code:
            return self.choose_product()
        product = current_product(code)
        if product is None:
            flash(translate("Unknown product: %(code)s") % {"code": code}, "danger")
            return redirect(url_for(f"{self.endpoint}.add"))
        if not may_apply(code):
            abort(403)
        form_state().product = product
        title = f"{label_text(self.descriptor.label)} · {label_text(product.label)}"
        widget = self._add()
        if not widget:
            return self.post_add_redirect()
        if request.method == "GET":
            self._prefill_defaults(widget, product)
        return self.render_template(self.add_template, title=title, widgets=widget, product=product)

    @staticmethod
    def _prefill_defaults(widget: Any, product: Any) -> None:
        form = getattr(widget.get("add"), "template_args", {}).get("form")
        if form is None:
            return
        defaults = {
            "amount": getattr(product.amount, "default", None),
            "term": getattr(product.term, "default", None),
            "rate": getattr(product.interest.annual_rate, "default", None),
            "currency": getattr(product, "currency", None),
        }
        for name, value in defaults.items():
            field = form._fields.get(name)
            if field is not None and value is not None and not field.data:
                field.data = value

    def choose_product(self) -> Any:
        registry = registry_hooks.current_registry()
        products = getattr(registry, "products", None) or {}
        items = []
        for code in sorted(products):
            product = products[code]
            if not may_apply(code):
                continue
            items.append(
                {
                    "code": code,
                    "label": label_text(product.label),
                    "description": label_text(product.description) if product.description else "",
                    "url": url_for(f"{self.endpoint}.add", product=code),
                }
            )
        return self.render_template(
            "generic/choose_product.html",
            title=_l("New application: choose a product"),
            products=items,
            empty_text=_l("No product is published."),
        )

    def process_form(self, form: Any, is_created: bool) -> None:
        super().process_form(form, is_created)
        product = form_state().product
        if product is not None:
            values = {name: field.data for name, field in form._fields.items()}
            form_state().custom = custom_json(product, values, set(form.hidden), CUSTOM_PREFIX)

    def pre_add(self, item: Any) -> None:
        product = form_state().product
        if product is not None:
            fill_application(item, product, form_state().custom or {})
        super().pre_add(item)

    def post_add(self, item: Any) -> None:
        form_state().new_application = item.id
        super().post_add(item)

    def post_add_redirect(self) -> Any:
        """A new application opens on its own page, where it is submitted."""
        pk = form_state().new_application
        if pk is not None:
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        return super().post_add_redirect()


def pinned_product(item: Any) -> Any | None:
    """The product spec an application was made under (its pinned config version)."""
    registry = None
    prov = registry_hooks.provider()
    version_id = getattr(item, "config_version_id", None)
    if prov is not None and version_id is not None:
        try:
            registry = prov.for_version(version_id)
        except (ConfigStoreError, SQLAlchemyError):
            log.warning(
                "lowlend: config version %s of application %s unavailable; using the current one",
                version_id, getattr(item, "id", None), exc_info=True,
            )
    if registry is None:
        registry = registry_hooks.current_registry()
    products = getattr(registry, "products", None) or {}
    return products.get(getattr(item, "product_code", None))
