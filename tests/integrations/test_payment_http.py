"""The HTTP adapter against the sandbox gateway server on 127.0.0.1, over real sockets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lowlend.domain.payments import PaymentOrder, apply_callback
from lowlend.integrations.payments import (
    FUNDING,
    SANDBOX_CARDS,
    CallbackInbox,
    CallbackSignatureError,
    GatewayBadResponse,
    GatewayRejected,
    GatewaySettingsError,
    GatewayUnavailable,
    HttpGateway,
    PaymentGateway,
    SandboxGatewayServer,
)
from lowlend.integrations.payments.port import result_from_payload, result_payload

KEY_ID, SECRET, CALLBACK_SECRET = "lender-1", "s3cret-for-tests", "cb-s3cret"


@pytest.fixture(scope="module")
def inbox() -> Iterator[CallbackInbox]:
    with CallbackInbox() as running:
        yield running


@pytest.fixture()
def server() -> Iterator[SandboxGatewayServer]:
    with SandboxGatewayServer(KEY_ID, SECRET, callback_secret=CALLBACK_SECRET,
                              slow_seconds=0.6, callback_delay=0.35) as running:
        yield running


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def gateway(server: SandboxGatewayServer, notify_url: str | None = None, **kw: Any) -> HttpGateway:
    options: dict[str, Any] = {"timeout": 0.2, "retries": 2, "backoff": 0.01,
                               "callback_secret": CALLBACK_SECRET, "notify_url": notify_url}
    return HttpGateway(server.url, kw.pop("key_id", KEY_ID), kw.pop("secret", SECRET),
                       **{**options, **kw})


def order(case: str, kind: str = "disbursement", amount: str = "500.00",
          order_id: str | None = None) -> PaymentOrder:
    return PaymentOrder(kind, order_id or uuid.uuid4().hex, Decimal(amount), "CNY",  # type: ignore[arg-type]
                        "张三", SANDBOX_CARDS.get(case, case), "ICBC", "LN1")


def test_http_gateway_is_a_gateway(server: SandboxGatewayServer) -> None:
    assert isinstance(gateway(server), PaymentGateway)


def test_success(server: SandboxGatewayServer) -> None:
    sleeps = Sleeps()
    made = order("success")
    result = gateway(server, sleep=sleeps).submit(made)
    assert (result.status, result.settled_amount, result.order_id) == (
        "succeeded", Decimal("500.00"), made.order_id)
    assert server.bank.balance(FUNDING) == Decimal("999500.00")
    assert server.attempts(made.order_id) == 1 and sleeps == []
    assert gateway(server).query(made.order_id) == result


def test_insufficient_funds_moves_nothing(server: SandboxGatewayServer) -> None:
    result = gateway(server).submit(order("insufficient_funds", kind="debit"))
    assert (result.status, result.failure_code) == ("failed", "insufficient_funds")
    assert server.bank.movements == []
    assert server.bank.balance(FUNDING) == Decimal("1000000.00")


def test_same_order_twice_pays_once_and_other_body_conflicts(server: SandboxGatewayServer) -> None:
    made = order("success")
    gw = gateway(server)
    assert gw.submit(made) == gw.submit(made)
    assert len(server.bank.movements) == 1
    with pytest.raises(GatewayRejected) as caught:
        gw.submit(order("success", amount="500.01", order_id=made.order_id))
    assert (caught.value.status, caught.value.reason) == (409, "order_id_conflict")
    assert len(server.bank.movements) == 1


def test_500_then_success_retries_with_the_same_order_id(server: SandboxGatewayServer) -> None:
    sleeps = Sleeps()
    made = order("error_once")
    result = gateway(server, sleep=sleeps).submit(made)
    assert result.status == "succeeded"
    assert server.attempts(made.order_id) == 2 and sleeps == [0.01]
    assert [m.order_id for m in server.bank.movements] == [made.order_id]


def test_always_500_is_unavailable(server: SandboxGatewayServer) -> None:
    sleeps = Sleeps()
    made = order("error_always")
    with pytest.raises(GatewayUnavailable) as caught:
        gateway(server, sleep=sleeps).submit(made)
    assert (caught.value.reason, caught.value.attempts, caught.value.retryable) == ("http_500", 3, True)
    assert sleeps == [0.01, 0.02] and server.bank.movements == []


def test_timeout_then_late_success_callback(server: SandboxGatewayServer,
                                            inbox: CallbackInbox) -> None:
    made = order("late_success")
    gw = gateway(server, inbox.url)
    before = len(inbox.received())
    stored = gw.submit(made)  # the first attempt times out, the retry gets the booked order
    assert stored.status == "pending" and server.attempts(made.order_id) == 2
    assert server.bank.movements == []
    deliveries = [d for d in inbox.wait_for(before + 1, timeout=5.0)[before:]
                  if made.order_id.encode() in d.body]
    assert len(deliveries) == 1
    notice = gw.verify_callback(deliveries[0].headers, deliveries[0].body)
    outcome = apply_callback(stored, notice)
    assert (outcome.action, outcome.reason) == ("apply", "settled")
    assert outcome.result is not None and outcome.result.status == "succeeded"
    assert outcome.result == gw.query(made.order_id)
    assert len(server.bank.movements) == 1


def test_duplicate_callback_is_a_no_op(server: SandboxGatewayServer, inbox: CallbackInbox) -> None:
    made = order("duplicate_callback", kind="debit")
    gw = gateway(server, inbox.url)
    before = len(inbox.received())
    stored = gw.submit(made)
    assert stored.status == "pending"
    received = inbox.wait_for(before + 2, timeout=5.0)[before:]
    first, second = (d for d in received if made.order_id.encode() in d.body)
    applied = apply_callback(stored, gw.verify_callback(first.headers, first.body))
    assert applied.applied and applied.result is not None
    again = apply_callback(applied.result, gw.verify_callback(second.headers, second.body))
    assert (again.action, again.result) == ("ignore", applied.result)
    assert len(server.bank.movements) == 1


def test_bad_callback_signature_is_refused(server: SandboxGatewayServer,
                                           inbox: CallbackInbox) -> None:
    made = order("bad_callback_signature")
    gw = gateway(server, inbox.url)
    before = len(inbox.received())
    assert gw.submit(made).status == "pending"
    (delivery,) = (d for d in inbox.wait_for(before + 1, timeout=5.0)[before:]
                   if made.order_id.encode() in d.body)
    with pytest.raises(CallbackSignatureError):
        gw.verify_callback(delivery.headers, delivery.body)


def test_callbacks_without_notify_url_are_not_sent(server: SandboxGatewayServer) -> None:
    made = order("late_success")
    gateway(server).submit(made)
    settled = gateway(server).query(made.order_id)
    assert settled.status in ("pending", "succeeded")


def test_wrong_secret_is_rejected(server: SandboxGatewayServer) -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway(server, secret="other").submit(order("success"))
    assert (caught.value.status, caught.value.reason) == (401, "signature_invalid")
    with pytest.raises(GatewayRejected) as unknown:
        gateway(server, key_id="nobody").submit(order("success"))
    assert unknown.value.reason == "unknown_key"
    assert server.bank.movements == []


def test_unknown_order_query_is_rejected(server: SandboxGatewayServer) -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway(server).query("never-sent")
    assert (caught.value.status, caught.value.reason) == (404, "order_not_found")


def test_connection_refused_is_unavailable() -> None:
    with SandboxGatewayServer(KEY_ID, SECRET) as gone:
        url = gone.url
    gw = HttpGateway(url, KEY_ID, SECRET, timeout=0.2, retries=1, backoff=0.0)
    with pytest.raises(GatewayUnavailable) as caught:
        gw.submit(order("success"))
    assert caught.value.reason.startswith("connection") and caught.value.attempts == 2


def test_answers_for_another_order_are_refused(server: SandboxGatewayServer) -> None:
    made = order("success")
    payload = result_payload(gateway(server).submit(made))
    with pytest.raises(GatewayBadResponse) as caught:
        result_from_payload(payload, "someone-else")
    assert caught.value.key == "order_id"
    with pytest.raises(GatewayBadResponse) as missing:
        result_from_payload({k: v for k, v in payload.items() if k != "status"})
    assert missing.value.key == "status"


@pytest.mark.parametrize(
    ("url", "field"),
    [("http://pay.example/v1/payments", "url"), ("ftp://127.0.0.1/x", "url"),
     ("https:///v1", "url")],
)
def test_settings_are_checked(url: str, field: str) -> None:
    with pytest.raises(GatewaySettingsError) as caught:
        HttpGateway(url, KEY_ID, SECRET)
    assert caught.value.field == field
