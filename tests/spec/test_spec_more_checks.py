"""Further semantic checks and loader behaviour."""

from __future__ import annotations

import pytest
from spec_seed_helpers import SeedCopy

from lowlend.spec import ConfigError, ConfigErrors, load_bundle
from lowlend.spec.yamlload import line_at, load_yaml

PRODUCT = "products/consumer_emi.yaml"


def test_config_error_format() -> None:
    error = ConfigError(
        "product_configs/products/x.yaml",
        12,
        "interest.annual_rate.max",
        "0.36 is above the CN cap 0.24",
    )
    assert str(error) == (
        "product_configs/products/x.yaml:12: interest.annual_rate.max: 0.36 is above the CN cap 0.24"
    )
    errors = ConfigErrors(
        [
            ConfigError("b.yaml", 1, "", "x"),
            ConfigError("a.yaml", 9, "", "y"),
            ConfigError("a.yaml", 2, "", "z"),
        ]
    )
    assert [(e.file, e.line) for e in errors.errors] == [
        ("a.yaml", 2),
        ("a.yaml", 9),
        ("b.yaml", 1),
    ]


def test_display_names_are_used() -> None:
    with pytest.raises(ConfigErrors) as info:
        load_bundle(
            {"config/eod.yaml": "steps: [\n"}, display_names={"config/eod.yaml": "conf/eod.yaml"}
        )
    assert any(e.file == "conf/eod.yaml" for e in info.value.errors)


def test_duplicate_yaml_key(seed: SeedCopy) -> None:
    text = seed.read(PRODUCT)
    seed.write(PRODUCT, text + "currency: HKD\n")
    error = seed.only_error()
    first = seed.line_of(PRODUCT, "currency: CNY")
    seed.check(error, PRODUCT, len(text.splitlines()) + 1, "currency")
    assert error.message == f"duplicate key (first at line {first})"


def test_unexpected_file(seed: SeedCopy) -> None:
    seed.write("products/archive/old.yaml", "code: old\n")
    error = seed.only_error()
    assert error.file.endswith("products/archive/old.yaml")
    assert "unexpected file" in error.message


def test_unknown_dictionary_and_entity(seed: SeedCopy) -> None:
    l1 = seed.replace(PRODUCT, "dictionary: loan_purpose", "dictionary: loan_purposes")
    rel = "products/business_equal_principal.yaml"
    l2 = seed.replace(rel, "reference: property_collateral", "reference: house")
    errors = seed.errors()
    assert len(errors) == 2, "\n".join(map(str, errors))
    seed.check(errors[0], rel, l2, "custom_fields[6].reference")
    assert errors[0].message == "unknown entity 'house'"
    seed.check(errors[1], PRODUCT, l1, "custom_fields[2].dictionary")
    assert errors[1].message == "unknown dictionary 'loan_purposes'"


def test_entity_list_column_must_be_a_field(seed: SeedCopy) -> None:
    rel = "entities/guarantor.yaml"
    line = seed.replace(
        rel,
        "list_columns: [name, guarantor_type, phone]",
        "list_columns: [name, guarantor_type, mobile]",
    )
    error = seed.only_error()
    seed.check(error, rel, line, "list_columns[2]")
    assert error.message == "unknown field 'mobile'"


def test_inheritance_cycle(seed: SeedCopy) -> None:
    rel = "compliance/CN.yaml"
    seed.replace(rel, "code: CN\n", "code: CN\ninherits: CN-JX\n")
    errors = seed.errors()
    assert any("inheritance cycle" in e.message for e in errors), "\n".join(map(str, errors))


def test_one_time_frequency_needs_bullet(seed: SeedCopy) -> None:
    rel = "products/bridge_bullet.yaml"
    seed.replace(rel, "amortization: bullet", "amortization: interest_only")
    error = seed.only_error()
    seed.check(error, rel, seed.line_of(rel, "frequency: one_time"), "repayment.frequency")


def test_penalty_grace_mode_is_parsed_and_defaults_to_after_grace(seed: SeedCopy) -> None:
    from lowlend.domain.conventions import GraceMode

    # the reference product states the default
    assert seed.load().products["consumer_emi"].penalty.grace_mode is GraceMode.AFTER_GRACE
    seed.replace(PRODUCT, "grace_mode: after_grace", "grace_mode: from_due_date")
    assert seed.load().products["consumer_emi"].penalty.grace_mode is GraceMode.FROM_DUE_DATE
    # without the key: after_grace
    seed.replace(PRODUCT, "  grace_mode: from_due_date", "  # (no grace_mode)")
    assert seed.load().products["consumer_emi"].penalty.grace_mode is GraceMode.AFTER_GRACE


def test_unknown_penalty_grace_mode(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "grace_mode: after_grace", "grace_mode: from_due")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "penalty.grace_mode")
    assert error.message.startswith(
        "unknown value 'from_due' (expected one of: after_grace, from_due_date")


def test_prepayment_spread_fees_on_payoff(seed: SeedCopy) -> None:
    from lowlend.domain.conventions import SpreadFeesOnPayoff

    def mode() -> SpreadFeesOnPayoff:
        return seed.load().products["consumer_emi"].prepayment.spread_fees_on_payoff

    assert mode() is SpreadFeesOnPayoff.WAIVE
    seed.replace(PRODUCT, "spread_fees_on_payoff: waive", "spread_fees_on_payoff: due")
    assert mode() is SpreadFeesOnPayoff.DUE
    # the other products do not set it: waive
    assert {p.prepayment.spread_fees_on_payoff for c, p in seed.load().products.items()
            if c != "consumer_emi"} == {SpreadFeesOnPayoff.WAIVE}
    line = seed.replace(PRODUCT, "spread_fees_on_payoff: due", "spread_fees_on_payoff: charge")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "prepayment.spread_fees_on_payoff")
    assert error.message.startswith("unknown value 'charge' (expected one of: waive, due")


