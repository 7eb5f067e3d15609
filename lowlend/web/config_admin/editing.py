"""Edit one file of the current bundle: validate, diff, publish (no Flask here).

The working bundle is the current published bundle with one file replaced (or
added). Validation is :func:`lowlend.spec.load_bundle` on that bundle; every
error comes back structured (file, line, key path, message) so the screen can
show it next to the editor and mark the line. Nothing here raises for bad
input: a broken YAML text, an unknown key or a spec-layer crash all end up as
:class:`Problem` rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lowlend.services.config_store import bundle_diff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One validation error: ``key`` is the bundle key of the file (``""`` unknown)."""

    key: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.key}:{self.line}" if self.key else f"line {self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass(frozen=True)
class Validation:
    """Outcome of :func:`validate`: a registry, or the problems."""

    registry: Any = None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.registry is not None and not self.problems

    def problems_in(self, key: str) -> list[Problem]:
        return [p for p in self.problems if p.key == key]

    def lines_in(self, key: str) -> set[int]:
        return {p.line for p in self.problems if p.key == key}

    def other_problems(self, key: str) -> list[Problem]:
        return [p for p in self.problems if p.key != key]


def working_bundle(current: Mapping[str, str], key: str, text: str) -> dict[str, str]:
    """``current`` with file ``key`` replaced by ``text`` (added when new).

    Line endings typed in a browser textarea (``\\r\\n``) are normalised to ``\\n``
    and the text ends with one newline, like the files in git.
    """
    files = dict(current)
    files[key] = normalise(text)
    return files


def normalise(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def validate(files: Mapping[str, str]) -> Validation:
    """Run the spec loader on ``files``; never raises."""
    from lowlend.spec import ConfigErrors, load_bundle

    try:
        registry = load_bundle(dict(files))
    except ConfigErrors as exc:
        return Validation(
            problems=tuple(
                Problem(str(e.file), int(e.line or 1), str(e.path or ""), str(e.message))
                for e in exc.errors
            )
        )
    except Exception as exc:  # a crash in the spec layer is still an answer, not a 500
        log.exception("lowlend config admin: validation crashed")
        return Validation(problems=(Problem("", 1, "", f"{type(exc).__name__}: {exc}"),))
    return Validation(registry=registry)


@dataclass(frozen=True)
class FileDiff:
    key: str
    text: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, line)


def _classify(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "del"
    return "ctx"


def file_diffs(
    old: Mapping[str, str], new: Mapping[str, str], old_label: str, new_label: str
) -> list[FileDiff]:
    """Unified diffs between two bundles, one entry per changed file."""
    out: list[FileDiff] = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        one_old = {key: old[key]} if key in old else {}
        one_new = {key: new[key]} if key in new else {}
        text = bundle_diff(one_old, one_new, old_label, new_label)
        out.append(FileDiff(key, text, [(_classify(line), line) for line in text.splitlines()]))
    return out
