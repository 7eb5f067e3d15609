"""lowlend.domain imports only the standard library (numpy only in the vectorized package)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "lowlend" / "domain"
ALLOWED_THIRD_PARTY = {"dateutil", "stdnum"}  # ARCHITECTURE.md rule 1


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_is_pure() -> None:
    paths = sorted(DOMAIN.rglob("*.py"))
    assert any(p.parent.name == "vectorized" for p in paths)
    for path in paths:
        extra = {"numpy"} if path.relative_to(DOMAIN).parts[0] == "vectorized" else set()
        bad = {
            n
            for n in _imports(path)
            if n not in sys.stdlib_module_names
            and n != "lowlend"
            and n not in ALLOWED_THIRD_PARTY | extra
        }
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_modules_stay_small() -> None:
    for path in DOMAIN.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 420, path.name
