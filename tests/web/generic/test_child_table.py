"""Inline child-table editor (``kind: child_table``): form, parsing, cell errors, show page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from tests.web.generic.conftest import login

VISIT = {
    "visit_date": "2026-11-01",
    "visit_type": "post_loan",
    "borrower_consented": "y",
    "findings": "经营正常",
    "staff": "",  # the table's presence marker, as the form posts it
}

APPLICATION = {
    "customer_id": "1",
    "amount": "6000",
    "term": "12",
    "rate": "0.08",
    "custom__merchant_name": "某某电器",
    "custom__goods": "",
}


def _visit_model(app: Any) -> Any:
    return app.extensions["lowlend_generic"]["visit_record"].model


def _last_visit(app: Any) -> Any:
    from lowlend.persistence.db import db

    model = _visit_model(app)
    with app.app_context():
        item = db.session.query(model).order_by(model.id.desc()).first()
        db.session.expunge_all()
        return item


def _cell(html: str, name: str) -> str:
    """The ``<td>`` holding the input ``name``."""
    at = html.index(f'name="{name}"')
    start = html.rindex("<td", 0, at)
    return html[start : html.index("</td>", at)]


def test_add_form_renders_an_inline_table(admin_client: Any) -> None:
    html = admin_client.get("/visit_record/add").get_data(as_text=True)
    widget = html[html.index('class="lowlend-child-table"') :]
    widget = widget[: widget.index("</template>")]
    # a column per column spec, label in the request locale (zh_CN) with the required mark
    assert re.search(r'<th data-column="name">姓名 <strong class="lowlend-required-mark"', widget)
    # one empty row that works without JavaScript, plus the row template for "Add row"
    assert 'name="staff-0-name"' in widget and 'name="staff-__index__-name"' in widget
    assert 'maxlength="30"' in widget
    assert "lowlend-forms.js" in html and 'name="staff" value=""' in html
    # button texts come from the server (zh_CN page); the JS writes no text of its own
    assert "lowlend-add-row" in html and "lowlend-remove-row" in html


def test_input_types_follow_column_kinds(admin_client: Any) -> None:
    html = admin_client.get("/applications/add?product=installment_flat").get_data(as_text=True)
    assert re.search(
        r'name="custom__goods-0-name" value="" aria-label="商品名称" type="text"', html
    )
    price = re.search(r'<input[^>]*name="custom__goods-0-price"[^>]*>', html)
    quantity = re.search(r'<input[^>]*name="custom__goods-0-quantity"[^>]*>', html)
    assert price and 'type="number"' in price.group(0) and 'step="0.01"' in price.group(0)
    assert 'min="0.01"' in price.group(0)
    assert quantity and 'step="1"' in quantity.group(0) and 'min="1"' in quantity.group(0)
    admin_client.get("/lang/en")
    html = admin_client.get("/applications/add?product=installment_flat").get_data(as_text=True)
    assert ">Unit price <strong" in html and ">Add row<" in html


def test_posted_rows_are_stored_blank_rows_dropped(generic_app: Any, admin_client: Any) -> None:
    data = dict(VISIT, **{"staff-0-name": "张三", "staff-1-name": "  ", "staff-7-name": "李四"})
    response = admin_client.post("/visit_record/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert _last_visit(generic_app).staff == [{"name": "张三"}, {"name": "李四"}]


def test_application_rows_are_typed_by_the_validator(generic_app: Any, admin_client: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    data = dict(
        APPLICATION,
        **{
            "custom__goods-0-name": "电视机",
            "custom__goods-0-price": "1999.5",
            "custom__goods-0-quantity": "2",
            "custom__goods-1-name": "",
            "custom__goods-1-price": "",
            "custom__goods-1-quantity": "",
        },
    )
    response = admin_client.post("/applications/add?product=installment_flat", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with generic_app.app_context():
        row = db.session.query(Application).order_by(Application.id.desc()).first()
        assert row.product_code == "installment_flat"
        # money as the validator's 2-place decimal text (JSON), int as int
        assert row.custom["goods"] == [{"name": "电视机", "price": "1999.50", "quantity": 2}]
        pk = row.id
    show = admin_client.get(f"/applications/show/{pk}").get_data(as_text=True)
    table = show[show.index("lowlend-custom-view") :]
    assert "商品明细" in table and "<th>单价</th>" in table and "<td>1,999.50</td>" in table
    # editing shows the stored rows in their cells
    edit = admin_client.get(f"/applications/edit/{pk}").get_data(as_text=True)
    assert re.search(r'name="custom__goods-0-name" value="电视机"', edit)
    assert re.search(r'name="custom__goods-0-price" value="1999.50"', edit)


def test_row_errors_sit_next_to_their_cells(generic_app: Any, admin_client: Any) -> None:
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Application

    with generic_app.app_context():
        before = db.session.query(Application).count()
    data = dict(
        APPLICATION,
        **{
            "custom__goods-0-name": "冰箱",
            "custom__goods-0-price": "0",
            "custom__goods-0-quantity": "abc",
            "custom__goods-3-name": "",
            "custom__goods-3-price": "12",
            "custom__goods-3-quantity": "1",
        },
    )
    response = admin_client.post("/applications/add?product=installment_flat", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    price = _cell(html, "custom__goods-0-price")
    assert "has-error" in price and "lowlend-cell-error" in price and "0.01" in price
    quantity = _cell(html, "custom__goods-0-quantity")
    assert "lowlend-cell-error" in quantity and 'value="abc"' in quantity
    assert "lowlend-cell-error" not in _cell(html, "custom__goods-0-name")
    # the second posted row (number 3) is re-rendered as row 1, its error with it
    name = _cell(html, "custom__goods-1-name")
    assert "lowlend-cell-error" in name and "必填" in name
    assert 'value="12"' in _cell(html, "custom__goods-1-price")
    with generic_app.app_context():
        assert db.session.query(Application).count() == before


def test_edit_removes_rows_and_an_empty_table_is_required(
    generic_app: Any, admin_client: Any
) -> None:
    data = dict(VISIT, **{"staff-0-name": "张三", "staff-1-name": "李四"})
    assert admin_client.post("/visit_record/add", data=data).status_code == 302
    pk = _last_visit(generic_app).id
    edit = admin_client.get(f"/visit_record/edit/{pk}").get_data(as_text=True)
    assert 'name="staff-0-name" value="张三"' in edit and 'name="staff-1-name" value="李四"' in edit
    assert 'name="staff-2-name" value=""' in edit  # one empty row to add without JS
    # "Remove row" on the first row: the post simply lacks it
    response = admin_client.post(
        f"/visit_record/edit/{pk}", data=dict(VISIT, **{"staff-1-name": "李四"})
    )
    assert response.status_code == 302
    assert _last_visit(generic_app).staff == [{"name": "李四"}]
    # every row removed: the field is empty, and staff is required
    response = admin_client.post(f"/visit_record/edit/{pk}", data=VISIT)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index('class="lowlend-child-table"') : html.index('for="borrower_consented"')]
    assert "alert alert-danger" in row and "必填" in row
    assert _last_visit(generic_app).staff == [{"name": "李四"}]


def test_too_many_rows_is_a_field_error(
    generic_app: Any, admin_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowlend.web.forms import child_table

    monkeypatch.setattr(child_table, "MAX_ROWS", 2)
    rows = {f"staff-{i}-name": f"员工{i}" for i in range(3)}
    response = admin_client.post("/visit_record/add", data=dict(VISIT, **rows))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index('class="lowlend-child-table"') : html.index('for="borrower_consented"')]
    assert "alert alert-danger" in row and "2" in row[row.index("alert alert-danger") :]
    assert 'value="员工2"' in row  # the posted rows are kept on the page


def test_show_page_renders_an_escaped_table(generic_app: Any, admin_client: Any) -> None:
    evil = "<script>alert(1)</script>"
    data = dict(VISIT, **{"staff-0-name": evil, "staff-1-name": "王&五"})
    assert admin_client.post("/visit_record/add", data=data).status_code == 302
    pk = _last_visit(generic_app).id
    html = admin_client.get(f"/visit_record/show/{pk}").get_data(as_text=True)
    table = html[html.index("lowlend-child-table-view") :]
    table = table[: table.index("</table>")]
    assert "<th>姓名</th>" in table
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in table and "王&amp;五" in table
    assert evil not in html
    assert '[{"name"' not in html  # not JSON


def test_formatter_and_parser_units(generic_app: Any) -> None:
    from decimal import Decimal

    from lowlend.spec.model import DictionaryItem, DictionarySpec, FieldKind, FieldSpec, Label
    from lowlend.web.forms.child_table import child_table_html, parse_rows

    columns = (
        FieldSpec("item", FieldKind.TEXT, Label("物品", "Item")),
        FieldSpec("ok", FieldKind.BOOL, Label("合格", "OK")),
        FieldSpec("grade", FieldKind.ENUM, Label("等级", "Grade"), dictionary="g"),
        FieldSpec("price", FieldKind.MONEY, Label("价格", "Price"), min=Decimal("1")),
    )
    form = MultiDict(
        [
            ("t-0-item", "a"),
            ("t-1-item", ""),  # blank row (an unchecked checkbox posts nothing)
            ("t-10-item", "b"),
            ("t-10-ok", "y"),
            ("t-2-item", "c"),
            ("t-2-bogus", "x"),  # undeclared column: ignored
            ("other-0-item", "z"),
        ]
    )
    rows, found = parse_rows(form, "t", columns)
    assert found
    assert rows == [
        {"item": "a", "ok": False, "grade": "", "price": ""},
        {"item": "c", "ok": False, "grade": "", "price": ""},
        {"item": "b", "ok": True, "grade": "", "price": ""},
    ]
    assert parse_rows(MultiDict([("t", "")]), "t", columns) == ([], False)
    dictionaries = {
        "g": DictionarySpec("g", Label("等级", "Grade"), (DictionaryItem("A", Label("甲", "A")),))
    }
    with generic_app.test_request_context("/"):
        html = child_table_html(
            columns,
            [{"item": "<b>", "ok": True, "grade": "A", "price": "3.00", "x": "&"}],
            dictionaries,
        )
    assert "<td>&lt;b&gt;</td>" in html and "<td>甲</td>" in html and "<th>x</th>" in html
    assert "<td>&amp;</td>" in html and "<td>3.00</td>" in html


@pytest.mark.parametrize("as_json", [False, True])
def test_child_rows_on_each_database(
    database_url: str, make_generic_app: Any, as_json: bool
) -> None:
    app = make_generic_app(database_url)
    client = app.test_client()
    login(client, "admin")
    rows = {"staff-0-name": "张三", "staff-1-name": "李四"}
    data = (
        dict(VISIT, staff='[{"name": "张三"}, {"name": "李四"}]')
        if as_json
        else dict(VISIT, **rows)
    )
    response = client.post("/visit_record/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    item = _last_visit(app)
    assert item.staff == [{"name": "张三"}, {"name": "李四"}]
    response = client.post(
        f"/visit_record/edit/{item.id}", data=dict(VISIT, **{"staff-0-name": "王五"})
    )
    assert response.status_code == 302
    assert _last_visit(app).staff == [{"name": "王五"}]
