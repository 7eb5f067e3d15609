"""Ports (interfaces) the service layer depends on; adapters live in ``lowlend.persistence``.

Only the standard library is used here, so the services stay free of Flask and
SQLAlchemy. Repositories never commit: the unit of work does, once per use case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

Bundle = Mapping[str, str]
"""A configuration bundle: ``{"config/<relpath>": text, "templates/<relpath>": text}``."""


class SpecRegistryLike(Protocol):
    """What the services need of :class:`lowlend.spec.SpecRegistry`."""

    @property
    def content_hash(self) -> str:
        """Hash of the bundle's content (the version identity)."""
        ...

    @property
    def files(self) -> Bundle:
        """The bundle the registry was built from."""
        ...


class BundleValidator(Protocol):
    """Builds a registry from a bundle; raises an exception with ``.errors`` when invalid.

    The default is :func:`lowlend.spec.load_bundle` (raising ``ConfigErrors``).
    """

    def __call__(self, files: Bundle, /) -> SpecRegistryLike:
        """Validate ``files`` and return the registry."""
        ...


@dataclass(frozen=True)
class ConfigVersionInfo:
    """Metadata of a stored configuration version (no bundle)."""

    id: int
    number: int
    content_hash: str
    author: str
    created_at: dt.datetime
    comment: str
    status: str


@dataclass(frozen=True)
class ConfigVersionRecord(ConfigVersionInfo):
    """A stored configuration version with its bundle and its diff from the previous one."""

    files: Bundle = field(default_factory=dict)
    diff_from_previous: str = ""

    @property
    def info(self) -> ConfigVersionInfo:
        """The metadata only."""
        return ConfigVersionInfo(
            id=self.id,
            number=self.number,
            content_hash=self.content_hash,
            author=self.author,
            created_at=self.created_at,
            comment=self.comment,
            status=self.status,
        )


@dataclass(frozen=True)
class ConfigStateRecord:
    """The current-version pointer and the change counter."""

    current_version_id: int | None
    version_counter: int


@dataclass(frozen=True)
class NewConfigVersion:
    """What :meth:`ConfigVersionRepository.add` stores."""

    number: int
    content_hash: str
    files: Bundle
    author: str
    created_at: dt.datetime
    comment: str
    diff_from_previous: str


class ConfigVersionRepository(Protocol):
    """Stored configuration versions and the current pointer."""

    def read_state(self) -> ConfigStateRecord:
        """Return the current pointer and counter without locking (cheap)."""
        ...

    def lock_state(self) -> ConfigStateRecord:
        """Lock the state row until the unit of work ends and return it.

        Concurrent publishers are serialised here (``SELECT ... FOR UPDATE``).
        """
        ...

    def get(self, version_id: int) -> ConfigVersionRecord | None:
        """Return the version with this database id."""
        ...

    def number_of(self, version_id: int) -> int | None:
        """Return the number of the version with this database id (no bundle is read)."""
        ...

    def get_by_number(self, number: int) -> ConfigVersionRecord | None:
        """Return the version with this number."""
        ...

    def max_number(self) -> int:
        """Return the highest version number stored (0 when none)."""
        ...

    def add(self, version: NewConfigVersion) -> ConfigVersionInfo:
        """Store a new immutable version (status ``published``) and return it."""
        ...

    def set_current(self, version_id: int, version_counter: int, at: dt.datetime) -> None:
        """Point the state at ``version_id`` and mark the previous current one superseded."""
        ...

    def list_versions(self) -> Sequence[ConfigVersionInfo]:
        """Return every version, oldest first."""
        ...


class PublishedProductRepository(Protocol):
    """Per-version JSON snapshots of the product specs (table ``products_published``)."""

    def add_snapshots(self, version_id: int, snapshots: Mapping[str, Mapping[str, object]]) -> None:
        """Store one snapshot per product code for the version ``version_id``."""
        ...

    def snapshot(self, code: str, version_id: int) -> Mapping[str, object] | None:
        """Return the snapshot of product ``code`` as published in ``version_id``."""
        ...


class UnitOfWork(Protocol):
    """One transaction per use case: ``with uow: ...; uow.commit()``.

    Leaving the block without :meth:`commit` discards the work.
    """

    config_versions: ConfigVersionRepository
    published_products: PublishedProductRepository

    def __enter__(self) -> Self:
        """Begin the unit of work."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End it, rolling back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Commit the whole unit of work (once)."""
        ...

    def rollback(self) -> None:
        """Discard the unit of work."""
        ...


class UnitOfWorkFactory(Protocol):
    """Creates a fresh unit of work for each use case."""

    def __call__(self) -> UnitOfWork:
        """Return a new unit of work."""
        ...


class DocumentCodec(Protocol):
    """Turns an export document into text and back (JSON built in; YAML plugged in)."""

    def dumps(self, document: Mapping[str, object]) -> str:
        """Serialise ``document``."""
        ...

    def loads(self, text: str) -> object:
        """Parse ``text``; raise ``ValueError`` when it is malformed."""
        ...
