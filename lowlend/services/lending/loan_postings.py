"""A loan's money state, kept equal to its journal: replay, post what changed, store rows.

Every money operation on a disbursed loan ends in :func:`resync`: the loan's posted
transactions are replayed from its schedule (:func:`lowlend.domain.replay.replay`, so a
back-dated payment or a reversal re-allocates everything after it); the *changes* of what
the loan has paid per component (principal, interest, fee, penalty) and of the overpayment
held for the borrower are posted as one ``repayment`` entry through the configured rule;
the schedule rows, the status and the days past due are stored. Because each entry posts
exactly the change since the stored state, the journal's balances per loan always equal
the loan's (principal outstanding, overpayment held): a reversal posts the negative of
what its payment changed, a back-dated payment the re-allocation it caused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from lowlend.domain.conventions import LoanKind, PostingEvent
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.ledger import ZERO, PostedEntry
from lowlend.domain.loan_state import LoanState
from lowlend.domain.postings import PostingLine, PostingRule, entry_for
from lowlend.domain.quote import Quote, build_quote
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule
from lowlend.domain.terms import LoanTerms
from lowlend.domain.transactions import (
    CREDIT_TXN_PREFIX,
    Prepayment,
    Repayment,
    Reversal,
    Transaction,
)
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.money_ports import (
    InstallmentWrite,
    LoanMoneyRow,
    MoneyUnitOfWork,
    TxnRow,
)
from lowlend.services.product_terms import fees_from_snapshot, snapshot_of, terms_from_snapshot

__all__ = [
    "TXN_PREFIX",
    "PostingMismatch",
    "complete_disbursement",
    "disbursement_figures",
    "domain_transactions",
    "loan_kind",
    "loan_state",
    "overpayment_held",
    "post_event",
    "priced_from",
    "resync",
    "schedule_of",
]

TXN_PREFIX = "T"
"""Domain transaction ids are ``T<transactions.id>``."""

_MONEY_TYPES = frozenset({"repayment", "prepayment"})
_COMPONENTS = ("principal", "interest", "fee", "penalty")


class PostingMismatch(RuntimeError):
    """The replayed state does not account for the cash of the operation (a defect, never
    bad input): the unit of work is rolled back, nothing is posted."""


def loan_kind(loan: LoanMoneyRow) -> LoanKind:
    return _snapshot(loan)[0].kind


def _snapshot(loan: LoanMoneyRow) -> tuple[LoanTerms, FeeSchedule | None]:
    """The terms and fees the loan was granted under.

    :raises LendingError: ``loan_terms_missing`` (409) for a loan whose snapshot cannot be
        read (a record imported without its terms): its money cannot be computed.
    """
    try:
        return terms_from_snapshot(loan.terms_snapshot), fees_from_snapshot(loan.terms_snapshot)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise LendingError("loan_terms_missing", status=409, value=loan.id) from None


def schedule_of(loan: LoanMoneyRow) -> tuple[Schedule, FeeSchedule | None]:
    """The loan's schedule (fees on the rows) from its terms snapshot."""
    terms, fees = _snapshot(loan)
    quote = build_quote(terms, fees)
    return quote.schedule, fees


def priced_from(loan: LoanMoneyRow, value_date: dt.date) -> tuple[LoanTerms, FeeSchedule | None, Quote]:
    """The loan's terms re-dated to start on ``value_date``, its fees and its priced quote
    (schedule, upfront fees, net proceeds)."""
    terms, fees = _snapshot(loan)
    terms = dataclasses.replace(terms, start=value_date)
    return terms, fees, build_quote(terms, fees)


def domain_transactions(rows: Iterable[TxnRow]) -> list[Transaction]:
    """The posted repayments, prepayments and reversals as the loan engine takes them."""
    out: list[Transaction] = []
    for row in rows:
        if row.status != "posted":
            continue
        txn_id = f"{TXN_PREFIX}{row.id}"
        if row.type == "repayment":
            out.append(Repayment(txn_id, row.value_date, row.amount))
        elif row.type == "prepayment":
            out.append(Prepayment(txn_id, row.value_date, row.amount))
        elif row.type == "reversal" and row.reversed_of is not None:
            out.append(Reversal(txn_id, f"{TXN_PREFIX}{row.reversed_of}"))
    return out


def loan_state(loan: LoanMoneyRow, rows: Sequence[TxnRow], as_of: dt.date) -> LoanState:
    """The loan as of the start of ``as_of`` after every posted transaction valued up to it."""
    schedule, fees = schedule_of(loan)
    return replay(schedule, domain_transactions(rows), max(as_of, schedule.terms.start), fees)


def overpayment_held(state: LoanState, rows: Iterable[TxnRow]) -> Decimal:
    """Overpayment kept or owed to the borrower: credit + refunds due − refunds paid."""
    refunded = sum((r.amount for r in rows if r.type == "refund" and r.status == "posted"), ZERO)
    return state.credit + state.refund_due - refunded


def _rule(registry: Any, event: PostingEvent, kind: LoanKind) -> PostingRule:
    spec = registry.ledger.rule_for(event, kind)
    if spec is None:  # the spec requires a kind-less rule per event
        raise LendingError("posting_rule_missing", status=500, value=event.value)
    return PostingRule(
        event, tuple(PostingLine(ln.side, ln.account, ln.amount) for ln in spec.lines), kind
    )


