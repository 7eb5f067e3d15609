"""Done-when 3 against the fixture configuration: a collector of department A cannot
list, open, export or count (dashboard) a loan of department B — on web and REST.

The fixture's roles.yaml gives the collector ``loans: [list, show, export]`` with the
data scope ``loans: department``; loans A (principal 11,111.00) and B (22,222.00) are
both overdue. A second collector placed in B (made here) sees the mirror image, so the
checks cannot pass by showing nothing.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from .conftest import PASSWORD, login


def _amount(principal: str) -> re.Pattern[str]:
    """``11111.00`` as shown anywhere: ``11111.00``, ``11,111.00``, ``¥11,111.00`` …"""
    whole, cents = principal.split(".")
    grouped = f"{int(whole):,}".replace(",", ",?")
    return re.compile(rf"(?<![0-9]){grouped}\.{cents}")


@pytest.fixture(scope="module")
def collectors(mini: Any) -> dict[str, Any]:
    """``a``: the demo collector (staff in A); ``b``: a new collector user (staff in B)."""
    from lowlend.persistence.db import db
    from lowlend.persistence.models import Staff

    app = mini.app
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(
            username="collector_b", first_name="Collector", last_name="B",
            email="collector_b@mini.invalid", role=sm.find_role("collector"), password=PASSWORD,
        )
        assert user, "could not create collector_b"
        db.session.get(Staff, mini.org.staff["collector_b"]).user_id = user.id
        db.session.commit()
        db.session.remove()
    out = {}
    for key, username in (("a", "collector"), ("b", "collector_b")):
        client = app.test_client()
        login(client, username)
        out[key] = client
    return out


def _other(side: str) -> str:
    return "b" if side == "a" else "a"


@pytest.mark.parametrize("side", ["a", "b"])
def test_collector_cannot_list_or_open_a_loan_of_another_department(
    mini: Any, collectors: dict[str, Any], side: str
) -> None:
    client = collectors[side]
    mine, theirs = getattr(mini.org, side), getattr(mini.org, _other(side))
    mine_amount = _amount(mini.org.principals[side])
    theirs_amount = _amount(mini.org.principals[_other(side)])
    # web list
    page = client.get("/loans/list/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/loans/show/{mine['loans']}" in html, "own department's loan missing from the list"
    assert f"/loans/show/{theirs['loans']}" not in html, "other department's loan listed"
    assert mine_amount.search(html) and not theirs_amount.search(html)
    # web show / edit-less open
    assert client.get(f"/loans/show/{mine['loans']}").status_code == 200
    assert client.get(f"/loans/show/{theirs['loans']}").status_code == 404
    # REST list, count and get
    body = client.get("/api/v1/loans/?q=(page_size:100)").get_json()
    assert body["ids"] == [mine["loans"]], body["ids"]
    assert body["count"] == 1, body["count"]
    assert client.get(f"/api/v1/loans/{mine['loans']}").status_code == 200
    assert client.get(f"/api/v1/loans/{theirs['loans']}").status_code == 404
    # a filter both loans match (overdue, same product) still finds only the own one
    filtered = client.get("/api/v1/loans/?q=(filters:!((col:status,opr:eq,value:overdue)))")
    assert filtered.status_code == 200, filtered.get_data(as_text=True)[:300]
    assert filtered.get_json()["ids"] == [mine["loans"]]
    web_filtered = client.get("/loans/list/?_flt_0_status=overdue").get_data(as_text=True)
    assert f"/loans/show/{theirs['loans']}" not in web_filtered
    # records that belong to the other loan are out of reach as well
    for code in sorted(mini.registry.entities):
        if mini.registry.roles["collector"].permissions.get(code):
            assert client.get(f"/api/v1/{code}/{theirs[code]}").status_code == 404, code


@pytest.mark.parametrize("side", ["a", "b"])
def test_collector_cannot_export_a_loan_of_another_department(
    mini: Any, collectors: dict[str, Any], side: str
) -> None:
    client = collectors[side]
    response = client.get("/loans/export/?format=csv")
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2, rows  # header + the own department's loan
    assert _amount(mini.org.principals[side]).search(text), text
    assert not _amount(mini.org.principals[_other(side)]).search(text), text
    xlsx = client.get("/loans/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert sheet.max_row == 2, cells
    assert not _amount(mini.org.principals[_other(side)]).search(cells), cells


def _dashboard_counts(html: str) -> dict[str, int | None]:
    return {
        code: (int(count) if count else None)
        for code, count in re.findall(
            r'class="panel [^"]*lowlend-todo" data-code="([a-z_]+)" data-count="(\d*)"', html
        )
    }


@pytest.mark.parametrize("side", ["a", "b"])
def test_collector_dashboard_counts_only_own_department(
    mini: Any, clients: dict[str, Any], collectors: dict[str, Any], side: str
) -> None:
    admin = _dashboard_counts(clients["admin"].get("/").get_data(as_text=True))
    assert admin.get("loans_overdue") == 2, admin  # A and B are both overdue
    counts = _dashboard_counts(collectors[side].get("/").get_data(as_text=True))
    assert counts.get("loans_overdue") == 1, counts
    # the overdue installment of the other department's loan is not counted either
    assert counts.get("installments_overdue") == 1, counts
    assert admin.get("installments_overdue") == 2, admin
