"""Sign-in protection: throttling, account lockout, sign-in audit, revoked sessions and JWTs.

Wired into Flask-AppBuilder by :class:`lowlend.web.security.LowlendSecurityManager`
(its ``create_limiter``, ``create_login_manager``, ``create_jwt_manager``,
``register_views``, ``auth_user_db`` and ``on_user_logout`` call this module) and by
:func:`init_app` (signals, the password-change hook). Covers the browser form
(``POST /login/``) and the REST login (``POST /api/v1/security/login``) alike.

Throttling (Flask-Limiter)
    Failed attempts are counted per user name and client address
    (``LOWLEND_LOGIN_RATE_LIMIT``, default ``5 per 15 minutes``) and per address for all
    user names (``LOWLEND_LOGIN_ADDRESS_RATE_LIMIT``, ``50 per 15 minutes``); the two
    login endpoints share the counters. Past a limit every attempt — right password or
    not — gets **429** with ``Retry-After`` and a message (JSON for the API, the login page
    for the browser). Successful sign-ins cost nothing. Counters live in Redis when
    ``LOWLEND_REDIS_URL`` is set (or the Celery broker is Redis), otherwise in each
    process's memory (then each gunicorn worker counts on its own; the lockout below is
    shared through the database anyway). If Redis fails, the limiter falls back to memory.

Lockout
    ``LOWLEND_LOGIN_LOCKOUT_THRESHOLD`` (10) consecutive failures of one account — counted
    in FAB's ``ab_user.fail_login_count``, from any address — lock it for
    ``LOWLEND_LOGIN_LOCKOUT_SECONDS`` (900); while locked even the right password is
    refused, with the same answer as a wrong one (no hint that a guess was right). The
    lock ends by itself or when an administrator unlocks the account (action "Unlock" on
    the user list). Rules: :mod:`lowlend.services.login_policy`; state:
    :mod:`lowlend.persistence.auth_state`.

Audit
    Every sign-in, failure (with the reason: unknown user, inactive, wrong password,
    locked), lockout, unlock and logout writes an ``audit_log`` row (entity ``login``,
    ``after`` = ``{"ip": ..., "via": "form" | "api", ...}``).

Revocation
    Each user has a version (``user_auth_state.auth_version``), raised on logout and on
    every password change (own or by an administrator, screen or API). Sessions store the
    version they were opened under, JWTs carry it in the claim ``lowlend_av``; an older
    one is refused (the session is anonymous, the JWT gets 401). Flask sessions are signed
    cookies with no list on the server, so logging out ends *all* sessions and tokens of
    that user. Changing one's own password keeps the current session.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from typing import Any

import sqlalchemy as sa
from flask import (
    Flask,
    Response,
    current_app,
    flash,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    request,
    session,
)
from flask_appbuilder.actions import action
from flask_appbuilder.security import views as fab_views
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RequestLimit
from flask_login import user_logged_in
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash

from lowlend.services.admin_ports import AuthStateStore
from lowlend.services.login_policy import (
    LockoutPolicy,
    address_key,
    aware,
    lock_status,
    minutes_until,
    normalise_username,
    throttle_key,
)
from lowlend.web.backend import backend

__all__ = [
    "AUDIT_ENTITY",
    "JWT_CLAIM",
    "SESSION_KEY",
    "UserDBModelView",
    "authenticate",
    "create_limiter",
    "init_app",
    "install_throttle",
    "unlock_user",
]

log = logging.getLogger(__name__)

EXTENSION_KEY = "lowlend_login_security"
SESSION_KEY = "_lowlend_auth_version"
"""Session key of the user's version when the session was opened."""
JWT_CLAIM = "lowlend_av"
"""JWT claim with the user's version when the token was issued."""
AUDIT_ENTITY = "login"
"""``audit_log.entity`` of sign-in events."""

def auth_state() -> AuthStateStore:
    """The app's store of login state (session versions, locks)."""
    return backend().auth


def _db() -> Any:
    """The request's session."""
    return backend().session


_FAILED = "lowlend.login_failed"
_USER_SCOPE = "lowlend-login-user"
_ADDRESS_SCOPE = "lowlend-login-address"