def post_event(
    uow: MoneyUnitOfWork,
    registry: Any,
    loan: LoanMoneyRow,
    event: PostingEvent,
    amounts: Mapping[str, Decimal],
    *,
    business_date: dt.date,
    description: str,
    transaction_id: int | None,
) -> PostedEntry | None:
    """Post ``amounts`` of ``event`` for ``loan`` through the configured rule."""
    rule = _rule(registry, event, loan_kind(loan))
    draft = entry_for(
        rule, amounts, loan.currency, business_date, description,
        loan_id=loan.id, transaction_id=transaction_id,
    )
    return None if draft is None else uow.journal.append(draft)


def disbursement_figures(quote: Quote) -> dict[str, str]:
    """What a disbursement transaction stores of its pricing (``transactions.allocation``)."""
    return {"principal": str(quote.total_principal), "upfront_fees": str(quote.upfront_fees),
            "net_proceeds": str(quote.net_proceeds)}


def complete_disbursement(
    uow: MoneyUnitOfWork, registry: Any, loan: LoanMoneyRow, row: TxnRow, *,
    business_date: dt.date,
) -> None:
    """Post a disbursement whose money has left: re-date the schedule from the value date,
    store it, activate the loan, post the entry."""
    terms, fees, quote = priced_from(loan, row.value_date)
    uow.money.write_installments(loan.id, [
        InstallmentWrite(r.seq, r.due_date, r.principal, r.interest, r.fee, Decimal("0.00"),
                         Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"),
                         "pending", None)
        for r in quote.schedule.installments
    ])
    loan.terms_snapshot = snapshot_of(
        terms, fees, config_version_id=loan.config_version_id,
    )
    loan.disbursed_on = row.value_date
    loan.maturity_date = quote.schedule.installments[-1].due_date
    loan.status = "active"
    row.allocation = disbursement_figures(quote)
    row.status = "posted"
    post_event(
        uow, registry, loan, PostingEvent.DISBURSEMENT,
        {"principal": quote.total_principal, "net_proceeds": quote.net_proceeds,
         "upfront_fees": quote.upfront_fees},
        business_date=business_date, description=f"Disbursement of loan {loan.contract_no or loan.id}",
        transaction_id=row.id,
    )


def _row_status(row: Any, as_of: dt.date) -> str:
    if row.is_settled:
        return "paid"
    if row.due_date < as_of and row.scheduled_outstanding > 0:
        return "overdue"
    if row.due_date == as_of:
        return "due"
    return "pending"


def _writes(state: LoanState, value_dates: Mapping[str, dt.date]) -> list[InstallmentWrite]:
    settled_on: dict[int, dt.date] = {}
    for line in state.lines:
        when = value_dates.get(line.txn_id)
        if when is None and line.txn_id.startswith(CREDIT_TXN_PREFIX):
            when = dt.date.fromisoformat(line.txn_id.split("@", 1)[1])
        if when is not None and when > settled_on.get(line.seq, dt.date.min):
            settled_on[line.seq] = when
    return [
        InstallmentWrite(
            r.seq, r.due_date, r.principal, r.interest, r.fee, r.penalty, r.principal_paid,
            r.interest_paid, r.fee_paid, r.penalty_paid, _row_status(r, state.as_of),
            settled_on.get(r.seq) if r.is_settled else None,
        )
        for r in state.installments
    ]


def resync(
    uow: MoneyUnitOfWork,
    registry: Any,
    loan: LoanMoneyRow,
    *,
    business_date: dt.date,
    received: Decimal,
    description: str,
    transaction_id: int | None,
) -> dict[str, Decimal]:
    """Replay ``loan`` as of ``business_date``, post the change since its stored state as a
    ``repayment`` entry whose cash is ``received`` (negative for a reversal), and store the
    new rows, status and days past due. Returns the posted amounts (``received``,
    ``principal``, ``interest``, ``fee``, ``penalty``, ``overpayment``).

    :raises PostingMismatch: the change does not add up to ``received``.
    """
    rows = uow.money.transactions(loan.id)
    state = loan_state(loan, rows, business_date)
    before = uow.money.paid_totals(loan.id)
    after = {
        "principal": sum((r.principal_paid for r in state.installments), ZERO),
        "interest": sum((r.interest_paid for r in state.installments), ZERO),
        "fee": sum((r.fee_paid for r in state.installments), ZERO),
        "penalty": sum((r.penalty_paid for r in state.installments), ZERO),
    }
    spec = registry.ledger
    held_before = -uow.money.account_balance(loan.id, spec.overpayment_account)
    amounts = {name: after[name] - before.get(name, ZERO) for name in _COMPONENTS}
    amounts["overpayment"] = overpayment_held(state, rows) - held_before
    amounts["received"] = sum(amounts.values(), ZERO)
    if amounts["received"] != received:
        raise PostingMismatch(
            f"loan {loan.id}: the replay moves {amounts['received']} but the operation "
            f"brought {received}"
        )
    post_event(
        uow, registry, loan, PostingEvent.REPAYMENT, amounts,
        business_date=business_date, description=description, transaction_id=transaction_id,
    )
    value_dates = {f"{TXN_PREFIX}{r.id}": r.value_date for r in rows}
    uow.money.write_installments(loan.id, _writes(state, value_dates))
    if loan.status != "written_off":
        dpd = state.days_past_due()
        loan.dpd = dpd
        loan.status = "closed" if state.is_closed else ("overdue" if dpd > 0 else "active")
        if state.installments:
            loan.maturity_date = state.installments[-1].due_date
    return amounts
