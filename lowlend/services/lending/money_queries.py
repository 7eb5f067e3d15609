"""Read use cases of the finance screens: what disbursing a loan would pay out, what may be
refunded. They change nothing (the unit of work is left without a commit).

* :func:`disbursement_figures` — per approved loan, for a value date: the principal, the
  upfront fees deducted from it and the net proceeds, priced exactly as
  :func:`lowlend.services.lending.disbursements.disburse` will post them
  (:func:`~lowlend.services.lending.loan_postings.priced_from`), the bank card the
  gateway channel would use and whether a gateway disbursement is still waiting.
* :func:`refundable_amount` — what :func:`lowlend.services.lending.corrections.request_refund`
  would accept now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lowlend.domain.errors import DomainError
from lowlend.domain.ledger import ZERO
from lowlend.services.lending.corrections import refundable
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import priced_from
from lowlend.services.lending.money_ports import LoanMoneyRow, MoneyUnitOfWork

__all__ = [
    "DisbursementFigures",
    "disbursement_figures",
    "disbursement_figures_of",
    "refundable_amount",
]

AWAITING = "approved"
"""The loan status of "approved, awaiting disbursement"."""


@dataclass(frozen=True, slots=True)
class DisbursementFigures:
    """What disbursing ``loan_id`` on ``value_date`` pays out.

    ``net_proceeds = principal − upfront_fees``; ``installments``, ``first_due`` and
    ``maturity`` describe the schedule re-dated from ``value_date``; ``bank_card`` is the
    card of the application (``auto_debit_card``) the gateway channel uses by default;
    ``in_progress`` says a gateway disbursement already waits for its answer.
    """

    loan_id: int
    currency: str
    value_date: dt.date
    principal: Decimal
    upfront_fees: Decimal
    net_proceeds: Decimal
    installments: int
    first_due: dt.date | None
    maturity: dt.date | None
    bank_card: str | None
    in_progress: bool


def _figures(uow: MoneyUnitOfWork, loan: LoanMoneyRow, value_date: dt.date) -> DisbursementFigures:
    _terms, _fees, quote = priced_from(loan, value_date)
    rows = quote.schedule.installments
    pending = any(
        r.type == "disbursement" and r.status == "pending" for r in uow.money.transactions(loan.id)
    )
    return DisbursementFigures(
        loan.id, loan.currency, value_date, quote.total_principal, quote.upfront_fees,
        quote.net_proceeds, len(rows), rows[0].due_date if rows else None,
        rows[-1].due_date if rows else None, uow.money.bank_card(loan.id), pending,
    )


def disbursement_figures(
    uow_factory: Callable[[], MoneyUnitOfWork],
    loan_ids: Sequence[int],
    value_date: dt.date,
) -> dict[int, DisbursementFigures]:
    """The figures of each loan of ``loan_ids`` that awaits disbursement, by loan id.

    Loans that do not exist, are not awaiting disbursement or whose terms cannot be priced
    are left out (a list page must not fail for one loan); ask for a single loan with
    :func:`disbursement_figures_of` to learn why.
    """
    out: dict[int, DisbursementFigures] = {}
    with uow_factory() as uow:
        for loan_id in loan_ids:
            loan = uow.money.loan(loan_id)
            if loan is None or loan.status != AWAITING:
                continue
            try:
                out[loan_id] = _figures(uow, loan, value_date)
            except DomainError:
                continue
    return out


def disbursement_figures_of(
    uow_factory: Callable[[], MoneyUnitOfWork], loan_id: int, value_date: dt.date,
) -> DisbursementFigures:
    """The figures of one loan awaiting disbursement.

    :raises LendingError: ``loan_not_found`` (404), ``loan_not_awaiting_disbursement`` (409),
        or the pricing's own error (422, e.g. a value date the terms refuse).
    """
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id)
        if loan is None:
            raise LendingError("loan_not_found", status=404, value=loan_id)
        if loan.status != AWAITING:
            raise LendingError("loan_not_awaiting_disbursement", status=409, value=loan.status)
        try:
            return _figures(uow, loan, value_date)
        except DomainError as exc:
            raise LendingError.of(exc) from None


def refundable_amount(
    uow_factory: Callable[[], MoneyUnitOfWork], loan_id: int, as_of: dt.date,
) -> Decimal:
    """What may be refunded on ``loan_id`` now (refunds awaiting approval deducted); zero for
    a loan not disbursed yet.

    :raises LendingError: ``loan_not_found`` (404).
    """
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id)
        if loan is None:
            raise LendingError("loan_not_found", status=404, value=loan_id)
        if loan.disbursed_on is None:
            return ZERO
        try:
            return refundable(loan, uow.money.transactions(loan_id), as_of)
        except DomainError as exc:
            raise LendingError.of(exc) from None
