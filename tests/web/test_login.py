"""Demo users log in through FAB's real login form; CSRF is enforced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lowlend.web.bootstrap import DEMO_PASSWORD, DEMO_USERS, bootstrap_demo, ensure_demo_users

from .helpers import logged_in, login

USERNAMES = [u.username for u in DEMO_USERS]


def test_demo_users_and_roles(demo_app: Any) -> None:
    assert USERNAMES == ["admin", "manager", "risk", "finance", "collector", "auditor"]
    with demo_app.app_context():
        sm = demo_app.appbuilder.sm
        roles = {u.username: [r.name for r in sm.find_user(username=u.username).roles] for u in DEMO_USERS}
    assert roles == {
        "admin": ["admin"],  # FAB's AUTH_ROLE_ADMIN
        "manager": ["business_manager"],
        "risk": ["risk_officer"],
        "finance": ["finance"],
        "collector": ["collector"],
        "auditor": ["auditor"],
    }


def test_bootstrap_is_idempotent(demo_app: Any) -> None:
    again = bootstrap_demo(demo_app)
    assert [created for _, _, created in again["users"]] == [False] * 6
    assert [created for _, _, created in ensure_demo_users(demo_app)] == [False] * 6


@pytest.mark.parametrize("username", USERNAMES)
def test_each_demo_user_logs_in_with_csrf_disabled(
    make_demo_app: Callable[..., Any], username: str
) -> None:
    app = make_demo_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)
    page = client.get("/").get_data(as_text=True)
    assert "/logout/" in page


def test_wrong_password_is_refused(make_demo_app: Callable[..., Any]) -> None:
    app = make_demo_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": "wrong"})
    assert not logged_in(client)


def test_post_without_csrf_token_is_refused(demo_app: Any) -> None:
    assert demo_app.config["WTF_CSRF_ENABLED"] is True
    client = demo_app.test_client()
    response = client.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/")
    assert not logged_in(client)
    page = client.get("/login/").get_data(as_text=True)  # the form again, with the reason
    assert "请重新提交" in page or "please submit it again" in page


def test_login_with_csrf_token_from_the_form(database_url: str, make_app: Callable[..., Any]) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, LOWLEND_DEMO=True)
    bootstrap_demo(app)
    client = app.test_client()
    response = login(client, "admin")
    assert response.status_code == 302
    assert logged_in(client)
    # admin reaches FAB's security views (permissions synced by the bootstrap)
    assert client.get("/users/list/").status_code == 200


def test_non_admin_cannot_open_user_admin(demo_app: Any) -> None:
    client = demo_app.test_client()
    login(client, "collector")
    assert logged_in(client)
    response = client.get("/users/list/")
    assert response.status_code in (302, 403)  # FAB 5: 403 (older: redirect + flash)
    assert client.get("/users/userinfo/").status_code == 200  # own profile (baseline grant)


def test_demo_users_and_demo_staff_name_the_same_logins() -> None:
    """The demo data set links staff to exactly the demo users that bootstrap creates."""
    from lowlend.services.demo_data import DEMO_USERNAMES

    assert set(DEMO_USERNAMES) == {u.username for u in DEMO_USERS}


def test_session_cookie_is_not_sent_on_cross_site_posts(demo_app: Any) -> None:
    client = demo_app.test_client()
    response = login(client, "admin")
    cookies = response.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    assert session and all("SameSite=Lax" in c and "HttpOnly" in c for c in session), cookies
