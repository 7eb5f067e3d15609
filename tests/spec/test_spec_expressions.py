"""The expression facade: typed compile errors with line:column, and a real sandbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lowlend.spec.expressions import (
    ExpressionEnv,
    ExpressionError,
    T,
    compile_expression,
    to_basis_points,
    to_minor_units,
)

ENV = ExpressionEnv.of(
    amount=T.INT,
    rate=T.INT,
    name=T.STRING,
    flags=T.list(T.STRING),
    xs=T.list(T.INT),
    start=T.DATE,
    customer=T.open_obj(age=T.INT),
    application=T.obj(amount=T.INT, custom=T.obj(purpose=T.STRING)),
)


def test_evaluates_typed_plain_values() -> None:
    rule = compile_expression(
        "amount >= 5000000 && rate <= 2400 && 'vip' in flags && customer.age > 25", ENV
    )
    values = {
        "amount": to_minor_units(Decimal("50000.00")),
        "rate": to_basis_points(Decimal("0.180000")),
        "flags": ["vip"],
        "customer": {"age": 30},
    }
    assert rule.evaluate(values) is True
    assert compile_expression("name + '!'", ENV).evaluate({"name": "张三"}) == "张三!"
    assert compile_expression("amount / 100", ENV).evaluate({"amount": 12345}) == 123


def test_dates_are_iso_strings() -> None:
    rule = compile_expression("start >= '2025-01-01'", ENV)
    assert rule.evaluate({"start": dt.date(2025, 3, 1)}) is True
    assert rule.evaluate({"start": dt.date(2024, 3, 1)}) is False


def test_compile_error_has_line_and_column() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("amount > 'x'", ENV)
    assert (info.value.line, info.value.column) == (1, 8)
    assert str(info.value).startswith("1:8: found no matching overload for '_>_'")
    with pytest.raises(ExpressionError) as info:
        compile_expression("amount > 1 &&\n  nmae == 'x'", ENV)
    assert (info.value.line, info.value.column) == (2, 3)
    assert "undeclared reference to 'nmae'" in str(info.value)


def test_unknown_field_of_declared_object() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("application.custom.purpse == 'x'", ENV)
    assert (
        str(info.value) == "1:20: unknown field 'purpse' of application.custom (declared: purpose)"
    )
    # open objects accept undeclared fields; method calls are not fields
    compile_expression("customer.city == 'x' && name.startsWith('a') && xs.size() > 0", ENV)


def test_compiled_programs_are_cached() -> None:
    first = compile_expression("amount > 1", ENV)
    assert compile_expression("amount > 1", ENV) is first
    other_env = ExpressionEnv.of(amount=T.INT)
    assert compile_expression("amount > 1", other_env) is not first


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "open('/etc/passwd')",
        "eval('1')",
        "name.__class__",
        "amount.__class__.__mro__",
        "getattr(name, 'upper')",
        "exec('import os')",
        "lambda: 1",
        "[x for x in xs]",
        "import os",
    ],
)
def test_python_is_unreachable(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source, ENV)


def test_map_keys_are_not_attributes() -> None:
    rule = compile_expression("customer.__class__ == 'x'", ENV)
    with pytest.raises(ExpressionError, match="evaluation failed"):
        rule.evaluate({"customer": {"age": 1}})


class _Secret:
    def __eq__(self, other: object) -> bool:  # pragma: no cover - must never be called
        raise AssertionError("an expression reached a Python object")

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"customer": _Secret()}, "not a plain value"),
        ({"customer": {"age": _Secret()}}, "customer.age: _Secret is not a plain value"),
        ({"xs": [1, object()]}, r"xs\[1\]"),
        ({"amount": 1.5}, "float is not accepted"),
        ({"amount": Decimal("1.50")}, "Decimal is not accepted"),
        ({"customer": {1: "x"}}, "keys must be strings"),
        ({"unknown": 1}, "not a declared variable"),
        ({"name": open}, "not a plain value"),
    ],
)
def test_only_plain_values_are_accepted(values: dict[str, object], match: str) -> None:
    rule = compile_expression("amount > 0", ENV)
    with pytest.raises(TypeError, match=match):
        rule.evaluate(values)


def test_runtime_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="divide by zero"):
        compile_expression("amount / 0 > 1", ENV).evaluate({"amount": 1})
    with pytest.raises(ExpressionError, match="evaluation failed"):
        compile_expression("customer.missing > 1", ENV).evaluate({"customer": {}})


def test_no_unbounded_computation() -> None:
    # CEL has no loops or recursion; comprehensions are bounded by the input and by the
    # runtime's iteration budget: a cubic blow-up is refused instead of running away.
    huge = compile_expression("xs.all(a, xs.all(b, xs.all(c, a + b + c >= 0)))", ENV)
    with pytest.raises(ExpressionError, match="budget"):
        huge.evaluate({"xs": list(range(1000))})
    small = compile_expression("xs.all(a, xs.all(b, a + b >= 0))", ENV)
    assert small.evaluate({"xs": list(range(20))}) is True


def test_source_length_is_bounded() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        compile_expression(" || ".join(["amount > 1"] * 1000), ENV)


def test_money_helpers() -> None:
    assert to_minor_units(Decimal("0.005")) == 1
    assert to_minor_units(Decimal("12.34"), 2) == 1234
    assert to_basis_points(Decimal("0.0345")) == 345


def test_declared_fields_of_objects_are_type_checked() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("customer.age > 'x'", ENV)
    assert str(info.value).startswith("1:14: found no matching overload for '_>_'")
    with pytest.raises(ExpressionError) as info:
        compile_expression("application.custom.purpose > 3", ENV)
    assert (info.value.line, info.value.column) == (1, 28)
    # an undeclared field of an open object is a map value: known only at run time
    assert compile_expression("customer.city", ENV).return_type == "DYN"
    assert compile_expression("customer.age", ENV).return_type == "INT"
    assert compile_expression("application.custom.purpose", ENV).return_type == "STRING"


def test_has_is_a_presence_test_not_a_read() -> None:
    rule = compile_expression("has(customer.age) && customer.age > 20", ENV)
    assert rule.return_type == "BOOL"
    assert rule.evaluate({"customer": {"age": 30}}) is True
    assert rule.evaluate({"customer": {}}) is False
    # columns of later errors stay right after the presence test is set aside
    with pytest.raises(ExpressionError) as info:
        compile_expression("has(customer.age) && customer.age > 'x'", ENV)
    assert (info.value.line, info.value.column) == (1, 35)
