"""The shipped configuration loads, and the registry is an immutable, versioned snapshot."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from spec_seed_helpers import SEED_CONFIG, SEED_TEMPLATES, SeedCopy

from lowlend.domain.conventions import Amortization, ComplianceAction, Frequency, LoanKind
from lowlend.spec import SpecRegistry, load_bundle, read_bundle
from lowlend.spec.loader import STANDARD_ROLES
from lowlend.spec.schema_source import build_schemas


def test_seed_loads(registry: SpecRegistry) -> None:
    assert {
        "consumer_emi",
        "business_equal_principal",
        "business_interest_only",
        "bridge_bullet",
        "installment_flat",
        "revolving_credit_line",
        "entrusted_loan",
        "hk_personal_loan",
    } <= set(registry.products)
    methods = {p.amortization for p in registry.products.values()}
    assert methods == set(Amortization)
    kinds = {p.kind for p in registry.products.values()}
    assert kinds == set(LoanKind)
    assert registry.products["bridge_bullet"].repayment.frequency is Frequency.ONE_TIME
    assert registry.products["hk_personal_loan"].currency == "HKD"
    assert set(STANDARD_ROLES) <= set(registry.roles)
    assert {"CN", "CN-JX", "HK", "UK", "US-CA", "US-MLA"} <= set(registry.regions)
    assert len(registry.approval_chains) >= 2
    assert registry.collections.level_for(20) is not None
    assert registry.collections.level_for(20).level == 2  # type: ignore[union-attr]


def test_money_is_decimal_and_labels_translated(registry: SpecRegistry) -> None:
    product = registry.products["consumer_emi"]
    assert product.amount.min == Decimal("1000.00")
    assert isinstance(product.interest.annual_rate.max, Decimal)
    assert product.label.get("zh_CN") == "个人消费贷（等额本息）"
    assert product.label.get("en").startswith("Personal consumer loan")
    fees = registry.fee_schedules["consumer_standard"].fees
    assert fees[0].rate == Decimal("0.010000")


def test_every_label_has_both_locales(registry: SpecRegistry) -> None:
    for category in registry.menus:
        assert category.label.zh_CN and category.label.en
        for item in category.items:
            assert item.label.zh_CN and item.label.en
    for dictionary in registry.dictionaries.values():
        for entry in dictionary.items:
            assert entry.label.zh_CN and entry.label.en


def test_inherited_region_is_merged(registry: SpecRegistry) -> None:
    jx = registry.regions["CN-JX"]
    cn = registry.regions["CN"]
    assert jx.inherits == "CN"
    assert [c.id for c in jx.rate_caps] == [c.id for c in cn.rate_caps]
    assert "CN_LPR_1Y" in jx.reference_rates
    assert jx.quiet_hours is not None and jx.quiet_hours.start == "22:00"
    assert jx.extra["geography"]["cross_city_lending"] == {
        "allowed_if_regulatory_rating_at_least": "AA"
    }
    assert jx.extra["geography"]["cross_province_lending"] == "forbidden"
    assert jx.pii_fields["phone"].mask == "keep_first_3_last_4"


def test_lpr_cap_switches_to_block(registry: SpecRegistry) -> None:
    import datetime as dt

    cap = next(c for c in registry.regions["CN"].rate_caps if c.id.endswith("lpr4_target"))
    assert cap.action_on(dt.date(2026, 6, 1)) is ComplianceAction.WARN
    assert cap.action_on(dt.date(2028, 1, 1)) is ComplianceAction.BLOCK
    lpr = registry.regions["CN"].reference_rates["CN_LPR_1Y"]
    assert lpr.value_on(dt.date(2025, 6, 1)) == Decimal("0.0300")


def test_registry_is_immutable(registry: SpecRegistry) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry.products = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        registry.products["x"] = registry.products["consumer_emi"]  # type: ignore[index]
    with pytest.raises(TypeError):
        registry.files["config/x.yaml"] = ""  # type: ignore[index]
    product = registry.products["consumer_emi"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.code = "other"  # type: ignore[misc]
    assert isinstance(product.custom_fields, tuple)
    with pytest.raises(TypeError):
        registry.regions["CN"].fee_rules["x"] = 1  # type: ignore[index]


def test_content_hash_is_stable_and_tracks_changes(seed: SeedCopy) -> None:
    first = seed.load()
    again = seed.load()
    assert first.content_hash == again.content_hash
    assert len(first.content_hash) == 64
    seed.replace("products/consumer_emi.yaml", "max_length: 100", "max_length: 120")
    changed = seed.load()
    assert changed.content_hash != first.content_hash


def test_bundle_round_trip(registry: SpecRegistry) -> None:
    bundle = read_bundle(SEED_CONFIG, SEED_TEMPLATES)
    assert "config/products/consumer_emi.yaml" in bundle
    assert "config/roles.yaml" in bundle
    assert "templates/installment_due/sms.zh_CN.j2" in bundle
    assert "templates/installment_due/meta.yaml" in bundle
    assert dict(registry.files) == bundle
    again = load_bundle(dict(registry.files))
    assert again.content_hash == registry.content_hash


def test_templates(registry: SpecRegistry) -> None:
    due = registry.templates["installment_due"]
    assert set(due.channels) == {"sms", "email"}
    assert "{{ amount_due }}" in (due.body("sms", "zh_CN") or "")
    assert due.body("sms", "fr") == due.body("sms", "en")
    for event in (
        "installment_due",
        "overdue_notice",
        "disbursed",
        "repayment_received",
        "collection_level_up",
    ):
        assert event in registry.templates


def test_shipped_json_schemas_are_valid_and_current() -> None:
    schema_dir = Path(__file__).resolve().parents[2] / "lowlend" / "spec" / "schemas"
    for kind, schema in build_schemas().items():
        shipped = json.loads((schema_dir / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert shipped == schema, f"run: python -m lowlend.spec.schema_source ({kind})"
        jsonschema.Draft202012Validator.check_schema(shipped)
