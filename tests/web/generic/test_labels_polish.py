"""Screens show labels, not codes: installment and transaction lists, the audit log, staff,
and the configuration screens' products list, in zh_CN and en."""

from __future__ import annotations

from typing import Any


def _page(client: Any, path: str, lang: str = "zh_CN") -> str:
    assert client.get(f"/lang/{lang}").status_code == 302
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_installment_list_shows_status_labels(admin_client: Any) -> None:
    for code, zh, en in (("paid", "已还清", "Paid"), ("pending", "未到期", "Not yet due")):
        page = _page(admin_client, f"/installments/list/?_flt_0_status={code}")
        assert f"<td>{zh}</td>" in page, code
        assert f">{code}<" not in page
        page = _page(admin_client, f"/installments/list/?_flt_0_status={code}", "en")
        assert f"<td>{en}</td>" in page, code


def test_transaction_list_and_export_show_type_labels(admin_client: Any) -> None:
    for code, zh in (("disbursement", "放款"), ("repayment", "还款")):
        page = _page(admin_client, f"/transactions/list/?_flt_0_type={code}")
        assert f"<td>{zh}</td>" in page, code
        assert f">{code}<" not in page
    page = _page(admin_client, "/transactions/list/?_flt_0_type=disbursement", "en")
    assert "<td>Disbursement</td>" in page
    admin_client.get("/lang/zh_CN")
    csv = admin_client.get("/transactions/export/?format=csv&_flt_0_type=repayment")
    text = csv.get_data().decode("utf-8-sig")
    assert "还款" in text and "repayment" not in text


def test_audit_log_list_shows_action_and_entity_labels(admin_client: Any) -> None:
    page = _page(admin_client, "/audit_log/list/?_flt_0_entity=customers")
    assert "<td>导入演示数据</td>" in page and "<td>客户</td>" in page
    assert ">demo_create<" not in page and ">customers<" not in page
    page = _page(admin_client, "/audit_log/list/?_flt_0_entity=loans", "en")
    assert "<td>Demo data loaded</td>" in page and "<td>Loans</td>" in page


def test_audit_actions_and_entities_of_every_writer(generic_app: Any) -> None:
    from lowlend.web.generic import formatters

    descriptors = generic_app.extensions["lowlend_generic"]
    fmt = formatters.formatters_for(descriptors["audit_log"])
    with generic_app.test_request_context("/?_l_=zh_CN"):
        assert [fmt["action"](a) for a in ("create", "update", "delete")] == [
            "新增",
            "修改",
            "删除",
        ]
        assert fmt["entity"]("installments") == "还款计划"
        config_codes = [code for code, d in descriptors.items() if d.config_entity]
        assert config_codes, "the demo configuration declares entities"
        assert fmt["entity"](config_codes[0]) == str(descriptors[config_codes[0]].label)
        assert fmt["entity"]("no_such_view") == "no_such_view"
    with generic_app.test_request_context("/?_l_=en"):
        assert fmt["action"]("update") == "Update" and fmt["entity"]("staff") == "Staff"


def test_application_status_withdrawn_has_a_label(generic_app: Any) -> None:
    from lowlend.web.generic import formatters

    desc = generic_app.extensions["lowlend_generic"]["applications"]
    with generic_app.test_request_context("/?_l_=zh_CN"):
        assert formatters.formatters_for(desc)["status"]("withdrawn") == "已撤回"


def test_staff_show_page_has_no_none_and_no_python_list(
    generic_app: Any, admin_client: Any
) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Staff

    with generic_app.app_context():
        manager = db.session.query(Staff).filter_by(employee_no="E0002").one()
        plain = db.session.query(Staff).filter(Staff.user_id.is_(None)).first()
        assert plain is not None, "the demo has staff without a login"
        ids = (manager.id, plain.id)
    for lang in ("zh_CN", "en"):
        for pk in ids:
            page = _page(admin_client, f"/staff/show/{pk}", lang)
            assert "None" not in page, (lang, pk)
            assert "['" not in page and "[&#39;" not in page, (lang, pk)
    assert "信贷客户经理, 团队管理" in _page(admin_client, f"/staff/show/{ids[0]}", "zh_CN")
    assert "Loan officer, Management" in _page(admin_client, f"/staff/show/{ids[0]}", "en")


def test_staff_skills_use_the_published_skill_dictionary(generic_app: Any) -> None:
    """Skills come from dictionaries.yaml ``staff_skill``; an unknown code stays a code."""
    from lowlend.web.generic import formatters

    desc = generic_app.extensions["lowlend_generic"]["staff"]
    fmt = formatters.formatters_for(desc)["skills"]
    with generic_app.test_request_context("/?_l_=zh_CN"):
        assert fmt(["loan_officer", "unknown_skill"]) == "信贷客户经理, unknown_skill"
        assert fmt([]) == "" and fmt(None) == ""
    with generic_app.test_request_context("/?_l_=en"):
        assert fmt(["loan_officer"]) == "Loan officer"


def test_config_products_show_repayment_method_labels(admin_client: Any) -> None:
    page = _page(admin_client, "/config/products/")
    assert "等额本息" in page and "等额本金" in page and "利随本清" in page
    assert "按月" in page and "普通贷款" in page and "循环贷款" in page
    for code in ("equal_installment", "equal_principal", "bullet", "monthly", "revolving"):
        assert f"· {code}" not in page and f"{code} ·" not in page, code
    page = _page(admin_client, "/config/products/", "en")
    assert "Equal installments (principal and interest)" in page
    assert "Monthly" in page and "Term loan" in page
    assert "等额本息" not in page


def test_config_templates_show_channel_labels(admin_client: Any) -> None:
    page = _page(admin_client, "/config/notification_templates/")
    assert "短信" in page
    assert "sms, email" not in page


def test_enum_choices_for_search_filters(generic_app: Any) -> None:
    """Labelled choices of the enum search columns (for select widgets of the filters)."""
    from lowlend.web.generic import common

    descriptors = generic_app.extensions["lowlend_generic"]
    with generic_app.test_request_context("/?_l_=zh_CN"):
        installments = common.enum_choices(descriptors["installments"])
        assert ("paid", "已还清") in installments["status"]()
        assert ("disbursement", "放款") in common.enum_choices(descriptors["transactions"])[
            "type"
        ]()
        assert ("demo_create", "导入演示数据") in common.enum_choices(descriptors["audit_log"])[
            "action"
        ]()
        assert ("active", "正常") in common.enum_choices(descriptors["loans"])["status"]()
        assert set(common.enum_choices(descriptors["customers"])) == {"kind"}
    with generic_app.test_request_context("/?_l_=en"):
        assert ("paid", "Paid") in installments["status"]()
