"""Process-local holder of the current :class:`~lowlend.spec.SpecRegistry`.

Each web worker and Celery worker keeps one :class:`RegistryProvider`. At request
or task start it calls :meth:`RegistryProvider.check`: one small query reads the
config ``version_counter``; when another process published since, the snapshot
is marked stale and rebuilt lazily on the next :meth:`RegistryProvider.current`.

Business records pin ``config_version_id``; :meth:`RegistryProvider.for_version`
returns the registry of exactly that version (cached by id), so a loan created
under version 1 keeps its version-1 terms after version 2 is published.

There is no process-wide provider: each app keeps its own
(``app.extensions["lowlend_registry"]``, see :mod:`lowlend.web.registry_hooks`), so two
apps in one process never see each other's configuration.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from lowlend.services.config_store import ConfigStore, NoPublishedConfig, UnknownVersion
from lowlend.services.ports import BundleValidator, SpecRegistryLike, UnitOfWorkFactory

__all__ = ["NoPublishedConfig", "RegistryProvider"]


class RegistryProvider:
    """Current and pinned registries, rebuilt from the config store when stale.

    Thread-safe. ``validator`` defaults to :func:`lowlend.spec.load_bundle`.

    :param uow_factory: unit-of-work factory reaching the config store tables.
    :param validator: builds a registry from a stored bundle.
    :param cache_size: how many pinned versions' registries to keep.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        validator: BundleValidator | None = None,
        cache_size: int = 8,
    ) -> None:
        self._store = ConfigStore(uow_factory, validator)
        self._uow_factory = uow_factory
        self._cache_size = max(cache_size, 1)
        self._lock = threading.RLock()
        self._by_id: OrderedDict[int, SpecRegistryLike] = OrderedDict()
        self._current_id: int | None = None
        self._counter: int | None = None  # counter of the snapshot held
        self._seen_counter: int | None = None  # last counter read from the database
        self._seen_id: int | None = None

    # -- freshness ------------------------------------------------------------------

    def check(self) -> bool:
        """Read the database counter (one small query); return ``True`` if stale.

        Call at request start and at task start. Does not rebuild anything.
        """
        with self._uow_factory() as uow:
            state = uow.config_versions.read_state()
        with self._lock:
            self._seen_counter = state.version_counter
            self._seen_id = state.current_version_id
            return self.is_stale

    @property
    def is_stale(self) -> bool:
        """Whether the snapshot held is older than the last counter read."""
        return self._counter is None or self._counter != self._seen_counter

    @property
    def version_id(self) -> int | None:
        """Database id of the version of the snapshot held (``None`` before loading)."""
        return self._current_id

    @property
    def version_counter(self) -> int | None:
        """Counter value of the snapshot held (``None`` before loading)."""
        return self._counter

    def invalidate(self) -> None:
        """Forget the current snapshot (the next :meth:`current` reloads it)."""
        with self._lock:
            self._counter = None

    # -- registries -----------------------------------------------------------------

    def current(self, check: bool = False) -> SpecRegistryLike:
        """Return the current registry, rebuilding it first if it is stale.

        :param check: read the counter first (as :meth:`check` does).
        :raises NoPublishedConfig: nothing published yet.
        """
        if check or self._seen_counter is None:
            self.check()
        with self._lock:
            if not self.is_stale and self._current_id is not None:
                return self._by_id.get(self._current_id) or self._rebuild()
            return self._rebuild()

    def _rebuild(self) -> SpecRegistryLike:
        if self._seen_id is None:
            raise NoPublishedConfig()
        registry = self.for_version(self._seen_id)
        self._current_id = self._seen_id
        self._counter = self._seen_counter
        return registry

    def for_version(self, version_id: int) -> SpecRegistryLike:
        """Return the registry of the stored version with database id ``version_id``.

        Cached by id (versions are immutable, so the cache never goes stale).

        :raises UnknownVersion: no version with that id.
        """
        with self._lock:
            cached = self._by_id.get(version_id)
            if cached is not None:
                self._by_id.move_to_end(version_id)
                return cached
        with self._uow_factory() as uow:
            record = uow.config_versions.get(version_id)
        if record is None:
            raise UnknownVersion(version_id)
        registry = self._store.validate(record.files)
        with self._lock:
            self._by_id[version_id] = registry
            self._by_id.move_to_end(version_id)
            while len(self._by_id) > self._cache_size:
                oldest = next(iter(self._by_id))
                if oldest == self._current_id and len(self._by_id) > 1:
                    self._by_id.move_to_end(oldest)
                    oldest = next(iter(self._by_id))
                del self._by_id[oldest]
        return registry