THROTTLED = _l(
    "Too many failed sign-in attempts. Try again in %(minutes)s minute(s)."
)
INVALID_LOGIN = _l(
    "Invalid login. Please try again. After %(count)s failed attempts in a row the account "
    "is locked for %(minutes)s minutes; an administrator can unlock it."
)
REVOKED = _l("This token is no longer valid (signed out or password changed): sign in again.")
UNLOCK = _l("Unlock")
UNLOCK_CONFIRM = _l("Unlock the selected accounts? Their failed sign-in count starts again at 0.")
UNLOCKED = _l("Unlocked: %(names)s")


def _now() -> dt.datetime:
    """The current time (UTC); tests replace it to move the clock."""
    return dt.datetime.now(dt.UTC)


def lockout_policy(app: Flask | None = None) -> LockoutPolicy:
    cfg = (app or current_app).config
    return LockoutPolicy(
        threshold=int(cfg.get("LOWLEND_LOGIN_LOCKOUT_THRESHOLD") or 0),
        duration=dt.timedelta(seconds=int(cfg.get("LOWLEND_LOGIN_LOCKOUT_SECONDS") or 0)),
    )


def invalid_login_message() -> str:
    """The browser's message after a refused sign-in (wrong password, unknown user, locked)."""
    policy = lockout_policy()
    if policy.threshold <= 0:
        return str(gettext("Invalid login. Please try again."))
    minutes = minutes_until(policy.duration.total_seconds(), 0)
    return str(INVALID_LOGIN) % {"count": policy.threshold, "minutes": minutes}


# -- throttling ---------------------------------------------------------------------
def storage_uri(config: Any) -> str:
    """Where the throttle counts: ``RATELIMIT_STORAGE_URI``, ``LOWLEND_REDIS_URL``, the
    Celery broker when it is Redis, else ``memory://``."""
    explicit = config.get("RATELIMIT_STORAGE_URI")
    if explicit:
        return str(explicit)
    redis = config.get("LOWLEND_REDIS_URL")
    if redis:
        return str(redis)
    broker = str(config.get("CELERY_BROKER_URL") or "")
    if broker.startswith(("redis://", "rediss://")):
        return broker
    return "memory://"


def client_address() -> str:
    """The client's address (the real one behind ``LOWLEND_TRUSTED_PROXIES`` proxies)."""
    return request.remote_addr or "unknown"


def _attempted_username() -> str:
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            return normalise_username(body.get("username") if isinstance(body, dict) else "")
        return normalise_username(request.form.get("username"))
    except HTTPException as exc:  # too large, malformed or cut off: counted without a user name
        log.info("lowlend: login attempt with an unreadable body (%s)", exc.code)
        return ""


def _user_key() -> str:
    return throttle_key(_attempted_username(), client_address())


def _address_key() -> str:
    return address_key(client_address())


def _mark_failed() -> None:
    """This request's sign-in failed: the throttle counts it (``deduct_when``)."""
    if has_request_context():
        request.environ[_FAILED] = True


def _login_failed(response: Response) -> bool:
    return bool(request.environ.get(_FAILED))


def _login_endpoints() -> frozenset[str]:
    state = current_app.extensions.get(EXTENSION_KEY) or {}
    return frozenset(state.get("endpoints", ()))


def _exempt_unless(setting: str) -> Any:
    def exempt() -> bool:
        return not current_app.config.get(setting) or request.endpoint not in _login_endpoints()
    return exempt


def _limit_from(setting: str) -> Any:
    def value() -> str:
        return str(current_app.config.get(setting) or "")
    return value


def _throttled(limit: RequestLimit) -> Response:
    now = time.time()
    reset = float(limit.window[0])
    retry_after = max(1, math.ceil(reset - now))
    message = str(THROTTLED) % {"minutes": minutes_until(reset, now)}
    log.warning("lowlend: sign-in throttled (%s) from %s", limit.limit, client_address())
    if request.path.startswith("/api/") or request.is_json:
        response = jsonify({"message": message})
    else:
        appbuilder = current_app.appbuilder  # type: ignore[attr-defined]
        view = appbuilder.sm.auth_view
        from flask_appbuilder.security.forms import LoginForm_db

        flash(message, "danger")
        response = make_response(view.render_template(
            view.login_template, title=view.title, form=LoginForm_db(), appbuilder=appbuilder
        ))
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


