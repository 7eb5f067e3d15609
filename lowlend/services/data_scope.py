"""Data scope decision (pure): which records of an entity a user may see.

roles.yaml gives each role a data scope per entity/view code (``*`` = default):
``own`` (records the user owns) ⊂ ``department`` (records of the user's department)
⊂ ``department_tree`` (the department and every sub-department, Fineract-style
office hierarchy) ⊂ ``all``. A user with several roles gets the **most permissive**
scope among the roles that grant *some* action on the entity (a role that cannot
touch the entity does not widen its scope). No such role → ``None``: no rows.

The SQL side is :mod:`lowlend.persistence.scope`; the web side builds the
:class:`Principal` of the current request (:mod:`lowlend.web.user_context`).

>>> from types import SimpleNamespace as R
>>> roles = {
...     "collector": R(code="collector", permissions={"loans": {"show"}},
...                    data_scope={"*": DataScope.OWN}),
...     "finance": R(code="finance", permissions={"journal": {"list"}},
...                  data_scope={"*": DataScope.ALL}),
... }
>>> effective_scope(roles, ["collector", "finance"], "loans")
<DataScope.OWN: 'own'>
>>> effective_scope(roles, ["finance"], "loans") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lowlend.domain.conventions import DataScope

WILDCARD = "*"

#: Narrowest first.
SCOPE_ORDER: tuple[DataScope, ...] = (
    DataScope.OWN,
    DataScope.DEPARTMENT,
    DataScope.DEPARTMENT_TREE,
    DataScope.ALL,
)
_RANK = {scope: i for i, scope in enumerate(SCOPE_ORDER)}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the FAB user, their staff record and department, role codes.

    ``department_path`` is the materialised path (``"/1/4/"``) of the staff
    member's department; ``is_admin`` holders of ``AUTH_ROLE_ADMIN`` see all.
    """

    user_id: int | None
    username: str = ""
    staff_id: int | None = None
    department_id: int | None = None
    department_path: str | None = None
    role_codes: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Principal(user_id=None)


def widest(scopes: Iterable[DataScope]) -> DataScope | None:
    """The most permissive of ``scopes`` (``None`` for none)."""
    best: DataScope | None = None
    for scope in scopes:
        scope = DataScope(scope)
        if best is None or _RANK[scope] > _RANK[best]:
            best = scope
    return best


def _role_grants_entity(role: Any, entity_code: str) -> bool:
    perms = getattr(role, "permissions", None) or {}
    if not isinstance(perms, Mapping):
        return False
    for key in (entity_code, WILDCARD):
        actions = perms.get(key)
        if actions:  # any action (or ``*``)
            return True
    return False


def role_scope(role: Any, entity_code: str) -> DataScope:
    """A role's scope for ``entity_code`` (entity key, then ``*``, then ``own``)."""
    scopes = getattr(role, "data_scope", None) or {}
    value = scopes.get(entity_code) or scopes.get(WILDCARD) or DataScope.OWN
    return DataScope(value)


def effective_scope(
    roles: Mapping[str, Any] | None,
    role_codes: Iterable[str],
    entity_code: str,
    *,
    is_admin: bool = False,
) -> DataScope | None:
    """Most permissive scope for ``entity_code`` over the user's configured roles.

    Only roles granting some action on the entity (or on ``*``) count. Returns
    ``None`` when none does (the caller shows no rows). ``is_admin`` without a
    configured admin role (nothing published yet) gives ``all``.
    """
    roles = roles or {}
    scopes = [
        role_scope(roles[code], entity_code)
        for code in role_codes
        if code in roles and _role_grants_entity(roles[code], entity_code)
    ]
    best = widest(scopes)
    if best is None and is_admin:
        return DataScope.ALL
    return best


def scope_for(registry: Any, principal: Principal, entity_code: str) -> DataScope | None:
    """:func:`effective_scope` for a registry (``None`` registry: admin all, others none)."""
    roles = getattr(registry, "roles", None) if registry is not None else None
    if not principal.authenticated:
        return None
    return effective_scope(roles, principal.role_codes, entity_code, is_admin=principal.is_admin)
