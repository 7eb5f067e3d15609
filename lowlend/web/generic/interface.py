"""The data interface of every generated view/API: data scope + audit.

:func:`DATAMODEL` is the one place that builds the FAB data interface:
``lowlend.web.datamodel.ScopedSQLAInterface(model, entity_code)`` (the current
user's data scope on every query/count/get) wrapped by :class:`AuditMixin`, which
writes an ``AuditLog`` row (who, when, entity, id, action, before, after) for
every add/edit/delete **in the same transaction** as the change.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_app_context, has_request_context
from flask_appbuilder.exceptions import DatabaseException
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lowlend.services.audit import CREATE, DELETE, UPDATE
from lowlend.web.backend import backend
from lowlend.web.datamodel import ScopedSQLAInterface
from lowlend.web.generic.extension import descriptors_of

log = logging.getLogger(__name__)

__all__ = [
    "DATAMODEL",
    "AuditMixin",
    "ReferencedError",
    "WriteError",
    "current_user_info",
    "referring_records",
]


def current_user_info() -> tuple[int | None, str]:
    """(id, username) of the signed-in user (web session or JWT), else ``(None, "")``."""
    if not has_request_context():
        return None, ""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        from flask_login import current_user

        user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return getattr(user, "id", None), str(getattr(user, "username", "") or "")


class AuditMixin:
    """Adds an audit row to the session before the interface commits."""

    entity_code: str = ""
    session: Any

    def _audit(self, item: Any, action: str, before: Any, after: Any) -> None:
        user_id, username = current_user_info()
        pk = getattr(item, "id", None)
        backend().audit.add(
            self.session,
            entity=self.entity_code,
            entity_id=pk if pk is not None else "",
            action=action,
            before=before,
            after=after,
            user_id=user_id,
            username=username,
        )

    def _failed(self, exc: Exception, what: str) -> WriteError:
        log.warning("%s %s failed: %s", what, self.entity_code, exc)
        self.session.rollback()
        if isinstance(exc, WriteError):
            return exc
        cause = getattr(exc, "__cause__", None) or exc
        integrity = next((e for e in (exc, cause) if isinstance(e, IntegrityError)), None)
        if integrity is not None and what == "delete":
            return ReferencedError("")
        if integrity is not None and _foreign_key_violation(integrity):
            return WriteError(False, reason=MISSING_REFERENCE)
        return WriteError(integrity is not None)

    def add(self, item: Any, commit: bool = True) -> None:
        try:
            self.session.add(item)
            self.session.flush()
            self._audit(item, CREATE, None, backend().audit.record_image(item))
            super().add(item, commit=False)  # type: ignore[misc]
            if commit:
                self.session.commit()
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._failed(exc, "add") from exc

    def edit(self, item: Any, commit: bool = True) -> None:
        try:
            before = backend().audit.before_image(item)
            super().edit(item, commit=False)  # type: ignore[misc]
            self.session.flush()
            after = backend().audit.record_image(item)
            if before != after:
                self._audit(item, UPDATE, before, after)
            if commit:
                self.session.commit()
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._failed(exc, "edit") from exc

    def delete(self, item: Any, commit: bool = True) -> None:
        try:
            referring = referring_records(self.session, item)
            if referring:
                raise ReferencedError(
                    ", ".join(f"{label} {count}" for label, count in referring)
                )
            self._audit(item, DELETE, backend().audit.record_image(item), None)
            super().delete(item, commit=False)  # type: ignore[misc]
            if commit:
                self.session.commit()
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._failed(exc, "delete") from exc


MISSING_REFERENCE = "missing_reference"
""":attr:`WriteError.reason` of a record naming a record that does not exist."""


class WriteError(SQLAlchemyError):
    """A write through a generated view/API failed (rolled back; audit row discarded too).

    ``conflict``: a uniqueness/foreign-key conflict (REST 409), else 422. ``reason``
    :data:`MISSING_REFERENCE`: a reference to a record that does not exist (422). ``str()``
    is a user-facing message (no SQL, no parameter values — they may hold PII).
    """

    def __init__(self, conflict: bool, reason: str | None = None) -> None:
        super().__init__()
        self.conflict = conflict
        self.reason = reason

    @property
    def status(self) -> int:
        """The REST status of the failure."""
        return 409 if self.conflict else 422

    def __str__(self) -> str:
        from lowlend.web.generic.labels import translate

        if self.reason == MISSING_REFERENCE:
            return translate("The record refers to a record that does not exist.")
        if self.conflict:
            return translate("The record conflicts with an existing one.")
        return translate("The record could not be saved.")


MESSAGES = (  # shown through ``translate``; listed here so the catalogues extract them
    _l("The record refers to a record that does not exist."),
    _l("This record cannot be deleted: other records still refer to it (%(what)s)."),
    _l("This record cannot be deleted: other records still refer to it."),
)


class ReferencedError(WriteError):
    """A delete refused because other records still refer to the record (REST 409).

    ``what``: the referring records (``"Loans 3, Applications 1"``), or ``""`` when only
    the database noticed.
    """

    def __init__(self, what: str) -> None:
        super().__init__(True)
        self.what = what

    def __str__(self) -> str:
        from lowlend.web.generic.labels import translate

        if self.what:
            return translate(
                "This record cannot be deleted: other records still refer to it (%(what)s)."
            ) % {"what": self.what}
        return translate("This record cannot be deleted: other records still refer to it.")


def _foreign_key_violation(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a foreign-key violation (PostgreSQL 23503, SQLite's message)."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "pgcode", None) == "23503" or "FOREIGN KEY" in str(orig).upper()


def referring_records(session: Any, item: Any) -> list[tuple[str, int]]:
    """(label, count) of the records that still refer to ``item`` and would block or
    orphan its deletion: rows of tables with a foreign key to it (without ``ON DELETE``
    action, and not deleted with it by an ORM cascade), and records of config entities
    whose parent it is (``parent_id``, no database foreign key).
    """
    table = getattr(item, "__table__", None)
    pk = getattr(item, "id", None)
    if table is None or pk is None:
        return []
    counts = backend().records.referring_counts(session, item, _child_tables(table.name))
    labels = _table_labels()
    return [(labels.get(name, name), n) for name, n in sorted(counts.items())]


def _descriptors() -> dict[str, Any]:
    return dict(descriptors_of()) if has_app_context() else {}


def _child_tables(table_name: str) -> list[tuple[str, str]]:
    """(table, ``parent_id``) of the config entities whose parent view has ``table_name``."""
    descs = _descriptors()
    codes = {code for code, d in descs.items() if d.model.__tablename__ == table_name}
    return [
        (d.model.__tablename__, "parent_id") for d in descs.values() if d.parent in codes
    ]


def _table_labels() -> dict[str, str]:
    """Table name → label of its generated view in the request locale."""
    out: dict[str, str] = {}
    for desc in _descriptors().values():
        out.setdefault(desc.model.__tablename__, str(desc.label))
    return out


class AuditedScopedInterface(AuditMixin, ScopedSQLAInterface):  # type: ignore[misc]
    """The data interface of every generated view: row-level data scope
    (:class:`~lowlend.web.datamodel.ScopedSQLAInterface`) with audit (:class:`AuditMixin`)."""

    def __init__(
        self, obj: Any, entity_code: str = "", session: Any = None, **kwargs: Any
    ) -> None:
        # FAB's schema converter re-creates the interface with the model only
        ScopedSQLAInterface.__init__(self, obj, entity_code, session, **kwargs)
        self.entity_code = entity_code


def DATAMODEL(model: type, entity_code: str) -> Any:
    """The audited, data-scoped interface of ``model`` for the view ``entity_code``."""
    return AuditedScopedInterface(model, entity_code)
