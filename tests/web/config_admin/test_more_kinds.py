"""Config screens of scorecards, entities, dictionaries, roles, menus and operations settings:
list with labels (zh_CN and en), show, validate with line errors, publish (author), rollback,
permission sync after a roles.yaml publish, the entity restart note, refusals."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from typing import Any

import pytest

from ..helpers import csrf_token
from .test_config_screens import _client, _post_editor, _store, _textarea


@dataclass(frozen=True)
class Case:
    """One kind: where its list is, one row and its labels, a valid edit and a mistake."""

    route: str
    target: str  # item code of show/edit URLs
    key: str  # bundle key of the edited file
    row: str  # data-code of a row of the list
    zh: str  # the row's label (or details) in Chinese
    en: str  # ... in English
    old: str  # a line of the file
    new: str  # its valid replacement
    mistake: str  # an invalid replacement of ``old``
    problem: str  # text of the error shown for the mistake


CASES = [
    Case(
        "scorecards",
        "consumer_basic",
        "config/scorecards/consumer_basic.yaml",
        "consumer_basic",
        "个人消费贷评分卡",
        "Consumer application scorecard",
        "base_points: 500",
        "base_points: 510",
        "base_points: 500\nbogus_points: 1",
        "bogus_points",
    ),
    Case(
        "entities",
        "guarantor",
        "config/entities/guarantor.yaml",
        "guarantor",
        "保证人",
        "Guarantor",
        "label: {zh_CN: 保证人, en: Guarantor}",
        "label: {zh_CN: 保证人, en: Guarantor (person or company)}",
        "label: {zh_CN: 保证人, en: Guarantor}\nlist_colums: [name]",
        "list_colums",
    ),
    Case(
        "dictionaries",
        "dictionaries",
        "config/dictionaries.yaml",
        "gender",
        "性别",
        "Gender",
        "{code: female, label: {zh_CN: 女, en: Female}}",
        "{code: female, label: {zh_CN: 女, en: Woman}}",
        "{code: female, label: {zh_CN: 女, en: Female}, colour: pink}",
        "colour",
    ),
    Case(
        "roles",
        "roles",
        "config/roles.yaml",
        "auditor",
        "审计",
        "Auditor",
        "label: {zh_CN: 审计, en: Auditor}",
        "label: {zh_CN: 审计员, en: Auditor}",
        "label: {zh_CN: 审计, en: Auditor}\n    menus_extra: [home]",
        "menus_extra",
    ),
    Case(
        "menus",
        "menus",
        "config/menus.yaml",
        "settings",
        "评分卡",  # the details list the category's items
        "Scorecards",
        "label: {zh_CN: 数据字典, en: Dictionaries}, view: dictionaries}",
        "label: {zh_CN: 数据字典, en: Data dictionaries}, view: dictionaries}",
        "label: {zh_CN: 数据字典, en: Dictionaries}, view: no_such_view}",
        "no_such_view",
    ),
    Case(
        "settings",
        "early_warning",
        "config/early_warning.yaml",
        "early_warning",
        "首期逾期",
        "First payment default",
        'when: "loan.dpd > 30"',
        'when: "loan.dpd > 45"',
        'when: "loan.dpd >> 30"',
        "Syntax error",
    ),
    Case(
        "settings",
        "eod",
        "config/eod.yaml",
        "eod",
        "利息计提",
        "Accrue interest",
        "partition_size: 1000",
        "partition_size: 2000",
        "partition_size: -5",
        "partition_size",
    ),
]


def _row(page: str, code: str) -> str:
    start = page.index(f'<tr data-code="{code}"')
    return page[start : page.index("</tr>", start)]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


def _rollback(admin: Any, number: int) -> Any:
    confirm = admin.get(f"/config/versions/rollback/{number}").get_data(as_text=True)
    return admin.post(
        f"/config/versions/rollback/{number}", data={"csrf_token": csrf_token(confirm)}
    )


def test_each_kind_lists_shows_validates_publishes_and_rolls_back(config_app: Any) -> None:
    store = _store(config_app)
    admin = _client(config_app, "admin")
    menu = admin.get("/").get_data(as_text=True)
    # menus.yaml items of the settings category lead to the new screens
    assert 'href="/config/scorecards/"' in menu and 'href="/config/dictionaries/"' in menu
    for case in CASES:
        base = f"/config/{case.route}"
        admin.get("/lang/zh_CN")
        listing = admin.get(f"{base}/").get_data(as_text=True)
        assert case.zh in _row(listing, case.row), case
        admin.get("/lang/en")
        listing = admin.get(f"{base}/").get_data(as_text=True)
        row = _row(listing, case.row)
        assert case.en in row and case.zh not in row, case
        assert f'href="{base}/edit/{case.target}"' in row, case
        admin.get("/lang/zh_CN")

        shown = admin.get(f"{base}/show/{case.target}").get_data(as_text=True)
        assert f'data-file="{case.key}"' in shown and case.old in htmllib.unescape(shown), case

        url = f"{base}/edit/{case.target}"
        page = admin.get(url).get_data(as_text=True)
        source = _textarea(page)
        assert source.count(case.old) == 1, case
        with config_app.app_context():
            before = store.current()
        broken = source.replace(case.old, case.mistake)
        line = _line_of(broken, case.mistake.split("\n")[-1].strip())
        for op in ("validate", "publish"):
            response = _post_editor(admin, url, page, op, broken, comment="broken")
            assert response.status_code == 200, case
            body = response.get_data(as_text=True)
            assert "lowlend-validation-errors" in body, case
            problem = re.search(
                rf'<li class="lowlend-problem" data-line="{line}">(.*?)</li>', body, re.S
            )
            assert problem and case.problem in problem.group(1), (case, body[-3000:])
            assert f'id="L{line}" class="error" data-error-line="{line}"' in body, case
        with config_app.app_context():
            assert store.current().number == before.number

        edited = source.replace(case.old, case.new)
        response = _post_editor(admin, url, page, "validate", edited)
        assert "lowlend-validation-ok" in response.get_data(as_text=True), case
        response = _post_editor(admin, url, page, "publish", edited, comment=f"edit {case.key}")
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
        with config_app.app_context():
            published = store.current()
        assert published.number == before.number + 1
        assert (published.author, published.comment) == ("admin", f"edit {case.key}")
        assert case.new in published.files[case.key]
        shown = admin.get(f"{base}/show/{case.target}").get_data(as_text=True)
        assert case.new in htmllib.unescape(shown), case

        assert _rollback(admin, before.number).status_code == 302
        with config_app.app_context():
            rolled = store.current()
        assert rolled.number == published.number + 1 and rolled.author == "admin"
        assert rolled.files == before.files
        source_again = _textarea(admin.get(url).get_data(as_text=True))
        assert case.old in source_again and case.new not in source_again


def _role_block(text: str, role: str) -> tuple[int, int]:
    start = text.index(f"  - code: {role}\n")
    end = text.find("\n  - code:", start + 1)
    return start, len(text) if end < 0 else end


def test_roles_publish_changes_permissions_without_restart(config_app: Any) -> None:
    store = _store(config_app)
    auditor = _client(config_app, "auditor")
    assert auditor.get("/config/dictionaries/").status_code == 403
    assert 'href="/config/dictionaries/"' not in auditor.get("/").get_data(as_text=True)

    admin = _client(config_app, "admin")
    url = "/config/roles/edit/roles"
    page = admin.get(url).get_data(as_text=True)
    source = _textarea(page)
    start, end = _role_block(source, "auditor")
    block = source[start:end]
    granted = block.replace(
        "config_versions, audit_log]", "config_versions, audit_log, dictionaries]"
    ).replace(
        "      config_versions: [list, show]\n",
        "      config_versions: [list, show]\n      dictionaries: [list, show]\n",
    )
    assert granted != block
    response = _post_editor(
        admin, url, page, "publish", source[:start] + granted + source[end:], comment="auditor"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with config_app.app_context():
        assert store.current().number == 2

    # the same signed-in auditor, no restart: the screen and its menu entry open
    listing = auditor.get("/config/dictionaries/")
    assert listing.status_code == 200
    assert 'data-code="loan_purpose"' in listing.get_data(as_text=True)
    assert 'href="/config/dictionaries/"' in auditor.get("/").get_data(as_text=True)
    assert auditor.get("/config/dictionaries/edit/dictionaries").status_code == 403
    with config_app.app_context():
        sm = config_app.appbuilder.sm
        role = sm.find_role("auditor")
        grants = {(p.permission.name, p.view_menu.name) for p in role.permissions}
    assert ("can_list", "dictionaries") in grants and ("can_edit", "dictionaries") not in grants

    # rolling back takes the grant away again
    assert _rollback(admin, 1).status_code == 302
    assert auditor.get("/config/dictionaries/").status_code == 403


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "      config_versions: [list, show]\n",
            "      config_versions: [list, show, fly]\n",
            "config_versions: [list, show, fly]",
            "fly",
        ),
        (
            "      config_versions: [list, show]\n",
            "      config_versions: [list, show]\n      no_such_screen: [list]\n",
            "no_such_screen",
            "no_such_screen",
        ),
    ],
    ids=["unknown-action", "unknown-view"],
)
def test_roles_with_unknown_action_or_view_are_refused_at_the_line(
    config_app: Any, old: str, new: str, needle: str, message: str
) -> None:
    admin = _client(config_app, "admin")
    url = "/config/roles/edit/roles"
    page = admin.get(url).get_data(as_text=True)
    source = _textarea(page)
    broken = source.replace(old, new, 1)
    assert broken != source
    line = _line_of(broken, needle)
    response = _post_editor(admin, url, page, "publish", broken)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    problem = re.search(rf'<li class="lowlend-problem" data-line="{line}">(.*?)</li>', body, re.S)
    assert problem and message in problem.group(1), body[-3000:]
    with config_app.app_context():
        assert _store(config_app).current().number == 1


def test_entity_screen_says_new_kinds_and_fields_need_a_restart(config_app: Any) -> None:
    admin = _client(config_app, "admin")
    admin.get("/lang/en")
    listing = admin.get("/config/entities/").get_data(as_text=True)
    assert "lowlend-restart-note" in listing and "restarted" in listing
    assert "lowlend-pending-restart" not in listing  # everything published is served
    assert "lowlend-restart-note" in admin.get("/config/entities/edit/guarantor").get_data(
        as_text=True
    )

    url = "/config/entities/edit/guarantor"
    page = admin.get(url).get_data(as_text=True)
    source = _textarea(page)
    with_field = source.replace(
        "list_columns:",
        "  - {code: nickname, kind: text, label: {zh_CN: 昵称, en: Nickname}, max_length: 20,"
        " order: 110}\nlist_columns:",
        1,
    )
    response = _post_editor(admin, url, page, "publish", with_field, comment="nickname")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    shown = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Restart the web service" in shown and "guarantor (nickname)" in shown

    page = admin.get("/config/entities/add?from=guarantor").get_data(as_text=True)
    new_kind = (
        _textarea(page)
        .replace("code: guarantor", "code: co_borrower", 1)
        .replace("table: x_guarantor", "table: x_co_borrower", 1)
    )
    response = _post_editor(
        admin, "/config/entities/add", page, "publish", new_kind, code="co_borrower"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    listing = admin.get("/config/entities/").get_data(as_text=True)
    assert 'class="warning lowlend-pending-restart"' in _row(listing, "co_borrower")
    assert 'class="warning lowlend-pending-restart"' in _row(listing, "guarantor")
    assert "lowlend-pending-restart" not in _row(listing, "visit_record")
    assert 'data-entity="co_borrower"' in listing


NEW_SCREENS = (
    "/config/scorecards/",
    "/config/entities/",
    "/config/dictionaries/",
    "/config/roles/",
    "/config/menus/",
    "/config/settings/",
)


def test_roles_without_the_permission_are_refused(config_app: Any) -> None:
    collector = _client(config_app, "collector")
    auditor = _client(config_app, "auditor")
    for client in (collector, auditor):
        for url in NEW_SCREENS:
            assert client.get(url).status_code in (302, 403), url
        for url in (
            "/config/roles/edit/roles",
            "/config/settings/edit/eod",
            "/config/entities/add",
            "/config/dictionaries/labels/gender",
        ):
            assert client.get(url).status_code in (302, 403), url
            response = client.post(url, data={"op": "publish", "content": "roles: []\n"})
            assert response.status_code in (302, 403), url
        menu = client.get("/").get_data(as_text=True)
        assert 'href="/config/roles/"' not in menu and 'href="/config/scorecards/"' not in menu
    with config_app.app_context():
        assert _store(config_app).current().number == 1
    admin = _client(config_app, "admin")
    for url in NEW_SCREENS:
        assert admin.get(url).status_code == 200, url


def test_unknown_items_and_files_redirect_with_a_message(config_app: Any) -> None:
    admin = _client(config_app, "admin")
    for url in (
        "/config/settings/show/nothing",
        "/config/roles/edit/menus",
        "/config/entities/edit/guarantor?file=config/roles.yaml",
    ):
        response = admin.get(url)
        assert response.status_code == 302, url
    assert admin.get("/config/roles/add").status_code in (403, 404)  # no add: one file
    page = admin.get("/config/entities/add").get_data(as_text=True)
    response = _post_editor(
        admin, "/config/entities/add", page, "validate", "code: x\n", code="../roles"
    )
    assert "lowlend-form-error" in response.get_data(as_text=True)


def test_role_list_names_screens_and_data_scopes_in_the_language(config_app: Any) -> None:
    admin = _client(config_app, "admin")
    zh = admin.get("/config/roles/").get_data(as_text=True)
    collector = zh[zh.index("<code>collector</code>") :].split("</tr>", 1)[0]
    assert "催收案件" in collector and "本人记录" in collector, collector
    assert "collection_cases" not in collector and "own" not in re.sub(r"<[^>]+>", "", collector)
    admin.get("/lang/en")
    en = admin.get("/config/roles/").get_data(as_text=True)
    collector = en[en.index("<code>collector</code>") :].split("</tr>", 1)[0]
    assert "Collection cases" in collector and "own records" in collector, collector
