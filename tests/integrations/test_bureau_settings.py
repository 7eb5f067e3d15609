"""Choosing the bureau from settings."""

from __future__ import annotations

import datetime as dt

import pytest

from lowlend.domain.credit_report import BureauRequest, Consent
from lowlend.integrations.bureau import (
    SANDBOX_IDS,
    BureauSettingsError,
    HttpBureau,
    SandboxBureau,
    SandboxBureauServer,
    bureau_from_settings,
)

HTTP = {
    "LOWLEND_BUREAU": "http",
    "LOWLEND_BUREAU_URL": "https://bureau.example/v1/credit-reports",
    "LOWLEND_BUREAU_KEY_ID": "lender-1",
    "LOWLEND_BUREAU_SECRET": "s3cret",
}


@pytest.mark.parametrize("settings", [{}, {"LOWLEND_BUREAU": ""}, {"LOWLEND_BUREAU": " Sandbox "}])
def test_sandbox_is_the_default(settings: dict[str, str]) -> None:
    assert isinstance(bureau_from_settings(settings), SandboxBureau)


def test_http_with_defaults() -> None:
    bureau = bureau_from_settings(HTTP)
    assert isinstance(bureau, HttpBureau)
    assert (bureau.timeout, bureau.retries, bureau.backoff, bureau.name) == (10.0, 2, 0.5, "bureau.example")
    assert "s3cret" not in repr(bureau)


def test_http_with_every_setting() -> None:
    bureau = bureau_from_settings({
        **HTTP, "LOWLEND_BUREAU_TIMEOUT": "2.5", "LOWLEND_BUREAU_RETRIES": "4",
        "LOWLEND_BUREAU_BACKOFF": "0", "LOWLEND_BUREAU_NAME": "baihang",
    })
    assert isinstance(bureau, HttpBureau)
    assert (bureau.timeout, bureau.retries, bureau.backoff, bureau.name) == (2.5, 4, 0.0, "baihang")


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"LOWLEND_BUREAU": "mock"}, "LOWLEND_BUREAU"),
        ({"LOWLEND_BUREAU_URL": ""}, "LOWLEND_BUREAU_URL"),
        ({"LOWLEND_BUREAU_URL": "http://bureau.example/v1"}, "LOWLEND_BUREAU_URL"),
        ({"LOWLEND_BUREAU_KEY_ID": " "}, "LOWLEND_BUREAU_KEY_ID"),
        ({"LOWLEND_BUREAU_SECRET": ""}, "LOWLEND_BUREAU_SECRET"),
        ({"LOWLEND_BUREAU_TIMEOUT": "abc"}, "LOWLEND_BUREAU_TIMEOUT"),
        ({"LOWLEND_BUREAU_TIMEOUT": "0"}, "LOWLEND_BUREAU_TIMEOUT"),
        ({"LOWLEND_BUREAU_TIMEOUT": "nan"}, "LOWLEND_BUREAU_TIMEOUT"),
        ({"LOWLEND_BUREAU_RETRIES": "1.5"}, "LOWLEND_BUREAU_RETRIES"),
        ({"LOWLEND_BUREAU_RETRIES": "-1"}, "LOWLEND_BUREAU_RETRIES"),
        ({"LOWLEND_BUREAU_BACKOFF": "inf"}, "LOWLEND_BUREAU_BACKOFF"),
    ],
)
def test_bad_settings_are_named(changes: dict[str, str], key: str) -> None:
    with pytest.raises(BureauSettingsError) as info:
        bureau_from_settings({**HTTP, **changes})
    assert (info.value.code, info.value.field) == ("bureau_settings_invalid", key)


def test_settings_reach_the_local_sandbox_server() -> None:
    with SandboxBureauServer("lender-1", "s3cret") as server:
        bureau = bureau_from_settings({
            **HTTP, "LOWLEND_BUREAU_URL": server.url, "LOWLEND_BUREAU_TIMEOUT": "2",
        })
        request = BureauRequest("resident_id", SANDBOX_IDS["overdue_45"], "张三",
                                "loan_application", Consent("AUTH-1", dt.date(2026, 11, 20)))
        assert bureau.pull(request, None).facts.max_dpd_24m == 45
