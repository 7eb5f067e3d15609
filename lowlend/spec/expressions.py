"""Sandboxed expressions for admin-written rules (CEL behind one small facade).

Rules (``visible_if``, ``required_if``, scorecard bins, approval conditions,
early-warning indicators) are compiled against a declared, typed
:class:`ExpressionEnv` when the configuration is loaded, so typos fail with
``line:column``.  CEL is not Turing complete (no loops, no recursion; the runtime
also has an iteration budget), cannot reach Python objects, attributes, files or
imports, and only sees the plain values passed to
:meth:`CompiledExpression.evaluate`.

Conventions for values: money is an ``int`` in minor units (分), rates are ``int``
basis points (``0.18`` → ``1800``), dates are ISO strings ``YYYY-MM-DD`` (``date``
objects are converted), never ``float``/``Decimal``.

>>> env = ExpressionEnv.of(amount=T.INT, customer=T.obj(age=T.INT, city=T.STRING))
>>> rule = compile_expression("amount > 5000000 && customer.age >= 25", env)
>>> rule.evaluate({"amount": to_minor_units(Decimal("60000.00")),
...                "customer": {"age": 30, "city": "南昌"}})
True
>>> compile_expression("amount > 'x'", env)
Traceback (most recent call last):
  ...
lowlend.spec.expressions.ExpressionError: 1:8: found no matching overload for '_>_' applied to '(int, string)'
>>> compile_expression("customer.age > 'x'", env)
Traceback (most recent call last):
  ...
lowlend.spec.expressions.ExpressionError: 1:14: found no matching overload for '_>_' applied to '(int, string)'
>>> compile_expression("customer.agee > 1", env)
Traceback (most recent call last):
  ...
lowlend.spec.expressions.ExpressionError: 1:10: unknown field 'agee' of customer (declared: age, city)
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cel_expr_python import cel

__all__ = [
    "CompiledExpression",
    "ExprType",
    "ExpressionEnv",
    "ExpressionError",
    "T",
    "compile_expression",
    "to_basis_points",
    "to_minor_units",
]

MAX_SOURCE_LENGTH = 4000


class ExpressionError(Exception):
    """A compile or evaluation error; ``line``/``column`` are 1-based (0 when unknown).

    ``str()`` is ``"LINE:COLUMN: message"`` for compile errors.
    """

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"{line}:{column}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class ExprType:
    """A declared variable type.

    ``kind`` is one of ``int``, ``bool``, ``string``, ``date`` (an ISO string),
    ``list`` (with ``element``), ``map`` (string keys, any values) or ``object``
    (a map whose ``fields`` are declared; ``open=True`` allows undeclared fields).
    """

    kind: str
    element: ExprType | None = None
    fields: tuple[tuple[str, ExprType], ...] = ()
    open: bool = False

    def cel_type(self) -> Any:
        """The CEL type used to declare the variable."""
        if self.kind == "int":
            return cel.Type.INT
        if self.kind == "bool":
            return cel.Type.BOOL
        if self.kind in ("string", "date"):
            return cel.Type.STRING
        if self.kind == "list":
            element = self.element.cel_type() if self.element is not None else cel.Type.DYN
            return cel.Type.List(element)
        if self.kind in ("map", "object"):
            return cel.Type.Map(cel.Type.STRING, cel.Type.DYN)
        raise ValueError(f"unknown expression type {self.kind!r}")

    def field(self, name: str) -> ExprType | None:
        """The declared type of field ``name`` of an object type."""
        for key, value in self.fields:
            if key == name:
                return value
        return None


class T:
    """Constructors for :class:`ExprType` (``T.INT``, ``T.list(T.STRING)``, ``T.obj(a=T.INT)``)."""

    INT = ExprType("int")
    BOOL = ExprType("bool")
    STRING = ExprType("string")
    DATE = ExprType("date")
    MAP = ExprType("map")

    @staticmethod
    def list(element: ExprType) -> ExprType:
        """A list of ``element``."""
        return ExprType("list", element=element)

    @staticmethod
    def obj(**fields: ExprType) -> ExprType:
        """An object (map) with declared fields only."""
        return ExprType("object", fields=tuple(sorted(fields.items())))

    @staticmethod
    def open_obj(**fields: ExprType) -> ExprType:
        """An object (map) with declared fields that also accepts undeclared ones."""
        return ExprType("object", fields=tuple(sorted(fields.items())), open=True)


@dataclass(frozen=True, slots=True)
class ExpressionEnv:
    """A frozen declaration of the variables an expression may use."""

    variables: tuple[tuple[str, ExprType], ...]

    @classmethod
    def of(cls, **variables: ExprType) -> ExpressionEnv:
        """Build an environment from keyword arguments."""
        return cls(tuple(sorted(variables.items())))

    def get(self, name: str) -> ExprType | None:
        """The declared type of variable ``name``."""
        for key, value in self.variables:
            if key == name:
                return value
        return None


@functools.lru_cache(maxsize=64)
def _cel_env(env: ExpressionEnv) -> Any:
    return cel.NewEnv(variables={name: t.cel_type() for name, t in env.variables})


def _qualified_fields(prefix: str, t: ExprType, out: dict[str, Any]) -> None:
    for name, field_type in t.fields:
        qualified = f"{prefix}.{name}"
        out[qualified] = field_type.cel_type()
        _qualified_fields(qualified, field_type, out)


@functools.lru_cache(maxsize=64)
def _typing_env(env: ExpressionEnv) -> Any:
    """The env of the type check: declared object fields are also qualified variables
    (``loan.dpd`` : int), so CEL checks their types, not just the map's ``dyn``."""
    variables: dict[str, Any] = {}
    for name, t in env.variables:
        variables[name] = t.cel_type()
        _qualified_fields(name, t, variables)
    return cel.NewEnv(variables=variables)


