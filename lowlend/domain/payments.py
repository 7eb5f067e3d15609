"""Payments through a payment gateway: disbursements (放款), auto-debits (代扣) and refunds.

A :class:`PaymentOrder` is what the lender asks the gateway to do. Its ``order_id`` is chosen
by the caller and is the idempotency key: sending the same order again (a retry after a
timeout) must never move money twice, so a retry always reuses the order id. The gateway
answers with a :class:`PaymentResult` — ``succeeded`` and ``failed`` are final, ``pending``
means the bank has not answered yet and the final status arrives later as a signed
:class:`PaymentCallback` (异步通知) or by querying the order.

Callbacks may come late, twice or out of order. :func:`apply_callback` decides, purely, what
a callback does to the stored result: the first final status wins; the same final notice
again is ignored; a notice contradicting a final status is a conflict to report (never
applied); a final notice after ``pending`` (a late success after a time-out) is applied.

Money is :class:`~decimal.Decimal` with at most 2 places (stored with exactly 2).

>>> order = PaymentOrder("debit", "LN7-D-2026-11", Decimal("1050.5"), "CNY", "张三",
...                      "6222 0200 0000 0015", "ICBC", "LN7", "installment 3")
>>> order.amount, order.card_number
(Decimal('1050.50'), '6222020000000015')
>>> PaymentOrder("debit", "X1", Decimal("0.001"), "CNY", "张三", "6222020000000015", "ICBC", "LN7")
Traceback (most recent call last):
...
lowlend.domain.payments.PaymentInputError: amount: payment_amount_precision (value=0.001)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from lowlend.domain.errors import DomainError
from lowlend.domain.identity import IdentityError, check_bank_card

__all__ = [
    "FAILURE_CODES",
    "FINAL_STATUSES",
    "KINDS",
    "STATUSES",
    "CallbackAction",
    "Outcome",
    "PaymentCallback",
    "PaymentInputError",
    "PaymentKind",
    "PaymentOrder",
    "PaymentResult",
    "PaymentStatus",
    "apply_callback",
    "check_amount",
]

PaymentKind = Literal["disbursement", "debit", "refund"]
PaymentStatus = Literal["succeeded", "failed", "pending"]
CallbackAction = Literal["apply", "ignore", "conflict"]

KINDS: Final = frozenset({"disbursement", "debit", "refund"})
"""``disbursement`` (放款) and ``refund`` pay out of the lender's account; ``debit`` (代扣)
collects from the customer's card."""
STATUSES: Final = frozenset({"succeeded", "failed", "pending"})
FINAL_STATUSES: Final = frozenset({"succeeded", "failed"})
FAILURE_CODES: Final = frozenset(
    {"insufficient_funds", "account_invalid", "limit_exceeded", "declined"}
)
"""Why a payment failed: ``declined`` is any other refusal of the bank or gateway."""

_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_BANK_RE = re.compile(r"[A-Z0-9]{2,16}")
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
MEMO_MAX = 140


class PaymentInputError(DomainError, ValueError):
    """A payment order, result or callback that is not valid (HTTP 422, CLI exit 1).

    ``code`` is stable (``payment_amount_not_positive``, ``bank_card_checksum``, …) and
    ``field`` names the attribute at fault.
    """

    def __init__(self, code: str, field: str, **params: object) -> None:
        super().__init__(code, field, **params)


