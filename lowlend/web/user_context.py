"""The current user as a :class:`~lowlend.services.data_scope.Principal`, per request.

current FAB user (``g.user``) → role codes (FAB role names, group roles included;
a role's name *is* its roles.yaml code) → staff record (``staff.user_id``) →
department id and materialised path. Built once per request and kept in ``g``;
outside a request (CLI, Celery) callers pass a principal explicitly
(:func:`principal_for_user`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.data_scope import ANONYMOUS, Principal
from lowlend.web.backend import backend
from lowlend.web.fab import appbuilder_of, security_manager

log = logging.getLogger(__name__)

_G_KEY = "_lowlend_principal"


def _session() -> Any:
    return appbuilder_of().session


def _role_names(user: Any) -> set[str]:
    names: set[str] = set()
    for role in getattr(user, "roles", None) or ():
        names.add(str(role.name))
    for group in getattr(user, "groups", None) or ():
        for role in getattr(group, "roles", None) or ():
            names.add(str(role.name))
    return names


def principal_for_user(user: Any, session: Any | None = None) -> Principal:
    """Build the principal of a FAB user object (needs an app context)."""
    if user is None or not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
        return ANONYMOUS
    session = session or _session()
    roles = frozenset(_role_names(user))
    admin = str(current_app.config.get("AUTH_ROLE_ADMIN", "admin")) if has_app_context() else "admin"
    staff_id = department_id = None
    path = None
    try:
        row = backend().org.principal_row(session, int(user.id))
    except SQLAlchemyError:  # no staff table yet (schema not created): no staff link
        log.debug("lowlend: staff lookup failed", exc_info=True)
        session.rollback()
        row = None
    if row is not None:
        staff_id, department_id, path = row[0], row[1], row[2]
    return Principal(
        user_id=int(user.id),
        username=str(getattr(user, "username", "") or ""),
        staff_id=staff_id,
        department_id=department_id,
        department_path=path,
        role_codes=roles,
        is_admin=admin in roles,
    )


def current_principal() -> Principal:
    """The principal of the current request (cached in ``g``); anonymous outside one."""
    if not has_request_context():
        return ANONYMOUS
    cached = getattr(g, _G_KEY, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    try:  # session login, API key or JWT (FAB resolves all three)
        user = security_manager().current_user
    except RuntimeError:  # no session user and no JWT verified yet (before @protect)
        user = None
    principal = principal_for_user(user)
    if principal.authenticated:  # a JWT user appears only once @protect ran: no early cache
        setattr(g, _G_KEY, principal)
    return principal


def reset_principal() -> None:
    """Forget the cached principal of this request (after login/role changes)."""
    if has_request_context() and hasattr(g, _G_KEY):
        delattr(g, _G_KEY)


def signed_in() -> bool:
    """Whether the request comes from a signed-in user: a session cookie, else a valid JWT
    (the REST APIs take both)."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return True
    from flask_jwt_extended import verify_jwt_in_request
    from flask_jwt_extended.exceptions import JWTExtendedException
    from jwt.exceptions import PyJWTError

    try:
        if verify_jwt_in_request(optional=True) is None:  # no token
            return False
    except (JWTExtendedException, PyJWTError) as exc:  # invalid, expired, unknown user …
        log.debug("lowlend: JWT refused: %s", exc)
        return False
    user = security_manager().current_user
    return getattr(user, "id", None) is not None
