"""A YAML loader that remembers the line of every key and list item.

Documents come back as :class:`LineMap` / :class:`LineList` (``dict`` / ``list``
subclasses carrying line numbers) so that every validation error can point at
``FILE:LINE``.  YAML timestamps are kept as their ISO text (dates are parsed by
the spec builders, which accept YAML dates and quoted ISO strings alike).

>>> doc = load_yaml("code: x\\nterm:\\n  min: 3\\nitems:\\n  - a\\n  - b\\n")
>>> doc.key_lines["term"], doc["term"].key_lines["min"], doc["items"].item_lines
(2, 3, [5, 6])
>>> load_yaml("d: 2025-01-01")["d"]
'2025-01-01'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

__all__ = ["LineList", "LineMap", "YamlProblem", "line_at", "load_yaml"]


class LineMap(dict[str, Any]):
    """A mapping with ``line`` (of the mapping) and ``key_lines`` (line of each key)."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}


class LineList(list[Any]):
    """A sequence with ``line`` (of the sequence) and ``item_lines`` (line of each item)."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class YamlProblem(Exception):
    """Malformed YAML or a YAML feature lowlend refuses (duplicate or non-string keys).

    ``problems`` lists every ``(line, path, message)`` found in the document.
    """

    def __init__(self, line: int, path: str, message: str) -> None:
        super().__init__(message)
        self.problems: list[tuple[int, str, str]] = [(line, path, message)]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text; nodes are converted by :func:`load_yaml`."""


class _FastLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same on libyaml (about ten times faster); malformed YAML is parsed again by
    :class:`_LineLoader`, whose messages name the problem the way lowlend reports it."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_FastLineLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _convert(loader: Any, node: yaml.Node, path: str, problems: list[YamlProblem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out = LineMap(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                problems.append(
                    YamlProblem(key_line, path, f"key {key!r} must be a string (quote it)")
                )
                key = str(key)
            sub = f"{path}.{key}" if path else key
            if key in out:
                problems.append(
                    YamlProblem(
                        key_line, sub, f"duplicate key (first at line {out.key_lines[key]})"
                    )
                )
                continue
            out.key_lines[key] = key_line
            out[key] = _convert(loader, value_node, sub, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LineList(node.start_mark.line + 1)
        for index, item in enumerate(node.value):
            seq.item_lines.append(item.start_mark.line + 1)
            seq.append(_convert(loader, item, f"{path}[{index}]", problems))
        return seq
    return loader.construct_object(node, deep=True)


def _single_node(loader: Any) -> Any:
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = exc.problem or exc.context or "syntax error"
        raise YamlProblem(line, "", f"malformed YAML: {detail}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, "", f"malformed YAML: {exc}") from None


def load_yaml(text: str) -> Any:
    """Parse one YAML document keeping line numbers.

    :raises YamlProblem: malformed YAML (line from the YAML mark), duplicate keys,
        non-string keys.  An empty document yields ``None``.

    >>> def problems(text):
    ...     try:
    ...         load_yaml(text)
    ...     except YamlProblem as exc:
    ...         return exc.problems
    >>> problems("a: [1, 2")
    [(1, '', "malformed YAML: expected ',' or ']', but got '<stream end>'")]
    >>> problems("a: 1\\na: 2\\n3: x")
    [(2, 'a', 'duplicate key (first at line 1)'), (3, '', 'key 3 must be a string (quote it)')]
    """
    loader: Any = _FastLineLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            loader.dispose()
            loader = _LineLoader(text)  # the pure-Python parser words the error
            node = _single_node(loader)
        if node is None:
            return None
        problems: list[YamlProblem] = []
        try:
            data = _convert(loader, node, "", problems)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise YamlProblem(line, "", f"malformed YAML: {exc.problem}") from None
        if problems:
            first = problems[0]
            for extra in problems[1:]:
                first.problems.extend(extra.problems)
            raise first
        return data
    finally:
        loader.dispose()


def line_at(root: Any, path: Sequence[str | int]) -> int:
    """Line of the deepest key/item of ``path`` that exists in ``root`` (1 if none).

    >>> doc = load_yaml("a:\\n  b:\\n    - x\\n    - y\\n")
    >>> line_at(doc, ["a", "b", 1]), line_at(doc, ["a", "zzz"]), line_at(doc, [])
    (4, 1, 1)
    """
    node = root
    line = 1
    for part in path:
        if isinstance(node, LineMap) and isinstance(part, str) and part in node:
            line = node.key_lines[part]
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
