"""Notification templates: ``templates/<event>/meta.yaml`` + ``<channel>.<locale>.j2`` bodies.

Every declared channel has a body in every locale, bodies use only declared variables
(``{{ name }}``), and every body belongs to an event with a ``meta.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from ..context import Ctx, Doc
from ..errors import ConfigError
from ..model import NotificationTemplateSpec, TemplateVariable
from ..standard_names import LOCALES
from .values import label

__all__ = ["Bodies", "build_templates"]

Bodies = dict[str, dict[tuple[str, str], tuple[str, Doc]]]
"""event → (channel, locale) → (text, body document)"""

_JINJA_VAR_RE = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)")


def _check_variables(ctx: Ctx, body_doc: Doc, text: str, declared: set[str], meta: Doc) -> None:
    for n, line_text in enumerate(text.splitlines(), start=1):
        for m in _JINJA_VAR_RE.finditer(line_text):
            if m.group(1) not in declared:
                ctx.errors.append(
                    ConfigError(
                        body_doc.display,
                        n,
                        "",
                        f"variable {m.group(1)!r} is not declared in {meta.display}",
                    )
                )


def _build_template(
    ctx: Ctx, code: str, doc: Doc, bodies: Mapping[tuple[str, str], tuple[str, Doc]]
) -> NotificationTemplateSpec:
    meta = doc.data
    channels = tuple(meta["channels"])
    variables = tuple(
        TemplateVariable(v["code"], label(v["label"]), v["type"]) for v in meta["variables"]
    )
    ctx.unique(doc, meta["variables"], ["variables"])
    declared_vars = {v.code for v in variables}
    texts: dict[tuple[str, str], str] = {}
    for (channel, locale), (text, body_doc) in sorted(bodies.items()):
        if channel not in channels:
            ctx.error(body_doc, [], f"channel {channel!r} is not declared in {doc.display}")
            continue
        if locale not in LOCALES:
            ctx.error(body_doc, [], f"unsupported locale {locale!r} (expected zh_CN or en)")
            continue
        _check_variables(ctx, body_doc, text, declared_vars, doc)
        texts[(channel, locale)] = text
    for i, channel in enumerate(channels):
        for locale in LOCALES:
            if (channel, locale) not in bodies:
                ctx.error(doc, ["channels", i], f"missing template {code}/{channel}.{locale}.j2")
    return NotificationTemplateSpec(
        code, label(meta["label"]), channels, variables, MappingProxyType(texts)
    )


def build_templates(
    ctx: Ctx, metas: Iterable[tuple[str, Doc]], bodies: Bodies, template_codes: set[str]
) -> dict[str, NotificationTemplateSpec]:
    """Templates of the valid ``meta.yaml`` s (``metas``: event code, document).

    :param template_codes: events with a ``meta.yaml``, valid or not (bodies of other
        events are reported).
    """
    templates = {code: _build_template(ctx, code, doc, bodies.get(code, {})) for code, doc in metas}
    for event, by_key in bodies.items():
        if event not in template_codes:
            for _text, body_doc in by_key.values():
                ctx.error(body_doc, [], f"template without {event}/meta.yaml")
    return templates
