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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

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

__all__ = ["SANDBOX_CARDS", "CallbackInbox", "SandboxGatewayServer"]

PATH = "/v1/payments"
QUERY_PATH = "/v1/payments/query"
MAX_BODY = 64 * 1024

_Answer = tuple[int, bytes, str, str, str]  # status, body, order id, request nonce, secret


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _State:
    key_id: str
    secret: str
    callback_secret: str
    notify_url: str | None
    slow_seconds: float
    callback_delay: float
    max_skew: float
    clock: Callable[[], float]
    bank: SandboxBank
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    nonces: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    timers: list[threading.Timer] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (order id, outcome)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that timed out and left is part of the tests."""


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


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SandboxGateway/1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_POST(self) -> None:
        """Authenticate, then answer one submit or query."""
        answer = self._answer()
        if answer is None:  # the server is stopping: leave without an answer
            return
        status, body, order_id, nonce, secret = answer
        timestamp = str(int(self.server.state.clock()))
        message = signing.response_message(status, order_id, nonce, timestamp, body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(signing.HEADER_ORDER_ID, order_id)
        self.send_header(signing.HEADER_TIMESTAMP, timestamp)
        self.send_header(signing.HEADER_SIGNATURE, signing.sign(secret, message))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> _Answer | None:
        state = self.server.state

        def error(status: int, code: str, order_id: str = "", nonce: str = "") -> _Answer:
            return status, json.dumps({"error": code}).encode(), order_id, nonce, state.secret

        if self.path not in (PATH, QUERY_PATH):
            return error(404, "not_found")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return error(411, "length_required")
        if not 0 <= length <= MAX_BODY:
            return error(413, "body_too_large")
        body = self.rfile.read(length)
        order_id = self.headers.get(signing.HEADER_ORDER_ID, "")
        nonce = self.headers.get(signing.HEADER_NONCE, "")
        timestamp = self.headers.get(signing.HEADER_TIMESTAMP, "")
        now = state.clock()
        if self.headers.get(signing.HEADER_KEY_ID) != state.key_id:
            return error(401, "unknown_key")
        if not signing.is_fresh(timestamp, now=now, max_skew=state.max_skew):
            return error(401, "stale_timestamp")
        message = signing.request_message("POST", self.path, timestamp, nonce, order_id, body)
        signature = self.headers.get(signing.HEADER_SIGNATURE)
        if not order_id or not nonce or not signing.verify(state.secret, message, signature):
            return error(401, "signature_invalid")
        with state.lock:
            for seen, at in list(state.nonces.items()):
                if now - at > 2 * state.max_skew:
                    del state.nonces[seen]
            if nonce in state.nonces:
                return error(401, "nonce_replayed")
            state.nonces[nonce] = now
            attempt = state.attempts[order_id] = state.attempts.get(order_id, 0) + 1
        try:
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict) or data.get("order_id") != order_id:
                raise ValueError("order id differs from the header")
            if self.path == QUERY_PATH:
                stored = state.bank.result(order_id)
                if stored is None:
                    return error(404, "order_not_found", order_id, nonce)
                return 200, _encode(stored), order_id, nonce, state.secret
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
        return 200, _encode(result), order_id, nonce, state.secret

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


class SandboxGatewayServer:
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
        self._state = _State(key_id, secret, callback_secret or secret, notify_url,
                             slow_seconds, callback_delay, max_skew, clock, self.bank)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The payments endpoint URL (only while running)."""
        if self._server is None:
            raise RuntimeError("the sandbox gateway server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def attempts(self, order_id: str) -> int:
        """How many authenticated requests (submits and queries) named ``order_id``."""
        with self._state.lock:
            return self._state.attempts.get(order_id, 0)

    @property
    def callbacks_sent(self) -> list[tuple[str, str]]:
        """``(order id, outcome)`` of every callback POSTed (``http_200``, an error name)."""
        with self._state.lock:
            return list(self._state.sent)

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._server is not None:
            return self
        self._state.stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self._state
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="sandbox-gateway",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (held answers and callbacks not yet sent are abandoned)."""
        if self._server is None:
            return
        self._state.stopping.set()
        with self._state.lock:
            timers, self._state.timers = self._state.timers, []
        for timer in timers:
            timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _InboxServer(ThreadingHTTPServer):
    daemon_threads = True
    inbox: CallbackInbox

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet."""


class _InboxHandler(BaseHTTPRequestHandler):
    server: _InboxServer

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
        self.server.inbox._keep(CallbackDelivery(headers, body))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")


class CallbackInbox:
    """A local notify endpoint on ``http://127.0.0.1:<free port>/notify`` collecting callbacks."""

    def __init__(self) -> None:
        self._received: list[CallbackDelivery] = []
        self._changed = threading.Condition()
        self._server: _InboxServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The notify URL (only while running)."""
        if self._server is None:
            raise RuntimeError("the callback inbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/notify"

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

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._server is None:
            server = _InboxServer(("127.0.0.1", 0), _InboxHandler)
            server.inbox = self
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                name="callback-inbox",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
