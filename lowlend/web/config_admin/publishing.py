"""Publishing from the config screens: the store, the author, permission sync, restart notes.

:func:`publish_bundle` stores a bundle as a new version with the signed-in user as
author, then runs :func:`lowlend.web.permission_sync.after_publish` (roles.yaml
grants, new products' ``can_apply``), so permission changes apply without a
restart.

Config-declared entities are the exception: their views are registered once at
boot (Flask refuses new blueprints later). :func:`remember_boot_entities` records,
at boot, which entities and fields this process serves; :func:`pending_restart`
tells which published ones are not served until the web service restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, flash, g

from lowlend.web import registry_hooks
from lowlend.web.config_admin.i18n import _

log = logging.getLogger(__name__)

BOOT_ENTITIES_KEY = "lowlend.config_admin.boot_entities"
"""``app.extensions`` key: entity code → field codes served by this process."""


def store() -> Any:
    """The :class:`~lowlend.services.config_store.ConfigStore` of the app (503 if none)."""
    found = registry_hooks.config_store()
    if found is None:
        abort(503)
    return found


def username() -> str:
    """The signed-in user's name (the author of a publish)."""
    user = getattr(g, "user", None)
    return str(getattr(user, "username", "") or "unknown")


def publish_bundle(
    files: dict[str, str], comment: str, registry: Any = None, *, action: str = "publish"
) -> Any:
    """Publish ``files`` as the signed-in user; sync permissions; returns the result.

    :param registry: the validated registry of ``files`` (``None``: read it again).
    :param action: names the operation (``publish``, ``rollback``) in the log.
    :raises lowlend.services.config_store.ConfigStoreError: nothing was stored.
    """
    from lowlend.web.permission_sync import after_publish

    result = store().publish(files, author=username(), comment=comment)
    if result.created:
        try:
            after_publish(current_app._get_current_object(), registry)  # type: ignore[attr-defined]
        except Exception:  # the version is stored; the next request's check syncs again
            log.exception("lowlend config admin: permission sync after %s failed", action)
    return result


def flash_unchanged(result: Any) -> None:
    """Flash that publishing stored nothing new (the bundle is the current version)."""
    flash(
        _(
            "Nothing changed: version %(number)s is already current.",
            number=result.version.number,
        ),
        "info",
    )


def entity_fields(registry: Any) -> dict[str, frozenset[str]]:
    """Entity code → its field codes in ``registry`` (empty without one)."""
    entities = getattr(registry, "entities", None) if registry is not None else None
    if not isinstance(entities, Mapping):
        return {}
    return {
        str(code): frozenset(str(f.code) for f in getattr(spec, "fields", ()))
        for code, spec in entities.items()
    }


def remember_boot_entities(app: Any, registry: Any) -> None:
    """Record the entities and fields whose views this process registered (boot only)."""
    app.extensions[BOOT_ENTITIES_KEY] = entity_fields(registry)


def pending_restart(registry: Any) -> dict[str, list[str]]:
    """Entities of ``registry`` this process does not serve yet, with their new fields.

    An entity missing at boot maps to all its fields; an entity known at boot maps to
    the fields added since (only entities with something new are listed).
    """
    boot: Mapping[str, frozenset[str]] = current_app.extensions.get(BOOT_ENTITIES_KEY, {})
    out: dict[str, list[str]] = {}
    for code, fields in entity_fields(registry).items():
        new = fields if code not in boot else fields - boot[code]
        if code not in boot or new:
            out[code] = sorted(new)
    return out