def create_limiter(app: Flask) -> Limiter:
    """The limiter of the security manager (Flask-AppBuilder's ``create_limiter``).

    Flask-AppBuilder leaves its limiter off (``RATELIMIT_ENABLED=False``) unless
    ``AUTH_RATE_LIMITED``; lowlend turns it on with its own storage and only the sign-in
    limits of :func:`install_throttle` (no default limits on other views).
    """
    from flask_limiter.util import get_remote_address

    throttled = bool(app.config.get("LOWLEND_LOGIN_RATE_LIMIT")
                     or app.config.get("LOWLEND_LOGIN_ADDRESS_RATE_LIMIT"))
    app.config["RATELIMIT_ENABLED"] = bool(app.config.get("RATELIMIT_ENABLED") or throttled)
    limiter = Limiter(
        key_func=app.config.get("RATELIMIT_KEY_FUNC", get_remote_address),
        storage_uri=storage_uri(app.config),
        strategy=app.config.get("RATELIMIT_STRATEGY", "moving-window"),
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "lowlend"),
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,
    )
    limiter.init_app(app)
    return limiter


def install_throttle(security_manager: Any) -> None:
    """Put the shared sign-in limits on the login form's and the REST login's blueprints
    (call after Flask-AppBuilder registered its security views)."""
    from flask_appbuilder.security.api import SecurityApi

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    limiter = security_manager.limiter
    blueprints = []
    auth_view = getattr(security_manager, "auth_view", None)
    if auth_view is not None and getattr(auth_view, "blueprint", None) is not None:
        blueprints.append(auth_view.blueprint)
    for view in security_manager.appbuilder.baseviews:
        if isinstance(view, SecurityApi) and getattr(view, "blueprint", None) is not None:
            blueprints.append(view.blueprint)
    endpoints = {f"{bp.name}.login" for bp in blueprints}
    app.extensions.setdefault(EXTENSION_KEY, {})["endpoints"] = frozenset(endpoints)
    for setting, scope, key in (
        ("LOWLEND_LOGIN_RATE_LIMIT", _USER_SCOPE, _user_key),
        ("LOWLEND_LOGIN_ADDRESS_RATE_LIMIT", _ADDRESS_SCOPE, _address_key),
    ):
        limit = limiter.shared_limit(
            _limit_from(setting), scope, key_func=key, methods=["POST"],
            exempt_when=_exempt_unless(setting), deduct_when=_login_failed,
            on_breach=_throttled,
        )
        for blueprint in blueprints:
            limit(blueprint)


# -- authentication with lockout and audit ----------------------------------------------
def _via() -> str:
    return "api" if request.path.startswith("/api/") else "form"


def _audit(action_name: str, username: str, user: Any, **details: Any) -> None:
    """One ``audit_log`` row (own commit); a failure is logged, never raised."""
    if not has_request_context():
        return
    after = {"ip": client_address(), "via": _via(), **details}
    try:
        backend().audit.add(
            _db(),
            entity=AUDIT_ENTITY,
            entity_id=(getattr(user, "username", None) or username or "")[:50],
            action=action_name, before=None, after=after,
            user_id=getattr(user, "id", None),
            username=(getattr(user, "username", None) or username or "")[:100],
        )
        _db().commit()
    except SQLAlchemyError:
        _db().rollback()
        log.exception("lowlend: could not write the %s audit row", action_name)


def _find_user(security_manager: Any, username: str | None) -> Any:
    if not username:
        return None
    return security_manager.find_user(username=username) or \
        security_manager.find_user(email=username)


def authenticate(security_manager: Any, username: str | None, password: str | None,
                 check: Any) -> Any:
    """Flask-AppBuilder's ``auth_user_db`` (``check``) behind the lockout, with audit.

    Returns the user, or ``None`` (wrong password, unknown or inactive user, locked).
    """
    now = _now()
    policy = lockout_policy()
    user = _find_user(security_manager, username)
    if user is not None and user.is_active:
        status = lock_status(auth_state().locked_until(_db(), user.id), now)
        if status == "locked":
            # same work and answer as a wrong password: a right guess is not confirmed
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"],
                                "password")
            _mark_failed()
            _audit("login_failed", str(username), user, reason="locked")
            return None
        if status == "expired":  # the lock ran out: a fresh count
            auth_state().set_locked_until(_db(), user.id, None)
            user.fail_login_count = 0
            _db().commit()
    result = check(username, password)
    if result is not None:
        _audit("login", str(username), result)
        return result
    _mark_failed()
    if user is None:
        _audit("login_failed", str(username or ""), None, reason="unknown_user")
    elif not user.is_active:
        _audit("login_failed", str(username), user, reason="inactive")
    else:
        _audit("login_failed", str(username), user, reason="wrong_password",
               consecutive_failures=int(user.fail_login_count or 0))
        until = policy.lock_after(int(user.fail_login_count or 0), now)
        if until is not None:
            auth_state().set_locked_until(_db(), user.id, until)
            _db().commit()
            _audit("account_locked", str(username), user, until=until.isoformat(),
                   consecutive_failures=int(user.fail_login_count or 0))
    return None


