"""Loan life: repayments by behaviour, instalments and transactions as of the business date."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.domain.conventions import EodStepCode
from lowlend.domain.fees import FeeCharge, FeeSchedule
from lowlend.domain.loan_state import LoanState
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule
from lowlend.domain.transactions import Repayment
from lowlend.services.demo_data.common import _money
from lowlend.services.demo_data.records import DemoInstalment, DemoTransaction

DEFAULT_DPD_RANGES: tuple[tuple[int | None, str], ...] = (
    (0, "pass"),
    (90, "special_mention"),
    (180, "substandard"),
    (360, "doubtful"),
    (None, "loss"),
)


def _dpd_ranges(registry: Any) -> tuple[tuple[int | None, str], ...]:
    eod = getattr(registry, "eod", None)
    for step in getattr(eod, "steps", ()) if eod is not None else ():
        if step.code is EodStepCode.CLASSIFY:
            ranges = step.params.get("dpd_ranges") if step.params else None
            if ranges:
                return tuple((r.get("max_dpd"), str(r["category"])) for r in ranges)
    return DEFAULT_DPD_RANGES


def classify(dpd: int, ranges: Sequence[tuple[int | None, str]] = DEFAULT_DPD_RANGES) -> str:
    """Five-category classification of ``dpd`` days past due (first range it fits)."""
    for max_dpd, category in ranges:
        if max_dpd is None or dpd <= max_dpd:
            return category
    return ranges[-1][1]



def _repayments(rng: random.Random, ref: str, schedule: Schedule, fees: FeeSchedule | None,
                business_date: date, behaviour: str) -> list[Repayment]:
    rows = [r for r in schedule.installments if r.due_date < business_date]
    txns: list[Repayment] = []

    def pay(value_date: date, amount: Decimal) -> None:
        if amount > 0:
            txns.append(Repayment(f"{ref}-R{len(txns) + 1:03d}", value_date, amount))

    stop = len(rows)
    if behaviour == "delinquent" and rows:
        stop = rng.randrange(len(rows))
    for r in rows[:stop]:
        if behaviour == "on_time":
            early = rng.choice((0, 0, 0, 0, 1, 2))
            on = max(schedule.terms.start, r.due_date - timedelta(days=early))
            if not txns or on > txns[-1].value_date:
                pay(on, r.total)
                continue
        delay = rng.choice((0, 0, 1, 2, 4, 7, 12, 20)) if behaviour == "late" else 0
        on = min(r.due_date + timedelta(days=delay), business_date - timedelta(days=1))
        if txns and on <= txns[-1].value_date:
            on = txns[-1].value_date + timedelta(days=1)
            if on >= business_date:
                break
        if delay == 0 and on == r.due_date:
            pay(on, r.total)  # nothing in arrears: every earlier payment cleared its dues
            continue
        state = replay(schedule, txns, on, fees)
        pay(on, sum((s.total_outstanding for s in state.installments if s.due_date <= on),
                    Decimal(0)))
    if behaviour == "delinquent" and stop < len(rows) and rng.random() < 0.4:
        r = rows[stop]
        on = min(r.due_date + timedelta(days=rng.randint(3, 25)), business_date - timedelta(days=1))
        if not txns or on > txns[-1].value_date:
            pay(on, _money(r.total * Decimal(rng.randint(20, 70)) / 100))
    return txns


def _instalments(state: LoanState, schedule: Schedule, txns: Sequence[Repayment],
                 business_date: date) -> tuple[DemoInstalment, ...]:
    paid_on: dict[int, date] = {}
    dates = {t.txn_id: t.value_date for t in txns}
    for line in state.lines:
        day = dates[line.txn_id]
        paid_on[line.seq] = max(day, paid_on.get(line.seq, day))
    out = []
    for s in state.installments:
        if s.is_settled:
            status = "paid"
        elif s.due_date < business_date:
            status = "overdue"
        elif s.due_date == business_date:
            status = "due"
        else:
            status = "pending"
        out.append(DemoInstalment(
            seq=s.seq, due_date=s.due_date, principal=_money(s.principal),
            interest=_money(s.interest), fee=_money(s.fee), penalty=_money(s.penalty),
            principal_paid=_money(s.principal_paid), interest_paid=_money(s.interest_paid),
            fee_paid=_money(s.fee_paid), penalty_paid=_money(s.penalty_paid),
            status=status, paid_off_on=paid_on.get(s.seq) if status == "paid" else None,
        ))
    return tuple(out)


def _transactions(ref: str, schedule: Schedule, charges: Sequence[FeeCharge],
                  txns: Sequence[Repayment], state: LoanState, channel: str
                  ) -> tuple[DemoTransaction, ...]:
    terms = schedule.terms
    upfront = [c for c in charges if c.seq is None]
    upfront_total = sum((c.amount for c in upfront), Decimal(0))
    out = [DemoTransaction(
        ref=f"{ref}-D", type="disbursement", value_date=terms.start, amount=terms.amount,
        currency=terms.currency,
        allocation={
            "net_proceeds": str(terms.amount - upfront_total),
            "upfront_fees": [{"code": c.code, "party": c.party.value, "amount": str(c.amount)}
                             for c in upfront],
        },
    )]
    by_txn: dict[str, list[dict[str, Any]]] = {}
    for line in state.lines:
        by_txn.setdefault(line.txn_id, []).append(
            {"seq": line.seq, "component": line.component.value, "amount": str(line.amount)})
    for t in txns:
        lines = by_txn.get(t.txn_id, [])
        allocated = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
        out.append(DemoTransaction(
            ref=t.txn_id, type="repayment", value_date=t.value_date, amount=t.amount,
            currency=terms.currency,
            allocation={"channel": channel, "lines": lines,
                        "unallocated": str(t.amount - allocated)},
        ))
    return tuple(out)
