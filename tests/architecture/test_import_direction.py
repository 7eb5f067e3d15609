"""The import direction of ARCHITECTURE.md, enforced.

``spec`` and ``domain`` are pure (standard library and a few small pure
libraries); ``services`` may add the pure layers and its own ports but no
framework; only the outer layers import Flask, SQLAlchemy or Celery.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lowlend"

STDLIB = set(sys.stdlib_module_names) | {"__future__"}
PURE_THIRD_PARTY = {"dateutil", "stdnum", "cel_expr_python", "yaml", "jsonschema"}
FRAMEWORKS = {
    "flask", "flask_appbuilder", "flask_sqlalchemy", "flask_babel", "flask_migrate",
    "flask_wtf", "flask_login", "wtforms", "werkzeug", "sqlalchemy", "alembic", "celery",
    "kombu", "redis", "psycopg2",
}

# layer -> lowlend layers it may import
ALLOWED_INTERNAL = {
    "domain": {"domain"},
    "spec": {"spec", "domain"},
    "services": {"services", "spec", "domain"},
    "persistence": {"persistence", "services", "spec", "domain"},
    "integrations": {"integrations", "services", "spec", "domain"},
    "tasks": {"tasks", "services", "spec", "domain", "persistence", "integrations", "web"},
    "web": {"web", "services", "spec", "domain", "persistence", "integrations", "tasks"},
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # record ``module.name`` so ``from pkg import submodule`` is seen precisely
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            # relative import: resolve against the file's package
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
            found.append((node.lineno, ".".join([*parts, node.module or ""]).rstrip(".")))
    return found


def _layer_files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _violations(layer: str, allowed_external: set[str] | None) -> list[str]:
    bad = []
    for path in _layer_files(layer):
        if "migrations" in path.parts:
            continue
        for line, module in _imports(path):
            top = module.split(".")[0]
            where = f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}"
            if top == "lowlend":
                sub = module.split(".")[1] if "." in module else ""
                if sub and sub not in ALLOWED_INTERNAL[layer] and sub != "__init__":
                    bad.append(where + f" (layer {layer} may not import lowlend.{sub})")
            elif allowed_external is not None:
                if top not in STDLIB and top not in allowed_external:
                    bad.append(where + f" (not allowed in pure layer {layer})")
            elif top in FRAMEWORKS:
                bad.append(where + f" (no framework imports in {layer})")
    return bad


@pytest.mark.parametrize("layer", ["domain", "spec"])
def test_pure_layers_import_only_stdlib_and_small_pure_libraries(layer: str) -> None:
    allowed = set(PURE_THIRD_PARTY)
    if layer == "domain":
        allowed.add("numpy")  # vectorized portfolio path, integer minor units only
    assert _violations(layer, allowed) == []


def test_spec_imports_from_domain_only_the_shared_conventions() -> None:
    bad = [
        f"{p}:{line}: {m}"
        for p in _layer_files("spec")
        for line, m in _imports(p)
        if m.startswith("lowlend.domain")
        and m.split(".")[:3] != ["lowlend", "domain", "conventions"]
    ]
    assert bad == []


def test_services_import_no_framework() -> None:
    assert _violations("services", None) == []


@pytest.mark.parametrize("layer", ["persistence", "integrations", "tasks", "web"])
def test_outer_layers_respect_the_direction(layer: str) -> None:
    bad = [v for v in _violations(layer, set()) if "may not import lowlend" in v]
    assert bad == []


#: The web layer's composition root: the only web-side modules that import
#: ``lowlend.persistence`` (ARCHITECTURE.md, "Where the lending work lives"). The app
#: factory binds the ``db`` extension; ``web/composition.py`` builds the app's
#: ``WebBackend`` from the adapters. Every other web module gets the persistence side
#: through ``lowlend.web.backend`` as the ports of ``lowlend.services.admin_ports``.
COMPOSITION_ROOT = ("lowlend/app.py", "lowlend/web/composition.py")


def _persistence_hits(path: Path) -> list[tuple[int, str]]:
    """(line, module) of the file's imports of ``lowlend.persistence`` (anywhere in it)."""
    return [
        (line, module)
        for line, module in _imports(path)
        if module == "lowlend.persistence" or module.startswith("lowlend.persistence.")
    ]


def _persistence_imports(paths: list[Path]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}"
        for path in paths
        for line, module in _persistence_hits(path)
    ]


def test_web_imports_persistence_only_in_the_composition_root() -> None:
    root = {PACKAGE.parent / p for p in COMPOSITION_ROOT}
    web = [p for p in _layer_files("web") if p not in root]
    assert _persistence_imports(web) == []


def test_the_composition_root_is_where_web_meets_persistence() -> None:
    """The listed modules exist and do import the persistence layer (the list is not stale)."""
    for name in COMPOSITION_ROOT:
        path = PACKAGE.parent / name
        assert path.is_file(), name
        assert _persistence_imports([path]), f"{name} no longer imports lowlend.persistence"


def test_the_web_check_sees_a_persistence_import(tmp_path: Path) -> None:
    """The check can fail: a view module importing the persistence layer is reported,
    whether the import is at the top or inside a function."""
    sample = tmp_path / "view.py"
    sample.write_text(
        "from lowlend.persistence.db import db\n"
        "def f():\n    from lowlend.persistence import models\n    import lowlend.persistence.scope\n"
    )
    assert [m for _, m in _persistence_hits(sample)] == [
        "lowlend.persistence.db.db", "lowlend.persistence.models", "lowlend.persistence.scope"
    ]


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The check can fail: a framework import in a pure file is reported."""
    sample = tmp_path / "x.py"
    sample.write_text("import flask\nfrom sqlalchemy import select\nimport decimal\n")
    found = [m for _, m in _imports(sample)]
    assert found == ["flask", "sqlalchemy.select", "decimal"]
    assert {m.split(".")[0] for m in found} - STDLIB - PURE_THIRD_PARTY == {"flask", "sqlalchemy"}
