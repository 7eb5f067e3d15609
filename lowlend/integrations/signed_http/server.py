"""Scaffolding of the local HTTP servers that stand in for the remote services in tests.

:class:`LocalServer` binds ``127.0.0.1`` on a free port and serves in a background thread
(a context manager starts and stops it). :class:`SignedJsonHandler` is the request handler of
a signed protocol: :meth:`~SignedJsonHandler.authenticate` refuses (401) an unknown key, a
stale timestamp, a wrong signature or a replayed nonce and counts the attempts per
idempotency key; :meth:`~SignedJsonHandler.send_signed` writes a signed answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Generic, NamedTuple, Self, TypeVar

from lowlend.integrations.signed_http import signing
from lowlend.integrations.signed_http.signing import SignedHeaders

__all__ = [
    "MAX_BODY",
    "Answer",
    "LocalServer",
    "QuietServer",
    "SignedJsonHandler",
    "SignedRequest",
    "SignedServerState",
]

MAX_BODY = 64 * 1024

S = TypeVar("S")


class Answer(NamedTuple):
    """What to answer: signed with ``secret`` for the attempt ``(key, nonce)``."""

    status: int
    body: bytes
    key: str
    nonce: str
    secret: str


class SignedRequest(NamedTuple):
    """An authenticated request: its body, idempotency key, nonce, time and attempt number."""

    body: bytes
    key: str
    nonce: str
    now: float
    attempt: int


@dataclass(kw_only=True)
class SignedServerState:
    """What the handler threads of a signed server share (guard it with ``lock``).

    :param key_id: the key id clients must send.
    :param secret: the shared HMAC secret.
    :param max_skew: accepted clock difference of request timestamps, in seconds.
    :param clock: Unix time, for the timestamps.
    """

    key_id: str
    secret: str
    max_skew: float
    clock: Callable[[], float]
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    nonces: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)

    def error(self, status: int, code: str, key: str = "", nonce: str = "") -> Answer:
        """An ``{"error": code}`` answer.

        :param status: the HTTP status.
        :param code: the error code.
        :param key: the idempotency key answered (empty before authentication).
        :param nonce: the nonce of the attempt answered (empty before authentication).
        """
        return Answer(status, json.dumps({"error": code}).encode(), key, nonce, self.secret)

    def attempts_of(self, key: str) -> int:
        """How many authenticated attempts named the idempotency key ``key``."""
        with self.lock:
            return self.attempts.get(key, 0)


class QuietServer(ThreadingHTTPServer, Generic[S]):
    """A threading HTTP server whose handlers reach ``state``; it logs no errors."""

    daemon_threads = True
    state: S

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client that timed out and left is part of the tests."""


class SignedJsonHandler(BaseHTTPRequestHandler):
    """Request handler of a signed JSON protocol; subclasses set :attr:`signed_headers`."""

    signed_headers: ClassVar[SignedHeaders]

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def authenticate(
        self, state: SignedServerState, paths: Collection[str]
    ) -> Answer | SignedRequest:
        """Read and check the request; the refusal to send, or the authenticated request.

        Refuses another path (404), a missing (411) or too large (413) body, an unknown key,
        a stale timestamp, a missing key or nonce, a wrong signature and a nonce seen before
        (401). Nonces older than twice ``max_skew`` are forgotten.

        :param state: the server's shared state (key, secret, nonces, attempt counts).
        :param paths: the paths served.
        """
        names = self.signed_headers
        if self.path not in paths:
            return state.error(404, "not_found")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return state.error(411, "length_required")
        if not 0 <= length <= MAX_BODY:
            return state.error(413, "body_too_large")
        body = self.rfile.read(length)
        key = self.headers.get(names.idempotency_key, "")
        nonce = self.headers.get(names.nonce, "")
        timestamp = self.headers.get(names.timestamp, "")
        now = state.clock()
        if self.headers.get(names.key_id) != state.key_id:
            return state.error(401, "unknown_key")
        if not signing.is_fresh(timestamp, now=now, max_skew=state.max_skew):
            return state.error(401, "stale_timestamp")
        message = signing.request_message("POST", self.path, timestamp, nonce, key, body)
        signature = self.headers.get(names.signature)
        if not key or not nonce or not signing.verify(state.secret, message, signature):
            return state.error(401, "signature_invalid")
        with state.lock:
            for seen, at in list(state.nonces.items()):
                if now - at > 2 * state.max_skew:
                    del state.nonces[seen]
            if nonce in state.nonces:
                return state.error(401, "nonce_replayed")
            state.nonces[nonce] = now
            attempt = state.attempts[key] = state.attempts.get(key, 0) + 1
        return SignedRequest(body, key, nonce, now, attempt)

    def send_signed(self, answer: Answer, timestamp: str) -> None:
        """Write ``answer`` as a JSON response signed for its attempt.

        :param answer: the status, body, idempotency key, request nonce and signing secret.
        :param timestamp: the response's Unix-seconds timestamp.
        """
        names = self.signed_headers
        message = signing.response_message(
            answer.status, answer.key, answer.nonce, timestamp, answer.body
        )
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header(names.idempotency_key, answer.key)
        self.send_header(names.timestamp, timestamp)
        self.send_header(names.signature, signing.sign(answer.secret, message))
        self.end_headers()
        self.wfile.write(answer.body)


class LocalServer(Generic[S]):
    """A server on ``http://127.0.0.1:<free port><path>``, serving in a background thread.

    :param state: what the handlers reach as ``self.server.state``.
    :param handler: the request handler class.
    :param path: the path the :attr:`url` names.
    :param name: the serving thread's name.
    :param label: names the server in the error of :attr:`url` while it is not running.
    """

    def __init__(
        self,
        state: S,
        handler: type[BaseHTTPRequestHandler],
        *,
        path: str,
        name: str,
        label: str,
    ) -> None:
        self._state = state
        self._handler = handler
        self._path = path
        self._name = name
        self._label = label
        self._server: QuietServer[S] | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The URL (only while running)."""
        if self._server is None:
            raise RuntimeError(f"the {self._label} is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self._path}"

    def _starting(self) -> None:
        """Called before binding (override to reset what ``stop`` set)."""

    def _stopping(self) -> None:
        """Called before the server shuts down (override to abandon work in progress)."""

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a background thread."""
        if self._server is not None:
            return self
        self._starting()
        server: QuietServer[S] = QuietServer(("127.0.0.1", 0), self._handler)
        server.state = self._state
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=self._name,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._stopping()
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
