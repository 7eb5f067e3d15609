"""Per-user sign-in state kept beside Flask-AppBuilder's ``ab_user``: ``user_auth_state``.

* ``auth_version`` — a counter raised when the user logs out or the password changes.
  Every session and JWT carries the version it was issued under; one from an older
  version is refused (see :mod:`lowlend.web.login_security`).
* ``locked_until`` — the account lockout after too many consecutive failed sign-ins
  (the count itself is FAB's ``ab_user.fail_login_count``).

Same conventions as :mod:`lowlend.persistence.models`: ``user_id`` is ``ab_user.id``
without a database-level foreign key (FAB creates its tables itself). A user without a
row has version 0 and no lock. The functions work on a Session or a Connection and never
commit: the caller's transaction does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from lowlend.persistence.db import db

__all__ = [
    "AUTH_STATE_TABLES",
    "UserAuthState",
    "auth_version",
    "bump_auth_version",
    "locked_until",
    "set_locked_until",
]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UserAuthState(db.Model):  # type: ignore[name-defined,misc]
    """Session/JWT version and lockout of one FAB user."""

    __tablename__ = "user_auth_state"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # ab_user.id
    auth_version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    locked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=_utcnow, onupdate=_utcnow
    )


AUTH_STATE_TABLES: frozenset[str] = frozenset({UserAuthState.__tablename__})
"""Names of the tables of this module (part of ``LOWLEND_TABLES``)."""

_TABLE = UserAuthState.__table__

Executor = Any
"""A SQLAlchemy ``Session`` or ``Connection`` (both have ``execute``)."""


def _upsert(executor: Executor, user_id: int, values: dict[str, Any],
            on_conflict: dict[str, Any]) -> None:
    dialect = executor.get_bind().dialect.name if hasattr(executor, "get_bind") \
        else executor.dialect.name
    row = {"user_id": user_id, "updated_at": _utcnow(), **values}
    update = {"updated_at": _utcnow(), **on_conflict}
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(_TABLE).values(row)
        executor.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=update))
    elif dialect == "sqlite":
        stmt = sqlite.insert(_TABLE).values(row)
        executor.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=update))
    else:  # pragma: no cover - other databases: update, then insert when nothing was there
        done = executor.execute(sa.update(_TABLE).where(_TABLE.c.user_id == user_id)
                                .values(update))
        if not done.rowcount:
            executor.execute(sa.insert(_TABLE).values(row))


def auth_version(executor: Executor, user_id: int) -> int:
    """The user's current session/JWT version (0 without a row)."""
    value = executor.execute(
        sa.select(_TABLE.c.auth_version).where(_TABLE.c.user_id == user_id)
    ).scalar()
    return int(value or 0)


def bump_auth_version(executor: Executor, user_id: int) -> int:
    """Raise the user's version by one (every older session and JWT becomes invalid)
    and return the new version."""
    _upsert(executor, user_id, {"auth_version": 1},
            {"auth_version": _TABLE.c.auth_version + 1})
    return auth_version(executor, user_id)


def locked_until(executor: Executor, user_id: int) -> dt.datetime | None:
    """Until when the account is locked (``None``: no lock recorded)."""
    value: dt.datetime | None = executor.execute(
        sa.select(_TABLE.c.locked_until).where(_TABLE.c.user_id == user_id)
    ).scalar()
    return value


def set_locked_until(executor: Executor, user_id: int, until: dt.datetime | None) -> None:
    """Lock the account until ``until`` (``None``: unlock)."""
    _upsert(executor, user_id, {"locked_until": until}, {"locked_until": until})
