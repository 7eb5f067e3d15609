"""Early settlement when payments made in advance already cover the payoff.

The borrower pays more than settling costs a week after the first installment, as an ordinary
repayment: the allocation puts it on future installments (principal, interest and fees of
periods that have not run). The payoff figure is then zero and the interest of the
periods that will not run (``unearned``) is owed back: a *zero* payoff settles the loan,
and the unearned part becomes the borrower's credit (``consumer_emi``: overpayment
``credit``) — in the loan and in the ledger, which still verifies.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.ledger_verify import verify_ledger
from lowlend.services.lending import corrections
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.repayments import RepaymentRequest, payoff, repay
from tests.services.money.world import MAKER, World

DAY = dt.date(2026, 1, 6)
LATER = dt.date(2026, 2, 13)  # after the first installment (prepayment allowed after 1)


def _credit_balance(world: World, loan_id: int, account: str) -> Decimal:
    with world.engine.connect() as c:
        value = c.execute(sa.text(
            "SELECT coalesce(sum(l.credit - l.debit), 0) FROM journal_lines l JOIN journal_entries e "
            "ON e.id = l.entry_id WHERE e.loan_id = :l AND l.account = :a"
        ), {"l": loan_id, "a": account}).scalar_one()
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_zero_payoff_settles_a_loan_paid_ahead(world: World) -> None:
    loan_id = world.approved_loan(amount="12000.00", start=DAY)
    disburse(world.uow, loan_id, DisbursementRequest(DAY, reference="BK1"), actor=MAKER,
             registry_for=world.registry_for, business_date=DAY)
    quoted = payoff(world.uow(), loan_id, LATER, LATER).total
    # more than settling costs, less than the whole schedule (the loan stays open)
    repay(world.uow, loan_id, RepaymentRequest(quoted + Decimal("300.00"), LATER, reference="R1"),
          actor=MAKER, registry_for=world.registry_for, business_date=LATER)
    figures = payoff(world.uow(), loan_id, LATER, LATER)
    assert figures.total == Decimal("0.00") and figures.unearned > 0
    with world.uow() as uow:
        before = corrections.refundable(uow.money.loan(loan_id), uow.money.transactions(loan_id),
                                        LATER)
    with pytest.raises(LendingError) as wrong:  # a payoff must still be the exact figure
        repay(world.uow, loan_id, RepaymentRequest(Decimal("1.00"), LATER, kind="payoff"),
              actor=MAKER, registry_for=world.registry_for, business_date=LATER)
    assert wrong.value.code == "payoff_amount_mismatch"

    done = repay(world.uow, loan_id, RepaymentRequest(Decimal("0.00"), LATER, kind="payoff",
                                                       reference="SETTLE"),
                 actor=MAKER, registry_for=world.registry_for, business_date=LATER)
    assert done.loan_status not in ("active", "overdue")
    with world.uow() as uow:
        loan = uow.money.loan(loan_id)
        after = corrections.refundable(loan, uow.money.transactions(loan_id), LATER)
    assert after == before + figures.unearned
    assert _credit_balance(world, loan_id, world.registry.ledger.overpayment_account) == after
    report = verify_ledger(
        SqlAlchemyUnitOfWork(make_session_factory(world.engine), {"ledger": SqlLedgerRepository}),
        current_registry=lambda: world.registry)
    assert report.ok, report


def test_zero_amount_is_refused_for_anything_but_a_settlement(world: World) -> None:
    loan_id = world.approved_loan(amount="12000.00", start=DAY)
    disburse(world.uow, loan_id, DisbursementRequest(DAY, reference="BK1"), actor=MAKER,
             registry_for=world.registry_for, business_date=DAY)
    for kind in ("repayment", "prepayment"):
        with pytest.raises(LendingError) as zero:
            repay(world.uow, loan_id, RepaymentRequest(Decimal("0.00"), LATER, kind=kind),  # type: ignore[arg-type]
                  actor=MAKER, registry_for=world.registry_for, business_date=LATER)
        assert zero.value.code == "amount_not_positive"
    with pytest.raises(LendingError) as owed:  # the payoff figure is not zero here
        repay(world.uow, loan_id, RepaymentRequest(Decimal("0.00"), LATER, kind="payoff"),
              actor=MAKER, registry_for=world.registry_for, business_date=LATER)
    assert owed.value.code == "payoff_amount_mismatch"
