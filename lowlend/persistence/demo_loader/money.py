"""The demo loans' money, posted through the money use cases inside the loader's transaction.

Every demo loan is booked ``approved`` (by :mod:`.business`); here it is disbursed
(:func:`~lowlend.services.lending.disbursements.disburse`), repaid
(:func:`~lowlend.services.lending.repayments.repay`, payoffs with ``kind="payoff"`` at the
engine's payoff figure), a duplicate payment reversed and long past-due loans written off
under maker-checker (:mod:`lowlend.services.lending.corrections`: the ``finance`` user
enters, the ``manager`` user approves), recoveries recorded — each operation with the
business date of its value date, the operations of a slice of
:data:`MONEY_CHUNK` new loans in date order, the slices one after the other. Finally
every loan is brought to the demo's business date (:func:`close_day`: the replay stores
status, days past due and the schedule rows; posts only what the replay moved, e.g. an
overpayment used on a later due date). So the loans' state and the journal are the
engine's, and each loan's principal account equals its principal outstanding.

The use cases commit their unit of work; here a unit of work is a session of its own in a
savepoint of the loader's one transaction (:class:`SavepointMoneyUow`), so the demo still
loads all or nothing (and no commit per operation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from lowlend.domain.approval import Actor
from lowlend.persistence.entrusted_funds_repository import SqlFundsRepository
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.money_repository import SqlMoneyRepository
from lowlend.services.demo_data.loans import DUPLICATE_NOTE
from lowlend.services.demo_data.records import DemoLoan, DemoPayment
from lowlend.services.lending.corrections import (
    AWAITING,
    approve,
    record_recovery,
    request_reversal,
    request_write_off,
)
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import resync
from lowlend.services.lending.money_ports import MoneyUnitOfWork
from lowlend.services.lending.repayments import RepaymentRequest, payoff, repay

__all__ = ["MONEY_CHUNK", "SavepointMoneyUow", "close_day", "post_money", "run_money"]

MONEY_CHUNK = 2000
"""Loans whose money is posted together: the operations of a slice go in date order, the
slices one after the other (the bulk path writes the same slices)."""

_ZERO = Decimal("0.00")
WRITE_OFF_REASON = "逾期超过核销标准，催收无果 past due beyond the write-off threshold, collection failed"


class SavepointMoneyUow(MoneyUnitOfWork):
    """A money unit of work inside a running transaction: a new session on ``connection``
    that works in a savepoint — :meth:`commit` releases it, leaving without commit rolls
    it back; the outer transaction (the loader's) commits once.

    A session per unit of work (instead of the loader's): its identity map stays small,
    so flushing does not get slower with every row the loader has written.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.session: Session | None = None

    def __enter__(self) -> Self:
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)
        self.money = SqlMoneyRepository(self.session)  # type: ignore[assignment]
        self.journal = SqlLedgerRepository(self.session)
        self.funds = SqlFundsRepository(self.session)  # type: ignore[assignment]
        return super().__enter__()

    def __exit__(self, *args: object) -> None:
        try:
            super().__exit__(*args)  # type: ignore[arg-type]
        finally:
            if self.session is not None:
                self.session.close()

    def _commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()


def close_day(uow_factory: Callable[[], MoneyUnitOfWork], registry: Any, loan_id: int,
              day: dt.date) -> None:
    """Bring a disbursed loan to ``day`` without money: replay it as of ``day``, store its
    schedule rows, status and days past due, and post what the replay moved (nothing
    unless an overpayment held was used on a due date since)."""
    with uow_factory() as uow:
        loan = uow.money.loan(loan_id, for_update=True)
        if loan is None or loan.disbursed_on is None:
            return
        resync(uow, registry, loan, business_date=day, received=_ZERO,
               description=f"Loan {loan.contract_no or loan.id} as of {day.isoformat()}",
               transaction_id=None)
        uow.commit()


@dataclass(order=True)
class _Op:
    day: dt.date
    position: int
    step: int
    kind: str = field(compare=False)
    loan: DemoLoan = field(compare=False)
    payment: DemoPayment | None = field(compare=False, default=None)


def _operations(loans: Iterable[tuple[int, DemoLoan]]) -> list[_Op]:
    ops: list[_Op] = []
    for position, (_, loan) in enumerate(loans):
        if loan.awaiting:  # approved, not paid out yet
            continue
        steps = [_Op(loan.disbursed_on, position, 0, "disburse", loan)]
        for p in loan.payments:
            steps.append(_Op(p.value_date, position, 0, "recover" if p.kind == "recovery"
                             else p.kind, loan, p))
            if p.reversed_on is not None:
                steps.append(_Op(p.reversed_on, position, 0, "reverse", loan, p))
        if loan.write_off_on is not None:
            steps.append(_Op(loan.write_off_on, position, 0, "write_off", loan))
        for step, op in enumerate(steps):
            op.step = step
        ops.extend(steps)
    ops.sort()
    return ops


@dataclass
class _Poster:
    uow: Callable[[], MoneyUnitOfWork]
    registry: Any
    loan_ids: Mapping[str, int]
    maker: Actor
    checker: Actor
    txn_ids: dict[str, int] = field(default_factory=dict)

    def registry_for(self, _version: int) -> Any:
        return self.registry

    def run(self, op: _Op) -> None:
        try:
            self._run(op)
        except LendingError as exc:
            exc.add_note(f"demo loan {op.loan.ref}: {op.kind} on {op.day.isoformat()}")
            raise

    def _run(self, op: _Op) -> None:
        loan_id = self.loan_ids[op.loan.ref]
        day = op.day
        p = op.payment
        if op.kind == "disburse":
            disburse(self.uow, loan_id, DisbursementRequest(
                day, "transfer", op.loan.disbursement_reference, "放款 disbursement (demo)",
                amount=op.loan.first_tranche,
            ), actor=self.maker, registry_for=self.registry_for, business_date=day)
        elif op.kind in ("repayment", "payoff"):
            assert p is not None
            amount = p.amount
            if op.kind == "payoff":
                amount = payoff(self.uow(), loan_id, day, day).total
            result = repay(self.uow, loan_id, RepaymentRequest(
                amount, day, p.channel, p.reference, p.note, "payoff" if op.kind == "payoff"
                else "repayment",
            ), actor=self.maker, registry_for=self.registry_for, business_date=day,
                idempotency_key=f"demo:{p.ref}")
            self.txn_ids[p.ref] = result.transaction_id
        elif op.kind == "reverse":
            assert p is not None
            request = request_reversal(self.uow, self.txn_ids[p.ref], reason=DUPLICATE_NOTE,
                                       actor=self.maker, business_date=day)
            approve(self.uow, request, actor=self.checker, registry_for=self.registry_for,
                    business_date=day)
        elif op.kind == "write_off":
            close_day(self.uow, self.registry, loan_id, day)
            request = request_write_off(self.uow, loan_id, reason=WRITE_OFF_REASON,
                                        actor=self.maker, registry_for=self.registry_for,
                                        business_date=day)
            with self.uow() as uow:
                row = uow.money.transaction(request)
                status = row.status if row is not None else None
            if status == AWAITING:
                approve(self.uow, request, actor=self.checker, registry_for=self.registry_for,
                        business_date=day)
        elif op.kind == "recover":
            assert p is not None
            record_recovery(self.uow, loan_id, p.amount, value_date=day, reference=p.reference,
                            actor=self.maker, registry_for=self.registry_for,
                            business_date=day, idempotency_key=f"demo:{p.ref}")
        else:  # pragma: no cover - the generator makes no other kind
            raise ValueError(f"unknown demo money operation {op.kind!r}")


def run_money(
    uow_factory: Callable[[], MoneyUnitOfWork],
    registry: Any,
    loans: Sequence[tuple[int, DemoLoan]],
    *,
    business_date: dt.date,
    user_ids: Mapping[str, int],
) -> None:
    """Post the money of one slice of ``(loan id, demo loan)`` pairs (booked ``approved``)
    through the use cases in the units of work of ``uow_factory``: every operation of the
    slice in date order, then every loan of it brought to ``business_date``.

    :raises lowlend.services.lending.errors.LendingError: the engine refused an operation
        of the plan (a defect of the generator).
    """
    poster = _Poster(
        uow_factory,
        registry,
        {loan.ref: loan_id for loan_id, loan in loans},
        Actor(user_ids.get("finance") or 0, "finance", frozenset({"finance"})),
        Actor(user_ids.get("manager") or 0, "manager", frozenset({"manager"})),
    )
    for op in _operations(loans):
        poster.run(op)
    for loan_id, _ in loans:
        close_day(uow_factory, registry, loan_id, business_date)


def post_money(
    session: Session,
    registry: Any,
    loans: Iterable[tuple[int, DemoLoan]],
    *,
    business_date: dt.date,
    user_ids: Mapping[str, int],
    chunk_size: int = MONEY_CHUNK,
) -> None:
    """Disburse, repay, reverse, write off and recover the ``(loan id, demo loan)`` pairs
    (booked ``approved``) through the use cases, ``chunk_size`` loans at a time (in date
    order within a slice, :func:`run_money`). Runs inside ``session``'s transaction
    (flushed first; its objects are expired at the end).

    :raises lowlend.services.lending.errors.LendingError: the engine refused an operation
        of the plan (a defect of the generator: nothing of the load is kept).
    """
    pairs = list(loans)
    session.flush()
    connection = session.connection()
    for start in range(0, len(pairs), chunk_size):
        run_money(lambda: SavepointMoneyUow(connection), registry,
                  pairs[start:start + chunk_size], business_date=business_date,
                  user_ids=user_ids)
    session.expire_all()  # the loans changed under the loader's session
