"""Money, rates, dates and date-times are formatted in the request locale and time zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from flask import session

from lowlend.web.generic.labels import format_date, format_money, format_rate


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app(BABEL_DEFAULT_TIMEZONE="Asia/Shanghai")


def _in(app: Any, locale: str, fn: Any, value: Any) -> str:
    with app.test_request_context("/"):
        session["locale"] = locale
        return str(fn(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.5"), "1,234,567.50"),
        (7, "7.00"),
        (Decimal("-12.3"), "-12.30"),
        ("98765432109876.54", "98,765,432,109,876.54"),  # exact beyond float precision
        (None, ""),
    ],
)
def test_money(app: Any, value: Any, expected: str) -> None:
    assert _in(app, "en", format_money, value) == expected
    assert _in(app, "zh_CN", format_money, value) == expected


def test_money_follows_a_locale_with_other_separators(app: Any) -> None:
    with app.test_request_context("/"):
        from flask_babel import force_locale

        with force_locale("de"):
            assert format_money(Decimal("1234567.5")) == "1.234.567,50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.24"), "24.00%"),
        (Decimal("0.0005"), "0.05%"),
        (Decimal("0.123456"), "12.3456%"),
        (Decimal("0"), "0.00%"),
    ],
)
def test_rates(app: Any, value: Decimal, expected: str) -> None:
    assert _in(app, "en", format_rate, value) == expected


def test_dates_per_locale(app: Any) -> None:
    day = dt.date(2026, 11, 28)
    assert _in(app, "zh_CN", format_date, day) == "2026年11月28日"
    assert _in(app, "en", format_date, day) == "Nov 28, 2026"


def test_datetimes_are_shown_in_the_configured_time_zone(app: Any) -> None:
    stored = dt.datetime(2026, 11, 28, 23, 30, tzinfo=dt.UTC)  # 07:30 next day in Shanghai
    zh = _in(app, "zh_CN", format_date, stored)
    en = _in(app, "en", format_date, stored)
    assert zh.startswith("2026年11月29日") and "07:30" in zh, zh
    assert en.startswith("Nov 29, 2026") and "7:30" in en, en
    naive = stored.replace(tzinfo=None)  # SQLite hands back naive UTC
    assert _in(app, "zh_CN", format_date, naive) == zh


def test_application_custom_values_are_formatted_like_columns(admin_client: Any) -> None:
    response = admin_client.post(
        "/api/v1/applications/",
        json={
            "product_code": "consumer_emi",
            "customer_id": 1,
            "amount": "20000",
            "term": 12,
            "rate": "0.15",
            "custom": {"employer": "江铃汽车", "monthly_income": "12345.6", "purpose": "travel"},
        },
    )
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    admin_client.get("/lang/en")
    show = admin_client.get(f"/applications/show/{pk}").get_data(as_text=True)
    table = show[show.index("lowlend-custom-view") :]
    assert "<td>12,345.60</td>" in table, table[:800]
    assert "<td>Travel</td>" in table
