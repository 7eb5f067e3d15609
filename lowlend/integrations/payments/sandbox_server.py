"""The sandbox gateway as a local HTTP server speaking the signed protocol of :mod:`.signing`.

:class:`SandboxGatewayServer` binds ``127.0.0.1`` on a free port (a context manager starts
and stops it), checks every request's signature (401 on an unknown key, stale timestamp,
replayed nonce or wrong signature), books orders in a :class:`~.sandbox.SandboxBank`
(idempotent by order id; 409 ``order_id_conflict`` for another order under a used id) and
answers ``POST /v1/payments`` (submit) and ``POST /v1/payments/query`` (``{"order_id"}``;
404 ``order_not_found``). The test cards of :data:`~.sandbox.SANDBOX_CARDS` make it hold the
first answer past the client's timeout, answer 500, and POST late, duplicate or badly signed
callbacks to the order's ``notify_url`` (or the server's) ``callback_delay`` seconds after
booking. :class:`CallbackInbox` is a local endpoint that collects callbacks.

>>> from decimal import Decimal
>>> from lowlend.domain.payments import PaymentOrder
>>> from lowlend.integrations.payments.http_client import HttpGateway
>>> order = PaymentOrder("debit", "D-9", Decimal("88.00"), "CNY", "张三",
...                      SANDBOX_CARDS["success"], "ICBC", "LN1")
>>> with SandboxGatewayServer(key_id="k1", secret="s1") as server:
...     result = HttpGateway(server.url, "k1", "s1", timeout=2.0).submit(order)
...     moved = server.bank.movements
>>> result.status, [(m.source, m.target, m.amount) for m in moved]
('succeeded', [('6222020000000015', 'funding', Decimal('88.00'))])
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any

from lowlend.domain.payments import PaymentInputError, PaymentResult
from lowlend.integrations.payments import signing
from lowlend.integrations.payments.errors import GatewayRejected
from lowlend.integrations.payments.port import (
    CallbackDelivery,
    order_from_payload,
    result_payload,
)
from lowlend.integrations.payments.sandbox import (
    LATE_CASES,
    SANDBOX_CARDS,
    SandboxBank,
    sandbox_callbacks,
    sandbox_case,
)
from lowlend.integrations.signed_http.server import (
    MAX_BODY,
    Answer,
    LocalServer,
    QuietServer,
    SignedJsonHandler,
    SignedServerState,
)

__all__ = ["SANDBOX_CARDS", "CallbackInbox", "SandboxGatewayServer"]

PATH = "/v1/payments"
QUERY_PATH = "/v1/payments/query"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(kw_only=True)
class _State(SignedServerState):
    callback_secret: str
    notify_url: str | None
    slow_seconds: float
    callback_delay: float
    bank: SandboxBank
    timers: list[threading.Timer] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (order id, outcome)


def _post(url: str, delivery: CallbackDelivery, timeout: float = 2.0) -> str:
    """POST one callback; ``http_<status>`` or the error's name."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=delivery.body, headers=dict(delivery.headers),
                                     method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            return f"http_{response.status}"
    except OSError as exc:
        return type(exc).__name__


class _Handler(SignedJsonHandler):
    server: QuietServer[_State]
    server_version = "SandboxGateway/1"
    signed_headers = signing.HEADERS

    def do_POST(self) -> None:
        """Authenticate, then answer one submit or query."""
        answer = self._answer()
        if answer is None:  # the server is stopping: leave without an answer
            return
        self.send_signed(answer, str(int(self.server.state.clock())))

    def _answer(self) -> Answer | None:
        state = self.server.state
        checked = self.authenticate(state, (PATH, QUERY_PATH))
        if isinstance(checked, Answer):
            return checked
        body, order_id, nonce, _, attempt = checked
        error = state.error
        try:
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict) or data.get("order_id") != order_id:
                raise ValueError("order id differs from the header")
            if self.path == QUERY_PATH:
                stored = state.bank.result(order_id)
                if stored is None:
                    return error(404, "order_not_found", order_id, nonce)
                return Answer(200, _encode(stored), order_id, nonce, state.secret)
            order = order_from_payload(data)
            notify_url = data.get("notify_url") or state.notify_url
        except PaymentInputError as exc:
            return error(422, exc.code, order_id, nonce)
        except (ValueError, KeyError, TypeError):
            return error(400, "bad_request", order_id, nonce)
        case = sandbox_case(order.card_number)
        if case == "error_always":
            return error(500, "internal_error", order_id, nonce)
        try:
            result, new = state.bank.submit(order)
        except GatewayRejected as exc:
            return error(exc.status, exc.reason, order_id, nonce)
        if new and case in LATE_CASES:
            self._schedule(order_id, case, notify_url if isinstance(notify_url, str) else None)
        if case == "error_once" and attempt == 1:  # booked, but the answer is lost
            return error(500, "internal_error", order_id, nonce)
        if case == "late_success" and new and state.stopping.wait(state.slow_seconds):
            return None
        return Answer(200, _encode(result), order_id, nonce, state.secret)

    def _schedule(self, order_id: str, case: str, notify_url: str | None) -> None:
        state = self.server.state

        def fire() -> None:
            if state.stopping.is_set():
                return
            result = state.bank.settle(order_id)
            stamp = str(int(state.clock()))
            for delivery in sandbox_callbacks(case, result, state.callback_secret, stamp):
                outcome = _post(notify_url, delivery) if notify_url else "no_notify_url"
                with state.lock:
                    state.sent.append((order_id, outcome))

        timer = threading.Timer(state.callback_delay, fire)
        timer.daemon = True
        with state.lock:
            state.timers.append(timer)
        timer.start()


