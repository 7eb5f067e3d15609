"""The state shared by the validation passes of :func:`lowlend.spec.loader.load_bundle`.

* :class:`Doc` — one file of the bundle: its key, display name, kind and parsed data;
* :class:`Ctx` — collects :class:`~lowlend.spec.errors.ConfigError` s (with the line of
  the offending key) and holds the checks every builder uses: expression compilation,
  unique codes in a list, ``min ≤ default ≤ max``;
* :class:`Built` — what the build pass produced, read by the cross-file checks.

>>> from lowlend.spec.yamlload import load_yaml
>>> doc = Doc("config/x.yaml", "x.yaml", "entity", "x", load_yaml("items:\\n- code: a\\n- code: a\\n"))
>>> ctx = Ctx()
>>> ctx.unique(doc, doc.data["items"], ["items"])
>>> [str(e) for e in ctx.errors]
["x.yaml:3: items[1].code: duplicate code 'a' (first at line 2)"]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError, format_path
from .expressions import ExpressionEnv, ExpressionError, compile_expression
from .model import RegionSpec
from .yamlload import line_at

__all__ = ["Built", "Ctx", "Doc"]


@dataclass(slots=True)
class Doc:
    """One bundle file: ``kind`` from its location, ``stem`` its code by file/directory name."""

    key: str
    display: str
    kind: str
    stem: str
    data: Any = None
    ok: bool = True
    """False once the file has structural errors (its builder runs best effort only)."""


CONDITION_TYPES = frozenset({"BOOL", "DYN"})
"""Types a rule's condition may have (``dyn``: a map value, known only at run time)."""


@dataclass(slots=True)
class Ctx:
    """Error collector; a ``silent`` one drops errors (re-building already checked data)."""

    errors: list[ConfigError] = field(default_factory=list)
    silent: bool = False

    def error(self, doc: Doc, path: Iterable[str | int], message: str) -> None:
        if self.silent:
            return
        parts = list(path)
        self.errors.append(
            ConfigError(doc.display, line_at(doc.data, parts), format_path(parts), message)
        )

    def expr(
        self, doc: Doc, path: Iterable[str | int], source: str | None, env: ExpressionEnv
    ) -> str | None:
        """Compile ``source`` in ``env`` (reporting a failure); return it unchanged."""
        if source is None:
            return None
        try:
            compiled = compile_expression(source, env)
        except ExpressionError as exc:
            self.error(doc, path, f"invalid expression: {exc}")
            return source
        if compiled.return_type not in CONDITION_TYPES:
            self.error(
                doc,
                path,
                f"invalid expression: a condition must be true or false, "
                f"this one is {compiled.return_type.lower()}",
            )
        return source

    def unique(self, doc: Doc, items: Any, path: list[str | int], what: str = "code") -> None:
        """Report list entries whose ``what`` repeats an earlier entry's."""
        seen: dict[str, int] = {}
        for index, item in enumerate(items or ()):
            if not isinstance(item, dict) or what not in item:
                continue
            code = str(item[what])
            if code in seen:
                first = line_at(doc.data, [*path, seen[code]])
                self.error(
                    doc, [*path, index, what], f"duplicate {what} {code!r} (first at line {first})"
                )
            else:
                seen[code] = index

    def check_range(
        self, doc: Doc, path: list[str | int], lo: Any, hi: Any, default: Any = None
    ) -> None:
        """Report ``min > max``, else a ``default`` outside ``[min, max]``."""
        if lo is not None and hi is not None and lo > hi:
            self.error(doc, [*path, "min"], f"min {lo} is greater than max {hi}")
            return
        if default is not None:
            if (lo is not None and default < lo) or (hi is not None and default > hi):
                self.error(doc, [*path, "default"], f"default {default} is outside [{lo}, {hi}]")


@dataclass(slots=True)
class Built:
    """The documents and spec objects of a bundle after the build pass."""

    docs: list[Doc]
    """Documents that were built, in key order (including best-effort builds of broken ones)."""
    declared: dict[str, set[str]]
    """kind → codes of every parsed document, valid or not: references to a file that has
    errors of its own are not reported again as dangling."""
    by_code: dict[str, dict[str, tuple[Any, Doc]]] = field(default_factory=dict)
    """per-code kind → code → (spec object, document)"""
    singletons: dict[str, tuple[Any, Doc]] = field(default_factory=dict)
    """singleton kind (``roles``, ``menus``, …) → (spec object, document)"""
    region_docs: dict[str, Doc] = field(default_factory=dict)
    """structurally valid region files by code"""
    regions: dict[str, RegionSpec] = field(default_factory=dict)
    """effective (merged) regions"""
    has_templates: bool = False
    """whether the bundle has templates (a bundle without skips event references)"""

    def table(self, kind: str) -> dict[str, Any]:
        """code → spec object of a per-code kind."""
        return {code: value for code, (value, _doc) in self.by_code.get(kind, {}).items()}

    def valid(self, kind: str) -> Iterator[tuple[Any, Doc]]:
        """(spec object, document) of a per-code kind, skipping best-effort builds."""
        return ((value, doc) for value, doc in self.by_code.get(kind, {}).values() if doc.ok)

    def singleton(self, kind: str, default: Any) -> Any:
        """The spec object of a singleton file, ``default`` when it was not built."""
        return self.singletons[kind][0] if kind in self.singletons else default
