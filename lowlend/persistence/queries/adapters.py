"""Adapters of the infrastructure ports of :mod:`lowlend.services.admin_ports`: the audit
trail, login state, attachments, config-entity tables, identity keys and the
unit-of-work factories of one app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from lowlend.persistence import attachments, audit, auth_state, entity_tables, keys
from lowlend.persistence.demo_loader import DEMO_PEPPER
from lowlend.persistence.lending_repository import lending_uow_factory
from lowlend.persistence.money_repository import money_uow_factory
from lowlend.persistence.reconciliation_repository import reconciliation_uow_factory
from lowlend.persistence.repositories import IdNumberProtector
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork

__all__ = [
    "SqlAttachmentStorage",
    "SqlAuditTrail",
    "SqlAuthStateStore",
    "SqlEntityTables",
    "SqlIdentityKeys",
    "SqlUnitsOfWork",
]

SessionLike = Session | scoped_session[Any]


class SqlAuditTrail:
    """:class:`~lowlend.services.admin_ports.AuditTrail` (:mod:`lowlend.persistence.audit`)."""

    def add(
        self, session: Any, *, entity: str, entity_id: Any, action: str,
        before: dict[str, Any] | None, after: dict[str, Any] | None,
        user_id: int | None = None, username: str = "",
    ) -> Any:
        """Add an audit row to ``session``."""
        return audit.add_audit(session, entity=entity, entity_id=entity_id, action=action,
                               before=before, after=after, user_id=user_id, username=username)

    def record_image(self, obj: Any) -> dict[str, Any]:
        """A record's column values."""
        return audit.record_image(obj)

    def before_image(self, obj: Any) -> dict[str, Any]:
        """A changed record's values before the change."""
        return audit.before_image(obj)


class SqlAuthStateStore:
    """:class:`~lowlend.services.admin_ports.AuthStateStore`
    (:mod:`lowlend.persistence.auth_state`)."""

    def auth_version(self, executor: Any, user_id: int) -> int:
        """The user's session version."""
        return auth_state.auth_version(executor, user_id)

    def bump_auth_version(self, executor: Any, user_id: int) -> int:
        """Raise the user's session version."""
        return auth_state.bump_auth_version(executor, user_id)

    def locked_until(self, executor: Any, user_id: int) -> dt.datetime | None:
        """Until when the user is locked out."""
        return auth_state.locked_until(executor, user_id)

    def set_locked_until(self, executor: Any, user_id: int, until: dt.datetime | None) -> None:
        """Lock or unlock the user."""
        auth_state.set_locked_until(executor, user_id, until)


class SqlAttachmentStorage:
    """:class:`~lowlend.services.admin_ports.AttachmentStorage` on ``session``
    (:mod:`lowlend.persistence.attachments`)."""

    def __init__(self, session: scoped_session[Any]) -> None:
        self.session = session

    def file_store(self, root: Any, master_key: str | bytes | None) -> Any:
        """The file store under ``root``."""
        return attachments.FileStore(root, master_key)

    def stage(
        self, store: Any, *, name: str, content_type: str, data: bytes,
        created_by: int | None, standalone: bool = False,
    ) -> Any:
        """Stage an upload in the request's session."""
        return attachments.stage(self.session(), store, name=name, content_type=content_type,
                                 data=data, created_by=created_by, standalone=standalone)

    def link(self, ids: Iterable[int], item: Any, entity: str, field_code: str) -> None:
        """Link attachments to ``item`` at commit."""
        attachments.link(self.session(), ids, item, entity, field_code)

    def get(self, pk: int) -> Any | None:
        """Attachment ``pk``."""
        return self.session.get(attachments.Attachment, pk)

    def by_ids(self, ids: Sequence[int]) -> list[Any]:
        """The attachments with these ids."""
        model = attachments.Attachment
        return list(self.session.query(model).filter(model.id.in_(list(ids))).all())

    def install_session_events(self) -> None:
        """Write staged files at commit."""
        attachments.install_session_events()


class SqlEntityTables:
    """:class:`~lowlend.services.admin_ports.EntityTables`
    (:mod:`lowlend.persistence.entity_tables`) on the engine ``engine()`` gives."""

    def __init__(self, engine: Callable[[], sa.Engine]) -> None:
        self._engine = engine

    def model_for(self, spec: Any) -> type:
        """The mapped class of an entity spec."""
        return entity_tables.entity_model(spec)

    def ensure(self, models: Sequence[type]) -> list[str]:
        """Create the missing tables of ``models``."""
        return entity_tables.ensure_tables(self._engine(), models)


class SqlIdentityKeys:
    """:class:`~lowlend.services.admin_ports.IdentityKeys`."""

    demo_pepper: bytes = DEMO_PEPPER
    pepper_info: bytes = keys.ID_PEPPER_INFO

    def derived_secret(self, master_key: str | bytes, info: bytes) -> bytes:
        """A secret derived from the master key."""
        return keys.derived_secret(master_key, info)

    def protector(self, pepper: str | bytes, master_key: str | bytes | None) -> Any:
        """The identity-number hasher/encrypter."""
        return IdNumberProtector(pepper, master_key)


class SqlUnitsOfWork:
    """:class:`~lowlend.services.admin_ports.UnitsOfWork` over sessions of their own on
    the engine ``engine()`` gives (made on first use)."""

    def __init__(self, engine: Callable[[], sa.Engine]) -> None:
        self._engine = engine
        self._maker: sessionmaker[Session] | None = None

    def session_factory(self) -> Session:
        """A new session on the app's engine (objects stay usable after commit)."""
        if self._maker is None:
            self._maker = sessionmaker(bind=self._engine(), expire_on_commit=False)
        return self._maker()

    def config(self) -> Callable[[], Any]:
        """Units of work of the configuration store."""
        return lambda: SqlAlchemyUnitOfWork(self.session_factory)

    def lending(self, admin_role: str, decrypt: Callable[[str], str]) -> Callable[[], Any]:
        """Units of work of the lending use cases."""
        return lending_uow_factory(self.session_factory, admin_role, decrypt)

    def money(self) -> Callable[[], Any]:
        """Units of work of the money use cases."""
        return money_uow_factory(self.session_factory)

    def reconciliation(self) -> Callable[[], Any]:
        """Units of work of reconciliation."""
        return reconciliation_uow_factory(self.session_factory)