def _encode(result: PaymentResult) -> bytes:
    return json.dumps(result_payload(result), ensure_ascii=False, sort_keys=True).encode("utf-8")


class SandboxGatewayServer(LocalServer[_State]):
    """The sandbox gateway on ``http://127.0.0.1:<free port>/v1/payments``.

    :param key_id: the key id clients must send.
    :param secret: the shared HMAC secret of requests and responses.
    :param callback_secret: the secret callbacks are signed with (default: ``secret``).
    :param notify_url: where callbacks go when an order names no ``notify_url``.
    :param funding_balance: opening balance of the funding account.
    :param slow_seconds: how long the first answer of a ``late_success`` order is held.
    :param callback_delay: seconds from booking a late order to settling it and calling back.
    :param max_skew: accepted clock difference of request timestamps, in seconds.
    :param clock: Unix time, for the timestamps.
    :param now: the aware date-time of results.
    """

    def __init__(
        self,
        key_id: str = "sandbox",
        secret: str = "sandbox-secret",
        *,
        callback_secret: str | None = None,
        notify_url: str | None = None,
        funding_balance: Decimal = Decimal("1000000.00"),
        slow_seconds: float = 1.0,
        callback_delay: float = 0.5,
        max_skew: float = 300.0,
        clock: Callable[[], float] = time.time,
        now: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.bank = SandboxBank(funding_balance, now)
        state = _State(
            key_id=key_id, secret=secret, callback_secret=callback_secret or secret,
            notify_url=notify_url, slow_seconds=slow_seconds, callback_delay=callback_delay,
            max_skew=max_skew, clock=clock, bank=self.bank,
        )
        super().__init__(
            state, _Handler, path=PATH, name="sandbox-gateway", label="sandbox gateway server"
        )

    def attempts(self, order_id: str) -> int:
        """How many authenticated requests (submits and queries) named ``order_id``."""
        return self._state.attempts_of(order_id)

    @property
    def callbacks_sent(self) -> list[tuple[str, str]]:
        """``(order id, outcome)`` of every callback POSTed (``http_200``, an error name)."""
        with self._state.lock:
            return list(self._state.sent)

    def _starting(self) -> None:
        self._state.stopping.clear()

    def _stopping(self) -> None:
        """Held answers and callbacks not yet sent are abandoned."""
        self._state.stopping.set()
        with self._state.lock:
            timers, self._state.timers = self._state.timers, []
        for timer in timers:
            timer.cancel()


class _InboxHandler(BaseHTTPRequestHandler):
    server: QuietServer[CallbackInbox]

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_POST(self) -> None:
        """Keep the callback, answer ``200 success``."""
        try:
            length = min(int(self.headers.get("Content-Length", "0")), MAX_BODY)
        except ValueError:
            length = 0
        body = self.rfile.read(length)
        headers = {name: value for name, value in self.headers.items()}
        self.server.state._keep(CallbackDelivery(headers, body))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")


class CallbackInbox(LocalServer["CallbackInbox"]):
    """A local notify endpoint on ``http://127.0.0.1:<free port>/notify`` collecting callbacks."""

    def __init__(self) -> None:
        super().__init__(self, _InboxHandler, path="/notify", name="callback-inbox",
                         label="callback inbox")
        self._received: list[CallbackDelivery] = []
        self._changed = threading.Condition()

    def _keep(self, delivery: CallbackDelivery) -> None:
        with self._changed:
            self._received.append(delivery)
            self._changed.notify_all()

    def received(self) -> list[CallbackDelivery]:
        """The callbacks received so far, oldest first."""
        with self._changed:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[CallbackDelivery]:
        """Wait until ``count`` callbacks arrived (or ``timeout`` passed); all received."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._received) >= count, timeout)
            return list(self._received)
