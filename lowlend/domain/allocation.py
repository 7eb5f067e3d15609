"""Repayment allocation: an ordered walk over {past_due, due, in_advance} × components.

Buckets are taken in the rule's order; within a bucket installments oldest first
and, per installment, components in the rule's order (``horizontal=True`` takes one
component across the whole bucket before the next). The result is a pure function
of (states, amount, date, rule): deterministic.

>>> from lowlend.domain.terms import AllocationRule
>>> rows = (InstallmentState(1, date(2026, 1, 1), date(2026, 2, 1), Decimal("100"), Decimal("10"),
...                          Decimal("1"), penalty=Decimal("2")),)
>>> new, lines, left = allocate(rows, Decimal("50"), date(2026, 2, 5), AllocationRule(), "t1")
>>> [(l.component.value, str(l.amount)) for l in lines], left
([('penalty', '2'), ('fee', '1'), ('interest', '10'), ('principal', '37')], Decimal('0'))
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from lowlend.domain.conventions import AllocationBucket, AllocationComponent
from lowlend.domain.loan_state import AllocationLine, InstallmentState
from lowlend.domain.terms import AllocationRule

__all__ = ["allocate", "bucket_of"]

_PAID_FIELD = {
    AllocationComponent.PRINCIPAL: "principal_paid",
    AllocationComponent.INTEREST: "interest_paid",
    AllocationComponent.FEE: "fee_paid",
    AllocationComponent.PENALTY: "penalty_paid",
}


def bucket_of(row: InstallmentState, on: date) -> AllocationBucket:
    """past_due (due before ``on``), due (due on ``on``) or in_advance (due later)."""
    if row.due_date < on:
        return AllocationBucket.PAST_DUE
    if row.due_date == on:
        return AllocationBucket.DUE
    return AllocationBucket.IN_ADVANCE


def allocate(
    rows: tuple[InstallmentState, ...],
    amount: Decimal,
    on: date,
    rule: AllocationRule,
    txn_id: str,
    buckets: tuple[AllocationBucket, ...] | None = None,
) -> tuple[tuple[InstallmentState, ...], tuple[AllocationLine, ...], Decimal]:
    """Apply ``amount`` on date ``on``; return new states, allocation lines and the leftover.

    :param buckets: restrict to these buckets (default: the rule's buckets).
    """
    left = amount
    out = list(rows)
    lines: list[AllocationLine] = []
    for bucket in buckets if buckets is not None else rule.buckets:
        members = [i for i, r in enumerate(out) if bucket_of(r, on) is bucket]
        if rule.horizontal:
            walk = [(i, c) for c in rule.order for i in members]
        else:
            walk = [(i, c) for i in members for c in rule.order]
        for i, comp in walk:
            if left <= 0:
                break
            owed = out[i].outstanding(comp)
            if owed <= 0:
                continue
            pay = min(owed, left)
            field = _PAID_FIELD[comp]
            out[i] = dataclasses.replace(out[i], **{field: getattr(out[i], field) + pay})
            lines.append(AllocationLine(txn_id, out[i].seq, comp, pay))
            left -= pay
    return tuple(out), tuple(lines), left
