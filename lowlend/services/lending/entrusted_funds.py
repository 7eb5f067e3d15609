"""Entrusted funds (委托资金): an entrusting party's deposits and withdrawals, its available
funds, and the check that an entrusted loan is only paid out of what the party deposited.

A deposit posts the ``entrusted_deposit`` entry (ledger.yaml: debit bank, credit the
party's funds account), a withdrawal the ``entrusted_withdrawal`` entry (the reverse);
each is stored as a movement of the party (``entrusted_fund_movements``) linked to its
journal entry, in one unit of work. The party's funds account is the account the
``entrusted_deposit`` rule credits.

Available funds (:func:`funds_of`), all from the journal:

* ``balance`` — the funds account over the party's movements and its entrusted loans'
  entries: deposits − withdrawals + what its loans collected for it (interest, penalties);
* ``principal_out`` — the principal its loans have outstanding (the loan principal
  account over those loans' entries: disbursed − repaid − written off);
* ``reserved`` — the principal of its loans' disbursements waiting for the gateway;
* ``available = balance − principal_out − reserved``.

The party's record is locked (``SELECT … FOR UPDATE`` on PostgreSQL) before its funds are
read, so a withdrawal and a disbursement cannot both spend the same money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lowlend.domain.approval import Actor
from lowlend.domain.conventions import PostingEvent
from lowlend.domain.postings import PostingLine, PostingRule, entry_for
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.money_ports import MoneyUnitOfWork, MovementRow

__all__ = [
    "ENTITY",
    "FundsRequest",
    "Movement",
    "MovementResult",
    "PartyFunds",
    "deposit",
    "funds_account",
    "funds_of",
    "party_funds",
    "require_funds",
    "withdraw",
]

ENTITY = "entrusting_parties"
"""The config entity whose records are the entrusting parties."""

_CENT = Decimal("0.01")
_LIMIT = Decimal("1e13")


@dataclass(frozen=True, slots=True)
class FundsRequest:
    """A deposit or withdrawal as the operator enters it."""

    amount: Decimal
    value_date: dt.date
    reference: str
    note: str = ""
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class PartyFunds:
    """An entrusting party's funds in one currency (see the module text)."""

    party_id: int
    name: str
    currency: str
    balance: Decimal
    principal_out: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.balance - self.principal_out - self.reserved


@dataclass(frozen=True, slots=True)
class Movement:
    """A deposit or withdrawal as the screens show it."""

    id: int
    type: str
    value_date: dt.date
    business_date: dt.date
    amount: Decimal
    currency: str
    reference: str
    note: str
    created_by: int | None
    booked_at: dt.datetime
    journal_entry_id: int | None

    @classmethod
    def of(cls, row: MovementRow) -> Movement:
        return cls(row.id, row.type, row.value_date, row.business_date, row.amount, row.currency,
                   row.reference, row.note, row.created_by, row.booked_at, row.journal_entry_id)


@dataclass(frozen=True, slots=True)
class MovementResult:
    movement_id: int
    journal_entry_id: int
    funds: PartyFunds


def funds_account(registry: Any) -> str:
    """The account the ``entrusted_deposit`` rule credits (the parties' funds account).

    :raises LendingError: ``posting_rule_missing`` (500) without such a rule.
    """
    spec = registry.ledger.rule_for(PostingEvent.ENTRUSTED_DEPOSIT, None)
    credit = [ln.account for ln in spec.lines if ln.side == "credit"] if spec is not None else []
    if not credit:
        raise LendingError("posting_rule_missing", status=500,
                           value=PostingEvent.ENTRUSTED_DEPOSIT.value)
    return str(credit[0])


def _party(uow: MoneyUnitOfWork, registry: Any, party_id: int, lock: bool) -> str:
    entity = registry.entities.get(ENTITY)
    name = None if entity is None else uow.funds.party_name(entity.table, party_id,
                                                            for_update=lock)
    if name is None:
        raise LendingError("entrusting_party_not_found", status=404, value=party_id)
    return name


def funds_of(uow: MoneyUnitOfWork, registry: Any, party_id: int, currency: str, *,
             lock: bool = False) -> PartyFunds:
    """The party's funds inside ``uow`` (``lock``: lock its record first).

    :raises LendingError: ``entrusting_party_not_found`` (404).
    """
    name = _party(uow, registry, party_id, lock)
    balance, out = uow.funds.journal_figures(party_id, currency, funds_account(registry),
                                             registry.ledger.principal_account)
    return PartyFunds(party_id, name, currency, balance, out,
                      uow.funds.pending_disbursements(party_id))


