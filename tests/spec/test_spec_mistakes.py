"""One test per kind of configuration mistake: exact file, line and key path."""

from __future__ import annotations

import shutil

import pytest
from spec_seed_helpers import SeedCopy

from lowlend.spec import ConfigErrors, load_bundle

PRODUCT = "products/consumer_emi.yaml"


def test_malformed_yaml(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "currency: CNY\n", "currency: CNY: oops\n")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "")
    assert error.message.startswith("malformed YAML: mapping values are not allowed")


def test_malformed_yaml_never_raises_a_traceback() -> None:
    try:
        load_bundle({"config/eod.yaml": "steps:\n  - code: [mark_due\n"})
    except ConfigErrors as exc:
        assert any("malformed YAML" in e.message for e in exc.errors)
    else:  # pragma: no cover
        raise AssertionError("no error")


def test_wrong_type(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "  every: 1\n", "  every: monthly\n")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "repayment.every")
    assert "'monthly' is not of type 'integer'" in error.message


def test_unknown_key(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "overpayment: credit", "overpaymnet: credit")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "overpaymnet")
    assert error.message.startswith("unknown key 'overpaymnet'")


def test_dangling_fee_schedule(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "fee_schedule: consumer_standard", "fee_schedule: consumer_gold")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "fee_schedule")
    assert error.message == "unknown fee schedule 'consumer_gold'"


def test_unknown_role_in_approval_step(seed: SeedCopy) -> None:
    chain = "approval_chains/consumer_standard.yaml"
    line = seed.replace(chain, "role: risk_officer", "role: risk_boss")
    error = seed.only_error()
    seed.check(error, chain, line, "steps[1].role")
    assert error.message == "unknown role 'risk_boss'"


def test_missing_en_label(seed: SeedCopy) -> None:
    line = seed.replace(
        PRODUCT,
        "label: {zh_CN: 个人消费贷（等额本息）, en: Personal consumer loan (equal installments)}",
        "label: {zh_CN: 个人消费贷（等额本息）}",
    )
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "label")
    assert error.message == "label is missing the 'en' text"


def test_rate_above_region_cap(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, 'max: "0.180000"', 'max: "0.360000"')
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "interest.annual_rate.max")
    assert error.message.startswith("0.360000 is above the CN cap 0.24")
    assert str(error).endswith(f"{PRODUCT}:{line}: interest.annual_rate.max: {error.message}")


def test_lpr_cap_binds_when_product_is_sold_past_2027(seed: SeedCopy) -> None:
    line = seed.line_of(PRODUCT, 'max: "0.180000"')
    seed.replace(PRODUCT, "valid_to: 2027-12-31", "valid_to: null")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "interest.annual_rate.max")
    assert "4 * CN_LPR_1Y(contract_date) on 2028-01-01" in error.message
    assert "0.12" in error.message


def test_inherited_cap_applies_to_child_region(seed: SeedCopy) -> None:
    rel = "products/business_equal_principal.yaml"
    line = seed.replace(rel, 'max: "0.168000"', 'max: "0.250000"')
    error = seed.only_error()
    seed.check(error, rel, line, "interest.annual_rate.max")
    assert "CN-JX cap 0.24" in error.message


def test_unknown_enum_value(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, "amortization: equal_installment", "amortization: balloon")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "amortization")
    assert error.message.startswith("unknown value 'balloon' (expected one of: equal_installment")


def test_duplicate_code_in_a_list(seed: SeedCopy) -> None:
    rel = "dictionaries.yaml"
    first = seed.line_of(rel, "{code: male,")
    line = seed.replace(
        rel,
        "      - {code: female, label: {zh_CN: 女, en: Female}}\n",
        "      - {code: male, label: {zh_CN: 男性, en: Man}}\n",
    )
    error = seed.only_error()
    seed.check(error, rel, line, "dictionaries[1].items[1].code")
    assert error.message == f"duplicate code 'male' (first at line {first})"