def unlock_user(user: Any) -> None:
    """End the lockout of ``user`` and start its failure count again (not committed)."""
    auth_state().set_locked_until(_db(), user.id, None)
    user.fail_login_count = 0


def is_locked(user_id: int) -> bool:
    """Whether the account is locked now."""
    return lock_status(auth_state().locked_until(_db(), user_id), _now()) == "locked"


# -- revocation of sessions and JWTs ------------------------------------------------------
def _version(user_id: Any) -> int:
    return auth_state().auth_version(_db(), int(user_id))


def _on_logged_in(sender: Any, user: Any = None, **_: Any) -> None:
    if user is not None and EXTENSION_KEY in getattr(sender, "extensions", {}):
        session[SESSION_KEY] = _version(user.id)


def load_session_user(security_manager: Any, pk: Any) -> Any:
    """Flask-Login's user loader: FAB's, refusing sessions of an older version."""
    user = security_manager.load_user(pk)
    if user is None:
        return None
    if session.get(SESSION_KEY) != _version(user.id):
        return None
    return user


def after_logout(user: Any) -> None:
    """Logout: every session and JWT of ``user`` becomes invalid; audited."""
    try:
        auth_state().bump_auth_version(_db(), int(user.id))
        _db().commit()
    except SQLAlchemyError:
        _db().rollback()
        log.exception("lowlend: could not revoke the sessions of user %s", user.id)
    _audit("logout", str(user.username), user)


def jwt_claims(identity: Any) -> dict[str, Any]:
    """Claims added to every JWT Flask-AppBuilder issues: the user's current version."""
    try:
        return {JWT_CLAIM: _version(identity)}
    except (TypeError, ValueError):
        return {}


def jwt_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    """A token without the version claim, or of an older version, is revoked."""
    version = payload.get(JWT_CLAIM)
    try:
        return version is None or int(version) != _version(payload.get("sub"))
    except (TypeError, ValueError):
        return True


def revoked_response(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
    response = jsonify({"message": str(REVOKED)})
    response.status_code = 401
    return response


def _after_user_update(_mapper: Any, connection: sa.Connection, target: Any) -> None:
    """A changed password (any path: own form, admin reset, security API) raises the
    user's version in the same transaction; a user changing their own password keeps the
    session they changed it in."""
    history = sa.inspect(target).attrs.password.history
    if not history.has_changes() or target.id is None:
        return
    version = auth_state().bump_auth_version(connection, int(target.id))
    if has_request_context() and str(session.get("_user_id")) == str(target.id):
        session[SESSION_KEY] = version


# -- administration ------------------------------------------------------------------------
class UserDBModelView(fab_views.UserDBModelView):  # type: ignore[misc]
    """FAB's user screen (same name, so the same permissions) with an "Unlock" action
    (permission ``unlock`` on ``UserDBModelView``; the admin role has it)."""

    @action("unlock", UNLOCK, UNLOCK_CONFIRM, "fa-unlock")  # type: ignore[untyped-decorator]
    def unlock(self, items: Any) -> Any:
        users = items if isinstance(items, list) else [items]
        for user in users:
            unlock_user(user)
        _db().commit()
        for user in users:
            _audit("account_unlocked", str(user.username), user)
        flash(str(UNLOCKED) % {"names": ", ".join(str(u.username) for u in users)}, "info")
        return redirect(request.referrer or self.get_redirect())


# -- installation --------------------------------------------------------------------------
def init_app(app: Flask) -> None:
    """Signals and the password-change hook (the security manager does the rest)."""
    app.extensions.setdefault(EXTENSION_KEY, {})
    user_logged_in.connect(_on_logged_in, weak=False)
    user_model = app.appbuilder.sm.user_model  # type: ignore[attr-defined]
    if not event.contains(user_model, "after_update", _after_user_update):
        event.listen(user_model, "after_update", _after_user_update)


def aware_locked_until(user_id: int) -> dt.datetime | None:
    """Until when ``user_id`` is locked (time zone aware), for screens and tests."""
    return aware(auth_state().locked_until(_db(), user_id))
