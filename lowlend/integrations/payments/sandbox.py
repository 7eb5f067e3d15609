"""Sandbox payment gateway: a tiny bank with balances and idempotent orders, run in process.

The same :class:`SandboxBank` serves :class:`SandboxGateway` (in process) and the local HTTP
server (:mod:`lowlend.integrations.payments.sandbox_server`). The lender's funding account
(``FUNDING``, 1 000 000.00 unless told otherwise) pays disbursements and refunds into the
customer's card; an auto-debit (``debit``) moves money from the card into the funding account.
A payment whose source lacks the money fails with ``insufficient_funds`` and moves nothing.

Orders are idempotent by ``order_id``: the same order again returns the stored result and
never moves money twice; the same id with another order is refused (409
``order_id_conflict``). The test cards (Luhn-valid) of :data:`SANDBOX_CARDS`:

====================  ==========================  =============================================
card number           case                        behaviour
====================  ==========================  =============================================
6222020000000015      ``success``                 balance 100 000.00: payments succeed
6222020000000023      ``insufficient_funds``      balance 0.00: a debit fails
                                                  ``insufficient_funds``
6222020000000031      ``account_closed``          every payment fails ``account_invalid``
6222020000000049      ``limit_exceeded``          more than 1 000.00 at once fails
                                                  ``limit_exceeded``
6222020000000056      ``late_success``            ``pending``; later a success callback (the
                                                  server also holds the first answer past the
                                                  client's timeout: the retry gets ``pending``)
6222020000000064      ``duplicate_callback``      ``pending``; the success callback comes twice
6222020000000072      ``bad_callback_signature``  ``pending``; the callback's signature is wrong
6222020000000080      ``error_once``              server: 500 to the first attempt of each order
                                                  (after booking it); in process: success
6222020000000098      ``error_always``            server: always 500; in process:
                                                  :class:`GatewayUnavailable`
====================  ==========================  =============================================

Any other valid card is an ordinary account opened with 10 000.00. References are derived
from the order id (``SBX`` + 20 hex digits), so runs are deterministic.

>>> from lowlend.domain.payments import PaymentOrder
>>> gateway = SandboxGateway(funding_balance=Decimal("5000.00"))
>>> order = PaymentOrder("disbursement", "D-1", Decimal("3000"), "CNY", "张三",
...                      SANDBOX_CARDS["success"], "ICBC", "LN1")
>>> gateway.submit(order).status, gateway.submit(order).status
('succeeded', 'succeeded')
>>> gateway.balance(FUNDING), gateway.balance(SANDBOX_CARDS["success"])
(Decimal('2000.00'), Decimal('103000.00'))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from lowlend.domain.payments import PaymentCallback, PaymentOrder, PaymentResult
from lowlend.integrations.payments.errors import GatewayRejected, GatewayUnavailable
from lowlend.integrations.payments.port import (
    CallbackDelivery,
    callback_from_request,
    signed_callback,
)

__all__ = [
    "FUNDING",
    "LATE_CASES",
    "SANDBOX_CARDS",
    "Movement",
    "SandboxBank",
    "SandboxGateway",
    "sandbox_callbacks",
    "sandbox_case",
]

FUNDING: Final = "funding"
"""The name of the lender's funding account in :meth:`SandboxBank.balance`."""

SANDBOX_CARDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "success": "6222020000000015",
        "insufficient_funds": "6222020000000023",
        "account_closed": "6222020000000031",
        "limit_exceeded": "6222020000000049",
        "late_success": "6222020000000056",
        "duplicate_callback": "6222020000000064",
        "bad_callback_signature": "6222020000000072",
        "error_once": "6222020000000080",
        "error_always": "6222020000000098",
    }
)
LATE_CASES: Final = frozenset({"late_success", "duplicate_callback", "bad_callback_signature"})
"""Cases answered ``pending`` and settled later, announced by callback."""

_CASES = {number: case for case, number in SANDBOX_CARDS.items()}
_OPENING = {"insufficient_funds": Decimal("0.00"), "account_closed": Decimal("0.00")}
_RICH = Decimal("100000.00")
_ORDINARY = Decimal("10000.00")
_LIMIT = Decimal("1000.00")


def sandbox_case(card_number: str) -> str | None:
    """The sandbox case of a card number, ``None`` for an ordinary card."""
    return _CASES.get("".join(card_number.split()))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Movement:
    """Money moved by one order: from ``source`` to ``target`` (account names)."""

    order_id: str
    source: str
    target: str
    amount: Decimal


