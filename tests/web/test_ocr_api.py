"""``POST /api/v1/ocr/id-card`` and the "Read ID card" control of the customer form.

The API runs the real OCR model on synthetic cards. The browser test (headless
Chromium, skipped when it is absent unless ``LOWLEND_REQUIRE_BROWSER=1``) loads the
real customer add page, gives the control a card photo, clicks it and checks the form.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import random
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from PIL import Image

from tests.integrations.test_ocr_cards import (
    CardData,
    draw_back,
    draw_front,
    font_path,
    photograph,
    png_bytes,
    random_card,
    with_wrong_check_digit,
)
from tests.web.helpers import login

URL = "/api/v1/ocr/id-card"
EN = URL + "?_l_=en"  # FAB's locale argument; the demo's default locale is zh_CN


@pytest.fixture(scope="module")
def card() -> tuple[CardData, bytes, bytes]:
    """A card and photos of its front and back."""
    font_path()
    rng = random.Random(41)
    data = random_card(rng)
    return data, photograph(draw_front(data, rng), rng), photograph(draw_back(data, rng), rng)


def upload(client: Any, url: str = URL, headers: dict[str, str] | None = None,
           **parts: bytes) -> Any:
    data = {name: (io.BytesIO(value), f"{name}.jpg") for name, value in parts.items()}
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers or {})


def test_anonymous_is_401(demo_app: Any) -> None:
    response = upload(demo_app.test_client(), EN, front=b"\xff\xd8\xff")
    assert response.status_code == 401
    assert response.get_json() == {"message": "Sign in first."}
    response = upload(demo_app.test_client(), front=b"\xff\xd8\xff")
    assert response.status_code == 401 and response.get_json() == {"message": "请先登录。"}


def test_users_who_may_not_add_or_edit_customers_get_403(demo_app: Any) -> None:
    client = demo_app.test_client()
    login(client, "finance")  # customers: list, show
    response = upload(client, EN, front=b"\xff\xd8\xff")
    assert response.status_code == 403
    assert "add or edit customers" in response.get_json()["message"]


def test_bad_files_are_422_with_the_part_at_fault(demo_app: Any) -> None:
    client = demo_app.test_client()
    login(client, "manager")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "front", "An image of the card is required."),
        ({"front": (io.BytesIO(b""), "")}, "front", "An image of the card is required."),
        ({"front": (io.BytesIO(b""), "front.jpg")}, "front", "The file is empty."),
        ({"front": (io.BytesIO(b"hello"), "front.jpg")}, "front", "The file is not an image"),
        ({"front": (io.BytesIO(png_bytes(Image.new("RGB", (900, 560), "white"))), "f.png"),
          "back": (io.BytesIO(b"%PDF-1.7 x"), "back.pdf")}, "back", "The file is not an image"),
    ]
    for data, part, expected in cases:
        response = client.post(EN, data=data, content_type="multipart/form-data")
        assert response.status_code == 422, response.get_data(as_text=True)
        body = response.get_json()
        assert body["message"] == "The ID card could not be read."
        assert list(body["errors"]) == [part]
        assert body["errors"][part][0].startswith(expected), body


def test_an_image_without_a_card_and_an_oversized_one_in_chinese(make_demo_app: Any) -> None:
    font_path()
    app = make_demo_app(LOWLEND_OCR_MAX_BYTES=20_000)
    client = app.test_client()
    login(client, "manager")
    client.get("/lang/zh_CN")
    blank = png_bytes(Image.new("RGB", (900, 560), (250, 250, 250)))
    response = upload(client, front=blank)
    assert response.status_code == 422
    assert response.get_json() == {
        "message": "未能识别该身份证。",
        "errors": {"front": ["图片中未识别到居民身份证人像面。"]},
    }
    response = upload(client, front=b"\xff\xd8\xff" + bytes(30_000))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"front": ["文件大小超过 19.5 KiB。"]}


def test_a_card_is_read_with_a_session_login(
    demo_app: Any, card: tuple[CardData, bytes, bytes]
) -> None:
    data, front, back = card
    client = demo_app.test_client()
    login(client, "manager")
    response = upload(client, EN, front=front, back=back)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"fields", "problems"}
    fields = body["fields"]
    assert fields["name"]["value"] == data.name
    assert fields["id_number"]["value"] == data.id_number
    assert fields["birth_date"]["value"] == data.birth_date.isoformat()
    assert fields["sex"]["value"] == data.sex
    assert fields["valid_from"]["value"] == data.valid_from.isoformat()
    assert all(0 <= f["confidence"] <= 1 for f in fields.values())


def test_problems_in_the_request_locale_with_a_jwt(demo_app: Any) -> None:
    font_path()
    rng = random.Random(42)
    wrong = with_wrong_check_digit(random_card(rng))
    client = demo_app.test_client()
    token = client.post(
        "/api/v1/security/login",
        json={"username": "manager", "password": "lowlend-demo", "provider": "db"},
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = upload(client, URL + "?_l_=zh_CN", headers, front=png_bytes(draw_front(wrong, rng)))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["fields"]["id_number"]["value"] == wrong.id_number
    assert body["problems"] == [{
        "code": "id_number_checksum",
        "field": "id_number",
        "message": f"公民身份号码 {wrong.id_number} 的校验位错误。",
    }]


def test_the_control_is_on_the_customer_add_form_only(demo_app: Any) -> None:
    client = demo_app.test_client()
    login(client, "manager")
    client.get("/lang/zh_CN")
    page = client.get("/customers/add").get_data(as_text=True)
    assert 'id="lowlend-ocr-config"' in page
    assert f'data-url="{URL}"' in page
    assert 'data-title="识别身份证"' in page and 'data-confidence="置信度"' in page
    assert "lowlend-ocr.js" in page
    other = client.get("/guarantor/add").get_data(as_text=True)
    assert "lowlend-form-config" in other and "lowlend-ocr" not in other
    script = client.get("/static/lowlend/lowlend-ocr.js")
    assert script.status_code == 200 and b"lowlend-ocr-config" in script.get_data()


# -- the control in a real browser ---------------------------------------------------------------
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)


@pytest.fixture
def browser_proxy(demo_app: Any) -> Iterator[tuple[str, dict[str, str]]]:
    """``(base URL, {path: script injected before </body>})`` in front of a logged-in
    test client (the manager, who may add customers)."""
    if CHROMIUM is None:
        if os.environ.get("LOWLEND_REQUIRE_BROWSER") == "1":
            pytest.fail("LOWLEND_REQUIRE_BROWSER=1 but Chromium is not installed")
        pytest.skip("Chromium is not installed")
    client = demo_app.test_client()
    login(client, "manager")
    injected: dict[str, str] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _forward(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("content-type", "x-csrftoken", "accept")}
            with lock:
                response = client.open(self.path, method=method, data=body, headers=headers)
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


_PICK_AND_READ = """
setTimeout(function () {
  function file(b64, name) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new File([bytes], name, {type: 'image/jpeg'});
  }
  function pick(id, f) {
    var transfer = new DataTransfer(); transfer.items.add(f);
    document.getElementById(id).files = transfer.files;
  }
  pick('lowlend-ocr-front', file('%(front)s', 'front.jpg'));
  pick('lowlend-ocr-back', file('%(back)s', 'back.jpg'));
  document.querySelector('.lowlend-ocr-read').click();
  var poll = setInterval(function () {
    var status = document.querySelector('.lowlend-ocr-status');
    if (!status || !/alert-(success|warning|danger)/.test(status.className)) { return; }
    clearInterval(poll);
    var form = document.getElementById('model_form');
    var badges = {};
    document.querySelectorAll('.lowlend-ocr-confidence').forEach(function (b) {
      badges[b.getAttribute('data-field')] = b.textContent;
    });
    var probe = document.createElement('pre');
    probe.id = 'ocr-probe';
    probe.textContent = JSON.stringify({
      name: form.elements.name.value, id_number: form.elements.id_number.value,
      id_type: form.elements.id_type.value, status: status.className,
      text: status.textContent, badges: badges});
    document.body.appendChild(probe);
  }, 100);
}, 300);
"""


def test_the_control_fills_the_form_in_a_browser(
    browser_proxy: tuple[str, dict[str, str]], card: tuple[CardData, bytes, bytes]
) -> None:
    data, front, back = card
    base, injected = browser_proxy
    injected["/customers/add"] = _PICK_AND_READ % {
        "front": base64.b64encode(front).decode(), "back": base64.b64encode(back).decode()}
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=30000",
         "--dump-dom", base + "/customers/add"],
        capture_output=True, timeout=180, check=False,
    )
    dom = result.stdout.decode("utf-8", "replace")
    assert 'id="ocr-probe"' in dom, dom[-2000:]
    probe_text = dom[dom.index('id="ocr-probe">') + len('id="ocr-probe">'):]
    probe = json.loads(html.unescape(probe_text[: probe_text.index("</pre>")]))
    assert probe["name"] == data.name
    assert probe["id_number"] == data.id_number
    assert probe["id_type"] == "resident_id"
    assert "alert-danger" not in probe["status"]
    assert set(probe["badges"]) == {"name", "id_number"}
    assert all(text.startswith("置信度 ") and text.endswith("%")  # the demo's locale: zh_CN
               for text in probe["badges"].values())
