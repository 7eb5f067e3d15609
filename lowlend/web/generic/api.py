"""Generated FAB ModelRestApis at ``/api/v1/<code>/`` (one class per view code).

Reads (list, show, ``_info``) are FAB's; writes are validated by the same
server-side rules as the web forms (:mod:`lowlend.services.custom_fields`) and
answer ``422 {"message": ..., "errors": {field: [...]}}`` on bad input — never a 500.
PII in responses is masked unless the caller has ``can_view_pii`` on the code.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_appbuilder.api import ModelRestApi
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lowlend.services.custom_fields import FieldMessage, ValidationResult
from lowlend.services.permissions import API_METHOD_ACTIONS
from lowlend.web.generic import common, stamping
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.hooks import refused_fields
from lowlend.web.generic.interface import DATAMODEL, WriteError
from lowlend.web.generic.labels import can_view_pii, mask_rules, translate
from lowlend.web.i18n import request_locale

log = logging.getLogger(__name__)

__all__ = ["GenericModelApi", "api_class_name", "make_api"]

VALIDATION_FAILED = "Validation failed"


def api_class_name(code: str) -> str:
    return "GenericApi_" + code


def errors_json(result: ValidationResult) -> dict[str, list[str]]:
    return result.messages(translate, request_locale())


class GenericModelApi(ModelRestApi):
    """Base of the generated REST APIs (see :func:`make_api`)."""

    descriptor: EntityDescriptor
    allow_browser_login = True
    page_size = 25

    # -- error shape ----------------------------------------------------------------
    def response_422(self, message: Any = None) -> Any:  # type: ignore[override]
        if isinstance(message, dict):
            return self.response(422, message=translate(VALIDATION_FAILED), errors=message)
        return self.response(
            422, message=message or translate("Could not process entity"), errors={}
        )

    def validation_error(self, errors: dict[str, list[str]]) -> Any:
        return self.response(422, message=translate(VALIDATION_FAILED), errors=errors)

    def _json_object(self) -> tuple[dict[str, Any] | None, Any]:
        if not request.is_json:
            return None, self.response_400(message=translate("Request is not JSON"))
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return None, self.response_400(
                message=translate("The request body must be a JSON object.")
            )
        return data, None

    # -- writes ---------------------------------------------------------------------
    def editable_codes(self, creating: bool) -> set[str]:
        """Fields the caller may send: on update not the add-only ones, and never those
        whose ``field_actions`` permission the caller lacks."""
        desc = self.descriptor
        refused = refused_fields(desc) if desc.field_actions else set()
        if creating:
            return {f.code for f in desc.fields} - refused
        return {
            f.code
            for f in desc.fields
            if f.code not in desc.edit_read_only and f.code not in desc.virtual
        } - refused

    def validate_input(self, data: dict[str, Any], item: Any | None) -> ValidationResult:
        creating = item is None
        codes = self.editable_codes(creating)
        values: dict[str, Any] = {}
        if not creating:
            for code in codes:
                values[code] = getattr(item, code, None)
        result_extra: dict[str, list[FieldMessage]] = {}
        for key, value in data.items():
            if key in codes:
                values[key] = value
            elif key in {f.code for f in self.descriptor.fields} or key == "id":
                result_extra.setdefault(key, []).append(FieldMessage("read_only"))
            else:
                result_extra.setdefault(key, []).append(FieldMessage("unknown_field"))
        result = common.validate(self.descriptor, values, only=codes)
        for key, messages in result_extra.items():
            result.errors.setdefault(key, []).extend(messages)
        from lowlend.web.attachments.uploads import file_codes, resolve_values

        files = [c for c in file_codes(self.descriptor.fields) if c in codes]
        found = resolve_values(  # attachment ids → stored metadata; unknown ids → 422
            result.values,
            [c for c in files if c not in result.errors],
            entity=self.descriptor.code,
            record_id=getattr(item, "id", None),
        )
        for key, messages in found.items():
            result.errors.setdefault(key, []).extend(messages)
        sent = {k: v for k, v in result.values.items() if k in data and k not in result.errors}
        for key in common.missing_references(self.descriptor, sent):
            result.errors.setdefault(key, []).append(FieldMessage("invalid_reference"))
        return common.check_record(self.descriptor, result, item)

    def apply_values(self, item: Any, result: ValidationResult, codes: set[str]) -> None:
        for code, value in result.values.items():
            if code in codes and code not in self.descriptor.virtual:
                setattr(item, code, value)
        from lowlend.web.attachments.uploads import file_codes, link_values

        files = [c for c in file_codes(self.descriptor.fields) if c in codes]
        link_values(item, result.values, files, entity=self.descriptor.code)

    def _write_error(self, exc: SQLAlchemyError) -> Any:
        if isinstance(exc, WriteError):  # a user-facing message (referenced, conflict, …)
            return self.response(exc.status, message=str(exc), errors={})
        if isinstance(exc, IntegrityError):
            return self.response(
                409, message=translate("The record conflicts with an existing one."), errors={}
            )
        return self.response_422(message=translate("The record could not be saved."))

    def post_headless(self) -> Any:
        data, error = self._json_object()
        if error is not None:
            return error
        assert data is not None
        result = self.validate_input(data, None)
        if result.errors:
            return self.validation_error(errors_json(result))
        item = self.datamodel.obj()
        self.apply_values(item, result, self.editable_codes(True))
        self.pre_add_values(item, result.values)
        try:
            self.datamodel.add(item)
        except SQLAlchemyError as exc:
            return self._write_error(exc)
        self.post_add(item)
        return self.response(
            201,
            id=self.datamodel.get_pk_value(item),
            result=self._masked(self.show_model_schema.dump(item, many=False)),
        )

    def pre_add_values(self, item: Any, values: dict[str, Any]) -> None:
        stamping.stamp_new(self.descriptor, item, values)

    def put_headless(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        data, error = self._json_object()
        if error is not None:
            return error
        assert data is not None
        result = self.validate_input(data, item)
        if result.errors:
            return self.validation_error(errors_json(result))
        self.apply_values(item, result, self.editable_codes(False))
        stamping.stamp_update(item, self.descriptor)
        try:
            self.datamodel.edit(item)
        except SQLAlchemyError as exc:
            return self._write_error(exc)
        self.post_update(item)
        return self.response(
            200, result=self._masked(self.show_model_schema.dump(item, many=False))
        )

    def delete_headless(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.datamodel.delete(item)
        except SQLAlchemyError as exc:  # the audited interface raises WriteError for all
            return self._write_error(exc)
        return self.response(200, message="OK")

    # -- PII masking in responses ----------------------------------------------------
    def _masked(self, row: Any) -> Any:
        from lowlend.services.audit import mask_image

        if not isinstance(row, dict) or can_view_pii(self.descriptor.code):
            return row
        if self.descriptor.code == "audit_log":
            from lowlend.web.generic.audit_format import masked_image

            out = dict(row)
            for key in ("before", "after"):
                if key in out:
                    out[key] = masked_image(str(row.get("entity") or "*"), out[key], False)
            return out
        pii = self.descriptor.pii
        if not pii:
            return row
        masked = mask_image(row, pii, mask_rules()) or {}
        if masked.get("id_number_enc"):
            masked["id_number_enc"] = "******"
        return masked

    def pre_get(self, data: dict[str, Any]) -> None:
        if "result" in data:
            data["result"] = self._masked(data["result"])

    def pre_get_list(self, data: dict[str, Any]) -> None:
        if "result" in data:
            data["result"] = [self._masked(row) for row in data["result"]]


def make_api(desc: EntityDescriptor, base: type[GenericModelApi] = GenericModelApi) -> type:
    """The ModelRestApi class of one descriptor."""
    from lowlend.web.generic.views import base_permissions

    model_columns = set(desc.model.__table__.columns.keys())  # type: ignore[attr-defined]
    show = list(
        dict.fromkeys(c for c in (desc.show_columns or desc.list_columns) if c in model_columns)
    )
    if "id" not in show:
        show = ["id", *show]
    list_columns = [c for c in desc.list_columns if c in model_columns]
    if "id" not in list_columns:
        list_columns = ["id", *list_columns]
    writable = [f.code for f in desc.fields if f.code in model_columns]
    attrs: dict[str, Any] = {
        "descriptor": desc,
        "datamodel": DATAMODEL(desc.model, desc.code),
        "resource_name": desc.code,
        "class_permission_name": desc.code,
        "method_permission_name": dict(API_METHOD_ACTIONS),
        "list_columns": list_columns,
        "show_columns": show,
        "order_columns": list_columns,
        "search_columns": [c for c in desc.search_columns if c in model_columns],
        "label_columns": dict(desc.labels),
        "list_title": desc.label,
        "show_title": desc.label,
        "add_title": desc.label,
        "edit_title": desc.label,
        "add_columns": writable or show,
        "edit_columns": [c for c in writable if c not in desc.edit_read_only] or show,
        "base_order": desc.base_order,
        "openapi_spec_tag": desc.code,
        "base_permissions": base_permissions(desc),
    }
    if desc.read_only:
        attrs["include_route_methods"] = {"get", "get_list", "info"}
    return type(api_class_name(desc.code), (base,), attrs)
