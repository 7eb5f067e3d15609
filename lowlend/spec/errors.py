"""Configuration errors: every problem points at ``FILE:LINE: key.path: message``.

>>> err = ConfigError("product_configs/products/x.yaml", 12, "interest.annual_rate.max",
...                   "0.36 is above the CN cap 0.24")
>>> str(err)
'product_configs/products/x.yaml:12: interest.annual_rate.max: 0.36 is above the CN cap 0.24'
>>> str(ConfigErrors([err]))
'1 configuration error:\\nproduct_configs/products/x.yaml:12: interest.annual_rate.max: 0.36 is above the CN cap 0.24'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ConfigError", "ConfigErrors", "format_path"]


@dataclass(frozen=True, slots=True, order=True)
class ConfigError:
    """One problem in one configuration file.

    :param file: path shown to the user (display name of the bundle key).
    :param line: 1-based line of the offending key (1 when unknown).
    :param path: dotted key path inside the document, e.g. ``custom_fields[2].kind``;
        empty for whole-file problems.
    :param message: human readable explanation.
    """

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        if self.path:
            return f"{self.file}:{self.line}: {self.path}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class ConfigErrors(Exception):
    """Raised by :func:`lowlend.spec.load_bundle` with *all* errors found, sorted by file and line."""

    errors: tuple[ConfigError, ...]

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        self.errors = tuple(sorted(set(errors)))
        super().__init__(self.__str__())

    def __str__(self) -> str:
        n = len(self.errors)
        head = f"{n} configuration error{'s' if n != 1 else ''}:"
        return "\n".join([head, *(str(e) for e in self.errors)])


def format_path(parts: Iterable[str | int]) -> str:
    """Render a key path: strings joined by dots, list indexes in brackets.

    >>> format_path(["custom_fields", 2, "kind"])
    'custom_fields[2].kind'
    >>> format_path([])
    ''
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
