"""SQL filters for data scopes (own / department / department_tree / all).

:func:`scope_condition` turns a :class:`~lowlend.domain.conventions.DataScope` and a
:class:`~lowlend.services.data_scope.Principal` into one SQLAlchemy condition on a
model:

* ``own`` — an owner column equals the user: staff columns (``owner_staff_id``, any
  FK to ``staff.id``) compare with the staff id, user columns (``created_by``,
  ``user_id``, ``owner_user_id``) with the FAB user id;
* ``department`` — ``department_id`` = the user's department (or own);
* ``department_tree`` — ``department_id`` in the subtree at the user's department
  path (``path LIKE '/1/4/%'``, :func:`lowlend.persistence.org.in_subtree`), or own;
* ``all`` — no restriction; ``None`` (no role grants the entity) — no rows.

Scopes are nested (own ⊆ department ⊆ department_tree ⊆ all), so a wider scope
also shows the user's own records.

Models without a department column are also reached through a parent that has
one (a many-to-one FK to ``loans``, ``customers`` or ``applications``: installments,
transactions, journal entries, config-entity records with ``loan_id``):
``own OR child.loan_id IN (SELECT id FROM loans WHERE <loan condition>)``. A model
with neither (configuration tables) is not scopable: no restriction. The
``departments`` table itself is scoped by its own id / path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from lowlend.domain.conventions import DataScope
from lowlend.persistence.models import Department
from lowlend.persistence.org import in_subtree, subtree_paths_condition
from lowlend.services.data_scope import Principal

STAFF_TABLE = "staff"
DEPARTMENT_COLUMNS: tuple[str, ...] = ("department_id",)
STAFF_OWNER_COLUMNS: tuple[str, ...] = ("owner_staff_id", "assigned_staff_id", "staff_id")
USER_OWNER_COLUMNS: tuple[str, ...] = ("owner_user_id", "created_by", "user_id")
#: Parent tables a scope can be reached through, in order of preference.
PARENT_TABLES: tuple[str, ...] = ("loans", "applications", "customers")


@dataclass(frozen=True)
class ScopeColumns:
    """Where a model's scope lives (columns are mapped attributes)."""

    department: Any | None = None
    staff_owners: tuple[Any, ...] = ()
    user_owners: tuple[Any, ...] = ()
    text_owners: tuple[Any, ...] = ()  # owner_field of text type: compared with the username
    parent_fk: Any | None = None  # this model's FK column to the parent
    parent_model: Any | None = None

    @property
    def direct(self) -> bool:
        return bool(
            self.department is not None or self.staff_owners or self.user_owners or self.text_owners
        )

    @property
    def scopable(self) -> bool:
        return self.direct or self.parent_model is not None


def _mapped_columns(model: Any) -> dict[str, Any]:
    mapper = sa.inspect(model)
    return {attr.key: attr for attr in mapper.column_attrs}


def _fk_targets(column_prop: Any) -> set[str]:
    targets: set[str] = set()
    for col in column_prop.columns:
        for fk in getattr(col, "foreign_keys", ()):
            targets.add(fk.column.table.name)
    return targets


def _model_for_table(model: Any, table: str) -> Any | None:
    registry = sa.inspect(model).registry
    for mapper in registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    return None


def scope_columns(model: Any, owner_field: str | None = None) -> ScopeColumns:
    """Find the department/owner columns of ``model`` (or its parent link)."""
    cols = _mapped_columns(model)
    department = next((getattr(model, n) for n in DEPARTMENT_COLUMNS if n in cols), None)
    staff: list[Any] = []
    users: list[Any] = []
    texts: list[Any] = []

    def classify(name: str) -> None:
        prop = cols[name]
        attr = getattr(model, name)
        if STAFF_TABLE in _fk_targets(prop) or name in STAFF_OWNER_COLUMNS:
            staff.append(attr)
        elif name in USER_OWNER_COLUMNS or "user" in name:
            users.append(attr)
        else:
            column = prop.columns[0]
            if isinstance(column.type, sa.String):
                texts.append(attr)
            else:  # an integer owner field without FK: a staff id
                staff.append(attr)

    if owner_field and owner_field in cols:
        classify(owner_field)
    for name in STAFF_OWNER_COLUMNS + USER_OWNER_COLUMNS:
        if name in cols and name != owner_field:
            if model.__tablename__ == STAFF_TABLE and name == "user_id":
                continue  # the staff table: scoped by its department
            classify(name)
    for name, prop in cols.items():  # any other FK to staff.id
        if name not in (owner_field, *STAFF_OWNER_COLUMNS) and STAFF_TABLE in _fk_targets(prop):
            staff.append(getattr(model, name))

    parent_fk = parent_model = None
    if department is None:
        own_table = getattr(model, "__tablename__", None)
        for table in PARENT_TABLES:
            if table == own_table:
                continue
            for name, prop in cols.items():
                if table in _fk_targets(prop):
                    parent = _model_for_table(model, table)
                    if parent is not None:
                        parent_fk, parent_model = getattr(model, name), parent
                        break
            if parent_model is not None:
                break
    return ScopeColumns(
        department=department,
        staff_owners=tuple(staff),
        user_owners=tuple(users),
        text_owners=tuple(texts),
        parent_fk=parent_fk,
        parent_model=parent_model,
    )


