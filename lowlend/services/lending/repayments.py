"""Repayments (还款): manual payments, prepayments and payoff, with idempotency keys.

A repayment is stored as a transaction and the loan is replayed
(:func:`~lowlend.services.lending.loan_postings.resync`): allocation follows the product's
order, a back-dated payment re-allocates everything after it, an overpayment is kept or
refunded as the product says.

Idempotency: a request carrying an ``Idempotency-Key`` is stored with the SHA-256 of its
canonical body. The same key again with the same body answers the stored result and posts
nothing (``replayed``); with another body it is refused (409 ``idempotency_key_reused``).
The loan's row is locked first, so concurrent requests on one loan serialize and a
concurrent twin finds the first one's key once it may proceed; if two twins still race
to the insert (SQLite), the loser reads the winner's result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from lowlend.domain.approval import Actor
from lowlend.domain.errors import DomainError
from lowlend.domain.prepayment import payoff_quote
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import (
    domain_transactions,
    loan_state,
    resync,
    schedule_of,
)
from lowlend.services.lending.money_ports import LoanMoneyRow, MoneyUnitOfWork, TxnRow

__all__ = [
    "MANUAL_CHANNELS",
    "PayoffFigures",
    "RepaymentRequest",
    "RepaymentResult",
    "check_money",
    "payoff",
    "repay",
    "request_hash",
]

MANUAL_CHANNELS = ("cash", "transfer", "statement")
KINDS = ("repayment", "prepayment", "payoff")
_CENT = Decimal("0.01")
_OPEN = ("active", "overdue")


@dataclass(frozen=True, slots=True)
class RepaymentRequest:
    """A payment received: ``kind`` ``repayment`` (allocated by the product's order),
    ``prepayment`` (early repayment of principal) or ``payoff`` (closes the loan: the
    amount must equal the payoff figure of the value date — zero when payments made in
    advance already cover it; the settlement then closes the loan and what was paid for
    periods that will not run (``unearned``) becomes the borrower's credit or refund, by
    the product's overpayment rule)."""

    amount: Decimal
    value_date: dt.date
    channel: str = "transfer"
    reference: str = ""
    note: str = ""
    kind: Literal["repayment", "prepayment", "payoff"] = "repayment"


@dataclass(frozen=True, slots=True)
class RepaymentResult:
    transaction_id: int
    replayed: bool
    loan_status: str
    allocation: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PayoffFigures:
    """What settling the loan on ``as_of`` costs, by part (see
    :class:`lowlend.domain.prepayment.PayoffQuote`): ``fee`` = ``spread_fee`` (installment
    fees due at payoff by the product's ``spread_fees_on_payoff``) + ``prepayment_fee``."""

    as_of: dt.date
    arrears: Decimal
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    credit: Decimal
    unearned: Decimal
    spread_fee: Decimal = Decimal("0.00")
    prepayment_fee: Decimal = Decimal("0.00")


def check_money(value: object, field_name: str = "amount") -> Decimal:
    """A positive amount with at most two decimal places.

    :raises LendingError: ``amount_not_positive`` / ``amount_precision``.
    """
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise LendingError("amount_not_positive", field_name, value=str(value))
    if value != value.quantize(_CENT):
        raise LendingError("amount_precision", field_name, value=str(value))
    return value.quantize(_CENT)


def request_hash(kind: str, body: dict[str, Any]) -> str:
    """SHA-256 of the canonical request (sorted keys, amounts as strings).

    >>> request_hash("repayment", {"amount": "10.00"}) == request_hash("repayment", {"amount": "10.00"})
    True
    """
    text = json.dumps([kind, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fingerprint(loan_id: int, request: RepaymentRequest) -> str:
    return request_hash(request.kind, {
        "loan_id": loan_id, "amount": str(request.amount.quantize(_CENT)),
        "value_date": request.value_date.isoformat(), "channel": request.channel,
        "reference": request.reference.strip(), "note": request.note.strip(),
    })


def _open_loan(loan: LoanMoneyRow | None, loan_id: int) -> LoanMoneyRow:
    if loan is None:
        raise LendingError("loan_not_found", status=404, value=loan_id)
    if loan.status == "approved":
        raise LendingError("loan_not_disbursed", status=409, value=loan_id)
    if loan.status == "written_off":
        raise LendingError("loan_written_off", status=409, value=loan_id)
    if loan.status not in _OPEN:
        raise LendingError("loan_closed", status=409, value=loan.status)
    return loan


def _check_value_date(loan: LoanMoneyRow, value_date: dt.date, business_date: dt.date) -> None:
    if value_date > business_date:
        raise LendingError("value_date_in_future", "value_date", value=value_date.isoformat())
    if loan.disbursed_on is not None and value_date < loan.disbursed_on:
        raise LendingError("value_date_before_disbursement", "value_date",
                           value=value_date.isoformat(), disbursed=loan.disbursed_on.isoformat())


def _stored(row: TxnRow, loan: LoanMoneyRow | None, replayed: bool) -> RepaymentResult:
    return RepaymentResult(row.id, replayed, loan.status if loan else "",
                           dict(row.allocation or {}))


def _replay_of(uow: MoneyUnitOfWork, key: str, fingerprint: str) -> RepaymentResult | None:
    found = uow.money.by_idempotency_key(key)
    if found is None:
        return None
    if found.request_hash != fingerprint:
        raise LendingError("idempotency_key_reused", "Idempotency-Key", status=409)
    return _stored(found, uow.money.loan(found.loan_id), True)


def _figures(loan: LoanMoneyRow, rows: list[TxnRow], as_of: dt.date) -> PayoffFigures:
    schedule, fees = schedule_of(loan)
    try:
        q = payoff_quote(schedule, domain_transactions(rows), as_of, fees)
    except DomainError as exc:
        raise LendingError.of(exc, 409) from None
    return PayoffFigures(q.as_of, q.arrears, q.principal, q.interest, q.fee, q.total, q.credit,
                         q.unearned, q.spread_fee, q.prepayment_fee)


def payoff(uow: MoneyUnitOfWork, loan_id: int, as_of: dt.date, business_date: dt.date) -> PayoffFigures:
    """The payoff figures of an open loan on ``as_of`` (≤ the business date)."""
    with uow:
        loan = _open_loan(uow.money.loan(loan_id), loan_id)
        _check_value_date(loan, as_of, business_date)
        return _figures(loan, uow.money.transactions(loan_id), as_of)


def _post(uow: MoneyUnitOfWork, loan_id: int, request: RepaymentRequest, key: str | None,
          fingerprint: str, actor: Actor, registry_for: Callable[[int], Any],
          business_date: dt.date) -> RepaymentResult:
    loan = uow.money.loan(loan_id, for_update=True)
    if key is not None:
        replayed = _replay_of(uow, key, fingerprint)  # the fingerprint covers the loan id
        if replayed is not None:
            return replayed
    loan = _open_loan(loan, loan_id)
    _check_value_date(loan, request.value_date, business_date)
    rows = uow.money.transactions(loan_id)
    txn_type = "repayment"
    if request.kind == "payoff":
        figures = _figures(loan, rows, request.value_date)
        if request.amount != figures.total:
            raise LendingError("payoff_amount_mismatch", "amount", value=str(request.amount),
                               expected=str(figures.total))
        txn_type = "prepayment"
    elif request.kind == "prepayment":
        txn_type = "prepayment"
    row = uow.money.add_transaction(
        loan_id=loan.id, type=txn_type, status="posted", value_date=request.value_date,
        business_date=business_date, amount=request.amount, currency=loan.currency,
        channel=request.channel, reference=request.reference.strip() or None,
        note=request.note.strip(), idempotency_key=key, request_hash=fingerprint if key else None,
        created_by=actor.user_id or None,
    )
    registry = registry_for(loan.config_version_id)
    try:
        amounts = resync(uow, registry, loan, business_date=business_date, received=request.amount,
                         description=f"{txn_type.capitalize()} {request.reference.strip() or row.id}",
                         transaction_id=row.id)
    except DomainError as exc:  # the engine refused it (e.g. prepayment not yet allowed)
        raise LendingError.of(exc) from None
    row.allocation = {name: str(value) for name, value in amounts.items()}
    return _stored(row, loan, False)


def repay(
    uow_factory: Callable[[], MoneyUnitOfWork],
    loan_id: int,
    request: RepaymentRequest,
    *,
    actor: Actor,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
    idempotency_key: str | None = None,
) -> RepaymentResult:
    """Post a payment received for a disbursed loan (see the module text).

    :raises LendingError: ``amount_not_positive`` (zero only for a settling payoff) /
        ``amount_precision`` /
        ``channel_invalid`` / ``kind_invalid`` / ``value_date_*`` /
        ``payoff_amount_mismatch`` (422), ``loan_not_found`` (404), ``loan_not_disbursed``
        / ``loan_closed`` / ``loan_written_off`` / ``idempotency_key_reused`` (409).
    """
    if not (request.kind == "payoff" and request.amount == 0):  # zero: a settlement
        check_money(request.amount)
    if request.channel not in MANUAL_CHANNELS:
        raise LendingError("channel_invalid", "channel", value=request.channel)
    if request.kind not in KINDS:
        raise LendingError("kind_invalid", "kind", value=request.kind)
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > 200:
        raise LendingError("idempotency_key_too_long", "Idempotency-Key", max=200)
    fingerprint = _fingerprint(loan_id, request)
    for attempt in (1, 2):
        try:
            with uow_factory() as uow:
                result = _post(uow, loan_id, request, key, fingerprint, actor, registry_for,
                               business_date)
                if not result.replayed:
                    uow.commit()
                return result
        except LendingError as exc:
            if exc.code != "idempotency_key_taken" or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def loan_outstanding(uow: MoneyUnitOfWork, loan_id: int, as_of: dt.date) -> Decimal:
    """Everything the loan owes as of ``as_of`` (principal, interest due, fees, penalties)."""
    with uow:
        loan = uow.money.loan(loan_id)
        if loan is None:
            raise LendingError("loan_not_found", status=404, value=loan_id)
        return loan_state(loan, uow.money.transactions(loan_id), as_of).total_outstanding
