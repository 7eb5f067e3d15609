"""The Content-Security-Policy in a real headless Chromium: main pages raise no CSP
violation, and the scripts still work under it (live quote on the application form,
the configuration editor's line links and publish confirmation).

The demo app is served by Werkzeug's development server (with lowlend's request
handler) on a free loopback port, so the browser sees the real headers. Playwright
drives Debian's Chromium (``/usr/bin/chromium``; no browser is ever downloaded).
Skipped when Chromium or Playwright is missing, except under
``LOWLEND_REQUIRE_BROWSER=1`` (CI), where that is an error.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from lowlend.web.bootstrap import DEMO_PASSWORD
from lowlend.web.security_headers import DevRequestHandler

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None  # type: ignore[assignment]

if os.environ.get("LOWLEND_REQUIRE_BROWSER") == "1" and (CHROMIUM is None or sync_playwright is None):
    raise RuntimeError("LOWLEND_REQUIRE_BROWSER=1 but Chromium or Playwright is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or sync_playwright is None, reason="Chromium or Playwright is not installed"
)

#: collects violations from inside the page (runs before the page's own scripts)
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' +
                    (e.sourceFile || '') + ':' + (e.lineNumber || ''));
});
"""


@pytest.fixture
def base_url(make_demo_app: Any) -> Iterator[str]:
    app = make_demo_app()  # CSRF on, as in production
    with app.app_context():
        app.appbuilder.add_permissions(update_perms=True)

    @app.route("/_csp_probe")
    def probe() -> str:  # inline code without the nonce: must be blocked
        return ("<html><body><script>window.__ran = true;</script>"
                "<button id='probe' onclick='window.__ran = true'>x</button></body></html>")

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=DevRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page(base_url: str) -> Iterator[tuple[Any, list[str]]]:
    """A logged-in (admin) page and the list of CSP problems seen by the console."""
    assert sync_playwright is not None and CHROMIUM is not None
    console: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(base_url=base_url, locale="en-US")
        context.add_init_script(WATCH)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
                else None)
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.goto("/login/")
        page.fill("#username", "admin")
        page.fill("#password", DEMO_PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/logout/" in page.content()
        yield page, console
        context.close()
        browser.close()


def _violations(page: Any, console: list[str]) -> list[str]:
    return list(page.evaluate("window.__csp || []")) + console


MAIN_PAGES = (
    "/",
    "/customers/list/",
    "/customers/add",
    "/loans/list/",
    "/users/list/",
    "/roles/list/",
    "/config/products/",
    "/config/versions/",
    "/my_tasks/",
    "/swagger/v1",
)


def test_main_pages_raise_no_csp_violation(browser_page: tuple[Any, list[str]]) -> None:
    page, console = browser_page
    found: dict[str, list[str]] = {}
    for path in MAIN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "'nonce-" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        if _violations(page, console):
            found[path] = _violations(page, console)
        console.clear()
    assert found == {}


def test_the_watch_sees_a_violation(browser_page: tuple[Any, list[str]]) -> None:
    """The check can fail: inline code without the nonce is reported."""
    page, console = browser_page
    page.goto("/_csp_probe")
    page.wait_for_load_state("networkidle")
    page.click("#probe")
    seen = " ".join(_violations(page, console))
    assert "script-src" in seen and "inline" in seen, seen
    assert page.evaluate("window.__ran || false") is False


def test_the_login_page_raises_no_violation(base_url: str) -> None:
    assert sync_playwright is not None and CHROMIUM is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(base_url=base_url)
        context.add_init_script(WATCH)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if "Security Policy" in m.text else None)
        page.goto("/login/")
        page.wait_for_load_state("networkidle")
        assert _violations(page, console) == []
        browser.close()


def test_live_quote_on_the_application_form(browser_page: tuple[Any, list[str]]) -> None:
    page, console = browser_page
    page.goto("/applications/add?product=consumer_emi")
    page.wait_for_load_state("networkidle")
    page.fill("[name=amount]", "12000")
    page.fill("[name=term]", "12")
    page.dispatch_event("[name=term]", "change")
    page.wait_for_selector(".lowlend-quote-apr")  # the schedule came back from the API
    assert "%" in page.inner_text(".lowlend-quote-apr")
    assert page.locator(".lowlend-quote-rows tr").count() > 2
    assert _violations(page, console) == []


def test_config_editor_line_links_and_publish_confirmation(
    browser_page: tuple[Any, list[str]],
) -> None:
    page, console = browser_page
    page.goto("/config/products/")
    page.wait_for_load_state("networkidle")
    page.locator("a[href*='/edit']").first.click()
    page.wait_for_load_state("networkidle")
    textarea = page.locator("#lowlend-yaml")
    original = textarea.input_value()
    textarea.fill(original + "\nthis is: [not valid\n")
    page.click("button[value=validate]")
    page.wait_for_load_state("networkidle")
    link = page.locator("[data-goto-line]").first
    line = int(link.get_attribute("data-goto-line") or "0")
    assert line > 1
    link.click()
    start = page.evaluate("document.getElementById('lowlend-yaml').selectionStart")
    value = page.evaluate("document.getElementById('lowlend-yaml').value")
    assert value.count("\n", 0, start) == line - 1  # the cursor is on that line
    # Publish asks first; dismissing it sends nothing
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    url = page.url
    page.click("button[value=publish]")
    page.wait_for_timeout(500)
    assert questions and ("Publish" in questions[0] or "发布" in questions[0]), questions
    assert page.url == url
    assert _violations(page, console) == []