def _own(columns: ScopeColumns, principal: Principal) -> sa.ColumnElement[bool]:
    parts: list[sa.ColumnElement[bool]] = []
    if principal.staff_id is not None:
        parts += [col == principal.staff_id for col in columns.staff_owners]
    if principal.user_id is not None:
        parts += [col == principal.user_id for col in columns.user_owners]
    if principal.username:
        parts += [col == principal.username for col in columns.text_owners]
    return sa.or_(*parts) if parts else sa.false()


def _direct_condition(
    columns: ScopeColumns, scope: DataScope, principal: Principal
) -> sa.ColumnElement[bool]:
    own = _own(columns, principal)
    if scope is DataScope.OWN or columns.department is None:
        return own
    if scope is DataScope.DEPARTMENT:
        if principal.department_id is None:
            return own
        return sa.or_(columns.department == principal.department_id, own)
    # department_tree
    if not principal.department_path:
        if principal.department_id is None:
            return own
        return sa.or_(columns.department == principal.department_id, own)
    return sa.or_(in_subtree(columns.department, principal.department_path), own)


def scope_condition(
    model: Any,
    scope: DataScope | None,
    principal: Principal,
    *,
    owner_field: str | None = None,
    columns: ScopeColumns | None = None,
) -> sa.ColumnElement[bool] | None:
    """SQL condition restricting ``model`` rows to ``scope`` for ``principal``.

    ``None`` means "no restriction" (scope ``all`` or an unscopable model); a
    ``scope`` of ``None`` or an anonymous principal gives ``false()``.
    """
    if scope is not None:
        scope = DataScope(scope)
    if scope is DataScope.ALL:
        return None
    if model is Department:  # the organisation itself: the user's department (and below)
        if scope is None or not principal.authenticated or principal.department_id is None:
            return sa.false()
        if scope is DataScope.DEPARTMENT_TREE and principal.department_path:
            return subtree_paths_condition(Department.path, principal.department_path)
        return Department.id == principal.department_id
    columns = columns or scope_columns(model, owner_field)
    if not columns.scopable:
        return None
    if scope is None or not principal.authenticated:
        return sa.false()
    parts: list[sa.ColumnElement[bool]] = []
    if columns.direct:
        parts.append(_direct_condition(columns, scope, principal))
    if columns.parent_model is not None and columns.parent_fk is not None:
        parent = columns.parent_model
        parent_cond = scope_condition(parent, scope, principal)
        if parent_cond is None:
            return None
        pk = sa.inspect(parent).primary_key[0]
        parts.append(columns.parent_fk.in_(sa.select(pk).where(parent_cond)))
    return sa.or_(*parts)


def apply_scope(
    query: Any,
    model: Any,
    scope: DataScope | None,
    principal: Principal,
    *,
    owner_field: str | None = None,
) -> Any:
    """``query.where(...)``/``filter(...)`` with the scope condition (if any)."""
    condition = scope_condition(model, scope, principal, owner_field=owner_field)
    if condition is None:
        return query
    if hasattr(query, "where"):
        return query.where(condition)
    return query.filter(condition)


def count_in_scope(
    session: Session | scoped_session[Any],
    model: Any,
    scope: DataScope | None,
    principal: Principal,
    *,
    where: Sequence[sa.ColumnElement[bool]] = (),
    owner_field: str | None = None,
) -> int:
    """``SELECT count(*)`` of ``model`` rows in scope (plus extra ``where`` conditions)."""
    stmt = sa.select(sa.func.count()).select_from(model)
    condition = scope_condition(model, scope, principal, owner_field=owner_field)
    if condition is not None:
        stmt = stmt.where(condition)
    for extra in where:
        stmt = stmt.where(extra)
    return int(session.execute(stmt).scalar_one())
