"""Unit-of-work base class and an in-memory implementation (for tests and fakes).

The SQLAlchemy implementation is :class:`lowlend.persistence.unit_of_work.SqlAlchemyUnitOfWork`.
"""

from __future__ import annotations

import abc
import copy
import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self

from lowlend.services.ports import (
    ConfigStateRecord,
    ConfigVersionInfo,
    ConfigVersionRecord,
    ConfigVersionRepository,
    NewConfigVersion,
    PublishedProductRepository,
)


class AbstractUnitOfWork(abc.ABC):
    """Base of the units of work: the block rolls back whatever was not committed.

    >>> uow = InMemoryUnitOfWork(InMemoryConfigData())
    >>> with uow:
    ...     uow.commit()
    >>> uow.committed
    True
    """

    config_versions: ConfigVersionRepository
    published_products: PublishedProductRepository
    committed: bool = False

    def __enter__(self) -> Self:
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        """Commit the unit of work (once per use case)."""
        self._commit()
        self.committed = True

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None:
        """Discard uncommitted work (a no-op after :meth:`commit`)."""


@dataclasses.dataclass
class InMemoryConfigData:
    """The "database" shared by :class:`InMemoryUnitOfWork` instances."""

    versions: dict[int, ConfigVersionRecord] = dataclasses.field(default_factory=dict)
    state: ConfigStateRecord = dataclasses.field(default_factory=lambda: ConfigStateRecord(None, 0))
    products: dict[tuple[str, int], Mapping[str, object]] = dataclasses.field(default_factory=dict)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class InMemoryPublishedProductRepository:
    """:class:`~lowlend.services.ports.PublishedProductRepository` over a working copy."""

    def __init__(self, data: InMemoryConfigData) -> None:
        self.products = dict(data.products)

    def add_snapshots(self, version_id: int, snapshots: Mapping[str, Mapping[str, object]]) -> None:
        for code, snapshot in snapshots.items():
            self.products[(code, version_id)] = copy.deepcopy(dict(snapshot))

    def snapshot(self, code: str, version_id: int) -> Mapping[str, object] | None:
        return self.products.get((code, version_id))


class InMemoryConfigVersionRepository:
    """:class:`~lowlend.services.ports.ConfigVersionRepository` over a working copy."""

    def __init__(self, data: InMemoryConfigData, owner: InMemoryUnitOfWork) -> None:
        self._data = data
        self._owner = owner
        self.versions = dict(data.versions)
        self.state = data.state

    def read_state(self) -> ConfigStateRecord:
        return self.state

    def lock_state(self) -> ConfigStateRecord:
        self._owner.acquire()
        self.versions = dict(self._data.versions)
        self.state = self._data.state
        return self.state

    def get(self, version_id: int) -> ConfigVersionRecord | None:
        return self.versions.get(version_id)

    def number_of(self, version_id: int) -> int | None:
        found = self.versions.get(version_id)
        return None if found is None else found.number

    def get_by_number(self, number: int) -> ConfigVersionRecord | None:
        return next((v for v in self.versions.values() if v.number == number), None)

    def max_number(self) -> int:
        return max((v.number for v in self.versions.values()), default=0)

    def add(self, version: NewConfigVersion) -> ConfigVersionInfo:
        if self.get_by_number(version.number) is not None:
            raise ValueError(f"duplicate config version number {version.number}")
        new_id = max(self.versions, default=0) + 1
        record = ConfigVersionRecord(
            id=new_id,
            number=version.number,
            content_hash=version.content_hash,
            author=version.author,
            created_at=version.created_at,
            comment=version.comment,
            status="published",
            files=copy.deepcopy(dict(version.files)),
            diff_from_previous=version.diff_from_previous,
        )
        self.versions[new_id] = record
        return record.info

    def set_current(self, version_id: int, version_counter: int, at: dt.datetime) -> None:
        previous = self.state.current_version_id
        if previous is not None and previous != version_id:
            self.versions[previous] = dataclasses.replace(
                self.versions[previous], status="superseded"
            )
        self.state = ConfigStateRecord(version_id, version_counter)

    def list_versions(self) -> Sequence[ConfigVersionInfo]:
        return [v.info for v in sorted(self.versions.values(), key=lambda v: v.number)]


class InMemoryUnitOfWork(AbstractUnitOfWork):
    """A unit of work over :class:`InMemoryConfigData` (commit publishes the working copy)."""

    def __init__(self, data: InMemoryConfigData) -> None:
        self._data = data
        self._locked = False

    def __enter__(self) -> Self:
        self.config_versions = InMemoryConfigVersionRepository(self._data, self)
        self.published_products = InMemoryPublishedProductRepository(self._data)
        return super().__enter__()

    def acquire(self) -> None:
        """Take the store-wide lock (the in-memory ``SELECT ... FOR UPDATE``)."""
        if not self._locked:
            self._data.lock.acquire()
            self._locked = True

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            self._data.lock.release()

    def _commit(self) -> None:
        repo = self.config_versions
        assert isinstance(repo, InMemoryConfigVersionRepository)
        self._data.versions = dict(repo.versions)
        self._data.state = repo.state
        products = self.published_products
        assert isinstance(products, InMemoryPublishedProductRepository)
        self._data.products = dict(products.products)
        self._release()

    def rollback(self) -> None:
        self._release()