def test_duplicate_role(seed: SeedCopy) -> None:
    rel = "roles.yaml"
    line = seed.replace(rel, "  - code: auditor\n", "  - code: collector\n")
    errors = seed.errors()
    messages = [str(e) for e in errors]
    assert any(
        e.line == line and e.path.endswith(".code") and "duplicate code 'collector'" in e.message
        for e in errors
    ), messages
    assert any("standard role 'auditor' is missing" in m for m in messages)


def test_invalid_expression_has_line_and_column(seed: SeedCopy) -> None:
    line = seed.replace(
        PRODUCT,
        "visible_if: \"application.custom.purpose == 'other'\"",
        "visible_if: \"application.custom.purpose == 'other' &&\"",
    )
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "custom_fields[3].visible_if")
    assert error.message.startswith("invalid expression: 1:41: Syntax error")


def test_expression_typo_in_field_name(seed: SeedCopy) -> None:
    line = seed.replace(
        PRODUCT,
        "required_if: \"application.custom.purpose == 'other'\"",
        "required_if: \"application.custom.purpos == 'other'\"",
    )
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "custom_fields[3].required_if")
    assert error.message.startswith("invalid expression: 1:20: unknown field 'purpos' of")


def test_invalid_scorecard_expression(seed: SeedCopy) -> None:
    rel = "scorecards/consumer_basic.yaml"
    line = seed.replace(rel, '"customer.age < 22"', '"custmer.age < 22"')
    error = seed.only_error()
    seed.check(error, rel, line, "characteristics[0].bins[0].when")
    assert error.message.startswith(
        "invalid expression: 1:8: undeclared reference to 'custmer.age'"
    )


def test_invalid_approval_condition(seed: SeedCopy) -> None:
    rel = "approval_chains/consumer_standard.yaml"
    line = seed.replace(rel, "application.score < 600", "application.score < 600 ||| x")
    error = seed.only_error()
    seed.check(error, rel, line, "steps[3].condition")
    assert error.message.startswith("invalid expression: 1:")


def test_file_stem_must_equal_code(seed: SeedCopy) -> None:
    shutil.copy(seed.path(PRODUCT), seed.path("products/consumer_emi_v2.yaml"))
    error = seed.only_error()
    seed.check(error, "products/consumer_emi_v2.yaml", 2, "code")
    assert error.message == "code 'consumer_emi' must equal the file name 'consumer_emi_v2'"


def test_float_money_is_rejected(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, 'amount: {min: "1000.00"', "amount: {min: 1000.50")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "amount.min")
    assert "1000.5 is not allowed for money or rates" in error.message
    assert 'quote it as a decimal string, e.g. "1000.5"' in error.message


def test_float_rate_in_nullable_field(seed: SeedCopy) -> None:
    line = seed.replace(PRODUCT, 'cap_ratio: "0.240000"', "cap_ratio: 0.24")
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "penalty.cap_ratio")
    assert "0.24 is not allowed for money or rates" in error.message


def test_min_above_max_and_default_outside(seed: SeedCopy) -> None:
    line = seed.replace(
        PRODUCT, "term: {min: 3, max: 36, default: 12}", "term: {min: 3, max: 36, default: 48}"
    )
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "term.default")
    assert error.message == "default 48 is outside [3, 36]"
    seed.replace(
        PRODUCT, "term: {min: 3, max: 36, default: 48}", "term: {min: 40, max: 36, default: 38}"
    )
    error = seed.only_error()
    seed.check(error, PRODUCT, line, "term.min")


def test_revolving_product_needs_its_section(seed: SeedCopy) -> None:
    rel = "products/revolving_credit_line.yaml"
    text = seed.read(rel)
    line = seed.line_of(rel, "kind: revolving")
    seed.write(rel, text[: text.index("revolving:\n")] + text[text.index("custom_fields:") :])
    error = seed.only_error()
    seed.check(error, rel, line, "kind")
    assert error.message == "a revolving product needs a 'revolving:' section"


def test_unknown_region_and_inheritance(seed: SeedCopy) -> None:
    rel = "compliance/CN-JX.yaml"
    line = seed.replace(rel, "inherits: CN\n", "inherits: CN-XX\n")
    errors = seed.errors()
    seed.check(errors[0], rel, line, "inherits")
    assert errors[0].message == "unknown region 'CN-XX'"


