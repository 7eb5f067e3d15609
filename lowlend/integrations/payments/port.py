"""The port the lending service calls, and the wire format every adapter shares.

Orders, results and callbacks travel as JSON objects; money is a decimal string with 2
places, times are ISO 8601 with a UTC offset (``null`` while pending)::

    order:  {"kind": "debit", "order_id": "LN7-D-3", "amount": "1050.00", "currency": "CNY",
             "holder_name": "张三", "card_number": "6222020000000015", "bank_code": "ICBC",
             "loan_id": "LN7", "memo": "", "notify_url": "https://lender.example/pay/notify"}
    result / callback body:
            {"order_id": "LN7-D-3", "status": "succeeded", "reference": "SBX0123ABCD",
             "amount": "1050.00", "settled_amount": "1050.00", "currency": "CNY",
             "failure_code": null, "submitted_at": "2026-11-28T10:00:00+00:00",
             "settled_at": "2026-11-28T10:00:01+00:00"}
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, Protocol, runtime_checkable

from lowlend.domain.payments import (
    PaymentCallback,
    PaymentInputError,
    PaymentOrder,
    PaymentResult,
)
from lowlend.integrations.payments import signing
from lowlend.integrations.payments.errors import CallbackSignatureError, GatewayBadResponse

__all__ = [
    "CallbackDelivery",
    "PaymentGateway",
    "callback_from_request",
    "decode_json",
    "order_from_payload",
    "order_payload",
    "result_from_payload",
    "result_payload",
    "signed_callback",
]


@runtime_checkable
class PaymentGateway(Protocol):
    """A payment gateway: pays out (放款, 退款) and collects (代扣) for one lender."""

    def submit(self, order: PaymentOrder) -> PaymentResult:
        """Submit ``order``; the same order again never moves money twice.

        :returns: the result, possibly ``pending`` (the final status comes by callback or
            :meth:`query`).
        :raises GatewayUnavailable: timeout, connection or server error after the retries —
            the outcome is unknown: retry the same order or query it, never a new order id.
        :raises GatewayRejected: refused, e.g. ``order_id_conflict`` (the id was used for
            another order).
        :raises GatewayBadResponse: the answer is not a valid, authentic result.
        """
        ...

    def query(self, order_id: str) -> PaymentResult:
        """The current result of an order (``GatewayRejected`` ``order_not_found``)."""
        ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> PaymentCallback:
        """Check a callback's signature and read it.

        :raises CallbackSignatureError: missing, wrong or stale signature (answer 401).
        :raises GatewayBadResponse: authentic, but not a valid notice.
        """
        ...


@dataclass(frozen=True, slots=True)
class CallbackDelivery:
    """One callback as the gateway POSTs it: its headers and body bytes."""

    headers: Mapping[str, str]
    body: bytes


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def order_payload(order: PaymentOrder, notify_url: str | None = None) -> dict[str, Any]:
    """The JSON object of ``order`` (with the notify URL, if any)."""
    data: dict[str, Any] = {
        "kind": order.kind,
        "order_id": order.order_id,
        "amount": _money(order.amount),
        "currency": order.currency,
        "holder_name": order.holder_name,
        "card_number": order.card_number,
        "bank_code": order.bank_code,
        "loan_id": order.loan_id,
        "memo": order.memo,
    }
    if notify_url:
        data["notify_url"] = notify_url
    return data


def _decimal(data: Mapping[str, Any], key: str) -> Decimal:
    raw = data[key]
    if not isinstance(raw, str):
        raise PaymentInputError("payment_amount_invalid", key, value=raw)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise PaymentInputError("payment_amount_invalid", key, value=raw) from None


def _time(data: Mapping[str, Any], key: str) -> dt.datetime | None:
    raw = data[key]
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise PaymentInputError("payment_time_invalid", key, value=raw)
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise PaymentInputError("payment_time_invalid", key, value=raw) from None


def order_from_payload(data: object) -> PaymentOrder:
    """Read an order object (the gateway side).

    :raises PaymentInputError: a bad field; :class:`KeyError`/:class:`TypeError` for a
        missing key or a body that is not an object.
    """
    if not isinstance(data, Mapping):
        raise TypeError("not an object")
    return PaymentOrder(
        kind=data["kind"],
        order_id=data["order_id"],
        amount=_decimal(data, "amount"),
        currency=data["currency"],
        holder_name=data["holder_name"],
        card_number=data["card_number"],
        bank_code=data["bank_code"],
        loan_id=data["loan_id"],
        memo=data.get("memo", ""),
    )


def result_payload(result: PaymentResult) -> dict[str, Any]:
    """The JSON object of ``result`` (also the body of a callback)."""
    return {
        "order_id": result.order_id,
        "status": result.status,
        "reference": result.reference,
        "amount": _money(result.amount),
        "settled_amount": _money(result.settled_amount),
        "currency": result.currency,
        "failure_code": result.failure_code,
        "submitted_at": result.submitted_at.isoformat(),
        "settled_at": result.settled_at.isoformat() if result.settled_at else None,
    }


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def decode_json(body: bytes) -> object:
    """Decode a JSON body (floats as Decimal, no NaN).

    :raises GatewayBadResponse: ``$`` when it is not UTF-8 JSON.
    """
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal,
                          parse_constant=_refuse_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise GatewayBadResponse("$", "not JSON") from None


def result_from_payload(payload: object, order_id: str | None = None) -> PaymentResult:
    """Read a result object strictly; it must be about ``order_id`` when given.

    :raises GatewayBadResponse: naming the key at fault.
    """
    if not isinstance(payload, Mapping):
        raise GatewayBadResponse("$", "not an object")
    try:
        submitted_at = _time(payload, "submitted_at")
        if submitted_at is None:
            raise PaymentInputError("payment_time_invalid", "submitted_at")
        result = PaymentResult(
            order_id=payload["order_id"],
            status=payload["status"],
            reference=payload["reference"],
            amount=_decimal(payload, "amount"),
            settled_amount=_decimal(payload, "settled_amount"),
            currency=payload["currency"],
            failure_code=payload["failure_code"],
            submitted_at=submitted_at,
            settled_at=_time(payload, "settled_at"),
        )
    except KeyError as exc:
        raise GatewayBadResponse(str(exc.args[0]), "missing") from None
    except PaymentInputError as exc:
        raise GatewayBadResponse(exc.field or "$", exc.code) from None
    if order_id is not None and result.order_id != order_id:
        raise GatewayBadResponse("order_id", "not the requested order")
    return result


def signed_callback(secret: str, result: PaymentResult, timestamp: str, nonce: str) -> CallbackDelivery:
    """The callback announcing ``result``, signed with the callback ``secret``."""
    body = json.dumps(result_payload(result), ensure_ascii=False, sort_keys=True).encode("utf-8")
    signature = signing.sign(secret, signing.callback_message(timestamp, nonce, body))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        signing.HEADER_TIMESTAMP: timestamp,
        signing.HEADER_NONCE: nonce,
        signing.HEADER_SIGNATURE: signature,
    }
    return CallbackDelivery(headers, body)


def callback_from_request(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float, max_skew: float
) -> PaymentCallback:
    """Verify a callback's signature (with the callback ``secret``), then read it.

    Header names are matched case-insensitively. A resent notice (same bytes, same
    signature) verifies again: applying it is a no-op (:func:`~lowlend.domain.payments.apply_callback`).

    :raises CallbackSignatureError: ``signature_missing``, ``stale_timestamp`` or
        ``signature_invalid``.
    :raises GatewayBadResponse: an authentic body that is not a valid notice.
    """
    lower = {str(name).lower(): str(value) for name, value in headers.items()}
    timestamp = lower.get(signing.HEADER_TIMESTAMP.lower(), "")
    nonce = lower.get(signing.HEADER_NONCE.lower(), "")
    signature = lower.get(signing.HEADER_SIGNATURE.lower(), "")
    if not (timestamp and nonce and signature):
        raise CallbackSignatureError("signature_missing")
    if not signing.verify(secret, signing.callback_message(timestamp, nonce, body), signature):
        raise CallbackSignatureError("signature_invalid")
    if not signing.is_fresh(timestamp, now=now, max_skew=max_skew):
        raise CallbackSignatureError("stale_timestamp")
    result = result_from_payload(decode_json(body))
    if result.reference is None:
        raise GatewayBadResponse("reference", "missing")
    return PaymentCallback(
        order_id=result.order_id,
        status=result.status,
        reference=result.reference,
        amount=result.amount,
        settled_amount=result.settled_amount,
        currency=result.currency,
        failure_code=result.failure_code,
        settled_at=result.settled_at,
        timestamp=timestamp,
        nonce=nonce,
        signature=signature.strip().lower(),
    )
