"""Helpers of the web-shell tests (login through the real form)."""

from __future__ import annotations

import re
from typing import Any

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in the form"
    return match.group(1)


def login(client: Any, username: str, password: str = "lowlend-demo") -> Any:
    """Log in through the real form, with the CSRF token read from it."""
    page = client.get("/login/")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/login/", data={"username": username, "password": password, "csrf_token": token}
    )


def logged_in(client: Any) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session
