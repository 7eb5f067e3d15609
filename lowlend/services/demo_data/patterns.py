"""Random strings that match a field's ``pattern`` (for demo records).

Config authors write simple patterns (``^1[3-9][0-9]{9}$``, ``^[A-HJ-NPR-Z0-9]{17}$``,
``^[\\u4e00-\\u9fa5][A-Z][A-Z0-9]{5,6}$``); :func:`sample` draws a string from a seeded
:class:`random.Random` with ``rstr``'s ``xeger`` and keeps it only if the pattern
matches it in full, so demo records pass the server-side ``pattern`` check
(:mod:`lowlend.services.custom_fields`). Patterns it cannot sample (look-arounds,
anchors inside the pattern, invalid syntax) raise :class:`UnsupportedPattern`.

>>> import random, re
>>> rng = random.Random(1)
>>> vin = sample(r"^[A-HJ-NPR-Z0-9]{17}$", rng)
>>> len(vin), re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin) is not None, "I" in vin
(17, True, False)
>>> re.fullmatch(r"1[3-9][0-9]{9}", sample(r"^1[3-9][0-9]{9}$", rng)) is not None
True
>>> sample(r"(?<=a)b", rng)
Traceback (most recent call last):
...
lowlend.services.demo_data.patterns.UnsupportedPattern: cannot draw a string matching '(?<=a)b'
"""

from __future__ import annotations

import random
import re

import rstr

__all__ = ["UnsupportedPattern", "sample"]


class UnsupportedPattern(ValueError):
    """The pattern is invalid or uses constructs a sample cannot satisfy."""


def sample(pattern: str, rng: random.Random) -> str:
    """A string drawn with ``rng`` that ``pattern`` matches in full.

    :raises UnsupportedPattern: the pattern is invalid, or the drawn string does not
        match it (look-arounds, ``$`` or ``^`` inside the pattern, …).
    """
    try:
        compiled = re.compile(pattern)
        value = str(rstr.Rstr(rng).xeger(pattern))
    except (re.error, ValueError, KeyError, IndexError, TypeError) as exc:
        raise UnsupportedPattern(f"cannot draw a string matching {pattern!r}: {exc}") from None
    if compiled.fullmatch(value) is None:
        raise UnsupportedPattern(f"cannot draw a string matching {pattern!r}")
    return value