def check_amount(value: object, field: str = "amount", *, positive: bool = True) -> Decimal:
    """``value`` as a Decimal with exactly 2 places.

    :raises PaymentInputError: not a finite Decimal (``payment_amount_invalid``), more than 2
        places (``payment_amount_precision``), not > 0 (``payment_amount_not_positive``) or,
        with ``positive=False``, negative.

    >>> check_amount(Decimal("12")), check_amount(Decimal("0"), positive=False)
    (Decimal('12.00'), Decimal('0.00'))
    >>> check_amount(12.5)
    Traceback (most recent call last):
    ...
    lowlend.domain.payments.PaymentInputError: amount: payment_amount_invalid (value=12.5)
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PaymentInputError("payment_amount_invalid", field, value=value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(_CENT):
        raise PaymentInputError("payment_amount_precision", field, value=value)
    if value <= 0 if positive else value < 0:
        raise PaymentInputError("payment_amount_not_positive", field, value=value)
    return value.quantize(_CENT)


def _check_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise PaymentInputError("payment_id_invalid", field, value=value)
    return value


def _check_aware(value: object, field: str) -> None:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise PaymentInputError("payment_time_invalid", field, value=value)


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """One payment the lender asks the gateway for.

    :param kind: ``disbursement`` | ``debit`` | ``refund``.
    :param order_id: the caller's idempotent request id (1–64 of ``A-Z a-z 0-9 _ . : -``).
    :param amount: > 0 with at most 2 places (kept with exactly 2).
    :param currency: ISO 4217 code, e.g. ``CNY``.
    :param holder_name: the account holder's name (户名).
    :param card_number: the bank card number; spaces and dashes are removed, Luhn-checked.
    :param bank_code: the bank's code, e.g. ``ICBC`` (2–16 upper-case letters or digits).
    :param loan_id: the loan the payment belongs to.
    :param memo: free text for the statement, at most 140 characters.
    :raises PaymentInputError: naming the field at fault.
    """

    kind: PaymentKind
    order_id: str
    amount: Decimal
    currency: str
    holder_name: str
    card_number: str
    bank_code: str
    loan_id: str
    memo: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PaymentInputError("payment_kind_invalid", "kind", value=self.kind)
        _check_id(self.order_id, "order_id")
        object.__setattr__(self, "amount", check_amount(self.amount))
        currency: object = self.currency
        if not isinstance(currency, str) or not _CURRENCY_RE.fullmatch(currency):
            raise PaymentInputError("payment_currency_invalid", "currency", value=currency)
        holder: object = self.holder_name
        if not isinstance(holder, str) or not holder.strip():
            raise PaymentInputError("payment_holder_required", "holder_name")
        object.__setattr__(self, "holder_name", holder.strip())
        card: object = self.card_number
        if not isinstance(card, str):
            raise PaymentInputError("bank_card_invalid_format", "card_number")
        try:
            object.__setattr__(self, "card_number", check_bank_card(card, "card_number"))
        except IdentityError as exc:
            raise PaymentInputError(exc.code, "card_number") from None
        bank: object = self.bank_code
        if not isinstance(bank, str) or not _BANK_RE.fullmatch(bank):
            raise PaymentInputError("payment_bank_code_invalid", "bank_code", value=bank)
        loan: object = self.loan_id
        if not isinstance(loan, str) or not loan.strip():
            raise PaymentInputError("payment_loan_required", "loan_id")
        memo: object = self.memo
        if not isinstance(memo, str) or len(memo) > MEMO_MAX:
            raise PaymentInputError("payment_memo_too_long", "memo", max=MEMO_MAX)

    @property
    def pays_out(self) -> bool:
        """Whether money leaves the lender (disbursement, refund) rather than comes in."""
        return self.kind != "debit"

    @property
    def masked_card(self) -> str:
        """The card number for logs and screens: first 6 and last 4 digits.

        >>> PaymentOrder("refund", "R1", Decimal("1"), "CNY", "张三", "6222020000000015",
        ...              "ICBC", "LN7").masked_card
        '622202******0015'
        """
        return self.card_number[:6] + "*" * (len(self.card_number) - 10) + self.card_number[-4:]


def _check_outcome_fields(
    status: object,
    amount: Decimal,
    settled_amount: Decimal,
    failure_code: object,
    settled_at: object,
) -> None:
    """The rules a result and a callback share (see :class:`PaymentResult`)."""
    if status not in STATUSES:
        raise PaymentInputError("payment_status_invalid", "status", value=status)
    if status == "failed":
        if failure_code not in FAILURE_CODES:
            raise PaymentInputError("payment_failure_code_invalid", "failure_code",
                                    value=failure_code)
    elif failure_code is not None:
        raise PaymentInputError("payment_failure_code_invalid", "failure_code", value=failure_code)
    if status == "succeeded":
        if not _ZERO < settled_amount <= amount:
            raise PaymentInputError("payment_settled_amount_invalid", "settled_amount",
                                    value=settled_amount)
    elif settled_amount != _ZERO:
        raise PaymentInputError("payment_settled_amount_invalid", "settled_amount",
                                value=settled_amount)
    if status in FINAL_STATUSES:
        _check_aware(settled_at, "settled_at")
    elif settled_at is not None:
        raise PaymentInputError("payment_time_invalid", "settled_at", value=settled_at)


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """What the gateway says about one order.

    :param order_id: the order's id.
    :param status: ``succeeded`` | ``failed`` (both final) | ``pending``.
    :param reference: the gateway's reference (流水号), ``None`` if it gave none yet.
    :param amount: the order's amount.
    :param settled_amount: the money moved: > 0 and ≤ ``amount`` when succeeded, else 0.00.
    :param currency: ISO 4217 code.
    :param failure_code: one of :data:`FAILURE_CODES` when failed, else ``None``.
    :param submitted_at: when the gateway accepted the order (aware).
    :param settled_at: when it became final (aware), ``None`` while pending.
    :raises PaymentInputError: naming the field at fault.
    """

    order_id: str
    status: PaymentStatus
    reference: str | None
    amount: Decimal
    settled_amount: Decimal
    currency: str
    failure_code: str | None
    submitted_at: dt.datetime
    settled_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        _check_id(self.order_id, "order_id")
        if self.reference is not None:
            _check_id(self.reference, "reference")
        object.__setattr__(self, "amount", check_amount(self.amount))
        settled = check_amount(self.settled_amount, "settled_amount", positive=False)
        object.__setattr__(self, "settled_amount", settled)
        currency: object = self.currency
        if not isinstance(currency, str) or not _CURRENCY_RE.fullmatch(currency):
            raise PaymentInputError("payment_currency_invalid", "currency", value=currency)
        _check_aware(self.submitted_at, "submitted_at")
        _check_outcome_fields(self.status, self.amount, settled, self.failure_code,
                              self.settled_at)

    @property
    def is_final(self) -> bool:
        """Whether the status can no longer change (succeeded or failed)."""
        return self.status in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class PaymentCallback:
    """The gateway's asynchronous notice (异步通知) about one order, after its signature held.

    The outcome fields mean what they mean in :class:`PaymentResult`; ``timestamp``,
    ``nonce`` and ``signature`` are the signature fields it was verified with (kept for the
    audit trail; a resent notice carries the same ones).
    """

    order_id: str
    status: PaymentStatus
    reference: str
    amount: Decimal
    settled_amount: Decimal
    currency: str
    failure_code: str | None
    settled_at: dt.datetime | None
    timestamp: str
    nonce: str
    signature: str

    def __post_init__(self) -> None:
        _check_id(self.order_id, "order_id")
        _check_id(self.reference, "reference")
        object.__setattr__(self, "amount", check_amount(self.amount))
        settled = check_amount(self.settled_amount, "settled_amount", positive=False)
        object.__setattr__(self, "settled_amount", settled)
        currency: object = self.currency
        if not isinstance(currency, str) or not _CURRENCY_RE.fullmatch(currency):
            raise PaymentInputError("payment_currency_invalid", "currency", value=currency)
        _check_outcome_fields(self.status, self.amount, settled, self.failure_code,
                              self.settled_at)

    def as_result(self, submitted_at: dt.datetime) -> PaymentResult:
        """The result this notice announces, for an order accepted at ``submitted_at``."""
        return PaymentResult(
            order_id=self.order_id,
            status=self.status,
            reference=self.reference,
            amount=self.amount,
            settled_amount=self.settled_amount,
            currency=self.currency,
            failure_code=self.failure_code,
            submitted_at=submitted_at,
            settled_at=self.settled_at,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What :func:`apply_callback` decided.

    :param action: ``apply`` (store ``result``), ``ignore`` (nothing changes) or ``conflict``
        (nothing changes; report it — the gateway contradicts a final status).
    :param reason: ``first_notice``, ``settled``, ``reference_learned``, ``duplicate``,
        ``stale_pending``, ``status_contradicts``, ``amount_mismatch``,
        ``reference_mismatch`` or ``currency_mismatch``.
    :param result: the result to keep: the new one when applied, else the stored one
        (``None`` only when nothing was stored and nothing applied).
    """

    action: CallbackAction
    reason: str
    result: PaymentResult | None

    @property
    def applied(self) -> bool:
        """Whether the caller must store :attr:`result`."""
        return self.action == "apply"


