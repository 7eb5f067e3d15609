"""Server-side validation of config-declared fields (lowlend.services.custom_fields)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from lowlend.services.custom_fields import (
    validate_application_custom,
    validate_record,
)
from lowlend.spec import load_directory

CONFIG = Path(__file__).resolve().parents[2] / "product_configs"


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    return load_directory(CONFIG)


def codes(result):  # type: ignore[no-untyped-def]
    return {k: [m.code for m in v] for k, v in result.errors.items()}


def test_required_if_and_visible_if_on_entity(registry) -> None:  # type: ignore[no-untyped-def]
    spec = registry.entities["property_collateral"]
    base = {"certificate_no": "C-1", "address": "南昌", "appraised_value": "1000000"}
    ok = validate_record(
        spec.fields, {**base, "first_charge_holder": "银行"}, registry.dictionaries
    )
    assert ok.ok, ok.errors
    # not visible without a second charge: dropped, no error
    assert ok.values["first_charge_holder"] is None
    assert "first_charge_holder" in ok.hidden
    bad = validate_record(spec.fields, {**base, "second_charge": "y"}, registry.dictionaries)
    assert codes(bad) == {"first_charge_holder": ["required"]}
    good = validate_record(
        spec.fields,
        {**base, "second_charge": True, "first_charge_holder": "X"},
        registry.dictionaries,
    )
    assert good.ok and good.values["first_charge_holder"] == "X"
    assert good.values["appraised_value"] == Decimal("1000000.00")


def test_types_ranges_patterns_and_dictionaries(registry) -> None:  # type: ignore[no-untyped-def]
    spec = registry.entities["guarantor"]
    result = validate_record(
        spec.fields,
        {
            "guarantor_type": "nonsense",
            "name": "x" * 81,
            "id_type": "resident_id",
            "id_number": "1",
            "phone": "12345",
        },
        registry.dictionaries,
        reject_unknown=True,
    )
    assert codes(result) == {
        "guarantor_type": ["invalid_choice"],
        "name": ["max_length"],
        "id_number": ["resident_id_invalid_length"],  # format: id_number (by id_type)
        "phone": ["pattern"],
    }
    prop = registry.entities["property_collateral"]
    result = validate_record(
        prop.fields,
        {
            "certificate_no": "c",
            "address": "a",
            "appraised_value": "-1",
            "ltv_max": "0.9",
            "area_sqm": "abc",
        },
        registry.dictionaries,
    )
    assert codes(result) == {
        "appraised_value": ["min"],
        "ltv_max": ["max"],
        "area_sqm": ["invalid_int"],
    }
    assert "Must be at most 0.700000." in result.messages()["ltv_max"]


def test_child_table_and_dates(registry) -> None:  # type: ignore[no-untyped-def]
    spec = registry.entities["visit_record"]
    values = {
        "visit_date": "2026-11-01",
        "visit_type": registry.dictionaries["visit_type"].items[0].code,
        "staff": '[{"name": "张三"}, {"name": ""}]',
        "borrower_consented": "true",
        "findings": "ok",
    }
    result = validate_record(spec.fields, values, registry.dictionaries)
    assert list(result.errors) == ["staff"]
    assert "Row 2, name: This field is required." in result.messages()["staff"]
    values["staff"] = [{"name": "张三"}, {"name": "李四"}]
    result = validate_record(spec.fields, values, registry.dictionaries)
    assert result.ok, result.errors
    assert result.values["visit_date"] == dt.date(2026, 11, 1)
    assert result.values["borrower_consented"] is True


def test_unknown_fields_and_partial(registry) -> None:  # type: ignore[no-untyped-def]
    spec = registry.entities["guarantor"]
    result = validate_record(
        spec.fields, {"bogus": 1}, registry.dictionaries, partial=True, reject_unknown=True
    )
    assert codes(result) == {"bogus": ["unknown_field"]}


def test_product_custom_fields(registry) -> None:  # type: ignore[no-untyped-def]
    product = registry.products["consumer_emi"]
    custom = {"employer": "ACME", "monthly_income": "8000", "purpose": "other"}
    result = validate_application_custom(product.custom_fields, custom, registry.dictionaries)
    assert codes(result) == {"purpose_detail": ["required"]}
    custom["purpose"] = "travel"
    custom["purpose_detail"] = "dropped because hidden"
    result = validate_application_custom(product.custom_fields, custom, registry.dictionaries)
    assert result.ok
    assert result.values["purpose_detail"] is None
    translated = result.messages(lambda s: s.upper())
    assert translated == {}
