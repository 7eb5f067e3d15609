"""The applications REST API: ``/api/v1/applications/`` with per-product custom fields.

``POST`` validates the standard fields, the product's ranges and its ``custom_fields``
(errors keyed ``custom.<field>``) with the same rules as the web form
(:mod:`lowlend.web.generic.applications`); ``PUT`` checks the custom fields of the
product version the application is pinned to.
"""

from __future__ import annotations

from typing import Any

from lowlend.services.custom_fields import (
    FieldMessage,
    ValidationResult,
    validate_application_custom,
)
from lowlend.spec.expressions import to_basis_points, to_minor_units
from lowlend.web.generic import common, stamping
from lowlend.web.generic.api import GenericModelApi, errors_json
from lowlend.web.generic.applications import (
    current_product,
    custom_json,
    fill_application,
    locked_message,
    may_apply,
    pinned_product,
    range_errors,
    validate_application,
)
from lowlend.web.generic.form_state import form_state
from lowlend.web.generic.labels import translate

__all__ = ["ApplicationsApi"]

class ApplicationsApi(GenericModelApi):
    """``POST /api/v1/applications/`` validates the product's custom fields (per request).

    ``PUT /api/v1/applications/<id>`` checks the product ranges and, when ``custom`` is
    given, the custom fields of the product version the application is pinned to.
    """

    def validate_input(self, data: dict[str, Any], item: Any | None) -> ValidationResult:
        return _put_validate_input(self, data, item)

    def put_headless(self, pk: Any) -> Any:
        refused = self._locked(pk)
        return refused if refused is not None else super().put_headless(pk)

    def delete_headless(self, pk: Any) -> Any:
        refused = self._locked(pk)
        return refused if refused is not None else super().delete_headless(pk)

    def _locked(self, pk: Any) -> Any | None:
        """409 when the application left draft/returned (status moves go through the
        lending actions, never through PUT/DELETE)."""
        item = self.datamodel.get(pk, self._base_filters)
        text = locked_message(item) if item is not None else None
        return None if text is None else self.response(409, message=text, errors={})

    def apply_values(self, item: Any, result: ValidationResult, codes: set[str]) -> None:
        _put_apply_values(self, item, result, codes)

    def post_headless(self) -> Any:
        data, error = self._json_object()
        if error is not None:
            return error
        assert data is not None
        code = data.get("product_code")
        product = current_product(code if isinstance(code, str) else None)
        if product is None:
            return self.validation_error(
                {
                    "product_code": [
                        translate("Unknown product.")
                        if code
                        else FieldMessage("required").text(translate)
                    ]
                }
            )
        if not may_apply(product.code):
            return self.response_403()
        custom = data.get("custom") or {}
        if not isinstance(custom, dict):
            return self.validation_error({"custom": [FieldMessage("invalid_json").text(translate)]})
        allowed = {f.code for f in self.descriptor.fields}
        standard = {k: v for k, v in data.items() if k in allowed}
        for code_ in allowed:
            standard.setdefault(code_, None)
        result = validate_application(
            self.descriptor,
            product,
            standard,
            custom,
            custom_key="custom.",
            reject_unknown_custom=True,
        )
        for key in data:
            if key not in allowed and key not in ("product_code", "custom"):
                result.errors.setdefault(key, []).append(FieldMessage("unknown_field"))
        from lowlend.web.attachments.uploads import file_codes, link_values, resolve_values

        files = file_codes(product.custom_fields)
        for key, messages in resolve_values(  # attachment ids → metadata; unknown ids → 422
            result.values,
            [c for c in files if "custom." + c not in result.errors],
            entity="applications",
            record_id=None,
            field_prefix="custom.",
            key_prefix="custom.",
        ).items():
            result.errors.setdefault(key, []).extend(messages)
        if result.errors:
            return self.validation_error(errors_json(result))
        item = self.datamodel.obj()
        for code_ in allowed:
            if code_ in result.values:
                setattr(item, code_, result.values[code_])
        fill_application(
            item, product, custom_json(product, result.values, result.hidden, "custom.")
        )
        link_values(
            item, item.custom, files, entity="applications", field_prefix="custom."
        )
        stamping.stamp_new(self.descriptor, item, result.values)
        if item.config_version_id is None:
            return self.response(
                409, message=translate("No configuration is published."), errors={}
            )
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self.datamodel.add(item)
        except SQLAlchemyError as exc:
            return self._write_error(exc)
        return self.response(
            201, id=item.id, result=self._masked(self.show_model_schema.dump(item, many=False))
        )


def _put_validate_input(self: Any, data: dict[str, Any], item: Any) -> ValidationResult:
    """PUT: standard fields + product ranges; ``custom`` checked against the pinned product."""
    custom = data.get("custom", None)
    rest = {k: v for k, v in data.items() if k != "custom"}
    result = GenericModelApi.validate_input(self, rest, item)
    product = pinned_product(item) if item is not None else None
    if product is None:
        return result
    for code, messages in range_errors(product, result.values).items():
        result.errors.setdefault(code, messages)
    if custom is not None:
        if not isinstance(custom, dict):
            result.errors["custom"] = [FieldMessage("invalid_json")]
            return result
        merged = dict(getattr(item, "custom", None) or {})
        merged.update(custom)
        values = result.values
        plain = {
            "amount": to_minor_units(values["amount"]) if values.get("amount") else 0,
            "term": int(values.get("term") or 0),
            "annual_rate": to_basis_points(values["rate"]) if values.get("rate") else 0,
            "product": product.code,
            "region": getattr(product, "region", "") or "",
            "currency": getattr(product, "currency", "") or "",
        }
        second = validate_application_custom(
            product.custom_fields,
            merged,
            common.dictionaries_for(self.descriptor),
            application=plain,
            reject_unknown=True,
        )
        for code, messages in second.errors.items():
            result.errors["custom." + code] = messages
        from lowlend.web.attachments.uploads import file_codes, resolve_values

        for code, messages in resolve_values(  # attachment ids → metadata; unknown ids → 422
            second.values,
            [c for c in file_codes(product.custom_fields) if c not in second.errors],
            entity="applications",
            record_id=getattr(item, "id", None),
            field_prefix="custom.",
        ).items():
            second.errors[code] = messages
            result.errors["custom." + code] = messages
        if not second.errors:
            form_state().custom = custom_json(
                product,
                {"custom." + k: v for k, v in second.values.items()},
                {"custom." + k for k in second.hidden},
                "custom.",
            )
    return result


def _put_apply_values(self: Any, item: Any, result: ValidationResult, codes: set[str]) -> None:
    GenericModelApi.apply_values(self, item, result, codes)
    custom = form_state().take_custom()
    if custom is not None:
        item.custom = custom
        product = pinned_product(item)
        if product is not None:
            from lowlend.web.attachments.uploads import file_codes, link_values

            link_values(
                item,
                custom,
                file_codes(product.custom_fields),
                entity="applications",
                field_prefix="custom.",
            )
