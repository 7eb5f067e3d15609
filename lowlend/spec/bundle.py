"""The configuration bundle: reading it from disk and the layout of its files.

A bundle maps keys to file texts: ``config/<rel>`` for every ``*.yaml`` of the
configuration directory, ``templates/<rel>`` for every notification template file.
:func:`classify` tells which kind of document a key holds.

>>> classify("config/products/consumer_emi.yaml"), classify("config/roles.yaml")
(('product', 'consumer_emi'), ('roles', 'roles'))
>>> classify("templates/due_reminder/sms.zh_CN.j2"), classify("config/notes.txt")
(('template_body', 'due_reminder'), None)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

__all__ = [
    "FOLDERS",
    "SINGLETONS",
    "TEMPLATE_RE",
    "classify",
    "content_hash",
    "display_names",
    "read_bundle",
]

# config-dir relative location → kind.  Per-code kinds live in a folder, singletons at top.
FOLDERS = {
    "products": "product",
    "fees": "fee_schedule",
    "approval_chains": "approval_chain",
    "scorecards": "scorecard",
    "compliance": "compliance",
    "entities": "entity",
}
SINGLETONS = {
    "roles.yaml": "roles",
    "menus.yaml": "menus",
    "dictionaries.yaml": "dictionaries",
    "eod.yaml": "eod",
    "collections.yaml": "collections",
    "early_warning.yaml": "early_warning",
    "ledger.yaml": "ledger",
}
TEMPLATE_RE = re.compile(r"^templates/([a-z][a-z0-9_]*)/([a-z_]+)\.([a-z]{2}(?:_[A-Z]{2})?)\.j2$")
"""``templates/<event>/<channel>.<locale>.j2``"""


def read_bundle(config_dir: Path, templates_dir: Path | None) -> dict[str, str]:
    """Read the files of a configuration into a bundle (key → text).

    Keys are ``config/<posix path relative to config_dir>`` for every ``*.yaml`` under
    ``config_dir`` and ``templates/<relative path>`` for every file under
    ``templates_dir``.
    """
    bundle: dict[str, str] = {}
    for path in sorted(Path(config_dir).rglob("*.yaml")):
        if path.is_file():
            rel = path.relative_to(config_dir).as_posix()
            bundle[f"config/{rel}"] = path.read_text(encoding="utf-8")
    if templates_dir is not None:
        for path in sorted(Path(templates_dir).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                rel = path.relative_to(templates_dir).as_posix()
                bundle[f"templates/{rel}"] = path.read_text(encoding="utf-8")
    return bundle


def display_names(
    bundle: Mapping[str, str], config_dir: Path, templates_dir: Path | None
) -> dict[str, str]:
    """Bundle key → the file's path (relative to the working directory when inside it)."""
    names: dict[str, str] = {}
    for key in bundle:
        prefix, _, rel = key.partition("/")
        base = config_dir if prefix == "config" else templates_dir
        if base is None:
            continue
        path = Path(base) / rel
        try:
            names[key] = str(path.relative_to(Path.cwd()))
        except ValueError:
            names[key] = str(path)
    return names


def classify(key: str) -> tuple[str, str] | None:
    """``(kind, stem)`` of a bundle key, ``None`` when it is not part of the layout."""
    if key.startswith("config/"):
        rel = PurePosixPath(key[len("config/") :])
        if len(rel.parts) == 1 and rel.name in SINGLETONS:
            return SINGLETONS[rel.name], rel.stem
        if len(rel.parts) == 2 and rel.parts[0] in FOLDERS and rel.suffix == ".yaml":
            return FOLDERS[rel.parts[0]], rel.stem
        return None
    if key.startswith("templates/"):
        rel = PurePosixPath(key[len("templates/") :])
        if len(rel.parts) == 2 and rel.name == "meta.yaml":
            return "template_meta", rel.parts[0]
        if TEMPLATE_RE.match(key):
            return "template_body", rel.parts[0]
    return None


def content_hash(files: Mapping[str, str]) -> str:
    """SHA-256 of the whole bundle (the configuration version)."""
    canonical = json.dumps(sorted(files.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
