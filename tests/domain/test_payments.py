"""Payment orders, results and callbacks; how a late or duplicate callback applies."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from lowlend.domain.payments import (
    PaymentCallback,
    PaymentInputError,
    PaymentOrder,
    PaymentResult,
    apply_callback,
)

T0 = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=5)
CARD = "6222020000000015"


def order(**changes: object) -> PaymentOrder:
    fields: dict[str, object] = {
        "kind": "debit", "order_id": "LN7-D-3", "amount": Decimal("1050.00"), "currency": "CNY",
        "holder_name": "张三", "card_number": CARD, "bank_code": "ICBC", "loan_id": "LN7",
        "memo": "installment 3",
    }
    fields.update(changes)
    return PaymentOrder(**fields)  # type: ignore[arg-type]


def pending(reference: str | None = "G1") -> PaymentResult:
    return PaymentResult("P1", "pending", reference, Decimal("100.00"), Decimal("0"), "CNY", None, T0)


def callback(status: str = "succeeded", **changes: object) -> PaymentCallback:
    fields: dict[str, object] = {
        "order_id": "P1", "status": status, "reference": "G1", "amount": Decimal("100.00"),
        "settled_amount": Decimal("100.00") if status == "succeeded" else Decimal("0"),
        "currency": "CNY", "failure_code": "insufficient_funds" if status == "failed" else None,
        "settled_at": None if status == "pending" else T1,
        "timestamp": "1795860300", "nonce": "n1", "signature": "ab",
    }
    fields.update(changes)
    return PaymentCallback(**fields)  # type: ignore[arg-type]


def test_order_normalises_amount_and_card() -> None:
    made = order(amount=Decimal("5"), card_number="6222-0200 0000 0015", holder_name=" 张三 ")
    assert made.amount == Decimal("5.00") and str(made.amount) == "5.00"
    assert made.card_number == CARD and made.holder_name == "张三"
    assert made.masked_card == "622202******0015"
    assert order(kind="disbursement").pays_out and not made.pays_out


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"kind": "transfer"}, "kind", "payment_kind_invalid"),
        ({"order_id": ""}, "order_id", "payment_id_invalid"),
        ({"order_id": "a b"}, "order_id", "payment_id_invalid"),
        ({"amount": Decimal("0")}, "amount", "payment_amount_not_positive"),
        ({"amount": Decimal("-1.00")}, "amount", "payment_amount_not_positive"),
        ({"amount": Decimal("1.005")}, "amount", "payment_amount_precision"),
        ({"amount": 10.5}, "amount", "payment_amount_invalid"),
        ({"amount": Decimal("NaN")}, "amount", "payment_amount_invalid"),
        ({"currency": "rmb"}, "currency", "payment_currency_invalid"),
        ({"holder_name": "  "}, "holder_name", "payment_holder_required"),
        ({"card_number": "6222020000000016"}, "card_number", "bank_card_checksum"),
        ({"card_number": "62220200"}, "card_number", "bank_card_invalid_length"),
        ({"card_number": "6222O20000000015"}, "card_number", "bank_card_invalid_format"),
        ({"bank_code": "icbc"}, "bank_code", "payment_bank_code_invalid"),
        ({"loan_id": ""}, "loan_id", "payment_loan_required"),
        ({"memo": "x" * 141}, "memo", "payment_memo_too_long"),
    ],
)
def test_bad_orders_name_field_and_code(changes: dict[str, object], field: str, code: str) -> None:
    with pytest.raises(PaymentInputError) as caught:
        order(**changes)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_amounts_with_trailing_zero_places_are_accepted() -> None:
    assert order(amount=Decimal("12.3000")).amount == Decimal("12.30")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "done"}, "status"),
        ({"status": "failed", "failure_code": None, "settled_at": T1}, "failure_code"),
        ({"status": "failed", "failure_code": "nope", "settled_at": T1}, "failure_code"),
        ({"failure_code": "declined"}, "failure_code"),
        ({"status": "succeeded", "settled_at": T1}, "settled_amount"),
        ({"status": "succeeded", "settled_amount": Decimal("100.01"), "settled_at": T1},
         "settled_amount"),
        ({"status": "succeeded", "settled_amount": Decimal("100")}, "settled_at"),
        ({"settled_at": T1}, "settled_at"),
        ({"submitted_at": dt.datetime(2026, 11, 28)}, "submitted_at"),
    ],
)
def test_results_are_checked(changes: dict[str, object], field: str) -> None:
    with pytest.raises(PaymentInputError) as caught:
        replace(pending(), **changes)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_late_success_after_pending_is_applied() -> None:
    outcome = apply_callback(pending(), callback())
    assert (outcome.action, outcome.reason, outcome.applied) == ("apply", "settled", True)
    assert outcome.result is not None
    assert outcome.result.status == "succeeded"
    assert outcome.result.settled_amount == Decimal("100.00")
    assert outcome.result.submitted_at == T0 and outcome.result.settled_at == T1


def test_late_failure_after_pending_is_applied() -> None:
    outcome = apply_callback(pending(), callback("failed"))
    assert outcome.applied and outcome.result is not None
    assert outcome.result.failure_code == "insufficient_funds"


def test_duplicate_callback_is_a_no_op() -> None:
    first = apply_callback(pending(), callback())
    assert first.result is not None
    again = apply_callback(first.result, replace(callback(), nonce="n2", timestamp="1795860400"))
    assert (again.action, again.reason, again.result) == ("ignore", "duplicate", first.result)


def test_first_final_status_wins_and_contradictions_are_conflicts() -> None:
    settled = apply_callback(pending(), callback()).result
    assert settled is not None
    contradicting = apply_callback(settled, callback("failed"))
    assert (contradicting.action, contradicting.reason) == ("conflict", "status_contradicts")
    assert contradicting.result is settled and not contradicting.applied
    other_ref = apply_callback(settled, callback(reference="G2"))
    assert (other_ref.action, other_ref.reason) == ("conflict", "reference_mismatch")


def test_pending_after_final_is_stale() -> None:
    settled = apply_callback(pending(), callback()).result
    assert settled is not None
    outcome = apply_callback(settled, callback("pending"))
    assert (outcome.action, outcome.reason) == ("ignore", "stale_pending")


def test_pending_callbacks_only_bring_a_reference() -> None:
    assert apply_callback(pending(), callback("pending")).action == "ignore"
    learned = apply_callback(pending(reference=None), callback("pending"))
    assert learned.reason == "reference_learned" and learned.result is not None
    assert learned.result.reference == "G1" and learned.result.submitted_at == T0
    assert apply_callback(pending(), callback("pending", reference="G9")).action == "conflict"


def test_amount_or_currency_mismatch_is_a_conflict() -> None:
    other = callback(amount=Decimal("200.00"), settled_amount=Decimal("200.00"))
    assert apply_callback(pending(), other).reason == "amount_mismatch"
    assert apply_callback(pending(), callback(currency="USD")).reason == "currency_mismatch"


def test_callback_for_another_order_is_an_error() -> None:
    with pytest.raises(PaymentInputError) as caught:
        apply_callback(pending(), callback(order_id="P2"))
    assert caught.value.code == "payment_callback_order_mismatch"


def test_first_notice_without_stored_result_is_applied() -> None:
    outcome = apply_callback(None, callback())
    assert outcome.reason == "first_notice" and outcome.result is not None
    assert outcome.result.submitted_at == T1
    pending_notice = apply_callback(None, callback("pending"))
    assert pending_notice.result is not None
    assert pending_notice.result.submitted_at == dt.datetime.fromtimestamp(1795860300, dt.UTC)


def test_every_code_has_a_message() -> None:
    from lowlend.domain.payments import FAILURE_CODES
    from lowlend.services.message_tables.payments import TABLE

    codes = {
        "payment_kind_invalid", "payment_id_invalid", "payment_amount_invalid",
        "payment_amount_precision", "payment_amount_not_positive", "payment_currency_invalid",
        "payment_holder_required", "payment_bank_code_invalid", "payment_loan_required",
        "payment_memo_too_long", "payment_status_invalid", "payment_failure_code_invalid",
        "payment_settled_amount_invalid", "payment_time_invalid",
        "payment_callback_order_mismatch", "gateway_unavailable", "gateway_rejected",
        "gateway_bad_response", "gateway_callback_signature_invalid", "gateway_settings_invalid",
    }
    assert codes | FAILURE_CODES <= TABLE.keys()
    assert all(en and zh for en, zh in TABLE.values())
