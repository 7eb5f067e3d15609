"""zh_CN / en: FAB's own strings and lowlend's strings, language switch, catalogues."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from lowlend.web.i18n import locale_names

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def test_zh_cn_login_page_shows_chinese_for_fab_and_lowlend(demo_app: Any) -> None:
    page = demo_app.test_client().get("/login/").get_data(as_text=True)
    # FAB's own catalogue (its "zh" one): button, prompt, field labels
    assert 'value="登录"' in page
    assert "请在下面输入您的用户名和密码" in page
    assert "用户名" in page and "密码" in page
    # lowlend's catalogue (translations/zh_CN)
    assert "小额贷款管理平台" in page
    assert "演示模式" in page
    assert "Sign In" not in page
    assert "Micro-loan management platform" not in page


def test_en_login_page_shows_english(demo_app: Any) -> None:
    client = demo_app.test_client()
    assert client.get("/lang/en").status_code == 302
    page = client.get("/login/").get_data(as_text=True)
    assert 'value="Sign In"' in page
    assert "Enter your login and password below" in page
    assert "Micro-loan management platform" in page
    assert "Demo mode" in page
    assert "登录" not in page and "小额贷款管理平台" not in page


def test_language_switch_back_and_forth(demo_app: Any) -> None:
    client = demo_app.test_client()
    client.get("/lang/en")
    client.get("/lang/zh_CN")
    assert "小额贷款管理平台" in client.get("/login/").get_data(as_text=True)
    assert client.get("/lang/xx").status_code == 404


def test_navbar_offers_both_languages(demo_app: Any) -> None:
    page = demo_app.test_client().get("/login/").get_data(as_text=True)
    assert "/lang/en" in page  # the current one (zh_CN) is not listed


def test_api_locale_argument(demo_app: Any) -> None:
    # FAB's `_l_` query argument selects the locale for API calls
    page = demo_app.test_client().get("/login/?_l_=en").get_data(as_text=True)
    assert 'value="Sign In"' in page


def test_dashboard_translated_after_login(demo_app: Any) -> None:
    from .helpers import login

    client = demo_app.test_client()
    login(client, "admin")
    page = client.get("/").get_data(as_text=True)
    assert "lowlend 演示小额贷款有限公司" in page
    assert "逾期还款期次" in page
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert "lowlend demo micro-loan company" in page
    assert "Overdue installments" in page


def test_company_name_from_config(make_app: Any) -> None:
    from lowlend.web.views import company_name

    app = make_app(COMPANY_NAME="赣州示范小贷")
    with app.test_request_context("/"):
        assert company_name() == "赣州示范小贷"


def test_locale_names() -> None:
    assert locale_names("zh_CN") == ["zh_Hans_CN", "zh_CN", "zh_Hans", "zh"]
    assert locale_names("en") == ["en"]
    assert locale_names(None) == []


def _catalogue(locale: str) -> dict[str, str]:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    return {m.id: m.string for m in catalog if m.id}


def test_catalogues_have_the_same_messages_all_translated() -> None:
    zh, en = _catalogue("zh_CN"), _catalogue("en")
    assert zh.keys() == en.keys()
    assert all(zh.values()) and all(en.values())
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in zh.values())


def test_every_web_string_is_in_the_catalogues() -> None:
    """Each string wrapped in _()/_l()/lazy_gettext in lowlend/web is translated."""
    from babel.messages.extract import extract_from_dir

    web = Path(__file__).resolve().parents[2] / "lowlend" / "web"
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "_l": None,
        "lazy_gettext": None,
        "gettext": None,
        "ngettext": (1, 2),
    }
    found = {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, *_ in extract_from_dir(str(web), method_map, keywords=keywords)
    }
    zh = _catalogue("zh_CN")
    missing = sorted(m for m in found if m not in zh)
    assert not missing, f"untranslated: {missing}"


def test_catalogues_match_the_template_and_have_no_fuzzy_entries() -> None:
    def read(path: Path) -> Any:
        with open(path, "rb") as fh:
            return read_po(fh)

    pot = {m.id for m in read(TRANSLATIONS / "messages.pot") if m.id}
    for locale in ("zh_CN", "en"):
        catalog = read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
        assert {m.id for m in catalog if m.id} == pot, locale
        assert not [m.id for m in catalog if m.id and m.fuzzy], locale
    en = _catalogue("en")
    assert all(en[msgid] == msgid for msgid in en)  # identity English


def test_validation_messages_are_in_the_catalogue() -> None:
    """The generated admin's messages have one mechanism: msgid in English, Chinese in the catalogue."""
    from lowlend.services.custom_fields import MESSAGE_TEXTS
    from lowlend.web.generic import labels

    listed = {str(m._args[0]) for m in labels.MESSAGES}
    assert set(MESSAGE_TEXTS.values()) <= listed
    zh = _catalogue("zh_CN")
    assert listed <= zh.keys()
    # no built-in Chinese left in the generated admin's label module
    source = Path(labels.__file__).read_text(encoding="utf-8")
    assert not re.search(r"[\u4e00-\u9fff]", source)
    assert not hasattr(labels, "ZH_MESSAGES")


def test_translate_uses_the_catalogue(make_app: Any) -> None:
    from lowlend.services.custom_fields import FieldMessage
    from lowlend.web.generic.labels import format_bool, translate

    app = make_app()
    with app.test_request_context("/?_l_=zh_CN"):
        assert translate("This field is required.") == "此字段为必填项。"
        assert FieldMessage("min", {"min": "1"}).text(translate) == "不能小于 1。"
        row = FieldMessage("row", {"row": 2, "column": "金额", "message": FieldMessage("required")})
        assert row.text(translate) == "第 2 行，金额：此字段为必填项。"
        assert format_bool(True) == "是"
    with app.test_request_context("/?_l_=en"):
        assert translate("This field is required.") == "This field is required."
        assert format_bool(False) == "No"
    assert translate("Validation failed") == "Validation failed"  # outside a request


def test_config_screens_use_the_catalogue_only(make_app: Any) -> None:
    """The config screens' strings and code labels have no Chinese of their own."""
    from lowlend.web.config_admin import i18n

    assert not hasattr(i18n, "ZH_FALLBACK")
    assert not re.search(r"[\u4e00-\u9fff]", Path(i18n.__file__).read_text(encoding="utf-8"))
    zh = _catalogue("zh_CN")
    labels = [label for group in i18n.CODE_LABELS.values() for label in group.values()]
    assert all(str(label._args[0]) in zh for label in labels)
    app = make_app()
    with app.test_request_context("/?_l_=zh_CN"):
        assert i18n.code_label("amortization", "equal_installment") == "等额本息"
        assert [i18n.code_label("frequency", f) for f in ("daily", "biweekly", "one_time")] == [
            "按日",
            "双周",
            "一次性",
        ]
        assert i18n.code_label("loan_kind", "entrusted") == "委托贷款"
        assert i18n.code_label("amortization", "unknown_method") == "unknown_method"
        assert (
            i18n._("Published configuration version %(number)s.", number=3) == "已发布配置版本 3。"
        )
    with app.test_request_context("/?_l_=en"):
        assert i18n.code_label("amortization", "equal_installment").startswith("Equal installments")
    assert (
        i18n._("Unknown configuration item: %(code)s", code="x") == "Unknown configuration item: x"
    )
