"""No import cycle in ``lowlend``.

The graph has an edge ``a → b`` for every import of ``b`` written anywhere in ``a`` — at
the top *or inside a function* (an import moved into a function to dodge a cycle is
still a cycle of the design) — and ``a → p`` for every package ``p`` whose
``__init__`` runs when ``b`` is imported. Imports under ``if TYPE_CHECKING:`` are not
edges (they never run). Migrations are left out (Alembic loads them one by one).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lowlend"


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module under the package ``root``."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _targets(name: str, path: Path, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one
    return [module] + [f"{module}.{alias.name}" for alias in node.names]


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module → modules it imports (only modules of ``files``)."""
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _runtime_nodes(tree):
            for target in _targets(name, path, node):
                parts = target.split(".")
                # the module itself and every package whose __init__ runs on the way
                for end in range(1, len(parts) + 1):
                    candidate = ".".join(parts[:end])
                    if candidate in files and candidate != name \
                            and not name.startswith(candidate + "."):
                        graph[name].add(candidate)
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def _describe(component: list[str], graph: Mapping[str, set[str]]) -> str:
    members = set(component)
    edges = [f"  {a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "\n".join([" / ".join(component), *edges])


def test_lowlend_has_no_import_cycle() -> None:
    graph = import_graph(module_files(PACKAGE))
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(_describe(c, graph) for c in found)


def _package(tmp_path: Path, files: Mapping[str, str]) -> dict[str, set[str]]:
    root = tmp_path / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return import_graph(module_files(root))


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    graph = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg import b\n",
        "b.py": "def f():\n    from pkg.a import x\n",
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n",
    })
    assert cycles(graph) == [["pkg.a", "pkg.b"]]  # c's typing-only import is no edge


def test_a_cycle_through_a_package_init_is_found(tmp_path: Path) -> None:
    graph = _package(tmp_path, {
        "__init__.py": "",
        "sub/__init__.py": "from pkg.sub.views import View\n",
        "sub/views.py": "from pkg.low import helper\n",
        "low.py": "from pkg.sub.other import thing\n",  # runs pkg/sub/__init__ first
        "sub/other.py": "",
    })
    assert cycles(graph) == [["pkg.low", "pkg.sub", "pkg.sub.views"]]
