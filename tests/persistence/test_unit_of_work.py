"""The SQLAlchemy unit of work commits once; leaving without commit rolls back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence import migrate
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.models import AuditLog
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, action: str) -> None:
        self.session.add(AuditLog(entity="loan", entity_id="1", action=action, after={"a": 1}))

    def count(self) -> int:
        return int(self.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) or 0)


def test_commit_once_and_rollback_otherwise(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, {"audit": AuditRepository})

    try:
        with uow() as work:
            work.audit.add("created")  # type: ignore[attr-defined]
            work.commit()
        with uow() as work:
            work.audit.add("forgotten")  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError), uow() as work:
            work.audit.add("failed")  # type: ignore[attr-defined]
            raise RuntimeError("boom")
        with uow() as work:
            assert work.audit.count() == 1  # type: ignore[attr-defined]
    finally:
        engine.dispose()
