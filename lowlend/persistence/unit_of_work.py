"""SQLAlchemy unit of work: one session, one transaction, one commit per use case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Self

from sqlalchemy.orm import Session

from lowlend.persistence.config_repository import (
    SqlConfigVersionRepository,
    SqlPublishedProductRepository,
)
from lowlend.services.unit_of_work import AbstractUnitOfWork


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Unit of work over a new session from ``session_factory``.

    Repositories share the session and never commit; :meth:`commit` commits once;
    leaving the ``with`` block rolls back anything uncommitted and closes the session.

    :param session_factory: e.g. :func:`lowlend.persistence.engine.make_session_factory`,
        or ``lambda: db.session`` inside a Flask app.
    :param repositories: further repositories by attribute name, each built from the
        session on entry (``{"loans": SqlLoanRepository}`` gives ``uow.loans``).
    """

    session: Session

    def __init__(
        self,
        session_factory: Callable[[], Session],
        repositories: Mapping[str, Callable[[Session], object]] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._repositories = dict(repositories or {})

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.config_versions = SqlConfigVersionRepository(self.session)
        self.published_products = SqlPublishedProductRepository(self.session)
        for name, build in self._repositories.items():
            setattr(self, name, build(self.session))
        return super().__enter__()

    def __exit__(self, *args: object) -> None:
        try:
            super().__exit__(*args)  # type: ignore[arg-type]
        finally:
            self.session.close()

    def _commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
