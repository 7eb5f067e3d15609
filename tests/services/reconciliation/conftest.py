"""A database with the shipped configuration, a disbursed loan and a few postings, and the
reconciliation unit of work on it (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.reconciliation_repository import reconciliation_uow_factory
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import MAKER, World, make_world

BUSINESS_DATE = dt.date(2026, 2, 10)


@dataclass
class Books:
    world: World
    recon: Any
    loan_id: int
    net_proceeds: Decimal
    txn: dict[str, int] = field(default_factory=dict)

    def repay(self, amount: str, day: dt.date, channel: str = "transfer",
              reference: str = "") -> int:
        result = repay(self.world.uow, self.loan_id,
                       RepaymentRequest(Decimal(amount), day, channel=channel,
                                        reference=reference),
                       actor=MAKER, registry_for=self.world.registry_for,
                       business_date=BUSINESS_DATE)
        return result.transaction_id


@pytest.fixture
def books(database_url: str) -> Iterator[Books]:
    """Loan disbursed on 2026-01-06 by transfer ``BK1``; repayments: 1100.00 on 02-06
    (``WX-001``), 900.00 on 02-07 (no reference), 500.00 cash on 02-07, 300.00 on 02-05
    (``WX-300``)."""
    world = make_world(database_url)
    loan_id = world.approved_loan()
    d = disburse(world.uow, loan_id, DisbursementRequest(dt.date(2026, 1, 6), reference="BK1"),
                 actor=MAKER, registry_for=world.registry_for, business_date=dt.date(2026, 1, 6))
    b = Books(world, reconciliation_uow_factory(make_session_factory(world.engine)), loan_id,
              d.net_proceeds, {"disbursement": d.transaction_id})
    b.txn["r1100"] = b.repay("1100.00", dt.date(2026, 2, 6), reference="WX-001")
    b.txn["r900"] = b.repay("900.00", dt.date(2026, 2, 7))
    b.txn["cash500"] = b.repay("500.00", dt.date(2026, 2, 7), channel="cash", reference="C1")
    b.txn["r300"] = b.repay("300.00", dt.date(2026, 2, 5), reference="WX-300")
    yield b
    world.engine.dispose()
