"""The form script in a real (headless) Chromium.

Skipped when Chromium is absent, except under ``LOWLEND_REQUIRE_BROWSER=1`` (CI installs
Chromium and sets it), where a missing Chromium is an error.

A small HTTP proxy in front of the logged-in Flask test client serves the real pages,
the real ``lowlend-forms.js`` and the real ``_conditions`` endpoint; Chromium loads a
page, runs the script (plus, for the interaction cases, a few injected clicks) and
dumps the resulting DOM.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
if CHROMIUM is None and os.environ.get("LOWLEND_REQUIRE_BROWSER") == "1":
    raise RuntimeError("LOWLEND_REQUIRE_BROWSER=1 but Chromium is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


@pytest.fixture
def proxy(admin_client: Any) -> Iterator[tuple[str, dict[str, str]]]:
    """``(base URL, {path: script to inject before </body>})``."""
    injected: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def _forward(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() in ("content-type", "x-csrftoken")
            }
            response = admin_client.open(self.path, method=method, data=body, headers=headers)
            data = response.get_data()
            script = injected.get(self.path)
            if script and b"</body>" in data:
                data = data.replace(b"</body>", f"<script>{script}</script></body>".encode())
            self.send_response(response.status_code)
            self.send_header("Content-Type", response.content_type or "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._forward("GET")

        def do_POST(self) -> None:
            self._forward("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", injected
    finally:
        server.shutdown()
        server.server_close()


def _dom(url: str) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=8000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return result.stdout.decode("utf-8", "replace")


def _form_row(dom: str, name: str) -> str:
    """The opening ``<tr ...>`` of the form row holding the field ``name``."""
    at = dom.index(f'id="{name}"')
    return dom[dom.rindex("<tr", 0, at) : dom.index(">", dom.rindex("<tr", 0, at)) + 1]


def test_visible_if_hides_and_shows_rows_live(proxy: tuple[str, dict[str, str]]) -> None:
    base, injected = proxy
    dom = _dom(base + "/vehicle_collateral/add")
    assert "display: none" in _form_row(dom, "registration_date")
    assert "display: none" not in _form_row(dom, "plate_no")
    injected["/vehicle_collateral/add?x=1"] = (
        "setTimeout(function () { document.getElementById('pledge_registered').click(); }, 1000);"
    )
    dom = _dom(base + "/vehicle_collateral/add?x=1")
    row = _form_row(dom, "registration_date")
    assert "display: none" not in row and "lowlend-hidden-by-rule" not in row
    label = dom[dom.index('for="registration_date"') :]
    assert "lowlend-required-mark" in label[: label.index("</label>")]


def test_add_and_remove_rows_in_the_browser(proxy: tuple[str, dict[str, str]]) -> None:
    base, injected = proxy
    injected["/visit_record/add"] = (
        "setTimeout(function () {"
        " var add = document.querySelector('#staff .lowlend-add-row');"
        " add.click(); add.click();"
        " document.querySelector('#staff tbody .lowlend-remove-row').click();"
        "}, 1000);"
    )
    dom = _dom(base + "/visit_record/add")
    body = dom[dom.index('id="staff"') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    assert re.findall(r'name="(staff-\d+-name)"', body) == ["staff-1-name", "staff-2-name"]