def test_write_off_defaults_and_explicit_values(seed: SeedCopy) -> None:
    from lowlend.spec.model import WriteOffSpec

    products = seed.load().products
    assert products["consumer_emi"].write_off == WriteOffSpec(180, True)
    # products without a write_off: section get the defaults
    assert products["business_equal_principal"].write_off == WriteOffSpec(180, True)
    seed.replace(PRODUCT, "  min_dpd: 180 ", "  min_dpd: 90 ")
    seed.replace(PRODUCT, "  requires_approval: true ", "  requires_approval: false ")
    assert seed.load().products["consumer_emi"].write_off == WriteOffSpec(90, False)
    # only one key: the other keeps its default
    seed.replace(PRODUCT, "  requires_approval: false ", "  # no requires_approval ")
    assert seed.load().products["consumer_emi"].write_off == WriteOffSpec(90, True)


def test_write_off_min_dpd_zero_is_rejected(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "  min_dpd: 180 ", "  min_dpd: 0 ")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "write_off.min_dpd")
    assert error.message == "0 is less than the minimum of 1"


def test_currency_mismatch(seed: SeedCopy) -> None:
    rel = "products/hk_personal_loan.yaml"
    line = seed.replace(rel, "fee_schedule: hk_standard", "fee_schedule: consumer_standard")
    error = seed.only_error()
    seed.check(error, rel, line, "fee_schedule")
    assert "is in CNY, product in HKD" in error.message


def test_hk_cap_blocks_above_48_percent_only(seed: SeedCopy) -> None:
    rel = "products/hk_personal_loan.yaml"
    seed.replace(rel, 'max: "0.300000"', 'max: "0.400000"')  # above s25 (review), below s24
    seed.load()
    line = seed.replace(rel, 'max: "0.400000"', 'max: "0.500000"')
    error = seed.only_error()
    seed.check(error, rel, line, "interest.annual_rate.max")
    assert "HK cap 0.48" in error.message and "hk.mlo.s24" in error.message


def test_collection_levels_must_be_contiguous(seed: SeedCopy) -> None:
    line = seed.replace("collections.yaml", "dpd_min: 16", "dpd_min: 20")
    error = seed.only_error()
    seed.check(error, "collections.yaml", line, "levels[1].dpd_min")


def test_line_tracking_loader() -> None:
    doc = load_yaml("a:\n  - x: 1\n    y: [2, 3]\n  - z\n")
    assert line_at(doc, ["a", 0, "y"]) == 3
    assert line_at(doc, ["a", 1]) == 4
    assert load_yaml("") is None


def test_config_without_templates_loads() -> None:
    from spec_seed_helpers import SEED_CONFIG

    from lowlend.spec import load_directory

    registry = load_directory(SEED_CONFIG)
    assert not registry.templates
    assert registry.products["consumer_emi"].notifications


@pytest.mark.parametrize("replacement", [": {bogus: [1, 2]}", ": 3.5", ": [x, 1]", ""])
def test_broken_values_never_raise_anything_but_config_errors(replacement: str) -> None:
    """Mutate every 8th line of the reference product: only ConfigErrors may come out."""
    from spec_seed_helpers import SEED_CONFIG, SEED_TEMPLATES

    from lowlend.spec import read_bundle

    bundle = read_bundle(SEED_CONFIG, SEED_TEMPLATES)
    key = "config/" + PRODUCT
    lines = bundle[key].split("\n")
    for index in range(1, len(lines), 8):
        if ":" not in lines[index]:
            continue
        mutated = list(lines)
        mutated[index] = lines[index].split(":", 1)[0] + replacement if replacement else ""
        try:
            load_bundle({**bundle, key: "\n".join(mutated)})
        except ConfigErrors as exc:
            assert exc.errors


def test_pii_class_must_exist_in_region(seed: SeedCopy) -> None:
    rel = "products/revolving_credit_line.yaml"
    line = seed.replace(rel, "pii: bank_card_no", "pii: bank_card")
    error = seed.only_error()
    seed.check(error, rel, line, "custom_fields[2].pii")
    assert error.message.startswith("unknown personal-data class 'bank_card'")


def test_entity_tables_are_unique(seed: SeedCopy) -> None:
    rel = "entities/visit_record.yaml"
    line = seed.replace(rel, "table: x_visit_record", "table: x_guarantor")
    error = seed.only_error()
    seed.check(error, rel, line, "table")
    assert error.message == "table 'x_guarantor' is also used by 'guarantor'"


def test_entity_code_must_not_be_a_built_in_view(seed: SeedCopy) -> None:
    rel = "entities/loans.yaml"
    text = seed.read("entities/visit_record.yaml")
    seed.write(rel, text.replace("code: visit_record", "code: loans", 1).replace(
        "table: x_visit_record", "table: x_loans", 1
    ))
    errors = [e for e in seed.errors() if e.file.endswith(rel) and e.path == "code"]
    assert [e.message for e in errors] == [
        "code 'loans' is a built-in view; choose another code"
    ]
    assert errors[0].line == seed.line_of(rel, "code: loans")