def _stamp_time(timestamp: str) -> dt.datetime:
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise PaymentInputError("payment_time_invalid", "timestamp", value=timestamp)
    return dt.datetime.fromtimestamp(int(timestamp), dt.UTC)


def _same_notice(stored: PaymentResult, callback: PaymentCallback) -> bool:
    return (
        stored.status == callback.status
        and stored.reference == callback.reference
        and stored.settled_amount == callback.settled_amount
        and stored.failure_code == callback.failure_code
    )


def apply_callback(stored: PaymentResult | None, callback: PaymentCallback) -> Outcome:
    """Decide what a (possibly late or duplicate) callback does to the stored result.

    * nothing stored: the notice is applied (``first_notice``), accepted at its settle time
      (or the callback's timestamp when pending);
    * amount or currency different from the stored order's: ``conflict``;
    * stored ``pending``: a final notice is applied (``settled`` — e.g. a late success after a
      time-out); a pending one only when it brings the first reference, else ignored;
    * stored final: the same notice again is ignored (``duplicate``), a pending one too
      (``stale_pending``, out of order), any other is a ``conflict``, never applied.

    :raises PaymentInputError: ``payment_callback_order_mismatch`` when the callback is for
        another order than ``stored``.

    >>> t0 = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
    >>> pending = PaymentResult("P1", "pending", "G1", Decimal("100"), Decimal("0"), "CNY",
    ...                         None, t0)
    >>> ok = PaymentCallback("P1", "succeeded", "G1", Decimal("100"), Decimal("100"), "CNY",
    ...                      None, t0 + dt.timedelta(minutes=3), "1795860180", "n1", "ab12")
    >>> first = apply_callback(pending, ok)
    >>> first.action, first.reason, first.result.status
    ('apply', 'settled', 'succeeded')
    >>> apply_callback(first.result, ok).action
    'ignore'
    >>> from dataclasses import replace
    >>> failed = replace(ok, status="failed", settled_amount=Decimal("0"),
    ...                  failure_code="insufficient_funds")
    >>> outcome = apply_callback(first.result, failed)
    >>> outcome.action, outcome.reason, outcome.result.status
    ('conflict', 'status_contradicts', 'succeeded')
    """
    if stored is None:
        accepted = callback.settled_at or _stamp_time(callback.timestamp)
        return Outcome("apply", "first_notice", callback.as_result(accepted))
    if stored.order_id != callback.order_id:
        raise PaymentInputError("payment_callback_order_mismatch", "order_id",
                                stored=stored.order_id, value=callback.order_id)
    if stored.amount != callback.amount:
        return Outcome("conflict", "amount_mismatch", stored)
    if stored.currency != callback.currency:
        return Outcome("conflict", "currency_mismatch", stored)
    if not stored.is_final:
        if callback.status == "pending":
            if stored.reference is None:
                return Outcome("apply", "reference_learned", callback.as_result(stored.submitted_at))
            if stored.reference != callback.reference:
                return Outcome("conflict", "reference_mismatch", stored)
            return Outcome("ignore", "duplicate", stored)
        if stored.reference is not None and stored.reference != callback.reference:
            return Outcome("conflict", "reference_mismatch", stored)
        return Outcome("apply", "settled", callback.as_result(stored.submitted_at))
    if _same_notice(stored, callback):
        return Outcome("ignore", "duplicate", stored)
    if callback.status == "pending":
        return Outcome("ignore", "stale_pending", stored)
    if stored.reference != callback.reference and stored.status == callback.status:
        return Outcome("conflict", "reference_mismatch", stored)
    return Outcome("conflict", "status_contradicts", stored)

