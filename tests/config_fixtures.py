"""Real configuration for the config-store tests: the shipped seed, edited copies of it.

Import as ``from tests.config_fixtures import ...`` (the repository root is on
``sys.path`` under ``python -m pytest``). Nothing here fakes the spec layer: bundles
are read with :func:`lowlend.spec.read_bundle` and validated with
:func:`lowlend.spec.load_bundle`; only the shipped bundle and its registry are
cached for the session (both are immutable).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from lowlend.spec import SpecRegistry, load_bundle, read_bundle

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_CONFIG = REPO_ROOT / "product_configs"
SHIPPED_TEMPLATES = REPO_ROOT / "notification_templates"

PRODUCT = "consumer_emi"
PRODUCT_FILE = f"products/{PRODUCT}.yaml"
PRODUCT_KEY = f"config/{PRODUCT_FILE}"
RATE_PREFIX = "  annual_rate: {"
"""Start of the line holding ``interest.annual_rate`` in :data:`PRODUCT_FILE`."""
SHIPPED_RATE = "0.150000"
"""``interest.annual_rate.default`` of :data:`PRODUCT` in the shipped configuration."""


@functools.cache
def _shipped() -> Mapping[str, str]:
    return MappingProxyType(read_bundle(SHIPPED_CONFIG, SHIPPED_TEMPLATES))


def shipped_bundle() -> dict[str, str]:
    """A fresh copy of the shipped bundle (``product_configs`` + ``notification_templates``)."""
    return dict(_shipped())


@functools.cache
def shipped_registry() -> SpecRegistry:
    """The registry of the shipped bundle, loaded once per session."""
    return load_bundle(shipped_bundle())


_LOADED: dict[str, SpecRegistry] = {}
_LOADED_LOCK = threading.Lock()


def cached_load_bundle(files: Mapping[str, str]) -> SpecRegistry:
    """:func:`lowlend.spec.load_bundle`, remembering the registries of valid bundles.

    Registries are immutable and a function of the bundle's content, so a test
    publishing the same bundle twice gets the very registry a second load would
    build. Invalid bundles are loaded every time (and raise ``ConfigErrors``).
    """
    key = hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()
    with _LOADED_LOCK:
        cached = _LOADED.get(key)
    if cached is not None:
        return cached
    registry = load_bundle(files)
    with _LOADED_LOCK:
        _LOADED[key] = registry
    return registry


def default_rate(registry: object, code: str = PRODUCT) -> Decimal:
    """``interest.annual_rate.default`` of product ``code`` in ``registry`` (a SpecRegistry)."""
    assert isinstance(registry, SpecRegistry), registry
    rate = registry.products[code].interest.annual_rate.default
    assert rate is not None
    return rate


def rate_line(text: str) -> int:
    """1-based line of ``interest.annual_rate`` in the text of :data:`PRODUCT_FILE`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(RATE_PREFIX):
            return number
    raise AssertionError(f"no {RATE_PREFIX!r} line in {PRODUCT_FILE}")


def with_default_rate(rate: str, text: str) -> str:
    """``text`` of :data:`PRODUCT_FILE` with ``interest.annual_rate.default`` set to ``rate``."""
    lines = text.splitlines(keepends=True)
    index = rate_line(text) - 1
    edited = re.sub(r'default: "[0-9.]+"', f'default: "{rate}"', lines[index], count=1)
    assert edited != lines[index] or f'default: "{rate}"' in edited, lines[index]
    lines[index] = edited
    return "".join(lines)


def bundle_with_rate(rate: str, bundle: Mapping[str, str] | None = None) -> dict[str, str]:
    """The shipped bundle (or ``bundle``) with :data:`PRODUCT`'s default rate set to ``rate``."""
    files = dict(bundle if bundle is not None else _shipped())
    files[PRODUCT_KEY] = with_default_rate(rate, files[PRODUCT_KEY])
    return files


@dataclass(frozen=True)
class ConfigCopy:
    """A writable copy of the shipped configuration (``product_configs`` + templates)."""

    config: Path
    templates: Path

    @classmethod
    def make(cls, root: Path) -> ConfigCopy:
        """Copy the shipped folders into ``root`` (as ``product_configs`` and
        ``notification_templates``, so the CLI finds the templates next to the config)."""
        copy = cls(root / "product_configs", root / "notification_templates")
        shutil.copytree(SHIPPED_CONFIG, copy.config)
        shutil.copytree(SHIPPED_TEMPLATES, copy.templates)
        return copy

    def path(self, rel: str) -> Path:
        """Path of ``rel`` (relative to the config directory)."""
        return self.config / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        self.path(rel).write_text(text, encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> int:
        """Replace the first ``old`` by ``new`` in ``rel``; return the 1-based line of ``old``."""
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))
        return text[: text.index(old)].count("\n") + 1

    def set_default_rate(self, rate: str) -> int:
        """Set :data:`PRODUCT`'s ``interest.annual_rate.default``; return the line edited."""
        text = self.read(PRODUCT_FILE)
        self.write(PRODUCT_FILE, with_default_rate(rate, text))
        return rate_line(text)

    def bundle(self) -> dict[str, str]:
        """The bundle of the copy, as the CLI reads it."""
        return read_bundle(self.config, self.templates)
