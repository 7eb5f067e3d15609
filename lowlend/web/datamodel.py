"""FAB data interface with row-level data scope: :class:`ScopedSQLAInterface`.

Generated views and REST APIs use ``ScopedSQLAInterface(Model, entity_code)``
instead of FAB's ``SQLAInterface(Model)``. Every query FAB makes through it — the
list, its count, and get-by-id for show / edit / delete / download / actions and
REST ``GET/PUT/DELETE /api/v1/<code>/<id>`` — carries the data-scope condition of
the current user (the scope port of :mod:`lowlend.services.admin_ports`), so an out-of-scope id is
"not found" (404), exactly like a missing one.

The scope is decided per query from the *current* registry and the current
request's principal (:mod:`lowlend.web.user_context`), so a publish that changes
``data_scope`` in roles.yaml takes effect at once on every worker.

:func:`scoped_count` is the same rule for dashboard counts and exports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from flask_appbuilder.models.sqla.interface import SQLAInterface

from lowlend.domain.conventions import DataScope
from lowlend.services.data_scope import Principal, scope_for
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.user_context import current_principal

log = logging.getLogger(__name__)

#: Default entity codes of core models, used to scope related-field drop-downs.
MODEL_ENTITY_CODES: dict[str, str] = {
    "loans": "loans",
    "customers": "customers",
    "applications": "applications",
}


def owner_field(registry: Any, entity_code: str) -> str | None:
    """The owner column ``data_scope.owner_field`` of entity ``entity_code`` declares."""
    entities = getattr(registry, "entities", None) or {}
    spec = entities.get(entity_code) if hasattr(entities, "get") else None
    return getattr(spec, "owner_field", None)


def scope_of(principal: Principal, entity_code: str, registry: Any = None) -> DataScope | None:
    """The principal's data scope for ``entity_code`` under the current registry."""
    if registry is None:
        registry = registry_hooks.current_registry()
    return scope_for(registry, principal, entity_code)


class ScopedSQLAInterface(SQLAInterface):
    """``SQLAInterface`` whose queries only see rows in the user's data scope.

    :param model: the SQLAlchemy model.
    :param entity_code: the view/entity code whose ``data_scope`` of roles.yaml applies.
        ``None`` (FAB itself re-instantiates the class with the model only, e.g. for
        schema conversion): no scope — generated views always pass their code.
    :param session: as for ``SQLAInterface`` (default: ``appbuilder.session``).
    :param principal: a fixed principal or a callable returning one (default: the
        current request's, :func:`~lowlend.web.user_context.current_principal`).
    :param owner_field: owner column for ``own`` (default: the entity spec's
        ``data_scope.owner_field``, then ``owner_staff_id`` / ``created_by`` / …).
    """

    def __init__(
        self,
        model: Any,
        entity_code: str | None = None,
        session: Any = None,
        *,
        principal: Principal | Callable[[], Principal] | None = None,
        owner_field: str | None = None,
    ) -> None:
        super().__init__(model, session=session)
        self.entity_code = entity_code
        self._principal = principal
        self._owner_field = owner_field
        self._columns_cache: dict[str | None, Any] = {}

    # -- the scope ----------------------------------------------------------------
    def principal(self) -> Principal:
        if self._principal is None:
            return current_principal()
        if callable(self._principal):
            return self._principal()
        return self._principal

    def with_principal(self, principal: Principal | Callable[[], Principal]) -> ScopedSQLAInterface:
        """A copy bound to ``principal`` (CLI, Celery, tests)."""
        return type(self)(
            self.obj,
            self.entity_code,
            self._session,
            principal=principal,
            owner_field=self._owner_field,
        )

    def _columns(self, registry: Any) -> Any:
        owner = self._owner_field or owner_field(registry, self.entity_code or "")
        cached = self._columns_cache.get(owner)
        if cached is None:
            cached = self._columns_cache[owner] = backend().scope.columns(self.obj, owner)
        return cached

    def scope_condition(self) -> Any | None:
        """The SQL condition of the current principal (``None``: unrestricted)."""
        if self.entity_code is None:
            return None
        registry = registry_hooks.current_registry()
        principal = self.principal()
        scope = scope_for(registry, principal, self.entity_code)
        return backend().scope.condition(
            self.obj, scope, principal, columns=self._columns(registry)
        )

    def apply_scope(self, query: Any) -> Any:
        condition = self.scope_condition()
        return query if condition is None else query.filter(condition)

    # -- FAB hooks: every list / count / get goes through one of these -------------
    def _apply_inner_all(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._apply_inner_all(self.apply_scope(query), *args, **kwargs)

    def _get_base_query(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._get_base_query(self.apply_scope(query), *args, **kwargs)

    def get_related_interface(self, col_name: str) -> Any:
        """Related drop-downs of scoped core models (loans, customers …) are scoped too."""
        model = self.get_related_model(col_name)
        code = MODEL_ENTITY_CODES.get(getattr(model, "__tablename__", ""))
        if code is None:
            return SQLAInterface(model, self._session)
        return ScopedSQLAInterface(model, code, self._session, principal=self._principal)

    def is_in_scope(self, pk: Any) -> bool:
        """Whether the row with primary key ``pk`` exists and is in scope."""
        return self.get(pk) is not None


def scoped_count(
    session: Any,
    model: Any,
    entity_code: str,
    user: Any = None,
    *,
    where: Sequence[Any] = (),
    registry: Any = None,
) -> int:
    """Count ``model`` rows in ``user``'s data scope for ``entity_code``.

    ``user``: a :class:`Principal`, a FAB user object, or ``None`` for the current
    request's user. ``where``: extra conditions (e.g. ``Loan.status == "overdue"``).
    """
    if isinstance(user, Principal):
        principal = user
    elif user is None:
        principal = current_principal()
    else:
        from lowlend.web.user_context import principal_for_user

        principal = principal_for_user(user, session)
    if registry is None:
        registry = registry_hooks.current_registry()
    scope = scope_for(registry, principal, entity_code)
    return backend().scope.count(
        model, scope, principal, where=where, owner_field=owner_field(registry, entity_code),
        session=session,
    )


def _scope_args(
    entity_code: str, user: Principal | None, registry: Any
) -> tuple[DataScope | None, Principal, str | None]:
    principal = user if user is not None else current_principal()
    if registry is None:
        registry = registry_hooks.current_registry()
    return scope_for(registry, principal, entity_code), principal, owner_field(registry, entity_code)


def scoped_record(
    model: Any, entity_code: str, pk: int, user: Principal | None = None, registry: Any = None
) -> Any | None:
    """Record ``pk`` of ``model`` if it is in the user's data scope for ``entity_code``."""
    scope, principal, owner = _scope_args(entity_code, user, registry)
    return backend().scope.record(model, pk, scope, principal, owner_field=owner)


def scoped_newest(
    model: Any, entity_code: str, limit: int, user: Principal | None = None, registry: Any = None
) -> list[Any]:
    """The newest ``limit`` records of ``model`` in the user's data scope (drop-downs)."""
    scope, principal, owner = _scope_args(entity_code, user, registry)
    return backend().scope.newest(model, scope, principal, owner_field=owner, limit=limit)


def scoped_select(
    model: Any, entity_code: str, user: Principal | None = None, registry: Any = None
) -> Any:
    """``select(model)`` restricted to the data scope (exports, reports)."""
    principal = user if user is not None else current_principal()
    if registry is None:
        registry = registry_hooks.current_registry()
    scope = scope_for(registry, principal, entity_code)
    return backend().scope.select(
        model, scope, principal, owner_field=owner_field(registry, entity_code)
    )
