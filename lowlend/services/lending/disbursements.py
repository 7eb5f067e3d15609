"""Disbursement (放款): pay an approved loan out, re-date its schedule, post the entry.

Two channels:

* ``transfer`` / ``cash``: the money already left by bank transfer or in cash (the
  reference names it); the disbursement is posted at once.
* ``gateway``: a payment order to the borrower's bank card goes to the payment gateway.
  The order is stored first (status ``pending``) and committed, then sent; a success
  posts the disbursement, a failure leaves the loan awaiting disbursement (send again),
  ``pending`` or a gateway that did not answer waits for the callback
  (:func:`lowlend.services.lending.payment_flow.apply_result`).

Posting re-dates the schedule from the actual value date (the pinned terms, priced
again from that day), deducts the upfront fees from the proceeds where the product says
so (``net_proceeds = principal − upfront fees``), and posts the ``disbursement`` entry of
the loan's kind (an entrusted loan lends the entrusting party's funds).

Tranches (分笔放款, product option ``disbursement.tranches``): a request may carry an
``amount`` (absent: the whole undisbursed rest, as a disbursement in full). The first
tranche prices the schedule for its amount and activates the loan; a later one (the loan
``active``) adds principal from its value date (:mod:`lowlend.domain.tranches`: interest
per day on the principal out, the remaining installments re-amortised). The rules
(:func:`~lowlend.domain.tranches.check_tranche`) come from the product of the loan's
configuration version. Fees charged at disbursement (deducted upfront or collected spread
over the installments): those of the approved principal, pro rata to each tranche
(:func:`~lowlend.domain.tranches.tranche_fee_share`; the one completing the principal
takes the rest). Installment-triggered fees stay as the first tranche's schedule priced them.

An entrusted loan with an entrusting party is paid out of that party's funds: a
disbursement (or tranche) whose principal is above the party's available funds is
refused (:func:`~lowlend.services.lending.entrusted_funds.require_funds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lowlend.domain.approval import Actor
from lowlend.domain.conventions import FeeCollection, FeeTrigger
from lowlend.domain.errors import DomainError
from lowlend.domain.payments import PaymentOrder
from lowlend.domain.quote import Quote
from lowlend.domain.tranches import TrancheRules, check_tranche, tranche_fee_share
from lowlend.services.lending.entrusted_funds import require_funds
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import (
    complete_disbursement,
    disbursement_figures,
    first_tranche,
    loan_kind,
    priced_from,
    schedule_of_quote,
    tranches,
)
from lowlend.services.lending.money_ports import LoanMoneyRow, MoneyUnitOfWork, TxnRow
from lowlend.services.lending.payment_flow import GatewayPort, send_order

__all__ = [
    "CHANNELS",
    "DisbursementRequest",
    "DisbursementResult",
    "disburse",
    "price_tranche",
]

CHANNELS = ("transfer", "cash", "gateway")
AWAITING = "approved"
TRANCHE_OPEN = "active"
"""The status a loan must have to take a later tranche (not overdue, closed or written off)."""


@dataclass(frozen=True, slots=True)
class DisbursementRequest:
    """What the operator asks for.

    :param amount: the tranche's principal (``None``: the whole undisbursed rest).
    :param card_number: / ``bank_code`` / ``holder_name``: the borrower's account for the
        ``gateway`` channel (the card of the application's ``auto_debit_card`` when blank).
    """

    value_date: dt.date
    channel: Literal["transfer", "cash", "gateway"] = "transfer"
    reference: str = ""
    note: str = ""
    card_number: str = ""
    bank_code: str = ""
    holder_name: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DisbursementResult:
    transaction_id: int
    status: str  # posted | pending | failed
    principal: Decimal
    upfront_fees: Decimal
    net_proceeds: Decimal
    failure_code: str | None = None
    tranche: int = 1


def _check(loan: LoanMoneyRow | None, loan_id: int, request: DisbursementRequest,
           business_date: dt.date, pending: bool) -> LoanMoneyRow:
    if loan is None:
        raise LendingError("loan_not_found", status=404, value=loan_id)
    if loan.disbursed_on is None and loan.status != AWAITING:
        raise LendingError("loan_not_awaiting_disbursement", status=409, value=loan.status)
    if pending:
        raise LendingError("disbursement_in_progress", status=409, value=loan_id)
    if request.channel not in CHANNELS:
        raise LendingError("channel_invalid", "channel", value=request.channel)
    if request.value_date > business_date:
        raise LendingError("value_date_in_future", "value_date",
                           value=request.value_date.isoformat())
    if request.channel != "gateway" and not request.reference.strip():
        raise LendingError("reference_required", "reference")
    if request.amount is not None and (
            request.amount != request.amount.quantize(Decimal("0.01"))):
        raise LendingError("amount_precision", "amount", value=str(request.amount))
    return loan


def _rules(registry: Any, loan: LoanMoneyRow) -> TrancheRules | None:
    product = registry.products.get(loan.product_code)
    spec = product.disbursement.tranches if product is not None else None
    return None if spec is None else TrancheRules(spec.max_count, spec.min_amount)


def price_tranche(registry: Any, loan: LoanMoneyRow, rows: Sequence[TxnRow],
                  value_date: dt.date, requested: Decimal | None) -> dict[str, Any]:
    """The figures of a tranche of ``requested`` (``None``: the undisbursed rest) paid out on
    ``value_date`` (:func:`~lowlend.services.lending.loan_postings.disbursement_figures`),
    checked against the product's tranche rules and the loan's state.

    :raises LendingError: ``loan_not_open_for_tranche`` (409) for a later tranche on a loan
        that is not active, the refusals of :func:`~lowlend.domain.tranches.check_tranche`
        (``tranche_count_exceeded`` 409, the others 422), ``value_date_before_disbursement``.
    """
    done = tranches(rows)
    out = sum((Decimal(str(r.allocation.get("principal", r.amount))) for r in done), Decimal(0))
    rest = loan.principal - out
    amount = rest if requested is None else requested
    if (done and rest <= 0) or (not done and loan.status != AWAITING):  # paid out in full
        raise LendingError("loan_not_awaiting_disbursement", status=409, value=loan.status)
    if done and loan.status != TRANCHE_OPEN:
        raise LendingError("loan_not_open_for_tranche", status=409, value=loan.status)
    if done and loan.disbursed_on is not None and value_date < loan.disbursed_on:
        raise LendingError("value_date_before_disbursement", "value_date",
                           value=value_date.isoformat(), disbursed=loan.disbursed_on.isoformat())
    try:
        check_tranche(_rules(registry, loan), loan.principal, out, len(done), amount)
    except DomainError as exc:
        raise LendingError.of(exc, 409 if exc.code == "tranche_count_exceeded" else 422) from None
    _terms, _fees, whole = priced_from(loan, value_date, loan.principal)
    rounding = whole.schedule.terms.rounding
    completes = amount == rest
    charged = sum((Decimal(str(r.allocation.get("upfront_fees", "0"))) for r in done), Decimal(0))
    fees = tranche_fee_share(whole.upfront_fees, loan.principal, amount, charged, completes,
                             rounding)
    if not done:  # the first tranche prices the schedule for its amount
        _t, _f, first = priced_from(loan, value_date, amount)
        return disbursement_figures(amount, fees, 1, _spread(first))
    spread_charged = _spread(schedule_of_quote(loan)) + sum(
        (Decimal(str(r.allocation.get("spread_fees", "0"))) for r in done if not first_tranche(r)),
        Decimal(0))
    spread = tranche_fee_share(_spread(whole), loan.principal, amount, spread_charged,
                               completes, rounding)
    return disbursement_figures(amount, fees, len(done) + 1, spread)


def _spread(quote: Quote) -> Decimal:
    """The one-off disbursement fees a quote collects spread over the installments."""
    return sum((c.amount for c in quote.charges if c.trigger is FeeTrigger.DISBURSEMENT
                and c.collection is FeeCollection.SPREAD), Decimal(0))



def _result(row: TxnRow, allocation: dict[str, Any]) -> DisbursementResult:
    return DisbursementResult(
        row.id, row.status, Decimal(allocation.get("principal", "0")),
        Decimal(allocation.get("upfront_fees", "0")),
        Decimal(allocation.get("net_proceeds", "0")), row.failure_code,
        int(allocation.get("tranche", 1)),
    )


def disburse(
    uow_factory: Callable[[], MoneyUnitOfWork],
    loan_id: int,
    request: DisbursementRequest,
    *,
    actor: Actor,
    registry_for: Callable[[int], Any],
    business_date: dt.date,
    gateway: GatewayPort | None = None,
) -> DisbursementResult:
    """Disburse an approved loan in full, or one tranche of it (see the module text).

    :raises LendingError: ``loan_not_found`` (404), ``loan_not_awaiting_disbursement`` /
        ``disbursement_in_progress`` / ``loan_not_open_for_tranche`` /
        ``tranche_count_exceeded`` / ``entrusted_funds_insufficient`` (409),
        ``channel_invalid``, ``value_date_in_future``, ``reference_required``,
        ``amount_precision``, ``tranche_exceeds_undisbursed``, ``tranche_below_minimum``,
        ``tranches_not_allowed``, ``tranche_after_maturity``, ``bank_card_missing``, a bad
        card (422), ``gateway_not_configured`` (503).
    """
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id, for_update=True)
        rows = uow.money.transactions(loan_id) if loan is not None else []
        pending = any(r.type == "disbursement" and r.status == "pending" for r in rows)
        loan = _check(loan, loan_id, request, business_date, pending)
        registry = registry_for(loan.config_version_id)
        try:
            figures = price_tranche(registry, loan, rows, request.value_date, request.amount)
        except DomainError as exc:
            raise exc if isinstance(exc, LendingError) else LendingError.of(exc) from None
        if loan_kind(loan).value == "entrusted" and loan.entrusting_party_id is not None:
            require_funds(uow, registry, loan.entrusting_party_id, loan.currency,
                          Decimal(figures["principal"]))
        net = Decimal(figures["net_proceeds"])
        order: PaymentOrder | None = None
        values: dict[str, Any] = dict(
            loan_id=loan.id, type="disbursement", value_date=request.value_date,
            business_date=business_date, amount=net, currency=loan.currency,
            channel=request.channel, reference=request.reference.strip() or None,
            note=request.note.strip(), created_by=actor.user_id or None,
        )
        if request.channel == "gateway":
            if gateway is None:
                raise LendingError("gateway_not_configured", status=503)
            attempt = sum(1 for r in rows if r.type == "disbursement") + 1
            card = request.card_number.strip() or (uow.money.bank_card(loan.id) or "")
            if not card:
                raise LendingError("bank_card_missing", "card_number")
            try:
                order = PaymentOrder(
                    "disbursement", f"DSB{loan.id}-{attempt}", net, loan.currency,
                    request.holder_name.strip() or uow.money.customer_name(loan.customer_id),
                    card, request.bank_code.strip() or "UNKNOWN", str(loan.id),
                    f"Loan {loan.contract_no or loan.id}",
                )
            except DomainError as exc:
                raise LendingError.of(exc) from None
            values.update(status="pending", payment_order_id=order.order_id)
        row = uow.money.add_transaction(**values, allocation=figures)
        if order is None:
            try:
                complete_disbursement(uow, registry, loan, row, business_date=business_date)
            except DomainError as exc:  # a later tranche the replay refuses (after maturity)
                raise exc if isinstance(exc, LendingError) else LendingError.of(exc) from None
        uow.commit()
        result = _result(row, row.allocation)
    if order is None or gateway is None:
        return result
    return _result_after(
        send_order(uow_factory, gateway, order, registry_for=registry_for,
                   business_date=business_date),
        result,
    )


def _result_after(status: tuple[str, str | None], before: DisbursementResult) -> DisbursementResult:
    return DisbursementResult(before.transaction_id, status[0], before.principal,
                              before.upfront_fees, before.net_proceeds, status[1],
                              before.tranche)