_ERROR_RE = re.compile(r"ERROR: <input>:(\d+):(\d+): ([^\n]*)")
_STRING_RE = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_CHAIN_RE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)((?:\s*\.\s*[A-Za-z_]\w*)+)")
_HAS_RE = re.compile(r"(?<![\w.])has\s*\([^()]*\)")


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _check_fields(source: str, env: ExpressionEnv) -> None:
    """Reject ``obj.unknown`` for objects with declared fields (CEL maps are untyped)."""
    blanked = _STRING_RE.sub(lambda m: " " * len(m.group(0)), source)
    for match in _CHAIN_RE.finditer(blanked):
        current = env.get(match.group(1))
        offset = match.end(1)
        for part in re.finditer(r"\s*\.\s*([A-Za-z_]\w*)", match.group(2)):
            name = part.group(1)
            start = offset + part.start(1)
            # a call such as ``xs.size()`` or ``s.startsWith('a')`` is a method, not a field
            after = blanked[offset + part.end(1) :].lstrip()
            if after.startswith("("):
                break
            if current is None or current.kind != "object":
                break
            found = current.field(name)
            if found is None:
                if current.open:
                    break
                declared = ", ".join(k for k, _ in current.fields)
                owner = blanked[match.start(1) : start - 1].replace(" ", "").rstrip(".")
                line, column = _position(source, start)
                raise ExpressionError(
                    f"unknown field {name!r} of {owner} (declared: {declared})", line, column
                )
            current = found


def _cel_compile(cel_env: Any, source: str) -> Any:
    try:
        return cel_env.compile(source)
    except RuntimeError as exc:
        text = str(exc)
        match = _ERROR_RE.search(text)
        if match is None:
            raise ExpressionError(text.strip(), 1, 1) from None
        raise ExpressionError(
            match.group(3).strip(), int(match.group(1)), int(match.group(2))
        ) from None


def _type_check(source: str, env: ExpressionEnv) -> str:
    """Check the types of declared fields; return the expression's type name.

    ``has(a.b)`` is a presence test that the qualified variables of the typing env would
    change into a read of ``a.b``: each is replaced by the literal ``true`` (padded to
    the same length, so reported columns stay right) for this check only.
    """
    blanked = _STRING_RE.sub(lambda m: " " * len(m.group(0)), source)
    checked = list(source)
    for match in _HAS_RE.finditer(blanked):
        width = match.end() - match.start()
        checked[match.start() : match.end()] = "(" + "true".ljust(width - 2) + ")"
    program = _cel_compile(_typing_env(env), "".join(checked))
    return str(program.return_type().name())


@functools.lru_cache(maxsize=4096)
def _compile(source: str, env: ExpressionEnv) -> CompiledExpression:
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_SOURCE_LENGTH} characters", 1, 1)
    program = _cel_compile(_cel_env(env), source)
    _check_fields(source, env)
    return CompiledExpression(source, env, program, _type_check(source, env))


def compile_expression(source: str, env: ExpressionEnv) -> CompiledExpression:
    """Compile ``source`` against ``env`` (cached by ``(source, env)``).

    :raises ExpressionError: with the 1-based line and column of the problem.

    >>> compile_expression("1 +", ExpressionEnv.of()).column
    Traceback (most recent call last):
      ...
    lowlend.spec.expressions.ExpressionError: 1:4: Syntax error: mismatched input '<EOF>' expecting ...
    """
    if not isinstance(source, str):
        raise TypeError("an expression must be a string")
    return _compile(source, env)


def to_minor_units(amount: Decimal, minor_unit: int = 2) -> int:
    """Money as an integer number of minor units (half-up).

    >>> to_minor_units(Decimal("1234.5"))
    123450
    """
    return int((amount * (Decimal(10) ** minor_unit)).quantize(Decimal(1), ROUND_HALF_UP))


def to_basis_points(rate: Decimal) -> int:
    """A decimal rate as integer basis points (half-up).

    >>> to_basis_points(Decimal("0.180000"))
    1800
    """
    return int((rate * 10000).quantize(Decimal(1), ROUND_HALF_UP))


def _plain(value: object, where: str) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        raise TypeError(
            f"{where}: {type(value).__name__} is not accepted in expressions; pass money as int "
            "minor units (to_minor_units) and rates as int basis points (to_basis_points)"
        )
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: map keys must be strings, got {key!r}")
            out[key] = _plain(item, f"{where}.{key}")
        return out
    raise TypeError(
        f"{where}: {type(value).__name__} is not a plain value; expressions accept only "
        "None, bool, int, str, date, list and dict"
    )


@dataclass(frozen=True, slots=True, eq=False)
class CompiledExpression:
    """A type-checked program; evaluate it with plain values only."""

    source: str
    env: ExpressionEnv
    _program: Any
    return_type: str

    def evaluate(self, values: Mapping[str, object]) -> Any:
        """Evaluate with ``values`` for the declared variables.

        :raises TypeError: a value is not plain (objects, floats, Decimals, …).
        :raises ExpressionError: evaluation failed (missing key, division by zero,
            iteration budget exceeded, …).
        """
        data: dict[str, object] = {}
        for name, value in values.items():
            if self.env.get(name) is None:
                raise TypeError(f"{name}: not a declared variable of this expression")
            data[name] = _plain(value, name)
        try:
            result = self._program.eval(data=data)
        except RuntimeError as exc:
            raise ExpressionError(f"evaluation failed: {exc}") from None
        if result.type() == cel.Type.ERROR:
            raise ExpressionError(f"evaluation failed: {result.value()}")
        return result.plain_value()
