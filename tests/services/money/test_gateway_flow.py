"""Disbursement and auto-debit through the sandbox gateway: success, insufficient funds,
no answer, late success by callback, duplicate callback, bad signature, unknown order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lowlend.domain.payments import PaymentCallback
from lowlend.integrations.payments import (
    FUNDING,
    SANDBOX_CARDS,
    CallbackSignatureError,
    SandboxGateway,
)
from lowlend.services.lending.auto_debit import auto_debit
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.payment_flow import apply_result
from tests.services.money.world import MAKER, World

DAY = dt.date(2026, 1, 6)


def _disburse(world: World, gateway: SandboxGateway, loan_id: int, card: str,
              day: dt.date = DAY) -> object:
    return disburse(world.uow, loan_id,
                    DisbursementRequest(day, "gateway", card_number=card, bank_code="ICBC"),
                    actor=MAKER, registry_for=world.registry_for, business_date=day,
                    gateway=gateway)


def _rows(world: World, loan_id: int) -> list[tuple[str, str, str | None]]:
    with world.engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(
            "SELECT type, status, failure_code FROM transactions WHERE loan_id = :l ORDER BY id"
        ), {"l": loan_id})]


def _entries(world: World, loan_id: int) -> int:
    with world.engine.connect() as c:
        return int(c.execute(sa.text("SELECT count(*) FROM journal_entries WHERE loan_id = :l"),
                             {"l": loan_id}).scalar_one())


def _loan_status(world: World, loan_id: int) -> str:
    with world.engine.connect() as c:
        return str(c.execute(sa.text("SELECT status FROM loans WHERE id = :l"),
                             {"l": loan_id}).scalar_one())


def _notices(gateway: SandboxGateway) -> list[PaymentCallback]:
    return [gateway.verify_callback(d.headers, d.body) for d in gateway.release_callbacks()]


def test_disbursement_success_moves_money_once(world: World) -> None:
    gateway = SandboxGateway(funding_balance=Decimal("50000.00"))
    loan_id = world.approved_loan()
    result = _disburse(world, gateway, loan_id, SANDBOX_CARDS["success"])
    assert result.status == "posted"  # type: ignore[attr-defined]
    assert gateway.balance(FUNDING) == Decimal("38000.00")
    assert _loan_status(world, loan_id) == "active" and _entries(world, loan_id) == 1
    with pytest.raises(LendingError) as again:
        _disburse(world, gateway, loan_id, SANDBOX_CARDS["success"])
    assert again.value.code == "loan_not_awaiting_disbursement"
    assert gateway.balance(FUNDING) == Decimal("38000.00")


def test_failed_disbursement_leaves_the_loan_waiting(world: World) -> None:
    gateway = SandboxGateway(funding_balance=Decimal("100.00"))  # the lender lacks the money
    loan_id = world.approved_loan()
    result = _disburse(world, gateway, loan_id, SANDBOX_CARDS["success"])
    assert (result.status, result.failure_code) == ("failed", "insufficient_funds")  # type: ignore[attr-defined]
    assert _loan_status(world, loan_id) == "approved" and _entries(world, loan_id) == 0
    gateway.bank._balances[FUNDING] = Decimal("20000.00")  # the treasury tops the account up
    assert _disburse(world, gateway, loan_id, SANDBOX_CARDS["success"]).status == "posted"  # type: ignore[attr-defined]
    assert [r[1] for r in _rows(world, loan_id)] == ["failed", "posted"]


def test_no_answer_then_late_success_and_duplicate_callbacks(world: World) -> None:
    gateway = SandboxGateway()
    loan_id = world.approved_loan()
    result = _disburse(world, gateway, loan_id, SANDBOX_CARDS["duplicate_callback"])
    assert result.status == "pending"  # type: ignore[attr-defined]
    assert _loan_status(world, loan_id) == "approved" and _entries(world, loan_id) == 0
    with pytest.raises(LendingError) as busy:
        _disburse(world, gateway, loan_id, SANDBOX_CARDS["success"])
    assert busy.value.code == "disbursement_in_progress"
    first, second = _notices(gateway)  # the sandbox sends the success notice twice
    outcome = apply_result(world.uow, first, registry_for=world.registry_for, business_date=DAY)
    assert (outcome.action, outcome.reason) == ("apply", "settled")
    outcome = apply_result(world.uow, second, registry_for=world.registry_for, business_date=DAY)
    assert (outcome.action, outcome.reason) == ("ignore", "duplicate")
    assert _loan_status(world, loan_id) == "active" and _entries(world, loan_id) == 1


def test_gateway_without_answer_posts_nothing(world: World) -> None:
    gateway = SandboxGateway()
    loan_id = world.approved_loan()
    result = _disburse(world, gateway, loan_id, SANDBOX_CARDS["error_always"])
    assert result.status == "pending"  # type: ignore[attr-defined]
    assert _entries(world, loan_id) == 0 and _rows(world, loan_id) == [("disbursement", "pending", None)]


def test_bad_signature_and_unknown_order(world: World) -> None:
    gateway = SandboxGateway()
    loan_id = world.approved_loan()
    _disburse(world, gateway, loan_id, SANDBOX_CARDS["bad_callback_signature"])
    deliveries = gateway.release_callbacks()
    with pytest.raises(CallbackSignatureError):
        gateway.verify_callback(deliveries[0].headers, deliveries[0].body)
    assert _loan_status(world, loan_id) == "approved"
    other = SandboxGateway()
    late = world.approved_loan()
    _disburse(world, other, late, SANDBOX_CARDS["late_success"])
    notice = _notices(other)[0]
    stranger = PaymentCallback("NOPE-1", notice.status, notice.reference, notice.amount,
                               notice.settled_amount, notice.currency, None, notice.settled_at,
                               notice.timestamp, notice.nonce, notice.signature)
    with pytest.raises(LendingError) as unknown:
        apply_result(world.uow, stranger, registry_for=world.registry_for, business_date=DAY)
    assert unknown.value.code == "payment_order_unknown" and unknown.value.status == 404


def test_auto_debit_success_insufficient_funds_and_retry_rules(world: World) -> None:
    gateway = SandboxGateway()
    rich = world.approved_loan(custom={"auto_debit_card": SANDBOX_CARDS["success"]})
    poor = world.approved_loan(custom={"auto_debit_card": SANDBOX_CARDS["insufficient_funds"]})
    for loan_id in (rich, poor):
        _disburse(world, gateway, loan_id, SANDBOX_CARDS["success"])
    due_day = dt.date(2026, 2, 6)
    with pytest.raises(LendingError) as early:
        auto_debit(world.uow, rich, gateway=gateway, actor=MAKER,
                   registry_for=world.registry_for, business_date=dt.date(2026, 1, 20))
    assert early.value.code == "nothing_due"
    ok = auto_debit(world.uow, rich, gateway=gateway, actor=MAKER,
                    registry_for=world.registry_for, business_date=due_day)
    assert ok.status == "posted" and ok.amount > 0
    # both loans were paid out to this card; the debit took exactly what was due
    assert gateway.balance(SANDBOX_CARDS["success"]) == Decimal("124000.00") - ok.amount
    failed = auto_debit(world.uow, poor, gateway=gateway, actor=MAKER,
                        registry_for=world.registry_for, business_date=due_day)
    assert (failed.status, failed.failure_code) == ("failed", "insufficient_funds")
    limit = world.registry.eod.steps  # the auto_debit step allows 2 attempts a day
    assert any(s.code.value == "auto_debit" and s.params["max_attempts_per_day"] == 2 for s in limit)
    auto_debit(world.uow, poor, gateway=gateway, actor=MAKER, registry_for=world.registry_for,
               business_date=due_day)
    with pytest.raises(LendingError) as used_up:
        auto_debit(world.uow, poor, gateway=gateway, actor=MAKER,
                   registry_for=world.registry_for, business_date=due_day)
    assert used_up.value.code == "auto_debit_attempts_exhausted"
    assert [r[1] for r in _rows(world, poor)] == ["posted", "failed", "failed"]
