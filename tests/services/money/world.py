"""A database with the shipped configuration and approved loans, without the web app:
what the money use cases run on in these tests (SQLite and PostgreSQL)."""

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
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import ConfigVersion, Customer, Loan
from lowlend.persistence.money_repository import money_uow_factory
from lowlend.services.product_terms import snapshot_of, terms_and_fees
from lowlend.spec import load_directory

ROOT = Path(__file__).resolve().parents[3]
MAKER = Actor(1, "teller", frozenset({"finance"}))
CHECKER = Actor(2, "chief", frozenset({"finance"}))


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
                      start: dt.date = dt.date(2026, 1, 5), custom: dict[str, Any] | None = None) -> int:
        """A loan booked as an approval books it (status ``approved``, terms snapshot with
        fees), its schedule rows written by the disbursement."""
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
            )
            session.add(loan)
            session.commit()
            return int(loan.id)


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
    return World(engine, money_uow_factory(make_session_factory(engine)), registry, *ids)
