"""Hook points between the web shell and the configuration registry.

The web shell (menu, health check, per-request freshness check, Celery task
start, permission clean-up) needs "the current SpecRegistry" and "the current
config version". They come from :class:`lowlend.services.registry_provider.RegistryProvider`
over the versioned config store (``lowlend.services.config_store``).

:func:`install` (called by ``create_app``) builds one provider per app, stored in
``app.extensions["lowlend_registry"]``, over a unit of work on the app's engine
(its own sessions, never ``db.session``). There is no process-wide provider: two
apps in one process keep their own configuration.

The shell works before anything is published (or while the database is down):

* :func:`current_registry` → ``None`` (the menu falls back to FAB's default menu),
* :func:`current_config_version` → ``None`` (``/health`` reports ``null``),
* :func:`refresh_if_stale` → logs and continues.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

from lowlend.services.config_store import ConfigStore
from lowlend.services.registry_provider import RegistryProvider
from lowlend.web.backend import backend_of

log = logging.getLogger(__name__)

EXTENSION_KEY = "lowlend_registry"
UOW_FACTORY_KEY = "lowlend_uow_factory"


def make_uow_factory(app: Flask) -> Callable[[], Any]:
    """A unit-of-work factory on ``app``'s database (sessions of its own)."""
    return backend_of(app).uow.config()


def install(app: Flask) -> RegistryProvider:
    """Attach a RegistryProvider of its own to ``app`` (no database access)."""
    factory = make_uow_factory(app)
    provider = RegistryProvider(factory)
    app.extensions[UOW_FACTORY_KEY] = factory
    app.extensions[EXTENSION_KEY] = provider
    return provider


def provider() -> Any | None:
    """The current app's RegistryProvider (``None`` outside an app or when unavailable)."""
    if not has_app_context():
        return None
    return current_app.extensions.get(EXTENSION_KEY)


def current_registry() -> Any | None:
    """The current SpecRegistry, or ``None`` (nothing published, no provider, DB error)."""
    prov = provider()
    if prov is None:
        return None
    try:
        return prov.current()
    except Exception as exc:
        log.debug("lowlend: no current registry: %s", exc)
        return None


def config_store(app: Flask | None = None) -> ConfigStore | None:
    """The configuration store of ``app`` (default: the current app) over its own units of
    work; ``None`` before :func:`install`."""
    target = app if app is not None else (current_app if has_app_context() else None)
    if target is None:
        return None
    factory = target.extensions.get(UOW_FACTORY_KEY)
    return backend_of(target).config_store(factory) if factory is not None else None


def current_config_version() -> int | None:
    """Number of the published config version, ``None`` before the first publish.

    Database errors propagate (the caller — ``/health`` — reports them).
    """
    store = config_store()
    return store.current_number() if store is not None else None


def refresh_if_stale() -> None:
    """Read the config version counter; a stale snapshot is rebuilt lazily on next use.

    Called at the start of every request (except ``/health`` and static files) and
    at the start of every Celery task.
    """
    prov = provider()
    if prov is None:
        return
    try:
        stale = prov.check()
    except Exception as exc:
        log.debug("lowlend: registry freshness check failed: %s", exc)
        return
    if stale:
        _announce_new_version(prov)


LISTENERS_KEY = "lowlend_registry_listeners"


def on_new_version(app: Flask, listener: Callable[[Any], None]) -> None:
    """Call ``listener(registry)`` in ``app`` whenever a request or task finds that a new
    configuration version was published (by anyone, in any process); e.g. the
    permission sync (:func:`lowlend.web.permission_sync.init_app`)."""
    app.extensions.setdefault(LISTENERS_KEY, []).append(listener)


def _announce_new_version(prov: Any) -> None:
    """A publish (by anyone, in any process) is announced to the app's listeners
    (:func:`on_new_version`): its permissions then exist here too.

    Runs once per worker and version: the permission sync is idempotent and retries when
    two workers sync at once, so a product published through the store, the CLI or the
    UI gets its permissions without a restart and without a separate step.
    """
    listeners = current_app.extensions.get(LISTENERS_KEY, [])
    if not listeners:
        return
    try:
        registry = prov.current()
    except Exception as exc:  # nothing published yet, or the version does not load
        log.debug("lowlend: no registry to announce: %s", exc)
        return
    if registry is not None:
        for listener in listeners:
            listener(registry)
