"""The in-process sandbox gateway: test cards, balances, idempotency, callbacks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lowlend.domain.identity import check_bank_card
from lowlend.domain.payments import PaymentOrder, apply_callback
from lowlend.integrations.payments import (
    FUNDING,
    SANDBOX_CARDS,
    CallbackSignatureError,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    SandboxGateway,
)

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)


def gateway(funding: str = "1000000.00") -> SandboxGateway:
    return SandboxGateway(funding_balance=Decimal(funding), clock=lambda: NOW,
                          callback_secret="cb-secret")


def order(case: str, order_id: str, kind: str = "disbursement", amount: str = "3000.00",
          **changes: str) -> PaymentOrder:
    fields = {"kind": kind, "order_id": order_id, "amount": Decimal(amount), "currency": "CNY",
              "holder_name": "张三", "card_number": SANDBOX_CARDS.get(case, case),
              "bank_code": "ICBC", "loan_id": "LN1", "memo": "", **changes}
    return PaymentOrder(**fields)  # type: ignore[arg-type]


def test_sandbox_is_a_gateway_and_cards_are_luhn_valid() -> None:
    assert isinstance(gateway(), PaymentGateway)
    for number in SANDBOX_CARDS.values():
        assert check_bank_card(number) == number
    assert len(set(SANDBOX_CARDS.values())) == len(SANDBOX_CARDS)


def test_disbursement_moves_money_out_of_the_funding_account() -> None:
    gw = gateway("5000.00")
    result = gw.submit(order("success", "D-1"))
    assert (result.status, result.settled_amount, result.settled_at) == (
        "succeeded", Decimal("3000.00"), NOW)
    assert gw.balance(FUNDING) == Decimal("2000.00")
    assert gw.balance(SANDBOX_CARDS["success"]) == Decimal("103000.00")
    assert gw.query("D-1") == result


def test_disbursement_beyond_the_funding_balance_fails_and_moves_nothing() -> None:
    gw = gateway("100.00")
    result = gw.submit(order("success", "D-2"))
    assert (result.status, result.failure_code) == ("failed", "insufficient_funds")
    assert gw.balance(FUNDING) == Decimal("100.00") and gw.bank.movements == []


def test_debit_with_insufficient_funds_fails_and_moves_nothing() -> None:
    gw = gateway()
    result = gw.submit(order("insufficient_funds", "A-1", kind="debit", amount="10.00"))
    assert (result.status, result.failure_code, result.settled_amount) == (
        "failed", "insufficient_funds", Decimal("0.00"))
    assert gw.balance(FUNDING) == Decimal("1000000.00")
    assert gw.balance(SANDBOX_CARDS["insufficient_funds"]) == Decimal("0.00")
    assert gw.bank.movements == []


def test_debit_collects_into_the_funding_account() -> None:
    gw = gateway()
    assert gw.submit(order("6222020000000106", "A-2", kind="debit", amount="250.50")).status \
        == "succeeded"
    assert gw.balance("6222020000000106") == Decimal("9749.50")
    assert gw.balance(FUNDING) == Decimal("1000250.50")


def test_refund_pays_out() -> None:
    gw = gateway()
    gw.submit(order("success", "R-1", kind="refund", amount="1.00"))
    assert gw.balance(FUNDING) == Decimal("999999.00")


@pytest.mark.parametrize(
    ("case", "amount", "code"),
    [("account_closed", "1.00", "account_invalid"), ("limit_exceeded", "1000.01", "limit_exceeded")],
)
def test_failure_cards(case: str, amount: str, code: str) -> None:
    gw = gateway()
    result = gw.submit(order(case, "F-1", kind="debit", amount=amount))
    assert (result.status, result.failure_code) == ("failed", code)
    assert gw.bank.movements == []


def test_limit_card_accepts_small_payments() -> None:
    assert gateway().submit(order("limit_exceeded", "L-1", kind="debit", amount="1000.00")).status \
        == "succeeded"


def test_same_order_twice_moves_money_once() -> None:
    gw = gateway()
    first = gw.submit(order("success", "D-3"))
    second = gw.submit(order("success", "D-3"))
    assert first == second
    assert len(gw.bank.movements) == 1
    assert gw.balance(FUNDING) == Decimal("997000.00")


def test_same_order_id_with_another_body_is_a_conflict() -> None:
    gw = gateway()
    gw.submit(order("success", "D-4"))
    with pytest.raises(GatewayRejected) as caught:
        gw.submit(order("success", "D-4", amount="3000.01"))
    assert (caught.value.status, caught.value.reason) == (409, "order_id_conflict")
    assert len(gw.bank.movements) == 1


def test_sandbox_is_deterministic() -> None:
    one, two = gateway().submit(order("success", "D-5")), gateway().submit(order("success", "D-5"))
    assert one == two and one.reference is not None and one.reference.startswith("SBX")


def test_unknown_order_is_not_found() -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway().query("nope")
    assert caught.value.reason == "order_not_found"


def test_error_cards_in_process() -> None:
    gw = gateway()
    assert gw.submit(order("error_once", "E-1")).status == "succeeded"
    with pytest.raises(GatewayUnavailable):
        gw.submit(order("error_always", "E-2"))


def test_late_success_is_pending_then_settled_by_callback() -> None:
    gw = gateway()
    stored = gw.submit(order("late_success", "P-1"))
    assert stored.status == "pending" and gw.bank.movements == []
    (delivery,) = gw.release_callbacks()
    notice = gw.verify_callback(delivery.headers, delivery.body)
    outcome = apply_callback(stored, notice)
    assert outcome.applied and outcome.result is not None
    assert outcome.result.status == "succeeded" and outcome.result == gw.query("P-1")
    assert len(gw.bank.movements) == 1
    assert gw.release_callbacks() == []


def test_duplicate_callback_is_delivered_twice_and_applies_once() -> None:
    gw = gateway()
    stored = gw.submit(order("duplicate_callback", "P-2"))
    first, second = gw.release_callbacks()
    assert first == second
    applied = apply_callback(stored, gw.verify_callback(first.headers, first.body))
    assert applied.result is not None
    again = apply_callback(applied.result, gw.verify_callback(second.headers, second.body))
    assert (again.action, again.reason) == ("ignore", "duplicate")


def test_bad_callback_signature_is_refused() -> None:
    gw = gateway()
    gw.submit(order("bad_callback_signature", "P-3"))
    (delivery,) = gw.release_callbacks()
    with pytest.raises(CallbackSignatureError) as caught:
        gw.verify_callback(delivery.headers, delivery.body)
    assert caught.value.reason == "signature_invalid"


def test_callback_checks() -> None:
    gw = gateway()
    gw.submit(order("late_success", "P-4"))
    (delivery,) = gw.release_callbacks()
    lower = {name.lower(): value for name, value in delivery.headers.items()}
    assert gw.verify_callback(lower, delivery.body).order_id == "P-4"
    with pytest.raises(CallbackSignatureError, match="signature_invalid"):
        gw.verify_callback(delivery.headers, delivery.body.replace(b"succeeded", b"failed"))
    with pytest.raises(CallbackSignatureError, match="signature_missing"):
        gw.verify_callback({}, delivery.body)
    stale = SandboxGateway(callback_secret="cb-secret", unix_clock=lambda: 10.0**10)
    with pytest.raises(CallbackSignatureError, match="stale_timestamp"):
        stale.verify_callback(delivery.headers, delivery.body)
