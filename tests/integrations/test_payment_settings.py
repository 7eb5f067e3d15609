"""Choosing the payment gateway from settings."""

from __future__ import annotations

import pytest

from lowlend.integrations.payments import (
    GatewaySettingsError,
    HttpGateway,
    SandboxGateway,
    gateway_from_settings,
)

HTTP = {"LOWLEND_GATEWAY": "http", "LOWLEND_GATEWAY_URL": "https://pay.example/v1/payments",
        "LOWLEND_GATEWAY_KEY_ID": "k1", "LOWLEND_GATEWAY_SECRET": "s1"}


def test_sandbox_is_the_default() -> None:
    assert isinstance(gateway_from_settings({}), SandboxGateway)
    assert isinstance(gateway_from_settings({"LOWLEND_GATEWAY": "SANDBOX"}), SandboxGateway)


def test_http_settings() -> None:
    gw = gateway_from_settings({**HTTP, "LOWLEND_GATEWAY_TIMEOUT": "2.5",
                                "LOWLEND_GATEWAY_RETRIES": "4", "LOWLEND_GATEWAY_BACKOFF": "0",
                                "LOWLEND_GATEWAY_NOTIFY_URL": "https://lender.example/notify",
                                "LOWLEND_GATEWAY_CALLBACK_SECRET": "cb"})
    assert isinstance(gw, HttpGateway)
    assert (gw.timeout, gw.retries, gw.backoff, gw.notify_url) == (
        2.5, 4, 0.0, "https://lender.example/notify")
    assert gw.query_url == "https://pay.example/v1/payments/query"
    assert "s1" not in repr(gw)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"LOWLEND_GATEWAY": "paypal"}, "LOWLEND_GATEWAY"),
        ({"LOWLEND_GATEWAY_URL": ""}, "LOWLEND_GATEWAY_URL"),
        ({"LOWLEND_GATEWAY_SECRET": " "}, "LOWLEND_GATEWAY_SECRET"),
        ({"LOWLEND_GATEWAY_TIMEOUT": "soon"}, "LOWLEND_GATEWAY_TIMEOUT"),
        ({"LOWLEND_GATEWAY_TIMEOUT": "0"}, "LOWLEND_GATEWAY_TIMEOUT"),
        ({"LOWLEND_GATEWAY_RETRIES": "1.5"}, "LOWLEND_GATEWAY_RETRIES"),
        ({"LOWLEND_GATEWAY_BACKOFF": "nan"}, "LOWLEND_GATEWAY_BACKOFF"),
        ({"LOWLEND_GATEWAY_URL": "http://pay.example/v1"}, "LOWLEND_GATEWAY_URL"),
    ],
)
def test_bad_settings_name_the_setting(changes: dict[str, str], key: str) -> None:
    with pytest.raises(GatewaySettingsError) as caught:
        gateway_from_settings({**HTTP, **changes})
    assert caught.value.field == key and caught.value.code == "gateway_settings_invalid"