def party_funds(uow_factory: Callable[[], MoneyUnitOfWork], registry: Any, party_id: int,
                currency: str = "CNY") -> tuple[PartyFunds, list[Movement]]:
    """The party's funds and its movements, newest first (changes nothing).

    :raises LendingError: ``entrusting_party_not_found`` (404).
    """
    with uow_factory() as uow:
        return (funds_of(uow, registry, party_id, currency),
                [Movement.of(m) for m in uow.funds.movements(party_id)])


def require_funds(uow: MoneyUnitOfWork, registry: Any, party_id: int, currency: str,
                  needed: Decimal) -> PartyFunds:
    """Lock the party and check its available funds cover ``needed`` (a disbursement's
    principal).

    :raises LendingError: ``entrusted_funds_insufficient`` (409, naming available and
        needed), ``entrusting_party_not_found`` (404).
    """
    funds = funds_of(uow, registry, party_id, currency, lock=True)
    if funds.available < needed:
        raise LendingError("entrusted_funds_insufficient", "amount", status=409,
                           party=funds.name, available=str(funds.available),
                           needed=str(needed))
    return funds


def _check(request: FundsRequest, business_date: dt.date) -> None:
    amount = request.amount
    if not amount.is_finite() or amount <= 0:
        raise LendingError("amount_not_positive", "amount", value=str(amount))
    if amount >= _LIMIT:
        raise LendingError("amount_too_large", "amount", value=str(amount))
    if amount != amount.quantize(_CENT):
        raise LendingError("amount_precision", "amount", value=str(amount))
    if request.value_date > business_date:
        raise LendingError("value_date_in_future", "value_date",
                           value=request.value_date.isoformat())
    if not request.reference.strip():
        raise LendingError("reference_required", "reference")
    if len(request.currency) != 3 or not request.currency.isalpha():
        raise LendingError("currency_invalid", "currency", value=request.currency)


def _move(
    kind: Literal["deposit", "withdrawal"],
    uow_factory: Callable[[], MoneyUnitOfWork],
    party_id: int,
    request: FundsRequest,
    *,
    actor: Actor,
    registry: Any,
    business_date: dt.date,
) -> MovementResult:
    _check(request, business_date)
    event = (PostingEvent.ENTRUSTED_DEPOSIT if kind == "deposit"
             else PostingEvent.ENTRUSTED_WITHDRAWAL)
    spec = registry.ledger.rule_for(event, None)
    if spec is None:
        raise LendingError("posting_rule_missing", status=500, value=event.value)
    rule = PostingRule(event, tuple(PostingLine(ln.side, ln.account, ln.amount)
                                    for ln in spec.lines))
    with uow_factory() as uow:
        before = funds_of(uow, registry, party_id, request.currency, lock=True)
        if kind == "withdrawal" and request.amount > before.available:
            raise LendingError("entrusted_funds_insufficient", "amount", status=409,
                               party=before.name, available=str(before.available),
                               needed=str(request.amount))
        label = "Deposit" if kind == "deposit" else "Withdrawal"
        draft = entry_for(rule, {"amount": request.amount}, request.currency, business_date,
                          f"{label} of entrusted funds: {before.name} ({request.reference.strip()})")
        if draft is None:  # a positive amount always posts
            raise LendingError("amount_not_positive", "amount", value=str(request.amount))
        entry = uow.journal.append(draft)
        row = uow.funds.add_movement(
            party_id=party_id, type=kind, value_date=request.value_date,
            business_date=business_date, amount=request.amount, currency=request.currency,
            reference=request.reference.strip(), note=request.note.strip(),
            created_by=actor.user_id or None, journal_entry_id=entry.id,
        )
        after = funds_of(uow, registry, party_id, request.currency)
        uow.commit()
        return MovementResult(row.id, entry.id, after)


def deposit(uow_factory: Callable[[], MoneyUnitOfWork], party_id: int, request: FundsRequest,
            *, actor: Actor, registry: Any, business_date: dt.date) -> MovementResult:
    """Record money an entrusting party paid in (posts ``entrusted_deposit``).

    :raises LendingError: ``entrusting_party_not_found`` (404), ``amount_not_positive``,
        ``amount_too_large``, ``amount_precision``, ``value_date_in_future``, ``reference_required``,
        ``currency_invalid`` (422).
    """
    return _move("deposit", uow_factory, party_id, request, actor=actor, registry=registry,
                 business_date=business_date)


def withdraw(uow_factory: Callable[[], MoneyUnitOfWork], party_id: int, request: FundsRequest,
             *, actor: Actor, registry: Any, business_date: dt.date) -> MovementResult:
    """Record money paid back to an entrusting party (posts ``entrusted_withdrawal``); at
    most its available funds.

    :raises LendingError: as :func:`deposit`, and ``entrusted_funds_insufficient`` (409).
    """
    return _move("withdrawal", uow_factory, party_id, request, actor=actor,
                 registry=registry, business_date=business_date)
