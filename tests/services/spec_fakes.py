"""Fakes honouring the ``lowlend.spec`` contract (read_bundle / load_bundle / ConfigErrors)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class FakeError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class FakeConfigErrors(Exception):
    def __init__(self, errors: list[FakeError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass(frozen=True)
class FakeProduct:
    code: str
    rate: Decimal | None


@dataclass(frozen=True)
class FakeRegistry:
    files: Mapping[str, str]
    content_hash: str
    products: Mapping[str, FakeProduct] = field(default_factory=dict)


def _product(name: str, text: str) -> FakeProduct:
    code = name.rsplit("/", 1)[-1].removesuffix(".yaml")
    rate = next(
        (line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("rate:")),
        None,
    )
    return FakeProduct(code, Decimal(rate) if rate else None)


def fake_load_bundle(files: Mapping[str, str]) -> FakeRegistry:
    """Every line containing ``INVALID`` is an error; the hash covers names and texts."""
    errors = [
        FakeError(name, number, "products.x", "invalid value")
        for name, text in sorted(files.items())
        for number, line in enumerate(text.splitlines(), 1)
        if "INVALID" in line
    ]
    if errors:
        raise FakeConfigErrors(errors)
    digest = hashlib.sha256(json.dumps(dict(files), sort_keys=True).encode()).hexdigest()
    products = {
        p.code: p
        for name, text in files.items()
        if name.startswith("config/products/")
        for p in [_product(name, text)]
    }
    return FakeRegistry(dict(files), digest, products)


BUNDLE_V1 = {
    "config/products/cash.yaml": "code: cash\nrate: 0.18\n",
    "templates/due/sms.zh_CN.j2": "您的还款日是 {{ due_date }}\n",
}
BUNDLE_V2 = {
    "config/products/cash.yaml": "code: cash\nrate: 0.24\n",
    "templates/due/sms.zh_CN.j2": "您的还款日是 {{ due_date }}\n",
}


def fake_read_bundle(config_dir: object, templates_dir: object) -> dict[str, str]:
    """Read every file under the two folders as ``config/<rel>`` / ``templates/<rel>``."""
    from pathlib import Path

    files: dict[str, str] = {}
    for prefix, root in (("config", config_dir), ("templates", templates_dir)):
        base = Path(str(root))
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file():
                files[f"{prefix}/{path.relative_to(base).as_posix()}"] = path.read_text("utf-8")
    return files
