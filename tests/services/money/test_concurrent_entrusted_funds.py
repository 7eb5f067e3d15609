"""PostgreSQL: withdrawals and entrusted disbursements racing for one entrusting party's funds
never spend more than it has (the party's record is locked while its funds are checked)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.entrusted_funds import FundsRequest, deposit, party_funds, withdraw
from lowlend.services.lending.errors import LendingError
from tests.services.money.world import MAKER, PARTY, World, make_world

DAY = dt.date(2026, 1, 6)


@pytest.fixture
def pg_world(postgres_url: str) -> Iterator[World]:
    w = make_world(postgres_url)
    yield w
    w.engine.dispose()


def test_racing_withdrawals_and_disbursements(pg_world: World) -> None:
    world = pg_world
    deposit(world.uow, PARTY, FundsRequest(Decimal("1000000.00"), DAY, "WT-1"), actor=MAKER,
            registry=world.registry, business_date=DAY)
    loans = [world.approved_loan("entrusted_loan", "600000.00", 4, start=DAY,
                                 custom={"entrusting_party": PARTY}, fund=False)
             for _ in range(3)]
    calls: list[Callable[[], object]] = [
        lambda: withdraw(world.uow, PARTY, FundsRequest(Decimal("600000.00"), DAY, "WD"),
                         actor=MAKER, registry=world.registry, business_date=DAY)
        for _ in range(3)
    ]
    calls += [
        (lambda loan=loan: disburse(world.uow, loan, DisbursementRequest(DAY, reference="BK"),
                                    actor=MAKER, registry_for=world.registry_for,
                                    business_date=DAY))
        for loan in loans
    ]
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            call()
            outcome = "done"
        except LendingError as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # 1,000,000.00 covers exactly one of the six 600,000.00 operations
    assert Counter(outcomes) == {"done": 1, "entrusted_funds_insufficient": 5}
    funds = party_funds(world.uow, world.registry, PARTY)[0]
    assert funds.available == Decimal("400000.00")
