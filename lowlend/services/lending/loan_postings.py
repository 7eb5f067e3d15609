"""A loan's money state, kept equal to its journal: replay, post what changed, store rows.

Every money operation on a disbursed loan ends in :func:`resync`: the loan's posted
transactions are replayed from its schedule (:func:`lowlend.domain.replay.replay`, so a
back-dated payment or a reversal re-allocates everything after it); the *changes* of what
the loan has paid per component (principal, interest, fee, penalty) and of the overpayment
held for the borrower are posted as one ``repayment`` entry through the configured rule;
the schedule rows, the status and the days past due are stored. A later disbursement
tranche is a transaction of the replay too (:class:`~lowlend.domain.transactions.Tranche`):
it posts its ``disbursement`` entry, then the resync stores the rebuilt rows (and posts the
re-allocation of what was paid in advance, if any). Because each entry posts
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

from lowlend.domain.close_of_day import installment_status
from lowlend.domain.conventions import LoanKind, PostingEvent
from lowlend.domain.fees import FeeSchedule, apply_fees
from lowlend.domain.ledger import ZERO, PostedEntry
from lowlend.domain.loan_state import LoanState
from lowlend.domain.postings import PostingLine, PostingRule, entry_for
from lowlend.domain.quote import Quote, build_quote
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule, build_schedule
from lowlend.domain.terms import LoanTerms
from lowlend.domain.transactions import (
    CREDIT_TXN_PREFIX,
    Prepayment,
    Repayment,
    Reversal,
    Tranche,
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
    "disbursed_principal",
    "disbursement_figures",
    "domain_transactions",
    "first_tranche",
    "loan_kind",
    "loan_state",
    "overpayment_held",
    "post_event",
    "priced_from",
    "resync",
    "schedule_of",
    "schedule_of_quote",
    "snapshot_schedule",
    "tranches",
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
    return _terms_of(loan.id, loan.terms_snapshot)


def _terms_of(loan_id: int, snapshot: Mapping[str, Any]) -> tuple[LoanTerms, FeeSchedule | None]:
    try:
        return terms_from_snapshot(snapshot), fees_from_snapshot(snapshot)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise LendingError("loan_terms_missing", status=409, value=loan_id) from None


def snapshot_schedule(loan_id: int, snapshot: Mapping[str, Any],
                      ) -> tuple[Schedule, FeeSchedule | None]:
    """The schedule (fees on the rows) of a terms snapshot and its fees — the rows of the
    loan's quote, without pricing the quote's APR (which replaying, repaying and closing
    a day do not need; it was most of their time). Shared by :func:`schedule_of` and the
    end of day.

    :raises LendingError: ``loan_terms_missing`` for a snapshot that cannot be read.
    """
    terms, fees = _terms_of(loan_id, snapshot)
    return apply_fees(build_schedule(terms), fees)[0], fees


def schedule_of(loan: LoanMoneyRow) -> tuple[Schedule, FeeSchedule | None]:
    """The loan's schedule (fees on the rows) from its terms snapshot
    (:func:`snapshot_schedule`)."""
    return snapshot_schedule(loan.id, loan.terms_snapshot)


def schedule_of_quote(loan: LoanMoneyRow) -> Quote:
    """The quote of the loan's terms snapshot (after the first tranche: that tranche's)."""
    terms, fees = _snapshot(loan)
    return build_quote(terms, fees)


def priced_from(loan: LoanMoneyRow, value_date: dt.date,
                amount: Decimal | None = None) -> tuple[LoanTerms, FeeSchedule | None, Quote]:
    """The loan's terms re-dated to start on ``value_date`` (for ``amount`` when given: a
    first tranche), its fees and its priced quote (schedule, upfront fees, net proceeds)."""
    terms, fees = _snapshot(loan)
    terms = dataclasses.replace(terms, start=value_date)
    if amount is not None:
        terms = dataclasses.replace(terms, amount=amount)
    return terms, fees, build_quote(terms, fees)


def tranches(rows: Iterable[TxnRow]) -> list[TxnRow]:
    """The posted disbursement transactions of a loan (its tranches), in id order."""
    return [r for r in rows if r.type == "disbursement" and r.status == "posted"]


def first_tranche(row: TxnRow) -> bool:
    """Whether a disbursement transaction is the loan's first tranche (the one that prices
    the schedule): ``tranche`` 1 in its figures, or no number (a disbursement in full)."""
    return int(row.allocation.get("tranche", 1)) <= 1


def disbursed_principal(rows: Iterable[TxnRow]) -> Decimal:
    """The principal of the loan's posted tranches."""
    return sum((Decimal(str(r.allocation.get("principal", r.amount))) for r in tranches(rows)),
               ZERO)


def domain_transactions(rows: Iterable[TxnRow]) -> list[Transaction]:
    """The posted later tranches, repayments, prepayments and reversals as the loan engine
    takes them."""
    out: list[Transaction] = []
    for row in rows:
        if row.status != "posted":
            continue
        txn_id = f"{TXN_PREFIX}{row.id}"
        if row.type == "disbursement" and not first_tranche(row):
            out.append(Tranche(txn_id, row.value_date, Decimal(str(row.allocation["principal"])),
                               Decimal(str(row.allocation.get("spread_fees", "0")))))
        elif row.type == "repayment":
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


def disbursement_figures(principal: Decimal, upfront_fees: Decimal, tranche: int = 1,
                         spread_fees: Decimal = ZERO) -> dict[str, str | int]:
    """What a disbursement transaction stores of its pricing (``transactions.allocation``):
    ``principal``, ``upfront_fees``, ``net_proceeds``, the tranche number and the one-off
    fees it puts on the installments (``spread_fees``)."""
    return {"principal": str(principal), "upfront_fees": str(upfront_fees),
            "net_proceeds": str(principal - upfront_fees), "tranche": tranche,
            "spread_fees": str(spread_fees)}


def complete_disbursement(
    uow: MoneyUnitOfWork, registry: Any, loan: LoanMoneyRow, row: TxnRow, *,
    business_date: dt.date,
) -> None:
    """Post a disbursement (tranche) whose money has left, with the figures ``row`` stores
    (:func:`disbursement_figures`).

    The first tranche re-dates the schedule from its value date for its principal, stores
    it and activates the loan; a later one is replayed (:func:`resync`). Both post the
    ``disbursement`` entry of their principal, upfront fees and net proceeds.
    """
    principal = Decimal(str(row.allocation["principal"]))
    fees_due = Decimal(str(row.allocation["upfront_fees"]))
    row.status = "posted"
    loan.disbursed_principal = (loan.disbursed_principal or ZERO) + principal
    name = loan.contract_no or loan.id
    post_event(
        uow, registry, loan, PostingEvent.DISBURSEMENT,
        {"principal": principal, "net_proceeds": principal - fees_due, "upfront_fees": fees_due},
        business_date=business_date, description=f"Disbursement of loan {name}"
        + ("" if first_tranche(row) else f" (tranche {row.allocation['tranche']})"),
        transaction_id=row.id,
    )
    if not first_tranche(row):
        resync(uow, registry, loan, business_date=business_date, received=ZERO,
               description=f"Tranche {row.allocation['tranche']} of loan {name}: schedule rebuilt",
               transaction_id=row.id)
        return
    terms, fees, quote = priced_from(loan, row.value_date, principal)
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
            r.interest_paid, r.fee_paid, r.penalty_paid, installment_status(r, state.as_of),
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
