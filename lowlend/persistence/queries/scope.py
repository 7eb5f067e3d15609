"""Data scope and generic records on the request's session (:class:`ScopeQueries`,
:class:`RecordQueries` of :mod:`lowlend.services.admin_ports`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from lowlend.domain.conventions import DataScope
from lowlend.persistence.scope import count_in_scope, scope_columns, scope_condition
from lowlend.services.data_scope import Principal

__all__ = ["SqlRecordQueries", "SqlScopeQueries"]

SessionLike = Session | scoped_session[Any]


class SqlScopeQueries:
    """:class:`~lowlend.services.admin_ports.ScopeQueries` on ``session``."""

    def __init__(self, session: SessionLike) -> None:
        self.session = session

    def columns(self, model: Any, owner_field: str | None = None) -> Any:
        """See :func:`lowlend.persistence.scope.scope_columns`."""
        return scope_columns(model, owner_field)

    def condition(
        self,
        model: Any,
        scope: DataScope | None,
        principal: Principal,
        *,
        owner_field: str | None = None,
        columns: Any = None,
    ) -> Any | None:
        """See :func:`lowlend.persistence.scope.scope_condition`."""
        return scope_condition(model, scope, principal, owner_field=owner_field, columns=columns)

    def count(
        self,
        model: Any,
        scope: DataScope | None,
        principal: Principal,
        *,
        where: Sequence[Any] = (),
        owner_field: str | None = None,
        session: Any = None,
    ) -> int:
        """See :func:`lowlend.persistence.scope.count_in_scope`."""
        return count_in_scope(
            session if session is not None else self.session, model, scope, principal, where=where, owner_field=owner_field
        )

    def select(
        self, model: Any, scope: DataScope | None, principal: Principal, *,
        owner_field: str | None = None,
    ) -> Any:
        """``select(model)`` restricted to the scope."""
        stmt = sa.select(model)
        condition = scope_condition(model, scope, principal, owner_field=owner_field)
        return stmt if condition is None else stmt.where(condition)

    def record(
        self, model: Any, pk: int, scope: DataScope | None, principal: Principal, *,
        owner_field: str | None = None,
    ) -> Any | None:
        """Record ``pk`` of ``model`` if it is within the scope."""
        stmt = self.select(model, scope, principal, owner_field=owner_field)
        return self.session.scalars(stmt.where(model.id == pk)).first()

    def newest(
        self, model: Any, scope: DataScope | None, principal: Principal, *,
        owner_field: str | None = None, limit: int,
    ) -> list[Any]:
        """The newest ``limit`` records of ``model`` within the scope (highest id first)."""
        stmt = self.select(model, scope, principal, owner_field=owner_field)
        return list(self.session.scalars(stmt.order_by(model.id.desc()).limit(limit)))

    def visible(self, model: Any, pk: int, scope: DataScope | None, principal: Principal) -> bool:
        """Whether row ``pk`` of ``model`` exists within the scope."""
        if scope is None:
            return False
        pk_column = sa.inspect(model).primary_key[0]
        return count_in_scope(self.session, model, scope, principal, where=[pk_column == pk]) > 0

    def nothing(self) -> Any:
        """``false()``."""
        return sa.false()

    def everything(self) -> Any:
        """``true()``."""
        return sa.true()


class SqlRecordQueries:
    """:class:`~lowlend.services.admin_ports.RecordQueries` on ``session``."""

    def __init__(self, session: SessionLike) -> None:
        self.session = session

    def get(self, model: Any, pk: Any, *, no_autoflush: bool = False) -> Any | None:
        """Record ``pk`` of ``model``."""
        if no_autoflush:
            with self.session.no_autoflush:
                return self.session.get(model, pk)
        return self.session.get(model, pk)

    def count(self, listing: Any) -> int:
        """How many rows ``listing`` (a select) has."""
        return int(self.session.execute(
            sa.select(sa.func.count()).select_from(listing.order_by(None).subquery())
        ).scalar_one())

    def rows(self, listing: Any, offset: int, limit: int) -> list[Any]:
        """One page of ``listing``."""
        return list(self.session.execute(listing.limit(limit).offset(offset)).all())

    def all_rows(self, listing: Any, limit: int | None = None) -> list[Any]:
        """The rows of ``listing`` (at most ``limit``)."""
        stmt = listing if limit is None else listing.limit(limit)
        return list(self.session.execute(stmt).all())

    def referring_counts(
        self, session: Any, item: Any, children: Sequence[tuple[str, str]]
    ) -> dict[str, int]:
        """Table name → how many of its rows still refer to ``item`` (foreign keys without
        ``ON DELETE`` action, not cascaded by the ORM; and the ``children`` columns)."""
        table = item.__table__
        pk = item.id
        mapper = sa.inspect(type(item))
        cascaded = {rel.mapper.local_table for rel in mapper.relationships if rel.cascade.delete}
        counts: dict[str, int] = {}
        with session.no_autoflush:
            for other in table.metadata.tables.values():
                if other in cascaded:
                    continue
                for fk in other.foreign_keys:
                    if fk.column.table is not table or (fk.ondelete or "").upper() in (
                        "CASCADE",
                        "SET NULL",
                    ):
                        continue
                    count = session.execute(
                        sa.select(sa.func.count()).select_from(other).where(fk.parent == pk)
                    ).scalar_one()
                    if count:
                        counts[other.name] = counts.get(other.name, 0) + int(count)
            for table_name, parent_column in children:
                child = table.metadata.tables.get(table_name)
                if child is None or parent_column not in child.c:
                    continue
                count = session.execute(
                    sa.select(sa.func.count()).select_from(child)
                    .where(child.c[parent_column] == pk)
                ).scalar_one()
                if count:
                    counts[table_name] = counts.get(table_name, 0) + int(count)
        return counts

    def user_names(self, user_model: Any, ids: Iterable[int]) -> dict[int, str]:
        """FAB user id → username."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            sa.select(user_model.id, user_model.username).where(user_model.id.in_(wanted))
        )
        return {int(i): str(name) for i, name in rows}

    def expire_all(self) -> None:
        """Forget what the session loaded."""
        self.session.expire_all()

    def commit(self) -> None:
        """Commit."""
        self.session.commit()

    def rollback(self) -> None:
        """Roll back."""
        self.session.rollback()

    def ping(self) -> None:
        """``SELECT 1``."""
        self.session.execute(sa.text("SELECT 1"))

