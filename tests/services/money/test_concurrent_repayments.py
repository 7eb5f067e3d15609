"""PostgreSQL: 50 concurrent repayment requests on one loan, 20 of them repeating an
Idempotency-Key → exactly the 30 distinct payments are posted and the books agree; a stored
key with another body is refused."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lowlend.domain.ledger_chain import verify_chain
from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import MAKER, World, make_world

DAY = dt.date(2026, 1, 6)
LATER = dt.date(2026, 3, 20)


@pytest.fixture
def pg_world(postgres_url: str) -> Iterator[World]:
    w = make_world(postgres_url)
    yield w
    w.engine.dispose()


def test_fifty_concurrent_repayments(pg_world: World) -> None:
    world = pg_world
    loan_id = world.approved_loan(amount="200000.00", term=24)
    disburse(world.uow, loan_id, DisbursementRequest(DAY, reference="BK-D"), actor=MAKER,
             registry_for=world.registry_for, business_date=DAY)
    # 30 distinct payments; 20 requests repeat one of them (same key, same body)
    requests = [(f"key-{i:02d}", Decimal("100.00") + i) for i in range(30)]
    requests += [(f"key-{i % 30:02d}", Decimal("100.00") + i % 30) for i in range(20)]
    assert len(requests) == 50
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []
    lock = threading.Lock()

    def send(key: str, amount: Decimal) -> None:
        barrier.wait()
        try:
            result = repay(world.uow, loan_id,
                           RepaymentRequest(amount, dt.date(2026, 2, 6), reference=key),
                           actor=MAKER, registry_for=world.registry_for, business_date=LATER,
                           idempotency_key=key)
            outcome = "replayed" if result.replayed else "posted"
        except LendingError as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    counts = Counter(outcomes)
    assert counts == {"posted": 30, "replayed": 20}
    for key, amount in (("key-00", Decimal("999.00")), ("key-01", Decimal("998.00"))):
        with pytest.raises(LendingError) as reused:  # a stored key with another body
            repay(world.uow, loan_id, RepaymentRequest(amount, dt.date(2026, 2, 6), reference=key),
                  actor=MAKER, registry_for=world.registry_for, business_date=LATER,
                  idempotency_key=key)
        assert (reused.value.code, reused.value.status) == ("idempotency_key_reused", 409)
    with world.engine.connect() as c:
        paid = c.execute(sa.text(
            "SELECT count(*), sum(amount) FROM transactions WHERE loan_id = :l AND type = 'repayment'"
        ), {"l": loan_id}).one()
        assert paid[0] == 30
        assert Decimal(str(paid[1])) == sum((a for _, a in requests[:30]), Decimal(0))
        ledger_principal = Decimal(str(c.execute(sa.text(
            "SELECT sum(l.debit - l.credit) FROM journal_lines l JOIN journal_entries e "
            "ON e.id = l.entry_id WHERE e.loan_id = :l AND l.account = 'loan_principal'"
        ), {"l": loan_id}).scalar_one()))
        outstanding = Decimal(str(c.execute(sa.text(
            "SELECT sum(principal - principal_paid) FROM installments WHERE loan_id = :l"
        ), {"l": loan_id}).scalar_one()))
        assert ledger_principal == outstanding
        totals = c.execute(sa.text("SELECT sum(debit), sum(credit) FROM journal_lines")).one()
        assert totals[0] == totals[1]
    with make_session_factory(world.engine)() as session:
        report = verify_chain(SqlLedgerRepository(session).entries())
    assert report.ok and report.entries == 31
