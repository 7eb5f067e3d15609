"""Internationalisation: lowlend's catalogue plus Flask-AppBuilder's own one.

Two pitfalls are handled here:

* ``babel.Locale.parse("zh_CN")`` is ``zh_Hans_CN``, and :mod:`gettext` expands
  that name to ``["zh_Hans_CN", "zh"]`` only — so lowlend's
  ``translations/zh_CN`` catalogue would never be found while FAB's ``zh`` one
  would. :class:`LowlendDomain` looks a locale up under all its spellings
  (``zh_Hans_CN``, ``zh_CN``, ``zh_Hans``, ``zh``).
* FAB's :class:`~flask_appbuilder.babel.manager.BabelManager` prepends FAB's own
  ``translations`` directory to ``BABEL_TRANSLATION_DIRECTORIES``; catalogues are
  merged in that order, so lowlend's strings override FAB's where both exist.

Where texts come from (one mechanism per kind of text):

* texts of the code — titles, buttons, notes, flash/validation/API messages — are
  English msgids wrapped in ``_``/``_l``/``gettext``/``lazy_gettext`` and translated by
  lowlend's catalogue (``translations/<locale>/LC_MESSAGES/messages.po``; ``make
  translations-update`` extracts them with ``babel.cfg``). Msgids chosen at run time
  (``lowlend.services.custom_fields.MESSAGE_TEXTS``) are listed with ``_l`` in
  ``lowlend.web.generic.labels.MESSAGES``; FAB strings missing from FAB's own ``zh``
  catalogue are listed in :mod:`lowlend.web.fab_strings`;
* labels of configuration objects (``{zh_CN, en}`` maps in the YAML) and the core
  entities' code-level label pairs (``lowlend.web.generic.labels.bilingual``) are
  resolved per request locale, not through the catalogue.

``tests/web/test_i18n.py`` checks that every wrapped string is in both catalogues;
``tests/web/test_zh_crawl.py`` crawls every generated page in ``zh_CN``.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable, Mapping
from typing import Any

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_app_context, has_request_context
from flask_babel import Domain, get_locale
from flask_babel import lazy_gettext as _l

__all__ = [
    "LowlendDomain",
    "_l",
    "install_domain",
    "label_text",
    "locale_names",
    "request_locale",
]

#: the locale outside an app (no configuration to read)
FALLBACK_LOCALE = "zh_CN"


def request_locale() -> str:
    """The locale of the current request as a key of ``LANGUAGES`` (``zh_CN``/``en``): the
    one place lowlend resolves it (labels, menus, messages of the use cases, API answers).

    Outside a request: ``BABEL_DEFAULT_LOCALE``; outside an app: ``zh_CN``. A request
    locale that is not in ``LANGUAGES`` also gives ``BABEL_DEFAULT_LOCALE``.
    """
    if not has_app_context():
        return FALLBACK_LOCALE
    languages = current_app.config.get("LANGUAGES") or {}
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", FALLBACK_LOCALE))
    if not has_request_context():
        return default
    for name in locale_names(get_locale()):
        if name in languages:
            return name
    return default


def label_text(label: Any, locale: str | None = None) -> str:
    """The text of a configuration label in ``locale`` (default: :func:`request_locale`),
    falling back to ``zh_CN``, ``en``, then any text: the one place labels are resolved.

    ``label``: a spec ``Label`` (anything with ``get(locale)``), a ``{locale: text}``
    mapping or a plain string.
    """
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    getter = getattr(label, "get", None)
    if callable(getter):
        for key in (locale or request_locale(), "zh_CN", "en"):
            value = getter(key)
            if value:
                return str(value)
        if isinstance(label, Mapping):
            for value in label.values():
                if value:
                    return str(value)
    return str(label)


def locale_names(locale: Locale | str | None) -> list[str]:
    """All directory names a locale's catalogue may live under, most specific first.

    >>> locale_names("zh_CN")
    ['zh_Hans_CN', 'zh_CN', 'zh_Hans', 'zh']
    >>> locale_names("en")
    ['en']
    """
    if locale is None:
        return []
    if isinstance(locale, str):
        locale = Locale.parse(locale)
    names = [str(locale)]
    if locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    if locale.script:
        names.append(f"{locale.language}_{locale.script}")
    names.append(locale.language)
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def _load(dirname: str, names: Iterable[str], domain: str) -> NullTranslations:
    filename = gettext.find(domain, dirname, list(names))
    if not filename:
        return NullTranslations()
    with open(filename, "rb") as fp:
        return Translations(fp=fp, domain=domain)


class LowlendDomain(Domain):
    """A Flask-Babel domain that finds ``zh_CN`` catalogues for ``zh_Hans_CN``."""

    def get_translations(self):  # type: ignore[no-untyped-def]
        from flask_babel import _get_current_context

        ctx = _get_current_context()
        if ctx is None:
            return NullTranslations()
        locale = get_locale()
        key = (str(locale), self.domain[0])
        cache = self.get_translations_cache(ctx)
        try:
            return cache[key]
        except KeyError:
            pass
        translations = Translations()
        names = locale_names(locale)
        for index, dirname in enumerate(self.translation_directories):
            domain = self.domain[0] if len(self.domain) == 1 else self.domain[index]
            if not os.path.isdir(dirname):
                continue
            catalog = _load(dirname, names, domain)
            translations.merge(catalog)
            if hasattr(catalog, "plural"):
                translations.plural = catalog.plural
        cache[key] = translations
        return translations


def install_domain(app: Flask) -> None:
    """Make the app's Flask-Babel instance use :class:`LowlendDomain`.

    Call after FAB's ``BabelManager`` created the ``Babel`` instance.
    """
    babel = app.extensions["babel"].instance
    # ``domain_instance`` is a cached_property: assigning replaces it for this Babel.
    babel.domain_instance = LowlendDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
