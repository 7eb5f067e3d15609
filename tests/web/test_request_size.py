"""The total request size limit (MAX_CONTENT_LENGTH): 413 with a clear message in the
user's language, JSON for the API and a page for the browser, never a traceback; the
upload limits below it keep working (lowlend.web.request_limits)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from .helpers import login

MIB = 1024 * 1024
ATTACHMENTS = "/api/v1/attachments/"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _parts(count: int, size: int) -> dict[str, Any]:
    return {"file": [(io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(size - 8)), f"p{i}.png")
                     for i in range(count)]}


def _admin(app: Any) -> Any:
    client = app.test_client()
    login(client, "admin")
    return client


def test_default_limit_is_25_mib(demo_app: Any) -> None:
    assert demo_app.config["MAX_CONTENT_LENGTH"] == 25 * MIB


def test_six_10_mib_parts_are_refused_with_413_json(demo_app: Any) -> None:
    client = _admin(demo_app)
    response = client.post(ATTACHMENTS, data=_parts(6, 10 * MIB),
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.is_json and response.get_json() == {
        "message": "请求过大：一次最多可发送 25.0 MiB。未保存任何内容；请发送更小或更少的文件。"
    }
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    english = client.post(ATTACHMENTS + "?_l_=en", data=_parts(3, 10 * MIB),
                          content_type="multipart/form-data")
    assert english.status_code == 413
    assert english.get_json()["message"].startswith(
        "The request is too large: at most 25.0 MiB can be sent at once."
    )


def test_a_browser_form_over_the_limit_gets_a_page(make_demo_app: Callable[..., Any]) -> None:
    app = make_demo_app(MAX_CONTENT_LENGTH=MIB)
    client = _admin(app)
    client.get("/lang/en")
    response = client.post("/customers/add", data={"name": "x" * (2 * MIB)},
                           headers={"Referer": "http://localhost/customers/add"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "text/html" in response.content_type
    assert "The request is too large: at most 1.0 MiB can be sent at once." in page
    assert 'href="http://localhost/customers/add"' in page  # back to the form
    assert "Traceback" not in page and "/logout/" in page  # the normal layout
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_a_too_large_form_field_is_named(make_demo_app: Callable[..., Any]) -> None:
    app = make_demo_app(MAX_FORM_MEMORY_SIZE=1000, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": "lowlend-demo"})
    response = client.post("/customers/add?_l_=en", data={"name": "x" * 5000},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "A form field is too large (at most 1000 B)." in response.get_data(as_text=True)


def test_a_body_without_content_length_is_bounded_too(make_demo_app: Callable[..., Any]) -> None:
    app = make_demo_app(MAX_CONTENT_LENGTH=MIB)
    client = _admin(app)
    response = client.post(
        "/api/v1/quote/", input_stream=io.BytesIO(b"{" + b" " * (2 * MIB) + b"}"),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and response.is_json, response.get_data(as_text=True)


def test_configured_limit_and_uploads_below_it(make_demo_app: Callable[..., Any]) -> None:
    app = make_demo_app(MAX_CONTENT_LENGTH=2 * MIB, LOWLEND_ATTACHMENT_MAX_SIZE=MIB)
    client = _admin(app)
    assert client.post(ATTACHMENTS, data=_parts(3, MIB),
                       content_type="multipart/form-data").status_code == 413
    response = client.post(ATTACHMENTS, data={"file": (io.BytesIO(PNG), "ok.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)


def test_largest_legitimate_uploads_still_pass(demo_app: Any) -> None:
    client = _admin(demo_app)
    # one attachment just under its own 10 MiB limit
    response = client.post(ATTACHMENTS, data=_parts(1, 10 * MIB - 1),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    # the OCR API's two photos of 10 MiB each: judged by the OCR (not an image), not 413
    data = {side: (io.BytesIO(b"x" * (10 * MIB)), f"{side}.jpg") for side in ("front", "back")}
    response = client.post("/api/v1/ocr/id-card?_l_=en", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)
