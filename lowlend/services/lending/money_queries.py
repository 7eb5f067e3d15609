"""Read use cases of the finance screens: what disbursing a loan would pay out, what may be
refunded. They change nothing (the unit of work is left without a commit).

* :func:`disbursement_figures` — per loan awaiting disbursement (approved, or active with
  principal left to pay out in tranches), for a value date and an amount (``None``: the
  undisbursed rest): the approved and disbursed principal, the tranche's principal, the
  upfront fees deducted from it and the net proceeds, priced exactly as
  :func:`lowlend.services.lending.disbursements.disburse` will post them
  (:func:`~lowlend.services.lending.disbursements.price_tranche`), the bank card the
  gateway channel would use and whether a gateway disbursement is still waiting.
* :func:`refundable_amount` — what :func:`lowlend.services.lending.corrections.request_refund`
  would accept now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lowlend.domain.errors import DomainError
from lowlend.domain.ledger import ZERO
from lowlend.services.lending.corrections import refundable
from lowlend.services.lending.disbursements import price_tranche
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import disbursed_principal, priced_from
from lowlend.services.lending.money_ports import LoanMoneyRow, MoneyUnitOfWork

__all__ = [
    "DisbursementFigures",
    "disbursement_figures",
    "disbursement_figures_of",
    "refundable_amount",
]

AWAITING = "approved"
"""The loan status of "approved, awaiting disbursement"."""
TRANCHE_OPEN = "active"
"""The status of a loan that may take a further tranche."""


@dataclass(frozen=True, slots=True)
class DisbursementFigures:
    """What disbursing ``loan_id`` on ``value_date`` pays out.

    ``principal`` is the tranche's (the whole loan's when disbursed at once),
    ``net_proceeds = principal − upfront_fees``; ``approved`` and ``disbursed`` are the
    loan's approved principal and what was paid out before, ``tranche`` the tranche's
    number and ``max_tranches`` the product's limit (``None``: paid out at once);
    ``installments``, ``first_due`` and ``maturity`` describe the schedule (re-dated from
    ``value_date`` by a first tranche); ``bank_card`` is the card of the application
    (``auto_debit_card``) the gateway channel uses by default; ``in_progress`` says a
    gateway disbursement already waits for its answer.
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
    approved: Decimal = ZERO
    disbursed: Decimal = ZERO
    tranche: int = 1
    max_tranches: int | None = None

    @property
    def rest(self) -> Decimal:
        """What is left to pay out after this tranche."""
        return self.approved - self.disbursed - self.principal


def _awaiting(loan: LoanMoneyRow) -> bool:
    out = loan.disbursed_principal or ZERO
    return loan.status == AWAITING or (loan.status == TRANCHE_OPEN and ZERO < out < loan.principal)


def _figures(uow: MoneyUnitOfWork, loan: LoanMoneyRow, value_date: dt.date, registry: Any,
             amount: Decimal | None) -> DisbursementFigures:
    txns = uow.money.transactions(loan.id)
    figures = price_tranche(registry, loan, txns, value_date, amount)
    principal = Decimal(figures["principal"])
    if figures["tranche"] == 1:
        rows = priced_from(loan, value_date, principal)[2].schedule.installments
        count, first, last = len(rows), rows[0].due_date if rows else None, (
            rows[-1].due_date if rows else None)
    else:
        count, first, last = loan.term, None, loan.maturity_date
    pending = any(r.type == "disbursement" and r.status == "pending" for r in txns)
    product = registry.products.get(loan.product_code)
    option = product.disbursement.tranches if product is not None else None
    return DisbursementFigures(
        loan.id, loan.currency, value_date, principal, Decimal(figures["upfront_fees"]),
        Decimal(figures["net_proceeds"]), count, first, last, uow.money.bank_card(loan.id),
        pending, loan.principal, disbursed_principal(txns), int(figures["tranche"]),
        None if option is None else option.max_count,
    )


def disbursement_figures(
    uow_factory: Callable[[], MoneyUnitOfWork],
    loan_ids: Sequence[int],
    value_date: dt.date,
    registry_for: Callable[[int], Any],
) -> dict[int, DisbursementFigures]:
    """The figures of each loan of ``loan_ids`` that awaits disbursement (the whole
    undisbursed rest), by loan id.

    Loans that do not exist, are not awaiting disbursement or whose terms cannot be priced
    are left out (a list page must not fail for one loan); ask for a single loan with
    :func:`disbursement_figures_of` to learn why.
    """
    out: dict[int, DisbursementFigures] = {}
    with uow_factory() as uow:
        for loan_id in loan_ids:
            loan = uow.money.loan(loan_id)
            if loan is None or not _awaiting(loan):
                continue
            try:
                out[loan_id] = _figures(uow, loan, value_date,
                                        registry_for(loan.config_version_id), None)
            except DomainError:
                continue
    return out


def disbursement_figures_of(
    uow_factory: Callable[[], MoneyUnitOfWork], loan_id: int, value_date: dt.date,
    registry_for: Callable[[int], Any], amount: Decimal | None = None,
) -> DisbursementFigures:
    """The figures of one loan awaiting disbursement, for a tranche of ``amount`` (``None``:
    the undisbursed rest).

    :raises LendingError: ``loan_not_found`` (404), ``loan_not_awaiting_disbursement`` (409),
        a tranche refusal, or the pricing's own error (422, e.g. a value date the terms
        refuse).
    """
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id)
        if loan is None:
            raise LendingError("loan_not_found", status=404, value=loan_id)
        if not _awaiting(loan):
            raise LendingError("loan_not_awaiting_disbursement", status=409, value=loan.status)
        try:
            return _figures(uow, loan, value_date, registry_for(loan.config_version_id), amount)
        except LendingError:
            raise
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
