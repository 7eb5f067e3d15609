"""Sign-in protection (lowlend.web.login_security): throttling per user name and address
(memory and Redis counters), account lockout in the database, the sign-in audit, and
sessions/JWTs revoked on logout and password change (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lowlend.web import login_security
from lowlend.web.bootstrap import DEMO_PASSWORD, create_schema, ensure_demo_users

from .helpers import logged_in, login

LOGIN_API = "/api/v1/security/login"
NO_THROTTLE = {"LOWLEND_LOGIN_RATE_LIMIT": "", "LOWLEND_LOGIN_ADDRESS_RATE_LIMIT": ""}


def _build(make_app: Callable[..., Any], url: str, **overrides: Any) -> Any:
    """An app with the schema, FAB's permissions and the demo users (no demo data)."""
    app = make_app(SQLALCHEMY_DATABASE_URI=url, LOWLEND_DEMO=True, WTF_CSRF_ENABLED=False,
                   **overrides)
    create_schema(app)
    with app.app_context():
        app.appbuilder.add_permissions(update_perms=True)
    ensure_demo_users(app)
    return app


@pytest.fixture
def make_auth_app(
    make_app: Callable[..., Any], tmp_path: Any
) -> Iterator[Callable[..., Any]]:
    """Build apps on one fresh SQLite database (``url=`` picks another database)."""
    built: list[Any] = []

    def build(url: str | None = None, **overrides: Any) -> Any:
        app = _build(make_app, url or f"sqlite:///{tmp_path / 'auth.db'}", **overrides)
        built.append(app)
        return app

    yield build
    from lowlend.persistence.db import db

    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=["memory", "redis"])
