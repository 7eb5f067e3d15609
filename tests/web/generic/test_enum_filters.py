"""Search filters on dictionary columns are selects of codes with labels (request locale)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.web.generic.conftest import login


def _admin_filters(html: str) -> list[Any]:
    """The JSON arguments of FAB's ``new AdminFilters('#filter_form', ...)``: labels,
    form fields (column → widget HTML), search filters, active filters."""
    rest = html[html.index("new AdminFilters(") :]
    rest = rest[rest.index("'#filter_form',") + len("'#filter_form',") :]
    decoder = json.JSONDecoder()
    out = []
    for _ in range(4):
        value, end = decoder.raw_decode(rest.lstrip())
        out.append(value)
        rest = rest.lstrip()[end:].lstrip()[1:]
    return out


def _filter_fields(html: str) -> dict[str, str]:
    return dict(_admin_filters(html)[1])


def _options(select: str) -> dict[str, str]:
    assert select.lstrip().startswith("<select"), select[:80]
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_status_and_dictionary_filters_are_selects_in_zh_cn(admin_client: Any) -> None:
    fields = _filter_fields(admin_client.get("/loans/list/").get_data(as_text=True))
    status = _options(fields["status"])  # built-in dictionary of the core entity
    assert status["active"] == "正常" and status["overdue"] == "逾期" and status["closed"] == "结清"
    classification = _options(fields["classification"])  # dictionaries.yaml
    assert classification["special_mention"] == "关注" and classification["loss"] == "损失"
    assert fields["product_code"].lstrip().startswith("<input")  # not a dictionary column
    apps = _filter_fields(admin_client.get("/applications/list/").get_data(as_text=True))
    assert _options(apps["status"])["in_review"] == "审批中"
    audit = _filter_fields(admin_client.get("/audit_log/list/").get_data(as_text=True))
    assert _options(audit["action"])["create"] == "新增"
    customers = _filter_fields(admin_client.get("/customers/list/").get_data(as_text=True))
    assert _options(customers["kind"]) == {"individual": "个人", "enterprise": "企业"}


def test_labels_follow_the_request_locale(admin_client: Any) -> None:
    admin_client.get("/lang/en")
    fields = _filter_fields(admin_client.get("/loans/list/").get_data(as_text=True))
    assert _options(fields["status"])["overdue"] == "Overdue"
    assert _options(fields["classification"])["special_mention"] == "Special mention"


def test_filtering_by_a_code_returns_only_matching_rows(
    generic_app: Any, admin_client: Any
) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Loan
    from tests.web.generic.test_generated_admin import insert_loan

    for status in ("written_off", "written_off", "closed"):
        insert_loan(generic_app, status=status)
    with generic_app.app_context():
        expected = {loan.id for loan in db.session.query(Loan).filter(Loan.status == "written_off")}
        others = db.session.query(Loan).filter(Loan.status != "written_off").count()
    assert len(expected) >= 2 and others > 0
    # FAB's text filters: 3 is "equal"
    html = admin_client.get("/loans/list/?_flt_3_status=written_off").get_data(as_text=True)
    shown = {int(pk) for pk in re.findall(r'href="/loans/show/(\d+)"', html)}
    assert shown == expected
    # the active filter is handed back to the select (AdminFilters' active_filters)
    active = _admin_filters(html)[3]
    assert [f[0] for f in active] == ["status"] and active[0][2] in ("written_off", ["written_off"])


def test_a_published_label_change_shows_without_rebuilding(
    generic_app: Any, admin_client: Any
) -> None:
    from lowlend.persistence.wiring import open_config_store
    from lowlend.spec.loader import read_bundle

    before = _filter_fields(admin_client.get("/loans/list/").get_data(as_text=True))
    assert _options(before["classification"])["special_mention"] == "关注"
    config_dir = Path(generic_app.config["CONFIG_DIR"])
    files = read_bundle(config_dir, Path(generic_app.config["NOTIFICATION_TEMPLATES_DIR"]))
    source = files["config/dictionaries.yaml"]
    old = "{code: special_mention, label: {zh_CN: 关注,"
    assert old in source
    files["config/dictionaries.yaml"] = source.replace(
        old, "{code: special_mention, label: {zh_CN: 关注类,", 1
    ).replace(
        "{code: loss, label: {zh_CN: 损失, en: Loss}}",
        "{code: loss, label: {zh_CN: 损失, en: Loss}}\n"
        "      - {code: watch, label: {zh_CN: 观察, en: Watch}}",
        1,
    )
    url = generic_app.config["SQLALCHEMY_DATABASE_URI"]
    with open_config_store(url, create_schema=False) as store:
        store.publish(files, author="test", comment="relabel special_mention")
    after = _filter_fields(admin_client.get("/loans/list/").get_data(as_text=True))
    options = _options(after["classification"])
    assert options["special_mention"] == "关注类" and options["watch"] == "观察"


def test_filters_on_postgresql_and_sqlite(database_url: str, make_generic_app: Any) -> None:
    app = make_generic_app(database_url)
    client = app.test_client()
    login(client, "admin")
    fields = _filter_fields(client.get("/loans/list/").get_data(as_text=True))
    assert _options(fields["status"])["overdue"] == "逾期"
    from tests.web.generic.test_generated_admin import insert_loan

    pk = insert_loan(app, status="written_off")
    import sqlalchemy as sa

    from lowlend.persistence.db import db
    from lowlend.persistence.models import Loan

    with app.app_context():  # the demo writes a few loans off too (through the use cases)
        written_off = set(db.session.scalars(
            sa.select(Loan.id).where(Loan.status == "written_off")))
    html = client.get("/loans/list/?_flt_3_status=written_off").get_data(as_text=True)
    assert pk in written_off
    assert {int(p) for p in re.findall(r'href="/loans/show/(\d+)"', html)} == written_off
