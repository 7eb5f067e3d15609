"""Boot-time registration of the configuration screens (see :mod:`lowlend.web.config_admin`)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from lowlend.web.backend import WebBackend
from lowlend.web.config_admin.dictionary_labels import DictionaryItemsView
from lowlend.web.config_admin.item_views import ConfigItemsView, item_view_class
from lowlend.web.config_admin.kinds import DICTIONARIES, KINDS
from lowlend.web.config_admin.publishing import remember_boot_entities
from lowlend.web.config_admin.version_views import ConfigVersionsView

__all__ = ["register"]


def register(appbuilder: Any, registry: Any, backend: WebBackend) -> None:
    """Register the config screens (boot only; the registry is read per request).

    Also records which config-declared entities this process serves, so the entity
    screen can tell which published ones wait for a restart.
    """
    screens: dict[str, type[ConfigItemsView]] = {DICTIONARIES.code: DictionaryItemsView}
    remember_boot_entities(current_app, registry)
    for kind in KINDS:
        appbuilder.add_view_no_menu(item_view_class(kind, screens.get(kind.code, ConfigItemsView)))
    appbuilder.add_view_no_menu(ConfigVersionsView)
