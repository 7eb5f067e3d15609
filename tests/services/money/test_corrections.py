"""Maker-checker requests: refund of an overpayment, write-off and recovery, rejection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lowlend.services.lending import corrections
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.repayments import RepaymentRequest, loan_outstanding, repay
from tests.services.money.world import CHECKER, MAKER, World

DAY = dt.date(2026, 1, 6)


def _balance(world: World, loan_id: int, account: str) -> Decimal:
    with world.engine.connect() as c:
        value = c.execute(sa.text(
            "SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l JOIN journal_entries e "
            "ON e.id = l.entry_id WHERE e.loan_id = :l AND l.account = :a"
        ), {"l": loan_id, "a": account}).scalar_one()
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _disbursed(world: World, **kw: object) -> int:
    loan_id = world.approved_loan(start=DAY, **kw)  # type: ignore[arg-type]
    disburse(world.uow, loan_id, DisbursementRequest(DAY, reference="D"), actor=MAKER,
             registry_for=world.registry_for, business_date=DAY)
    return loan_id


def test_refund_of_an_overpayment_on_a_refund_policy_loan(world: World) -> None:
    loan_id = _disbursed(world, product="entrusted_loan", amount="600000.00", term=4,
                         custom={"entrusting_party": 1})  # overpayment policy: refund
    day = dt.date(2026, 4, 10)
    owed = loan_outstanding(world.uow(), loan_id, day)  # every installment, paid in advance
    over = Decimal("250.00")
    repay(world.uow, loan_id, RepaymentRequest(owed + over, day), actor=MAKER,
          registry_for=world.registry_for, business_date=day)
    with world.uow() as uow:
        loan = uow.money.loan(loan_id)
        assert corrections.refundable(loan, uow.money.transactions(loan_id), day) == over
    with pytest.raises(LendingError) as too_much:
        corrections.request_refund(world.uow, loan_id, over + 1, reference="RF1", note="",
                                   actor=MAKER, business_date=day)
    assert too_much.value.code == "refund_above_refundable"
    request = corrections.request_refund(world.uow, loan_id, over, reference="RF1", note="",
                                         actor=MAKER, business_date=day)
    assert _balance(world, loan_id, "borrower_credit") == -over  # nothing moved yet
    with pytest.raises(LendingError) as same:
        corrections.approve(world.uow, request, actor=MAKER, registry_for=world.registry_for,
                            business_date=day)
    assert (same.value.code, same.value.status) == ("maker_checker", 403)
    done = corrections.approve(world.uow, request, actor=CHECKER, registry_for=world.registry_for,
                               business_date=day)
    assert done.status == "posted"
    assert _balance(world, loan_id, "borrower_credit") == Decimal("0.00")
    with pytest.raises(LendingError) as twice:
        corrections.approve(world.uow, request, actor=CHECKER, registry_for=world.registry_for,
                            business_date=day)
    assert twice.value.code == "not_awaiting_approval"


def test_write_off_then_recovery(world: World) -> None:
    loan_id = _disbursed(world)
    early = dt.date(2026, 5, 1)
    with pytest.raises(LendingError) as too_early:
        corrections.request_write_off(world.uow, loan_id, reason="gone", actor=MAKER,
                                      registry_for=world.registry_for, business_date=early)
    assert too_early.value.code == "write_off_too_early"
    late = dt.date(2026, 9, 1)  # the first installment is 207 days past due
    request = corrections.request_write_off(world.uow, loan_id, reason="gone", actor=MAKER,
                                            registry_for=world.registry_for, business_date=late)
    rejected = corrections.reject(world.uow, request, reason="try collections first", actor=CHECKER)
    assert rejected.status == "rejected" and rejected.loan_status != "written_off"
    request = corrections.request_write_off(world.uow, loan_id, reason="gone", actor=MAKER,
                                            registry_for=world.registry_for, business_date=late)
    done = corrections.approve(world.uow, request, actor=CHECKER, registry_for=world.registry_for,
                               business_date=late)
    assert done.loan_status == "written_off"
    assert _balance(world, loan_id, "loan_principal") == Decimal("0.00")
    assert _balance(world, loan_id, "write_off_expense") == Decimal("12000.00")
    with pytest.raises(LendingError) as closed:
        repay(world.uow, loan_id, RepaymentRequest(Decimal("100.00"), late), actor=MAKER,
              registry_for=world.registry_for, business_date=late)
    assert closed.value.code == "loan_written_off"
    corrections.record_recovery(world.uow, loan_id, Decimal("500.00"), value_date=late,
                                reference="RC1", actor=MAKER, registry_for=world.registry_for,
                                business_date=late)
    assert _balance(world, loan_id, "recovery_income") == Decimal("-500.00")
