"""Posting rules: which accounts a loan's money event debits and credits, and for how much.

A rule (from ``ledger.yaml``) is a list of lines ``(side, account, amount name)``; the
amount names of an event and what they add up to are
:data:`~lowlend.domain.conventions.POSTING_COMPONENTS`. :func:`rule_imbalance` checks a
rule once, at publish: it balances for *every* set of amounts exactly when its debit
lines and its credit lines name the same basic parts. :func:`entry_for` turns the amounts
of one event into a balanced :class:`~lowlend.domain.ledger.EntryDraft`:

* an amount that is negative (a reversal, a re-allocation after a back-dated payment)
  posts on the other side;
* lines of one account are netted, zero lines dropped; an event whose lines all net to
  zero posts nothing (``None``).

>>> from datetime import date
>>> rule = PostingRule(PostingEvent.DISBURSEMENT, (
...     PostingLine("debit", "loan_principal", "principal"),
...     PostingLine("credit", "bank", "net_proceeds"),
...     PostingLine("credit", "fee_income", "upfront_fees"),
... ))
>>> rule_imbalance(rule)
{}
>>> amounts = {"principal": Decimal("1000.00"), "net_proceeds": Decimal("980.00"),
...            "upfront_fees": Decimal("20.00")}
>>> draft = entry_for(rule, amounts, "CNY", date(2026, 1, 5), "Disbursement", loan_id=7)
>>> [(ln.account, str(ln.debit), str(ln.credit)) for ln in draft.lines]
[('loan_principal', '1000.00', '0.00'), ('bank', '0.00', '980.00'), ('fee_income', '0.00', '20.00')]
>>> rule_imbalance(PostingRule(PostingEvent.DISBURSEMENT, rule.lines[:2]))
{'upfront_fees': 1}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from lowlend.domain.conventions import (
    POSTING_COMPONENTS,
    LoanKind,
    PostingEvent,
    posting_imbalance,
)
from lowlend.domain.ledger import ZERO, EntryDraft, LedgerError, Line

__all__ = [
    "PostingLine",
    "PostingRule",
    "Side",
    "entry_for",
    "inconsistent_amounts",
    "rule_imbalance",
]

Side = Literal["debit", "credit"]
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PostingLine:
    """One line of a rule: ``side`` of ``account`` gets the event's amount ``amount``."""

    side: Side
    account: str
    amount: str


@dataclass(frozen=True, slots=True)
class PostingRule:
    """How ``event`` posts (for loans of ``loan_kind``, or any kind when ``None``)."""

    event: PostingEvent
    lines: tuple[PostingLine, ...]
    loan_kind: LoanKind | None = None


def rule_imbalance(rule: PostingRule) -> dict[str, int]:
    """Basic parts whose debits and credits differ: part → debits − credits (``{}`` when the
    rule balances). Unknown amount names are not counted (the spec reports them)."""
    return posting_imbalance(rule.event, ((ln.side, ln.amount) for ln in rule.lines))


def inconsistent_amounts(event: PostingEvent, amounts: Mapping[str, Decimal]) -> str | None:
    """The first amount that is not the sum of its basic parts (``None`` when consistent).

    >>> inconsistent_amounts(PostingEvent.DISBURSEMENT, {"principal": Decimal("10"),
    ...     "net_proceeds": Decimal("9"), "upfront_fees": Decimal("2")})
    'principal'
    """
    for name, parts in POSTING_COMPONENTS[event].items():
        if len(parts) > 1 and name in amounts:
            if amounts[name] != sum((amounts.get(p, ZERO) for p in parts), ZERO):
                return name
    return None


def entry_for(
    rule: PostingRule,
    amounts: Mapping[str, Decimal],
    currency: str,
    business_date: dt.date,
    description: str,
    *,
    loan_id: int | None = None,
    transaction_id: int | None = None,
) -> EntryDraft | None:
    """The journal entry of one event (``None`` when every line nets to zero).

    :param amounts: the event's amounts by name (missing names count as zero); each must
        be a Decimal with at most two places, and every summed amount must equal its
        parts (:func:`inconsistent_amounts`).
    :raises LedgerError: ``unknown_amount`` (a name the event does not have),
        ``inconsistent_amounts``, ``precision``; and whatever
        :func:`~lowlend.domain.ledger.check_balanced` finds.
    """
    known = POSTING_COMPONENTS[rule.event]
    for name, value in amounts.items():
        if name not in known:
            raise LedgerError("unknown_amount", f"{rule.event.value} has no amount {name!r}")
        if not isinstance(value, Decimal) or value != value.quantize(_CENT):
            raise LedgerError("precision", f"amount {name} = {value!r} is not in the minor unit")
    wrong = inconsistent_amounts(rule.event, amounts)
    if wrong is not None:
        raise LedgerError(
            "inconsistent_amounts", f"{rule.event.value}: {wrong} is not the sum of its parts"
        )
    net: dict[str, Decimal] = {}
    for line in rule.lines:
        value = amounts.get(line.amount, ZERO)
        net[line.account] = net.get(line.account, ZERO) + (
            value if line.side == "debit" else -value
        )
    lines = tuple(
        Line(account, value, ZERO, currency) if value > 0 else Line(account, ZERO, -value, currency)
        for account, value in net.items()
        if value != 0
    )
    if not lines:
        return None
    return EntryDraft(
        business_date, description, lines, loan_id=loan_id, transaction_id=transaction_id
    )
