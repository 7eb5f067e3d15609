"""The sandbox bureau as a local HTTP server speaking the signed protocol of :mod:`.signing`.

Bound to ``127.0.0.1`` on a free port, started and stopped by a context manager, it checks
the request signature (401 on an unknown key, stale timestamp, replayed nonce or wrong
signature), remembers answers by request id (idempotency: the same report again, 409 for the
same id with another body) and answers from :func:`.sandbox.sandbox_payload`. The magic IDs
of :data:`.sandbox.SANDBOX_IDS` make it slow, fail with 500, send garbage or a bad signature.

>>> from lowlend.integrations.bureau.http_client import HttpBureau
>>> request = BureauRequest("resident_id", "110101199003070011", "张三", "loan_application",
...                         Consent("C-1", dt.date(2026, 11, 1)))
>>> with SandboxBureauServer(key_id="k1", secret="s1") as server:
...     bureau = HttpBureau(server.url, "k1", "s1", timeout=2.0)
...     report = bureau.pull(request, None)
>>> report.facts.score, server.attempts(report.request_id)
(780, 1)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from lowlend.domain.credit_report import BureauDataError, BureauRequest, Consent
from lowlend.integrations.bureau import signing
from lowlend.integrations.bureau.sandbox import sandbox_case, sandbox_payload

__all__ = ["SandboxBureauServer"]

PATH = "/v1/credit-reports"
MAX_BODY = 64 * 1024


_Answer = tuple[int, bytes, str, str, str]  # status, body, request id, request nonce, signing secret


@dataclass
class _State:
    key_id: str
    secret: str
    slow_seconds: float
    max_skew: float
    clock: Callable[[], float]
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    nonces: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    answers: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id → (body hash, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that timed out and left is part of the tests."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SandboxBureau/1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_POST(self) -> None:
        """Authenticate, then answer one report request."""
        answer = self._answer()
        if answer is None:  # the server is stopping: leave without an answer
            return
        status, body, request_id, nonce, secret = answer
        timestamp = str(int(self.server.state.clock()))
        message = signing.response_message(status, request_id, nonce, timestamp, body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(signing.HEADER_REQUEST_ID, request_id)
        self.send_header(signing.HEADER_TIMESTAMP, timestamp)
        self.send_header(signing.HEADER_SIGNATURE, signing.sign(secret, message))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> _Answer | None:
        state = self.server.state

        def error(status: int, code: str, request_id: str = "", nonce: str = "") -> _Answer:
            return status, json.dumps({"error": code}).encode(), request_id, nonce, state.secret

        if self.path != PATH:
            return error(404, "not_found")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return error(411, "length_required")
        if not 0 <= length <= MAX_BODY:
            return error(413, "body_too_large")
        body = self.rfile.read(length)
        request_id = self.headers.get(signing.HEADER_REQUEST_ID, "")
        nonce = self.headers.get(signing.HEADER_NONCE, "")
        timestamp = self.headers.get(signing.HEADER_TIMESTAMP, "")
        now = state.clock()
        if self.headers.get(signing.HEADER_KEY_ID) != state.key_id:
            return error(401, "unknown_key")
        if not signing.is_fresh(timestamp, now=now, max_skew=state.max_skew):
            return error(401, "stale_timestamp")
        message = signing.request_message("POST", self.path, timestamp, nonce, request_id, body)
        signature = self.headers.get(signing.HEADER_SIGNATURE)
        if not request_id or not nonce or not signing.verify(state.secret, message, signature):
            return error(401, "signature_invalid")
        with state.lock:
            for seen, at in list(state.nonces.items()):
                if now - at > 2 * state.max_skew:
                    del state.nonces[seen]
            if nonce in state.nonces:
                return error(401, "nonce_replayed")
            state.nonces[nonce] = now
            attempt = state.attempts[request_id] = state.attempts.get(request_id, 0) + 1
            stored = state.answers.get(request_id)
        digest = hashlib.sha256(body).hexdigest()
        if stored is not None:  # a retry of an answered request: the same report again
            if stored[0] != digest:
                return error(409, "request_id_conflict", request_id, nonce)
            return 200, stored[1], request_id, nonce, state.secret
        request = self._parse(body, request_id)
        if request is None:
            return error(400, "bad_request", request_id, nonce)
        case = sandbox_case(request.id_number)
        if case == "slow" and state.stopping.wait(state.slow_seconds):
            return None
        if case == "error_always" or (case == "error_once" and attempt == 1):
            return error(500, "internal_error", request_id, nonce)
        if case == "rejected":
            return error(422, "subject_rejected", request_id, nonce)
        if case == "garbage":
            return 200, b"<html>502 upstream</html>{", request_id, nonce, state.secret
        payload = sandbox_payload(request, request_id, dt.datetime.fromtimestamp(now, dt.UTC))
        answer = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if case == "bad_signature":
            return 200, answer, request_id, nonce, state.secret + "-wrong"
        with state.lock:
            stored = state.answers.setdefault(request_id, (digest, answer))
        return 200, stored[1], request_id, nonce, state.secret

    @staticmethod
    def _parse(body: bytes, request_id: str) -> BureauRequest | None:
        try:
            data = json.loads(body.decode("utf-8"))
            consent = data["consent"]
            if data["request_id"] != request_id:
                return None
            return BureauRequest(
                id_type=data["id_type"],
                id_number=data["id_number"],
                name=data["name"],
                purpose=data["purpose"],
                consent=Consent(consent["consent_id"], dt.date.fromisoformat(consent["consent_date"])),
            )
        except (ValueError, KeyError, TypeError, AttributeError, BureauDataError):
            return None


class SandboxBureauServer:
    """The sandbox bureau on ``http://127.0.0.1:<free port>/v1/credit-reports``.

    :param key_id: the key id clients must send.
    :param secret: the shared HMAC secret.
    :param slow_seconds: how long the ``slow`` test ID waits before answering.
    :param max_skew: accepted clock difference of request timestamps, in seconds.
    :param clock: Unix time, for the timestamps.
    """

    def __init__(
        self,
        key_id: str = "sandbox",
        secret: str = "sandbox-secret",
        *,
        slow_seconds: float = 2.0,
        max_skew: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = _State(key_id, secret, slow_seconds, max_skew, clock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The endpoint URL (only while running)."""
        if self._server is None:
            raise RuntimeError("the sandbox bureau server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{PATH}"

    def attempts(self, request_id: str) -> int:
        """How many authenticated attempts the server saw for ``request_id``."""
        with self._state.lock:
            return self._state.attempts.get(request_id, 0)

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
            name="sandbox-bureau",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (slow answers in progress are abandoned) and free the port."""
        if self._server is None:
            return
        self._state.stopping.set()
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
