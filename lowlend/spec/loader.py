"""Parse and validate a configuration bundle into a :class:`SpecRegistry`.

Validation runs in three passes and collects *all* errors:

1. YAML syntax (line from the YAML mark), duplicate keys;
2. structure, with the shipped JSON Schemas (``lowlend/spec/schemas``);
3. semantics: ranges, enums that depend on each other, expressions (compiled
   against their typed environment), cross references between files, rate caps.

This module runs the passes; the work is done by

* :mod:`lowlend.spec.bundle` — reading a bundle, the layout of its files;
* :mod:`lowlend.spec.checks.structure` — pass 2;
* :mod:`lowlend.spec.builders` — one builder per kind of file (with the file's own checks);
* :mod:`lowlend.spec.builders.region` — region inheritance;
* :mod:`lowlend.spec.checks.references` and :mod:`lowlend.spec.checks.rate_caps` — checks
  between files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .builders.access import build_menus, build_roles
from .builders.approval_chain import build_approval_chain
from .builders.dictionaries import build_dictionaries
from .builders.entity import build_entity
from .builders.fee_schedule import build_fee_schedule
from .builders.ledger import build_ledger
from .builders.operations import build_collections, build_early_warning, build_eod
from .builders.product import build_product
from .builders.region import build_region, resolve_regions
from .builders.scorecard import build_scorecard
from .builders.templates import Bodies, build_templates
from .bundle import FOLDERS, TEMPLATE_RE, classify, content_hash, read_bundle
from .bundle import display_names as _display_names
from .checks.references import check_references
from .checks.structure import check_structure
from .context import Built, Ctx, Doc
from .errors import ConfigError, ConfigErrors
from .registry import SpecRegistry
from .standard_names import BUILTIN_VIEWS, STANDARD_ROLES
from .standard_names import LOCALES as LOCALES  # importable from here, as before
from .yamlload import YamlProblem, load_yaml

__all__ = ["BUILTIN_VIEWS", "STANDARD_ROLES", "load_bundle", "load_directory", "read_bundle"]

_BUILDERS: dict[str, Callable[[Ctx, Doc], Any]] = {
    "product": build_product,
    "fee_schedule": build_fee_schedule,
    "approval_chain": build_approval_chain,
    "scorecard": build_scorecard,
    "entity": build_entity,
}
"""Per-code kinds; a structurally broken file of these is still built (best effort)."""

_SINGLETON_BUILDERS: dict[str, Callable[[Ctx, Doc], Any]] = {
    "roles": build_roles,
    "menus": build_menus,
    "dictionaries": build_dictionaries,
    "eod": build_eod,
    "collections": build_collections,
    "early_warning": build_early_warning,
    "ledger": build_ledger,
}
"""Singleton files, all required."""


def load_directory(config_dir: Path, templates_dir: Path | None = None) -> SpecRegistry:
    """:func:`read_bundle` + :func:`load_bundle`, errors showing the real file paths.

    :raises ConfigErrors: with every error found.
    """
    bundle = read_bundle(config_dir, templates_dir)
    return load_bundle(bundle, display_names=_display_names(bundle, config_dir, templates_dir))


def _parse(ctx: Ctx, files: Mapping[str, str], names: Mapping[str, str], bodies: Bodies) -> Built:
    """Passes 1 and 2: the documents to build; template bodies are collected in ``bodies``."""
    built = Built(docs=[], declared={})
    for key in sorted(files):
        display = names.get(key, key)
        kind_stem = classify(key)
        doc = Doc(key, display, "", "")
        if kind_stem is None:
            ctx.error(
                doc, [], "unexpected file: not part of the configuration layout (see CONTRACTS.md)"
            )
            continue
        doc.kind, doc.stem = kind_stem
        if doc.kind == "template_body":
            m = TEMPLATE_RE.match(key)
            assert m is not None
            bodies.setdefault(m.group(1), {})[(m.group(2), m.group(3))] = (files[key], doc)
            continue
        try:
            doc.data = load_yaml(files[key])
        except YamlProblem as exc:
            for line, path, message in exc.problems:
                ctx.errors.append(ConfigError(display, line, path, message))
            continue
        if not isinstance(doc.data, dict):
            ctx.error(doc, [], "the document must be a mapping")
            continue
        built.declared.setdefault(doc.kind, set()).add(str(doc.data.get("code", doc.stem)))
        check_structure(ctx, doc)
        if not doc.ok:
            # structurally broken: still try the per-code builders (best effort) so
            # that its cross references are checked in the same run
            if doc.kind in _BUILDERS and doc.data.get("code") == doc.stem:
                built.docs.append(doc)
            continue
        if doc.kind in FOLDERS.values() or doc.kind == "template_meta":
            if doc.data.get("code") != doc.stem:
                where = "directory name" if doc.kind == "template_meta" else "file name"
                ctx.error(
                    doc,
                    ["code"],
                    f"code {doc.data.get('code')!r} must equal the {where} {doc.stem!r}",
                )
                continue
        built.docs.append(doc)
    return built


def _build(ctx: Ctx, built: Built) -> None:
    """Pass 3, per file: run the builders, then resolve region inheritance."""

    def put(kind: str, code: str, value: Any, doc: Doc) -> None:
        table = built.by_code.setdefault(kind, {})
        if code in table:
            other = table[code][1]
            ctx.error(doc, ["code"], f"duplicate code {code!r} (also defined in {other.display})")
            return
        table[code] = (value, doc)

    for doc in built.docs:
        if not doc.ok:
            try:
                value = _BUILDERS[doc.kind](ctx, doc)
            except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError):
                continue
            put(doc.kind, doc.data["code"], value, doc)
        elif doc.kind in _BUILDERS:
            put(doc.kind, doc.data["code"], _BUILDERS[doc.kind](ctx, doc), doc)
        elif doc.kind == "compliance":
            build_region(ctx, doc, doc.data)  # reports this file's own errors
            built.region_docs[doc.data["code"]] = doc
        elif doc.kind in _SINGLETON_BUILDERS:
            built.singletons[doc.kind] = (_SINGLETON_BUILDERS[doc.kind](ctx, doc), doc)
        elif doc.kind == "template_meta":
            put("template_meta", doc.data["code"], None, doc)
    built.regions = resolve_regions(ctx, built.region_docs)


def _report_missing_singletons(ctx: Ctx, built: Built, names: Mapping[str, str]) -> None:
    for kind in _SINGLETON_BUILDERS:
        key = f"config/{kind}.yaml"
        display = names.get(key, key)
        if kind not in built.singletons and not any(e.file == display for e in ctx.errors):
            ctx.errors.append(ConfigError(display, 1, "", "required file is missing"))


def load_bundle(
    files: Mapping[str, str], *, display_names: Mapping[str, str] | None = None
) -> SpecRegistry:
    """Parse and validate a bundle; return the immutable registry.

    :param files: bundle key → file text (see :func:`read_bundle`).
    :param display_names: bundle key → path shown in error messages.
    :raises ConfigErrors: every error found, sorted by file and line.
    """
    names = dict(display_names or {})
    ctx = Ctx()
    bodies: Bodies = {}
    built = _parse(ctx, files, names, bodies)
    _build(ctx, built)
    # a bundle without templates (load_directory(config_dir) alone) skips event references
    built.has_templates = any(key.startswith("templates/") for key in files)
    metas = ((code, doc) for code, (_none, doc) in built.by_code.get("template_meta", {}).items())
    templates = build_templates(ctx, metas, bodies, built.declared.get("template_meta", set()))
    check_references(ctx, built)
    _report_missing_singletons(ctx, built, names)

    if ctx.errors:
        raise ConfigErrors(ctx.errors)

    return SpecRegistry(
        content_hash=content_hash(files),
        files=MappingProxyType(dict(sorted(files.items()))),
        products=MappingProxyType(built.table("product")),
        fee_schedules=MappingProxyType(built.table("fee_schedule")),
        approval_chains=MappingProxyType(built.table("approval_chain")),
        scorecards=MappingProxyType(built.table("scorecard")),
        regions=MappingProxyType(built.regions),
        entities=MappingProxyType(built.table("entity")),
        dictionaries=MappingProxyType(built.singleton("dictionaries", {})),
        templates=MappingProxyType(templates),
        roles=MappingProxyType(built.singleton("roles", {})),
        menus=built.singleton("menus", ()),
        eod=built.singletons["eod"][0],
        collections=built.singletons["collections"][0],
        early_warning=built.singletons["early_warning"][0],
        ledger=built.singletons["ledger"][0],
    )