class SandboxBank:
    """Accounts, balances and the orders the sandbox has seen (thread-safe).

    :param funding_balance: the opening balance of the lender's funding account.
    :param clock: the current aware date-time (results' timestamps).
    """

    def __init__(
        self,
        funding_balance: Decimal = Decimal("1000000.00"),
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._balances: dict[str, Decimal] = {FUNDING: funding_balance.quantize(Decimal("0.01"))}
        self._orders: dict[str, tuple[PaymentOrder, PaymentResult]] = {}
        self._movements: list[Movement] = []

    def _account(self, card: str) -> Decimal:
        if card not in self._balances:
            case = sandbox_case(card)
            opening = _ORDINARY if case is None else _OPENING.get(case, _RICH)
            self._balances[card] = opening
        return self._balances[card]

    def balance(self, account: str) -> Decimal:
        """The balance of ``FUNDING`` or of a card number (opened on first use)."""
        with self._lock:
            return self._account(account)

    @property
    def movements(self) -> list[Movement]:
        """Every movement so far, oldest first."""
        with self._lock:
            return list(self._movements)

    def result(self, order_id: str) -> PaymentResult | None:
        """The stored result of an order, ``None`` if never seen."""
        with self._lock:
            stored = self._orders.get(order_id)
        return None if stored is None else stored[1]

    def order(self, order_id: str) -> PaymentOrder | None:
        """The stored order, ``None`` if never seen."""
        with self._lock:
            stored = self._orders.get(order_id)
        return None if stored is None else stored[0]

    def submit(self, order: PaymentOrder) -> tuple[PaymentResult, bool]:
        """Book ``order`` once: ``(result, new)``; a repeat returns the stored result.

        :raises GatewayRejected: 409 ``order_id_conflict`` for the same id with another order.
        """
        with self._lock:
            stored = self._orders.get(order.order_id)
            if stored is not None:
                if stored[0] != order:
                    raise GatewayRejected(409, "order_id_conflict")
                return stored[1], False
            now = self._clock()
            pending = PaymentResult(
                order.order_id, "pending", _reference(order.order_id), order.amount,
                Decimal("0.00"), order.currency, None, now,
            )
            result = pending if sandbox_case(order.card_number) in LATE_CASES \
                else self._execute(order, pending, now)
            self._orders[order.order_id] = (order, result)
            return result, True

    def settle(self, order_id: str) -> PaymentResult:
        """Settle a pending order now (a final result stays as it is)."""
        with self._lock:
            order, result = self._orders[order_id]
            if result.is_final:
                return result
            result = self._execute(order, result, self._clock())
            self._orders[order_id] = (order, result)
            return result

    def pending(self) -> list[str]:
        """The ids of the orders still pending, in booking order."""
        with self._lock:
            return [key for key, (_, result) in self._orders.items() if not result.is_final]

    def _execute(self, order: PaymentOrder, pending: PaymentResult, now: dt.datetime) -> PaymentResult:
        """Move the money (lock held) and return the final result."""
        case = sandbox_case(order.card_number)
        card = order.card_number
        self._account(card)
        source, target = (FUNDING, card) if order.pays_out else (card, FUNDING)
        failure: str | None = None
        if case == "account_closed":
            failure = "account_invalid"
        elif case == "limit_exceeded" and order.amount > _LIMIT:
            failure = "limit_exceeded"
        elif self._balances[source] < order.amount:
            failure = "insufficient_funds"
        if failure is not None:
            return replace(pending, status="failed", failure_code=failure, settled_at=now)
        self._balances[source] -= order.amount
        self._balances[target] += order.amount
        self._movements.append(Movement(order.order_id, source, target, order.amount))
        return replace(pending, status="succeeded", settled_amount=order.amount, settled_at=now)


def _reference(order_id: str) -> str:
    return "SBX" + hashlib.sha256(order_id.encode("utf-8")).hexdigest()[:20].upper()


def sandbox_callbacks(
    case: str | None, result: PaymentResult, secret: str, timestamp: str
) -> list[CallbackDelivery]:
    """The callbacks the sandbox sends for a settled order of ``case``.

    One signed callback; two identical ones for ``duplicate_callback``; one signed with a
    wrong secret for ``bad_callback_signature``.
    """
    nonce = secrets.token_hex(16)
    if case == "bad_callback_signature":
        return [signed_callback(secret + "-wrong", result, timestamp, nonce)]
    delivery = signed_callback(secret, result, timestamp, nonce)
    return [delivery, delivery] if case == "duplicate_callback" else [delivery]


class SandboxGateway:
    """The sandbox gateway in process (implements :class:`~.port.PaymentGateway`).

    Late cases stay ``pending`` until :meth:`release_callbacks` settles them and hands out
    the callbacks the gateway would POST, for :meth:`verify_callback`.

    :param funding_balance: opening balance of the funding account.
    :param callback_secret: the secret callbacks are signed with.
    :param clock: the current aware date-time (results' timestamps).
    :param unix_clock: Unix time (callback timestamps and their freshness check).
    :param max_skew: accepted age of a callback's timestamp, in seconds.
    """

    def __init__(
        self,
        *,
        funding_balance: Decimal = Decimal("1000000.00"),
        callback_secret: str = "sandbox-callback-secret",
        clock: Callable[[], dt.datetime] = _utc_now,
        unix_clock: Callable[[], float] = time.time,
        max_skew: float = 300.0,
    ) -> None:
        self.bank = SandboxBank(funding_balance, clock)
        self.name = "sandbox"
        self._callback_secret = callback_secret
        self._unix_clock = unix_clock
        self.max_skew = max_skew

    def submit(self, order: PaymentOrder) -> PaymentResult:
        """Book the order (see the table of :mod:`.sandbox`)."""
        if sandbox_case(order.card_number) == "error_always":
            raise GatewayUnavailable("http_500")
        return self.bank.submit(order)[0]

    def query(self, order_id: str) -> PaymentResult:
        """The stored result (:class:`GatewayRejected` 404 ``order_not_found``)."""
        result = self.bank.result(order_id)
        if result is None:
            raise GatewayRejected(404, "order_not_found")
        return result

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> PaymentCallback:
        """Check and read a callback (see :func:`~.port.callback_from_request`)."""
        return callback_from_request(self._callback_secret, headers, body,
                                     now=self._unix_clock(), max_skew=self.max_skew)

    def release_callbacks(self) -> list[CallbackDelivery]:
        """Settle every pending order and return the callbacks announcing them."""
        deliveries: list[CallbackDelivery] = []
        for order_id in self.bank.pending():
            order = self.bank.order(order_id)
            result = self.bank.settle(order_id)
            case = None if order is None else sandbox_case(order.card_number)
            stamp = str(int(self._unix_clock()))
            deliveries.extend(sandbox_callbacks(case, result, self._callback_secret, stamp))
        return deliveries

    def balance(self, account: str) -> Decimal:
        """The balance of ``FUNDING`` or a card."""
        return self.bank.balance(account)
