"""Where the web layer falls back instead of failing, it says why in the log."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app()


def test_business_date_with_an_unknown_time_zone_is_logged(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from lowlend.persistence.db import db
    from lowlend.web.views import business_date

    app.config["BABEL_DEFAULT_TIMEZONE"] = "Mars/Olympus_Mons"
    with app.app_context(), caplog.at_level(logging.WARNING, logger="lowlend.web.views"):
        db.create_all()
        assert business_date() >= dt.date.today() - dt.timedelta(days=1)
    assert any("Mars/Olympus_Mons" in r.getMessage() for r in caplog.records)


def test_an_undecryptable_identity_number_is_masked_and_logged(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from lowlend.web.generic.formatters import _decrypt_id_number

    with app.app_context(), caplog.at_level(logging.WARNING, logger="lowlend.web.generic.formatters"):
        assert _decrypt_id_number("not-a-fernet-token") == "******"
    [record] = caplog.records
    assert "cannot be decrypted (InvalidToken)" in record.getMessage()
    assert "not-a-fernet-token" not in record.getMessage()  # never the value itself


def test_reference_to_a_view_that_does_not_exist_is_the_number(app: Any) -> None:
    from lowlend.web.generic.formatters import reference_formatter

    with app.test_request_context():
        assert reference_formatter("no_such_view")(7) == "7"


def test_attachment_links_without_the_attachment_view_are_names_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from flask import Flask

    from lowlend.web.attachments.uploads import file_formatter

    bare = Flask("bare")  # no AttachmentView registered
    with bare.test_request_context(), caplog.at_level(logging.WARNING):
        html = str(file_formatter([{"id": 3, "name": "id-card.png", "size": 10}]))
    assert html == "id-card.png"
    assert any("attachment 3" in r.getMessage() for r in caplog.records)


def test_an_invalid_jwt_is_not_signed_in(app: Any) -> None:
    from lowlend.web.user_context import signed_in

    with app.test_request_context(headers={"Authorization": "Bearer not.a.jwt"}):
        assert signed_in() is False
    with app.test_request_context():
        assert signed_in() is False


def test_login_throttle_reads_no_user_name_from_an_oversized_body(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from lowlend.web.login_security import _attempted_username

    app.config["MAX_CONTENT_LENGTH"] = 10
    with app.test_request_context(
        "/login/", method="POST", data={"username": "admin", "password": "x" * 100}
    ), caplog.at_level(logging.INFO, logger="lowlend.web.login_security"):
        assert _attempted_username() == ""
    assert any("unreadable body (413)" in r.getMessage() for r in caplog.records)
    app.config["MAX_CONTENT_LENGTH"] = None
    with app.test_request_context("/login/", method="POST", data={"username": " Admin "}):
        assert _attempted_username() == "admin"