def throttle_config(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Counters in each process's memory, or in Redis (own key prefix per test)."""
    if request.param == "memory":
        yield {"RATELIMIT_STORAGE_URI": "memory://"}
        return
    url = request.getfixturevalue("redis_url")
    prefix = f"lowlend-test-{uuid.uuid4().hex[:12]}"
    yield {"LOWLEND_REDIS_URL": url, "RATELIMIT_KEY_PREFIX": prefix}
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def api_login(client: Any, username: str, password: str = DEMO_PASSWORD,
              ip: str = "127.0.0.1", **extra: Any) -> Any:
    return client.post(LOGIN_API, json={"username": username, "password": password,
                                        "provider": "db", **extra},
                       environ_base={"REMOTE_ADDR": ip})


def form_login(client: Any, username: str, password: str = DEMO_PASSWORD,
               ip: str = "127.0.0.1") -> Any:
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def _audit(app: Any, action: str | None = None) -> list[Any]:
    import sqlalchemy as sa

    from lowlend.persistence.db import db
    from lowlend.persistence.models import AuditLog

    with app.app_context():
        query = sa.select(AuditLog).where(AuditLog.entity == "login").order_by(AuditLog.id)
        if action:
            query = query.where(AuditLog.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


# -- throttling ------------------------------------------------------------------------------
def test_sixty_wrong_passwords_then_the_right_one_is_refused(
    make_auth_app: Callable[..., Any], throttle_config: dict[str, Any]
) -> None:
    app = make_auth_app(**throttle_config)
    client = app.test_client()
    answers = [api_login(client, "admin", f"guess-{i}") for i in range(60)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert {a.status_code for a in answers[5:]} == {429}
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert refused.get_json() == {"message": "登录失败次数过多。请在 15 分钟后重试。"}
    assert api_login(client, "admin").status_code == 429  # the right password too
    english = client.post(LOGIN_API + "?_l_=en", json={
        "username": "admin", "password": DEMO_PASSWORD, "provider": "db"})
    assert english.status_code == 429
    assert english.get_json()["message"] == (
        "Too many failed sign-in attempts. Try again in 15 minute(s)."
    )
    # another user from the same address, the same user from another address: unaffected
    assert api_login(client, "manager").status_code == 200
    assert api_login(client, "admin", ip="10.9.8.7").status_code == 200
    # only the attempts that reached the password check were counted and audited
    failed = _audit(app, "login_failed")
    assert len(failed) == 5
    assert failed[0].after == {"ip": "127.0.0.1", "via": "api", "reason": "wrong_password",
                               "consecutive_failures": 1}


def test_the_browser_form_shares_the_counter_and_gets_a_page(
    make_auth_app: Callable[..., Any], throttle_config: dict[str, Any]
) -> None:
    app = make_auth_app(**throttle_config)
    client = app.test_client()
    for i in range(3):
        assert api_login(client, "finance", f"bad-{i}").status_code == 401
    for i in range(2):
        assert form_login(client, "Finance ", f"bad-{i}").status_code == 302
    response = form_login(client, "finance")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "登录失败次数过多" in page and 'name="password"' in page  # the form, with the reason
    assert not logged_in(client)
    assert _audit(app, "login_failed")[-1].after["via"] == "form"


def test_after_the_window_the_right_password_works_again(
    make_auth_app: Callable[..., Any], throttle_config: dict[str, Any]
) -> None:
    app = make_auth_app(LOWLEND_LOGIN_RATE_LIMIT="5 per 2 seconds", **throttle_config)
    client = app.test_client()
    for i in range(6):
        api_login(client, "risk", f"bad-{i}")
    assert api_login(client, "risk").status_code == 429
    time.sleep(2.2)
    assert api_login(client, "risk").status_code == 200


def test_one_address_trying_many_user_names_is_throttled(
    make_auth_app: Callable[..., Any], throttle_config: dict[str, Any]
) -> None:
    app = make_auth_app(LOWLEND_LOGIN_ADDRESS_RATE_LIMIT="3 per minute", **throttle_config)
    client = app.test_client()
    for name in ("nobody1", "nobody2", "admin"):
        assert api_login(client, name, "bad", ip="192.0.2.1").status_code == 401
    assert api_login(client, "manager", ip="192.0.2.1").status_code == 429
    assert api_login(client, "manager", ip="192.0.2.2").status_code == 200
    assert [r.after["reason"] for r in _audit(app, "login_failed")] == [
        "unknown_user", "unknown_user", "wrong_password"]


def test_successful_sign_ins_are_not_counted(
    make_auth_app: Callable[..., Any], throttle_config: dict[str, Any]
) -> None:
    app = make_auth_app(**throttle_config)
    client = app.test_client()
    assert [api_login(client, "auditor").status_code for _ in range(12)] == [200] * 12
    assert len(_audit(app, "login")) == 12


def test_throttle_storage_follows_the_configuration() -> None:
    uri = login_security.storage_uri
    assert uri({}) == "memory://"
    assert uri({"LOWLEND_REDIS_URL": "redis://r:6379/2"}) == "redis://r:6379/2"
    assert uri({"CELERY_BROKER_URL": "redis://b:6379/0"}) == "redis://b:6379/0"
    assert uri({"CELERY_BROKER_URL": "amqp://b"}) == "memory://"
    assert uri({"RATELIMIT_STORAGE_URI": "memory://", "LOWLEND_REDIS_URL": "redis://r"}) == \
        "memory://"


# -- lockout ---------------------------------------------------------------------------------
def test_lockout_refuses_the_right_password_until_it_expires(
    database_url: str, make_auth_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_auth_app(database_url, LOWLEND_LOGIN_LOCKOUT_THRESHOLD=10,
                        LOWLEND_LOGIN_LOCKOUT_SECONDS=900, **NO_THROTTLE)
    client = app.test_client()
    # 60 wrong passwords, each from another address (the per-address throttle sees one)
    for i in range(60):
        assert api_login(client, "manager", f"bad-{i}", ip=f"10.0.{i}.1").status_code == 401
    assert api_login(client, "manager").status_code == 401  # right password, still locked
    assert form_login(client, "manager").status_code == 302 and not logged_in(client)
    page = client.get("/login/").get_data(as_text=True)  # the same message as a wrong password
    assert "用户名或密码错误，请重试。连续 10 次登录失败后，账户将被锁定 15 分钟" in page
    assert api_login(client, "collector").status_code == 200  # others are not affected
    reasons = [r.after["reason"] for r in _audit(app, "login_failed") if r.username == "manager"]
    assert reasons == ["wrong_password"] * 10 + ["locked"] * 52
    locked = _audit(app, "account_locked")
    assert len(locked) == 1 and locked[0].after["consecutive_failures"] == 10
    assert {r.after["ip"] for r in _audit(app, "login_failed")} >= {"10.0.0.1", "10.0.59.1"}
    # after the lockout window the right password works and the count starts again
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=901)
    monkeypatch.setattr(login_security, "_now", lambda: later)
    assert api_login(client, "manager").status_code == 200
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="manager")
        assert user.fail_login_count == 0
        assert not login_security.is_locked(user.id)


def test_an_expired_lock_starts_a_fresh_count(
    make_auth_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_auth_app(LOWLEND_LOGIN_LOCKOUT_THRESHOLD=3, LOWLEND_LOGIN_LOCKOUT_SECONDS=60,
                        **NO_THROTTLE)
    client = app.test_client()
    for i in range(3):
        api_login(client, "risk", f"bad-{i}")
    assert api_login(client, "risk").status_code == 401
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
    monkeypatch.setattr(login_security, "_now", lambda: later)
    assert api_login(client, "risk", "bad-again").status_code == 401  # one failure: no lock
    assert api_login(client, "risk").status_code == 200


def test_an_administrator_unlocks_an_account(
    database_url: str, make_auth_app: Callable[..., Any]
) -> None:
    app = make_auth_app(database_url, LOWLEND_LOGIN_LOCKOUT_THRESHOLD=3, **NO_THROTTLE)
    client = app.test_client()
    for i in range(3):
        api_login(client, "finance", f"bad-{i}")
    assert api_login(client, "finance").status_code == 401
    admin = app.test_client()
    assert form_login(admin, "admin").status_code == 302 and logged_in(admin)
    with app.app_context():
        finance_id = app.appbuilder.sm.find_user(username="finance").id
    listing = admin.get("/users/list/?_l_=en").get_data(as_text=True)
    assert "Unlock" in listing
    response = admin.post("/users/action_post", data={"action": "unlock", "rowid": finance_id})
    assert response.status_code == 302
    assert api_login(client, "finance").status_code == 200
    unlocked = _audit(app, "account_unlocked")
    assert [(r.username, r.entity_id) for r in unlocked] == [("finance", "finance")]
    # users without the permission cannot
    auditor = app.test_client()
    form_login(auditor, "auditor")
    response = auditor.post("/users/action_post", data={"action": "unlock", "rowid": finance_id})
    assert response.status_code in (302, 403)
    with app.app_context():
        assert "unlock" not in {p.permission.name for r in app.appbuilder.sm.find_user(
            username="auditor").roles for p in r.permissions}


# -- revocation of sessions and JWTs ----------------------------------------------------------
def test_logout_ends_every_session_and_token_of_the_user(
    database_url: str, make_auth_app: Callable[..., Any]
) -> None:
    app = make_auth_app(database_url, **NO_THROTTLE)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert form_login(client, "manager").status_code == 302
        assert client.get("/users/userinfo/").status_code == 200
    stolen = first.get_cookie("session")
    assert stolen is not None
    tokens = api_login(app.test_client(), "manager", refresh=True).get_json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert app.test_client().get("/api/v1/security/refresh").status_code in (401, 405)
    quote = {"product": "consumer_emi", "amount": "10000", "term": 12}
    assert app.test_client().post("/api/v1/quote/", json=quote, headers=bearer).status_code \
        != 401
    other = api_login(app.test_client(), "risk").get_json()["access_token"]

    assert first.get("/logout/").status_code == 302
    assert _audit(app, "logout")[-1].username == "manager"
    # the copied cookie, the other browser, the access and the refresh token: refused
    replay = app.test_client()
    replay.set_cookie("session", stolen.value)
    assert replay.get("/users/userinfo/").status_code == 302
    assert second.get("/users/userinfo/").status_code == 302
    assert app.test_client().post("/api/v1/quote/", json=quote, headers=bearer).status_code \
        == 401
    refresh = app.test_client().post(
        "/api/v1/security/refresh?_l_=en",
        headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refresh.status_code == 401
    assert refresh.get_json() == {
        "message": "This token is no longer valid (signed out or password changed): sign in again."
    }
    # other users keep theirs; a new sign-in works
    assert app.test_client().post("/api/v1/quote/", json=quote, headers={
        "Authorization": f"Bearer {other}"}).status_code != 401
    assert form_login(second, "manager").status_code == 302
    assert second.get("/users/userinfo/").status_code == 200


def test_password_change_revokes_other_sessions_and_tokens(
    database_url: str, make_auth_app: Callable[..., Any]
) -> None:
    app = make_auth_app(database_url, **NO_THROTTLE)
    own, elsewhere = app.test_client(), app.test_client()
    form_login(own, "collector")
    form_login(elsewhere, "collector")
    token = api_login(app.test_client(), "collector").get_json()["access_token"]
    with app.app_context():
        sm = app.appbuilder.sm
        pvm = sm.find_permission_view_menu("can_this_form_post", "ResetMyPasswordView")
        if pvm is not None:
            sm.add_permission_role(sm.find_role("collector"), pvm)
        sm.add_permission_role(sm.find_role("collector"),
                               sm.find_permission_view_menu("can_this_form_get",
                                                            "ResetMyPasswordView"))
    response = own.post("/resetmypassword/form",
                        data={"password": "New-pass-1234", "conf_password": "New-pass-1234"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert own.get("/users/userinfo/").status_code == 200  # the session that changed it
    assert elsewhere.get("/users/userinfo/").status_code == 302
    quote = {"product": "consumer_emi", "amount": "10000", "term": 12}
    assert app.test_client().post("/api/v1/quote/", json=quote, headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    assert api_login(app.test_client(), "collector", "New-pass-1234").status_code == 200
    # an administrator resetting the password ends the user's own session too
    admin = app.test_client()
    form_login(admin, "admin")
    with app.app_context():
        collector_id = app.appbuilder.sm.find_user(username="collector").id
    response = admin.post(f"/resetpassword/form?pk={collector_id}",
                          data={"password": "Admin-set-5678", "conf_password": "Admin-set-5678"})
    assert response.status_code == 302
    assert own.get("/users/userinfo/").status_code == 302
    assert admin.get("/users/userinfo/").status_code == 200


def test_a_token_without_the_version_claim_is_refused(make_auth_app: Callable[..., Any]) -> None:
    import jwt

    app = make_auth_app(**NO_THROTTLE)
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username="admin").id
    now = int(time.time())
    forged_old = jwt.encode(
        {"sub": str(user_id), "iat": now, "nbf": now, "exp": now + 600, "type": "access",
         "fresh": True, "jti": uuid.uuid4().hex},
        app.config["SECRET_KEY"], algorithm="HS256",
    )
    quote = {"product": "consumer_emi", "amount": "10000", "term": 12}
    response = app.test_client().post("/api/v1/quote/", json=quote,
                                      headers={"Authorization": f"Bearer {forged_old}"})
    assert response.status_code == 401


def test_sessions_opened_by_the_real_login_form_with_csrf(demo_app: Any) -> None:
    """The production path (CSRF on, demo data) records the version in the session."""
    client = demo_app.test_client()
    login(client, "admin")
    with client.session_transaction() as session:
        assert session[login_security.SESSION_KEY] == 0
    assert client.get("/users/list/").status_code == 200
