"""The data interface of every generated view/API: data scope + audit.

:func:`DATAMODEL` is the one place that chooses the FAB data interface:
``lowlend.web.datamodel.ScopedSQLAInterface(model, entity_code)`` (the current
user's data scope on every query/count/get) when that module exists, else FAB's
plain ``SQLAInterface``. Either way it is wrapped by :class:`AuditMixin`, which
writes an ``AuditLog`` row (who, when, entity, id, action, before, after) for
every add/edit/delete **in the same transaction** as the change.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from lowlend.persistence.audit import add_audit, before_image, record_image
from lowlend.services.audit import CREATE, DELETE, UPDATE

log = logging.getLogger(__name__)

__all__ = ["DATAMODEL", "AuditMixin", "WriteError", "current_user_info"]


def current_user_info() -> tuple[int | None, str]:
    """(id, username) of the signed-in user (web session or JWT), else ``(None, "")``."""
    if not has_request_context():
        return None, ""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        try:
            from flask_login import current_user

            user = current_user
        except Exception:
            user = None
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
        add_audit(
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
        cause = getattr(exc, "__cause__", None) or exc
        return WriteError(isinstance(exc, IntegrityError) or isinstance(cause, IntegrityError))

    def add(self, item: Any, commit: bool = True) -> None:
        try:
            self.session.add(item)
            self.session.flush()
            self._audit(item, CREATE, None, record_image(item))
            super().add(item, commit=False)  # type: ignore[misc]
            if commit:
                self.session.commit()
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._failed(exc, "add") from exc

    def edit(self, item: Any, commit: bool = True) -> None:
        try:
            before = before_image(item)
            super().edit(item, commit=False)  # type: ignore[misc]
            self.session.flush()
            after = record_image(item)
            if before != after:
                self._audit(item, UPDATE, before, after)
            if commit:
                self.session.commit()
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._failed(exc, "edit") from exc

    def delete(self, item: Any, commit: bool = True) -> None:
        try:
            self._audit(item, DELETE, record_image(item), None)
            super().delete(item, commit=False)  # type: ignore[misc]
            if commit:
                self.session.commit()
        except (SQLAlchemyError, DatabaseException) as exc:
            raise self._failed(exc, "delete") from exc


class WriteError(SQLAlchemyError):
    """A write through a generated view/API failed (rolled back; audit row discarded too).

    ``conflict``: a uniqueness/foreign-key conflict (REST 409), else 422. ``str()`` is a
    user-facing message (no SQL, no parameter values — they may hold PII).
    """

    def __init__(self, conflict: bool) -> None:
        super().__init__()
        self.conflict = conflict

    def __str__(self) -> str:
        from lowlend.web.generic.labels import translate

        if self.conflict:
            return translate("The record conflicts with an existing one.")
        return translate("The record could not be saved.")


def _scoped_base() -> type | None:
    try:
        from lowlend.web import datamodel  # type: ignore[attr-defined]
    except ImportError:
        return None
    return getattr(datamodel, "ScopedSQLAInterface", None)


_CLASSES: dict[str, type] = {}


def DATAMODEL(model: type, entity_code: str) -> Any:
    """The audited (and, when available, data-scoped) interface of ``model``."""
    scoped = _scoped_base()
    base = scoped or SQLAInterface
    key = base.__module__ + "." + base.__name__
    cls = _CLASSES.get(key)
    if cls is None:
        if scoped is not None:

            def __init__(
                self: Any, obj: Any, entity_code: str = "", session: Any = None, **kwargs: Any
            ) -> None:
                # FAB's schema converter re-creates the interface with the model only
                scoped.__init__(self, obj, entity_code, session, **kwargs)
                self.entity_code = entity_code

        else:

            def __init__(
                self: Any, obj: Any, entity_code: str = "", session: Any = None, **kwargs: Any
            ) -> None:
                SQLAInterface.__init__(self, obj, session=session)
                self.entity_code = entity_code

        cls = type("Audited" + base.__name__, (AuditMixin, base), {"__init__": __init__})
        _CLASSES[key] = cls
    return cls(model, entity_code)
