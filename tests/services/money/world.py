"""A database with the shipped configuration and approved loans, without the web app:
what the money use cases run on in these tests (SQLite and PostgreSQL). The config entity
table of the entrusting parties exists and holds party 1 (``PARTY``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lowlend.domain.approval import Actor
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.entity_tables import build_models, ensure_tables
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import ConfigVersion, Customer, Loan
from lowlend.persistence.money_repository import money_uow_factory
from lowlend.services.lending import entrusted_funds
from lowlend.services.product_terms import snapshot_of, terms_and_fees
from lowlend.spec import load_directory

ROOT = Path(__file__).resolve().parents[3]
MAKER = Actor(1, "teller", frozenset({"finance"}))
CHECKER = Actor(2, "chief", frozenset({"finance"}))
PARTY = 1
"""The entrusting party of the world (a record of ``x_entrusting_parties``)."""


@dataclass
class World:
    engine: sa.Engine
    uow: Callable[[], Any]
    registry: Any
    version_id: int
    customer_id: int

    def registry_for(self, _version: int) -> Any:
        return self.registry

    def approved_loan(self, product: str = "consumer_emi", amount: str = "12000.00",
                      term: int = 12, rate: str | None = None,
                      start: dt.date = dt.date(2026, 1, 5), custom: dict[str, Any] | None = None,
                      fund: bool = True) -> int:
        """A loan booked as an approval books it (status ``approved``, terms snapshot with
        fees, the entrusting party of ``custom``), its schedule rows written by the
        disbursement. With ``fund``, the entrusting party of an entrusted loan first deposits
        the principal (through the deposit use case) so that the loan can be paid out."""
        terms, fees = terms_and_fees(
            self.registry, product, amount=Decimal(amount), term=term,
            annual_rate=Decimal(rate) if rate else None, start=start,
        )
        with make_session_factory(self.engine)() as session:
            loan = Loan(
                customer_id=self.customer_id, product_code=product,
                config_version_id=self.version_id, principal=terms.amount,
                annual_rate=terms.annual_rate, currency=terms.currency, term=term,
                status="approved", terms_snapshot=snapshot_of(terms, fees, config_version_id=self.version_id),
                custom=dict(custom or {}),
                entrusting_party_id=(custom or {}).get("entrusting_party"),
            )
            session.add(loan)
            session.commit()
            loan_id = int(loan.id)
        party = (custom or {}).get("entrusting_party")
        if fund and party is not None:
            self.deposit(Decimal(amount), start, party)
        return loan_id

    def deposit(self, amount: Decimal, on: dt.date, party: int = PARTY) -> None:
        """The entrusting party pays ``amount`` in (posted like the finance screen does)."""
        entrusted_funds.deposit(
            self.uow, party, entrusted_funds.FundsRequest(amount, on, f"DEP-{on}"),
            actor=MAKER, registry=self.registry, business_date=on,
        )


def make_world(database_url: str) -> World:
    upgrade(database_url)
    engine = make_engine(database_url)
    registry = load_directory(ROOT / "product_configs", ROOT / "notification_templates")
    with make_session_factory(engine)() as session:
        version = ConfigVersion(number=1, content_hash=registry.content_hash, bundle="{}",
                                author="test")
        customer = Customer(kind="individual", name="王小明", id_type="resident_id",
                            id_number_hash="h", region="CN-JX", custom={})
        session.add_all([version, customer])
        session.commit()
        ids = (int(version.id), int(customer.id))
    models = build_models([registry.entities["entrusting_parties"]])
    ensure_tables(engine, models.values())
    with engine.begin() as c:
        c.execute(sa.text(
            "INSERT INTO x_entrusting_parties (id, name, party_type, id_type, id_number, phone, "
            "agreement_no, bank_name, bank_account, created_at, updated_at) VALUES (:id, :n, "
            "'company', 'uscc', 'x', '13800000000', 'WT-1', 'ICBC', '62220000', :t, :t)"),
            {"id": PARTY, "n": "赣江投资有限公司", "t": dt.datetime(2026, 1, 1)})
    return World(engine, money_uow_factory(make_session_factory(engine)), registry, *ids)
