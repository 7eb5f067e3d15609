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
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lowlend.domain.credit_report import BureauDataError, BureauRequest, Consent
from lowlend.integrations.bureau import signing
from lowlend.integrations.bureau.sandbox import sandbox_case, sandbox_payload
from lowlend.integrations.signed_http.server import (
    Answer,
    LocalServer,
    QuietServer,
    SignedJsonHandler,
    SignedServerState,
)

__all__ = ["SandboxBureauServer"]

PATH = "/v1/credit-reports"


@dataclass(kw_only=True)
class _State(SignedServerState):
    slow_seconds: float
    answers: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id → (body hash, body)


class _Handler(SignedJsonHandler):
    server: QuietServer[_State]
    server_version = "SandboxBureau/1"
    signed_headers = signing.HEADERS

    def do_POST(self) -> None:
        """Authenticate, then answer one report request."""
        answer = self._answer()
        if answer is None:  # the server is stopping: leave without an answer
            return
        self.send_signed(answer, str(int(self.server.state.clock())))

    def _answer(self) -> Answer | None:
        state = self.server.state
        checked = self.authenticate(state, (PATH,))
        if isinstance(checked, Answer):
            return checked
        body, request_id, nonce, now, attempt = checked
        error = state.error
        with state.lock:
            stored = state.answers.get(request_id)
        digest = hashlib.sha256(body).hexdigest()
        if stored is not None:  # a retry of an answered request: the same report again
            if stored[0] != digest:
                return error(409, "request_id_conflict", request_id, nonce)
            return Answer(200, stored[1], request_id, nonce, state.secret)
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
            return Answer(200, b"<html>502 upstream</html>{", request_id, nonce, state.secret)
        payload = sandbox_payload(request, request_id, dt.datetime.fromtimestamp(now, dt.UTC))
        answer = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if case == "bad_signature":
            return Answer(200, answer, request_id, nonce, state.secret + "-wrong")
        with state.lock:
            stored = state.answers.setdefault(request_id, (digest, answer))
        return Answer(200, stored[1], request_id, nonce, state.secret)

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


class SandboxBureauServer(LocalServer[_State]):
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
        state = _State(
            key_id=key_id, secret=secret, slow_seconds=slow_seconds, max_skew=max_skew, clock=clock
        )
        super().__init__(
            state, _Handler, path=PATH, name="sandbox-bureau", label="sandbox bureau server"
        )

    def attempts(self, request_id: str) -> int:
        """How many authenticated attempts the server saw for ``request_id``."""
        return self._state.attempts_of(request_id)

    def _starting(self) -> None:
        self._state.stopping.clear()

    def _stopping(self) -> None:
        """Slow answers in progress are abandoned."""
        self._state.stopping.set()
