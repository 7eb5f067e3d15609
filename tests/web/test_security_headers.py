"""Security headers on HTML pages, JSON answers and static files; HTTPS settings; the
``Server`` header of the development server (lowlend.web.security_headers)."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from lowlend.web.security_headers import DevRequestHandler, content_security_policy

from .helpers import login

FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _csp(response: Any) -> dict[str, str]:
    value = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in value.split("; ")}


def _assert_secure(response: Any) -> dict[str, str]:
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "Server" not in response.headers
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert "unsafe-inline" not in csp["style-src"]
    assert all("http" not in v and "*" not in v for v in csp.values()), csp  # no CDN
    return csp


def _nonce(csp: dict[str, str]) -> str:
    match = re.search(r"'nonce-([^']+)'", csp["script-src"])
    assert match, csp
    assert f"'nonce-{match.group(1)}'" in csp["style-src"]
    return match.group(1)


def test_html_page_headers_and_every_inline_script_has_the_nonce(demo_app: Any) -> None:
    client = demo_app.test_client()
    response = client.get("/login/")
    assert response.status_code == 200
    nonce = _nonce(_assert_secure(response))
    page = response.get_data(as_text=True)
    tags = SCRIPT_TAG.findall(page)
    assert tags and all(f'nonce="{nonce}"' in tag for tag in tags), tags
    # a new nonce per answer
    assert _nonce(_csp(client.get("/login/"))) != nonce


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/customers/list/",
        "/applications/add?product=consumer_emi",
        "/config/products/",
        "/users/list/",
        "/my_tasks/",
    ],
)
def test_pages_have_no_inline_code_without_the_nonce(demo_app: Any, path: str) -> None:
    """Inline ``<script>``/``<style>`` only with the page's nonce, no ``on...=`` handlers
    (the browser test below checks the same in Chromium)."""
    client = demo_app.test_client()
    login(client, "admin")
    response = client.get(path)
    assert response.status_code == 200, path
    nonce = _nonce(_assert_secure(response))
    page = response.get_data(as_text=True)
    for tag in SCRIPT_TAG.findall(page) + STYLE_TAG.findall(page):
        assert f'nonce="{nonce}"' in tag, (path, tag)
    assert not INLINE_HANDLER.findall(page), (path, INLINE_HANDLER.findall(page)[:3])
    assert "javascript:" not in page


def test_json_answers_have_the_headers(demo_app: Any) -> None:
    client = demo_app.test_client()
    health = client.get("/health")
    assert health.is_json
    csp = _assert_secure(health)
    assert "nonce" not in health.headers["Content-Security-Policy"]
    assert csp["script-src"] == "'self'"
    refused = client.post("/api/v1/security/login",
                          json={"username": "admin", "password": "wrong", "provider": "db"})
    assert refused.status_code == 401 and refused.is_json
    _assert_secure(refused)
    token = client.post(
        "/api/v1/security/login",
        json={"username": "admin", "password": "lowlend-demo", "provider": "db"},
    ).get_json()["access_token"]
    answer = client.post("/api/v1/quote/", headers={"Authorization": f"Bearer {token}"},
                         json={"product": "consumer_emi", "amount": "10000", "term": 12})
    assert answer.status_code == 200 and answer.is_json, answer.get_data(as_text=True)
    _assert_secure(answer)


@pytest.mark.parametrize(
    "path", ["/static/lowlend/lowlend-forms.js", "/static/appbuilder/css/ab.css"]
)
def test_static_files_have_the_headers(demo_app: Any, path: str) -> None:
    response = demo_app.test_client().get(path)
    assert response.status_code == 200
    _assert_secure(response)


def test_error_pages_have_the_headers(demo_app: Any) -> None:
    response = demo_app.test_client().get("/no/such/page")
    assert response.status_code == 404
    _assert_secure(response)


def test_a_view_keeps_its_own_header(demo_app: Any) -> None:
    @demo_app.route("/_own_csp")
    def own() -> Any:
        return "x", 200, {"Content-Security-Policy": "default-src 'none'"}

    response = demo_app.test_client().get("/_own_csp")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


# -- HTTPS ---------------------------------------------------------------------------------
def test_hsts_only_over_https_and_on_by_default_outside_demo_and_tests(
    make_app: Callable[..., Any],
) -> None:
    app = make_app(LOWLEND_HSTS=None, TESTING=False)
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/health").headers
    secure = client.get("/health", base_url="https://lowlend.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # demo mode and tests: off unless asked for
    for overrides in ({"LOWLEND_DEMO": True, "TESTING": False}, {"TESTING": True}):
        quiet = make_app(LOWLEND_HSTS=None, **overrides).test_client()
        response = quiet.get("/health", base_url="https://lowlend.example")
        assert "Strict-Transport-Security" not in response.headers, overrides
    forced = make_app(LOWLEND_HSTS=True, LOWLEND_HSTS_MAX_AGE=600).test_client()
    response = forced.get("/health", base_url="https://lowlend.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=600"


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_count(
    make_app: Callable[..., Any],
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    untrusted = make_app(LOWLEND_HSTS=True).test_client()
    assert "Strict-Transport-Security" not in untrusted.get("/health", headers=forwarded).headers
    app = make_app(LOWLEND_HSTS=True, LOWLEND_TRUSTED_PROXIES=1)

    @app.route("/_addr")
    def addr() -> Any:
        from flask import request

        return request.remote_addr or ""

    client = app.test_client()
    assert "Strict-Transport-Security" in client.get("/health", headers=forwarded).headers
    assert client.get("/_addr", headers=forwarded).get_data(as_text=True) == "203.0.113.7"


def test_https_makes_the_session_cookie_secure(make_demo_app: Callable[..., Any]) -> None:
    app = make_demo_app(LOWLEND_HTTPS=True)
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    client = app.test_client()
    page = client.get("/login/", base_url="https://lowlend.example")
    cookies = page.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    assert session and all(
        "Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in session
    ), cookies
    plain = make_demo_app().test_client().get("/login/")
    cookies = [c for c in plain.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies and all("Secure" not in c and "HttpOnly" in c for c in cookies), cookies


def test_policy_text() -> None:
    policy = content_security_policy("n0nce")
    assert "script-src 'self' 'nonce-n0nce'" in policy
    assert "style-src-attr 'unsafe-inline'" in policy  # FAB's style="..." attributes
    assert "'unsafe-inline'" not in policy.replace("style-src-attr 'unsafe-inline'", "")


# -- Server header ---------------------------------------------------------------------------
@pytest.fixture
def live(demo_app: Any) -> Iterator[int]:
    """The demo app behind Werkzeug's development server with lowlend's request handler."""
    server = make_server("127.0.0.1", 0, demo_app, threaded=True,
                         request_handler=DevRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("path", ["/login/", "/health", "/static/lowlend/lowlend-forms.js"])
def test_dev_server_does_not_name_werkzeug_or_python(live: int, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", live, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        servers = [v for k, v in response.getheaders() if k.lower() == "server"]
    finally:
        conn.close()
    assert servers == ["lowlend"], servers
    assert response.getheader("X-Frame-Options") == "DENY"


def test_lowlend_run_serves_with_the_quiet_handler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from flask import Flask

    from lowlend.cli import main

    seen: dict[str, Any] = {}
    monkeypatch.setattr(Flask, "run", lambda self, **kw: seen.update(kw))
    monkeypatch.setattr("lowlend.cli.run_cmd._bootstrap", lambda app, loans, seed: {
        "config": "-", "demo_data": "-", "users": []})
    monkeypatch.setattr("lowlend.cli.run_cmd.built_before_first_publish", lambda app: False)
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--port", "8099"])
    assert exit_info.value.code in (0, None)
    assert seen["request_handler"] is DevRequestHandler and seen["port"] == 8099


def test_no_page_loads_code_from_a_cdn(demo_app: Any) -> None:
    """FAB's user statistics chart (Google Charts from www.gstatic.com) is not registered;
    no template of lowlend or FAB that is served names an outside script host."""
    client = demo_app.test_client()
    login(client, "admin")
    assert client.get("/userstatschartview/chart/").status_code == 404
    for path in ("/", "/users/list/", "/swagger/v1", "/customers/add"):
        page = client.get(path).get_data(as_text=True)
        assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', page), path