def test_menu_names_unknown_view(seed: SeedCopy) -> None:
    line = seed.replace("menus.yaml", "view: legal_cases", "view: lawsuits")
    error = seed.only_error()
    seed.check(error, "menus.yaml", line, "categories[5].items[3].view")
    assert error.message == "unknown entity/view 'lawsuits'"


def test_upfront_fee_forbidden_in_cn(seed: SeedCopy) -> None:
    seed.replace("fees/consumer_standard.yaml", "collection: spread", "collection: upfront")
    errors = seed.errors()
    assert errors, "expected errors"
    line = seed.line_of(PRODUCT, "fee_schedule:")
    product_errors = [e for e in errors if e.file.endswith(PRODUCT)]
    seed.check(product_errors[0], PRODUCT, line, "fee_schedule")
    assert "deducted upfront" in product_errors[0].message


def test_template_missing_locale(seed: SeedCopy) -> None:
    seed.path("templates/disbursed/sms.en.j2").unlink()
    error = seed.only_error()
    seed.check(
        error,
        "disbursed/meta.yaml",
        seed.line_of("templates/disbursed/meta.yaml", "channels:"),
        "channels[0]",
    )
    assert error.message == "missing template disbursed/sms.en.j2"


def test_template_uses_undeclared_variable(seed: SeedCopy) -> None:
    seed.write("templates/disbursed/sms.en.j2", "Hi {{ customer_name }}\nPay {{ amout }}\n")
    error = seed.only_error()
    seed.check(error, "disbursed/sms.en.j2", 2, "")
    assert error.message.startswith("variable 'amout' is not declared")


def test_several_mistakes_are_reported_in_one_run(seed: SeedCopy) -> None:
    l1 = seed.replace(PRODUCT, "amortization: equal_installment", "amortization: balloon")
    l2 = seed.replace(PRODUCT, "fee_schedule: consumer_standard", "fee_schedule: nope")
    l3 = seed.replace(
        "approval_chains/consumer_standard.yaml", "role: risk_officer", "role: risk_boss"
    )
    l4 = seed.replace("eod.yaml", "  - code: classify\n", "  - code: clasify\n")
    l5 = seed.replace("fees/business_standard.yaml", 'rate: "0.005000"', "rate: 0.005")
    errors = seed.errors()
    found = {(e.file.rsplit("product_configs/", 1)[-1], e.line, e.path) for e in errors}
    assert {
        (PRODUCT, l1, "amortization"),
        (PRODUCT, l2, "fee_schedule"),
        ("approval_chains/consumer_standard.yaml", l3, "steps[1].role"),
        ("eod.yaml", l4, "steps[4].code"),
        ("fees/business_standard.yaml", l5, "fees[0].rate"),
    } <= found, "\n".join(map(str, errors))
    # sorted by file, then line
    keys = [(e.file, e.line) for e in errors]
    assert keys == sorted(keys)
    # the broken fee schedule is not reported again as dangling by the products using it
    assert not any("unknown fee schedule 'business_standard'" in e.message for e in errors)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"loan.dpd > 30"',
            '"loan.dpdd > 30"',
            "invalid expression: 1:6: unknown field 'dpdd' of loan (declared: ",
        ),
        (
            '"loan.dpd > 30"',
            "\"loan.dpd > '30'\"",
            "invalid expression: 1:10: found no matching overload for '_>_' applied to "
            "'(int, string)'",
        ),
        (
            '"loan.dpd > 30"',
            '"loan.dpd + 30"',
            "invalid expression: a condition must be true or false, this one is int",
        ),
    ],
)
def test_invalid_early_warning_rule(seed: SeedCopy, old: str, new: str, message: str) -> None:
    rel = "early_warning.yaml"
    line = seed.replace(rel, old, new)
    error = seed.only_error()
    seed.check(error, rel, line, "indicators[1].when")
    assert error.message.startswith(message), error.message
