"""Tranches and entrusted funds over REST and through the finance screens (SQLite and
PostgreSQL): field errors as 4xx JSON naming the field, a partly disbursed loan shown as
such, deposits and withdrawals of an entrusting party and the refusal of an entrusted
disbursement above its funds."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from typing import Any

import sqlalchemy as sa

from tests.web.lending.helpers import new_customer, token, web_login, with_csrf


def _booked(app: Any, product: str, amount: str, term: int, party: int | None = None) -> int:
    """An approved loan booked as the approval books it (terms snapshot with fees): the
    approval path itself is tested elsewhere."""
    from lowlend.persistence.db import db
    from lowlend.persistence.models import ConfigState, Loan
    from lowlend.services.product_terms import snapshot_of, terms_and_fees
    from lowlend.web import registry_hooks

    customer = new_customer(app)
    with app.app_context():
        version = db.session.execute(sa.select(ConfigState.current_version_id)).scalar_one()
        registry = registry_hooks.current_registry()
        terms, fees = terms_and_fees(registry, product, amount=Decimal(amount), term=term,
                                     annual_rate=None, start=dt.date.today())
        loan = Loan(customer_id=customer, product_code=product, config_version_id=version,
                    principal=terms.amount, annual_rate=terms.annual_rate, currency="CNY",
                    term=term, status="approved",
                    terms_snapshot=snapshot_of(terms, fees, config_version_id=version),
                    custom={} if party is None else {"entrusting_party": party},
                    entrusting_party_id=party)
        db.session.add(loan)
        db.session.commit()
        loan_id = int(loan.id)
        db.session.remove()
        return loan_id


def _scalar(app: Any, sql: str, **params: Any) -> Any:
    from lowlend.persistence.db import db

    with app.app_context():
        value = db.session.execute(sa.text(sql), params).scalar_one()
        db.session.remove()
        return value


def _party(app: Any) -> tuple[int, str]:
    from lowlend.persistence.db import db

    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT id, name FROM x_entrusting_parties ORDER BY id LIMIT 1")).one()
        db.session.remove()
        return int(row[0]), str(row[1])


def _available(client: Any, headers: dict[str, str], party: int) -> Decimal:
    r = client.get(f"/api/v1/entrusting_parties/{party}/funds", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    return Decimal(r.get_json()["available"])


def test_tranches_over_rest(lending_app: Any) -> None:
    client = lending_app.test_client()
    finance = token(client, "finance")
    loan = _booked(lending_app, "business_equal_principal", "300000.00", 12)
    url = f"/api/v1/loans/{loan}/disburse"
    for amount in ("x", "1e400", "12.345"):
        r = client.post(url, headers=finance, json={"amount": amount, "reference": "BK"})
        assert r.status_code == 422 and "amount" in r.get_json()["errors"], r.get_json()
    r = client.post(url, headers=finance, json={"amount": "300000.01", "reference": "BK"})
    assert r.status_code == 422 and r.get_json()["code"] == "tranche_exceeds_undisbursed"
    assert "amount" in r.get_json()["errors"]
    assert _scalar(lending_app, "SELECT count(*) FROM transactions WHERE loan_id = :l", l=loan) == 0

    r = client.post(url, headers=finance, json={"amount": "100000.00", "reference": "BK-1"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["tranche"] == 1 and r.get_json()["principal"] == "100000.00"
    r = client.post(url, headers=finance, json={"amount": "10000.00", "reference": "BK-2"})
    assert r.status_code == 422 and r.get_json()["code"] == "tranche_below_minimum"
    r = client.post(url, headers=finance, json={"amount": "50000.00", "reference": "BK-2"})
    assert r.status_code == 201 and r.get_json()["tranche"] == 2
    assert _scalar(lending_app, "SELECT disbursed_principal FROM loans WHERE id = :l",
                   l=loan) == Decimal("150000.00")
    # absent amount: the rest
    r = client.post(url, headers=finance, json={"reference": "BK-3"})
    assert r.status_code == 201 and r.get_json()["principal"] == "150000.00"
    r = client.post(url, headers=finance, json={"reference": "BK-4"})
    assert r.status_code == 409 and r.get_json()["code"] == "loan_not_awaiting_disbursement"


def test_partly_disbursed_loan_on_the_screens(lending_app: Any) -> None:
    client = lending_app.test_client()
    loan = _booked(lending_app, "business_equal_principal", "200000.00", 12)
    web_login(client, "finance")
    page = client.get(f"/disbursements/{loan}/disburse").get_data(as_text=True)
    assert "lowlend-approved" in page and 'name="amount"' in page
    form = with_csrf(page, {"value_date": "", "amount": "5000.00", "channel": "transfer",
                            "reference": "BK-1", "action": "confirm"})
    r = client.post(f"/disbursements/{loan}/disburse", data=form)
    assert r.status_code == 200  # refused: below the minimum tranche, shown at the field
    found = re.search(r'lowlend-field-error" data-field="amount">([^<]*)<', r.get_data(as_text=True))
    assert found, "the amount's error is next to the field"
    assert "20,000.00" in unescape(found.group(1)) or "20000.00" in unescape(found.group(1))
    r = client.post(f"/disbursements/{loan}/disburse", data={**form, "amount": "80000.00"})
    assert r.status_code == 302, r.get_data(as_text=True)
    listing = client.get("/disbursements/").get_data(as_text=True)
    assert f'data-loan="{loan}"' in listing  # still awaiting its other tranches
    shown = client.get(f"/loans/show/{loan}").get_data(as_text=True)
    assert "lowlend-partly-disbursed" in shown and "80,000.00" in shown
    assert "已放款本金" in shown  # the record's own figure (the default locale is zh_CN)


def test_entrusted_funds_over_rest_and_the_screen(lending_app: Any) -> None:
    client = lending_app.test_client()
    finance, manager = token(client, "finance"), token(client, "manager")
    party, name = _party(lending_app)
    base = f"/api/v1/entrusting_parties/{party}"
    before = _available(client, finance, party)

    for body, field in (({"reference": "R"}, "amount"), ({"amount": "x", "reference": "R"}, "amount"),
                        ({"amount": "-1", "reference": "R"}, "amount"),
                        ({"amount": "10.00"}, "reference"),
                        ({"amount": "10.00", "reference": "R", "value_date": "2999-01-01"},
                         "value_date")):
        r = client.post(f"{base}/deposits", headers=finance, json=body)
        assert r.status_code == 422 and field in r.get_json()["errors"], (body, r.get_json())
    assert client.post(f"{base}/deposits", headers=manager,
                       json={"amount": "10.00", "reference": "R"}).status_code == 403
    r = client.post("/api/v1/entrusting_parties/999999/deposits", headers=finance,
                    json={"amount": "10.00", "reference": "R"})
    assert r.status_code == 404 and r.get_json()["code"] == "entrusting_party_not_found"
    assert _available(client, finance, party) == before

    r = client.post(f"{base}/deposits", headers=finance,
                    json={"amount": "600000.00", "reference": "WT-1"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert Decimal(r.get_json()["funds"]["available"]) == before + Decimal("600000.00")
    r = client.post(f"{base}/withdrawals", headers=finance,
                    json={"amount": str(before + Decimal("600000.01")), "reference": "WD"})
    assert r.status_code == 409 and r.get_json()["code"] == "entrusted_funds_insufficient"
    assert str(before + Decimal("600000.00")) in r.get_json()["message"]

    # an entrusted loan above the party's funds is refused, naming available and needed
    available = _available(client, finance, party)
    loan = _booked(lending_app, "entrusted_loan", str(available + Decimal("100000.00")), 4, party)
    r = client.post(f"/api/v1/loans/{loan}/disburse", headers=finance, json={"reference": "BK"})
    assert r.status_code == 409 and r.get_json()["code"] == "entrusted_funds_insufficient"
    assert str(available) in r.get_json()["message"]
    # a first tranche within them is paid out
    r = client.post(f"/api/v1/loans/{loan}/disburse", headers=finance,
                    json={"reference": "BK", "amount": str(available)})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert _available(client, finance, party) == 0

    web_login(client, "finance")
    listing = client.get("/entrusted_funds/").get_data(as_text=True)
    assert f'data-party="{party}"' in listing and name in listing
    page = client.get(f"/entrusted_funds/{party}").get_data(as_text=True)
    assert "WT-1" in page
    form = with_csrf(page, {"kind": "deposit", "amount": "not money", "value_date": "",
                            "reference": "WT-2", "note": ""})
    r = client.post(f"/entrusted_funds/{party}", data=form)
    assert r.status_code == 200 and 'data-field="amount"' in r.get_data(as_text=True)
    r = client.post(f"/entrusted_funds/{party}", data={**form, "amount": "1000.00"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert _available(client, finance, party) == Decimal("1000.00")
    web_login(client, "manager")
    assert client.get("/entrusted_funds/").status_code in (302, 403)


def test_a_party_outside_the_data_scope_is_not_found(lending_app: Any, tmp_path: Any) -> None:
    """Entrusted funds follow the data scope the user's roles have on ``entrusted_funds``:
    the business manager (own department and below), given ``list`` on it in roles.yaml
    and published from the CLI, sees a party of its department, and gets 404 — as for an
    unknown party — on the API and the screen for one outside its tree."""
    from click.testing import CliRunner

    from lowlend.cli.config_cmd import config_group
    from lowlend.persistence.db import db
    from lowlend.web.fab import security_manager
    from tests.config_fixtures import ConfigCopy
    from tests.web.conftest import TEST_MASTER_KEY

    seed = ConfigCopy.make(tmp_path)
    seed.replace("roles.yaml", "      disbursements: [list, show]\n",
                 "      disbursements: [list, show]\n      entrusted_funds: [list, show]\n")
    url = lending_app.config["SQLALCHEMY_DATABASE_URI"]
    published = CliRunner().invoke(
        config_group, ["publish", "--author", "ops"], obj={"config_dir": str(seed.config)},
        env={"LOWLEND_DATABASE_URL": url, "LOWLEND_TEMPLATES_DIR": None,
             "LOWLEND_SECRET_KEY": "cli-secret", "LOWLEND_MASTER_KEY": TEST_MASTER_KEY})
    assert published.exit_code == 0 and "permissions synced" in published.stdout, published.output
    party, _ = _party(lending_app)
    with lending_app.app_context():
        user_id = security_manager(lending_app).find_user(username="manager").id
        mine = db.session.execute(sa.text("SELECT department_id FROM staff WHERE user_id = :u"),
                                  {"u": user_id}).scalar_one()
        other = db.session.execute(sa.text(
            "SELECT id FROM departments WHERE path NOT LIKE "
            "(SELECT path FROM departments WHERE id = :d) || '%' ORDER BY id LIMIT 1"),
            {"d": mine}).scalar_one()
        db.session.remove()

    def placed_in(department: int) -> tuple[int, int]:
        with lending_app.app_context():
            db.session.execute(sa.text(
                "UPDATE x_entrusting_parties SET department_id = :d, owner_id = NULL "
                "WHERE id = :p"), {"d": department, "p": party})
            db.session.commit()
            db.session.remove()
        client = lending_app.test_client()
        api = client.get(f"/api/v1/entrusting_parties/{party}/funds",
                         headers=token(client, "manager"))
        web_login(client, "manager")
        screen = client.get(f"/entrusted_funds/{party}")
        return int(api.status_code), int(screen.status_code)

    assert placed_in(mine) == (200, 200)
    assert placed_in(other) == (404, 404)
