"""Random strings that match a field's ``pattern`` (a small regular-expression subset).

Config authors write simple patterns (``^1[3-9][0-9]{9}$``, ``^[A-HJ-NPR-Z0-9]{17}$``,
``^[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}$``); :func:`sample` draws a string that the
pattern matches in full, from a seeded :class:`random.Random`, so demo records pass
the server-side ``pattern`` check (:mod:`lowlend.services.custom_fields`).

Supported: literals, ``\\``-escapes (``\\d \\w \\s``, ``\\uXXXX``, escaped
metacharacters), ``.``, character classes with ranges and negation, groups
``(...)``/``(?:...)`` with ``|``, the quantifiers ``? * + {n} {n,} {n,m}`` (lazy
``?`` ignored; unbounded repeats draw at most 3 extra), ``^`` / ``$`` at the ends.
Anything else (look-arounds, back-references, anchors inside) raises
:class:`UnsupportedPattern`.

A class holding the common CJK block prefers well-known characters (provincial
abbreviations), so plate numbers read ``赣A12345`` rather than a rare ideograph.

>>> import random, re
>>> rng = random.Random(1)
>>> vin = sample(r"^[A-HJ-NPR-Z0-9]{17}$", rng)
>>> len(vin), re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin) is not None, "I" in vin
(17, True, False)
>>> plate = sample("^[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}$", rng)
>>> re.fullmatch("[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}", plate) is not None
True
>>> re.fullmatch(r"1[3-9][0-9]{9}", sample(r"^1[3-9][0-9]{9}$", rng)) is not None
True
>>> sample(r"^(CN|HK)-\\d{2}$", random.Random(3))[:3] in ("CN-", "HK-")
True
>>> sample(r"(?<=a)b", rng)
Traceback (most recent call last):
...
lowlend.services.demo_data.patterns.UnsupportedPattern: unsupported construct '(?' at 0 in '(?<=a)b'
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["UnsupportedPattern", "sample"]

#: extra repeats drawn for ``*``, ``+`` and ``{n,}``
MAX_EXTRA_REPEATS = 3

_DIGITS = ((ord("0"), ord("9")),)
_WORD = ((ord("0"), ord("9")), (ord("A"), ord("Z")), (ord("_"), ord("_")), (ord("a"), ord("z")))
_SPACE = ((ord(" "), ord(" ")),)
_PRINTABLE = ((0x21, 0x7E),)
_CJK = (0x4E00, 0x9FA5)
_PREFERRED_CJK = "赣京沪津渝冀晋蒙辽吉黑苏浙皖闽鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"
_ESCAPES = {"d": _DIGITS, "w": _WORD, "s": _SPACE}


class UnsupportedPattern(ValueError):
    """The pattern uses a construct outside the supported subset."""


Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Class:
    ranges: Ranges

    def draw(self, rng: random.Random) -> str:
        lo, hi = _CJK
        if any(a <= lo and hi <= b for a, b in self.ranges):
            return rng.choice(_PREFERRED_CJK)
        total = sum(b - a + 1 for a, b in self.ranges)
        k = rng.randrange(total)
        for a, b in self.ranges:
            if k <= b - a:
                return chr(a + k)
            k -= b - a + 1
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class _Repeat:
    node: _Node
    low: int
    high: int


@dataclass(frozen=True)
class _Alternatives:
    options: tuple[tuple[_Node, ...], ...]


_Node = _Class | _Repeat | _Alternatives


def _negate(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    for a, b in _PRINTABLE:
        start = a
        for lo, hi in sorted(ranges):
            if hi < start or lo > b:
                continue
            if lo > start:
                out.append((start, lo - 1))
            start = max(start, hi + 1)
        if start <= b:
            out.append((start, b))
    if not out:
        raise UnsupportedPattern("a negated class that excludes every printable character")
    return tuple(out)


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def fail(self, what: str) -> UnsupportedPattern:
        return UnsupportedPattern(f"unsupported construct {what!r} at {self.pos} in {self.text!r}")

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def take(self) -> str:
        c = self.text[self.pos]
        self.pos += 1
        return c

    def parse(self) -> _Alternatives:
        if self.peek() == "^":
            self.pos += 1
        node = self.alternatives()
        if self.pos != len(self.text):
            raise self.fail(self.text[self.pos])
        return node

    def alternatives(self) -> _Alternatives:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return _Alternatives(tuple(options))

    def sequence(self) -> tuple[_Node, ...]:
        items: list[_Node] = []
        while (c := self.peek()) is not None and c not in "|)":
            if c == "$" and self.pos == len(self.text) - 1:
                self.pos += 1
                break
            items.append(self.quantified(self.atom()))
        return tuple(items)

    def atom(self) -> _Node:
        c = self.take()
        if c == "(":
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                self.pos -= 1
                raise self.fail("(?")
            inner = self.alternatives()
            if self.peek() != ")":
                raise self.fail("(")
            self.pos += 1
            return inner
        if c == "[":
            return self.char_class()
        if c == "\\":
            return _Class(self.escape())
        if c == ".":
            return _Class(_PRINTABLE)
        if c in "^$*+?{":
            self.pos -= 1
            raise self.fail(c)
        return _Class(((ord(c), ord(c)),))

    def escape(self) -> Ranges:
        if self.peek() is None:
            raise self.fail("\\")
        c = self.take()
        if c in _ESCAPES:
            return _ESCAPES[c]
        if c == "u":
            digits = self.text[self.pos : self.pos + 4]
            if len(digits) != 4 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise self.fail("\\u")
            self.pos += 4
            code = int(digits, 16)
            return ((code, code),)
        if c.isalnum():
            self.pos -= 2
            raise self.fail("\\" + c)
        return ((ord(c), ord(c)),)

    def class_char(self) -> Ranges:
        c = self.take()
        if c == "\\":
            return self.escape()
        return ((ord(c), ord(c)),)

    def char_class(self) -> _Class:
        negate = self.peek() == "^"
        if negate:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise self.fail("[")
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            low = self.class_char()
            if (
                self.peek() == "-"
                and self.pos + 1 < len(self.text)
                and self.text[self.pos + 1] != "]"
                and len(low) == 1
                and low[0][0] == low[0][1]
            ):
                self.pos += 1
                high = self.class_char()
                if len(high) != 1 or high[0][0] != high[0][1] or high[0][0] < low[0][0]:
                    raise self.fail("-")
                ranges.append((low[0][0], high[0][0]))
            else:
                ranges.extend(low)
        out = tuple(ranges)
        return _Class(_negate(out) if negate else out)

    def quantified(self, node: _Node) -> _Node:
        c = self.peek()
        if c is None or c not in "?*+{":
            return node
        self.pos += 1
        if c == "?":
            low, high = 0, 1
        elif c == "*":
            low, high = 0, MAX_EXTRA_REPEATS
        elif c == "+":
            low, high = 1, 1 + MAX_EXTRA_REPEATS
        else:
            end = self.text.find("}", self.pos)
            body = self.text[self.pos : end] if end >= 0 else ""
            parts = body.split(",")
            if end < 0 or len(parts) > 2 or not parts[0].isdigit():
                raise self.fail("{")
            low = int(parts[0])
            if len(parts) == 1:
                high = low
            elif parts[1] == "":
                high = low + MAX_EXTRA_REPEATS
            elif parts[1].isdigit() and int(parts[1]) >= low:
                high = int(parts[1])
            else:
                raise self.fail("{")
            self.pos = end + 1
        if self.peek() == "?":  # lazy: same strings
            self.pos += 1
        following = self.peek()
        if following is not None and following in "*+{":
            raise self.fail(following)
        return _Repeat(node, low, high)


def _draw(node: _Node, rng: random.Random) -> str:
    if isinstance(node, _Class):
        return node.draw(rng)
    if isinstance(node, _Repeat):
        return "".join(_draw(node.node, rng) for _ in range(rng.randint(node.low, node.high)))
    option = rng.choice(node.options)
    return "".join(_draw(item, rng) for item in option)


def sample(pattern: str, rng: random.Random) -> str:
    """A string matched in full by ``pattern`` (drawn from ``rng``).

    :raises UnsupportedPattern: the pattern is outside the supported subset.
    """
    return _draw(_Parser(pattern).parse(), rng)
