"""The money ports over memory, for the bulk demo: the same use cases, rows kept in Python.

:class:`MemoryMoneyStore` holds a slice of new loans with their transactions, schedule
rows and journal entries; :class:`MemoryMoneyUow` is the
:class:`~lowlend.services.lending.money_ports.MoneyUnitOfWork` the money use cases
(disburse, repay, reverse, write off, recover, bring to a day) run in. Ids are handed
out in the order the database would hand them out to the same statements (the caller
gives the first free id of each table), and the journal is chained in memory from the
head the caller read (:func:`lowlend.domain.ledger_chain.post`, as
:meth:`~lowlend.persistence.ledger_repository.SqlLedgerRepository.append_many` does), so
writing the rows afterwards (:mod:`.bulk_rows`) gives the state the use cases would have
left in the database.

Only what the demo's operations need is there: a use case that fails part-way is a
defect of the generator and aborts the whole load (nothing is rolled back in memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Self

from lowlend.domain.ledger import EntryDraft, PostedEntry
from lowlend.domain.ledger_chain import post
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.money_ports import InstallmentWrite, MoneyUnitOfWork

__all__ = ["MemLoan", "MemTxn", "MemoryMoneyStore", "MemoryMoneyUow"]

_ZERO = Decimal("0.00")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class MemLoan:
    """A ``loans`` row (every column)."""

    id: int
    application_id: int | None
    customer_id: int
    product_code: str
    config_version_id: int
    principal: Decimal
    annual_rate: Decimal
    currency: str
    term: int
    status: str
    department_id: int | None
    owner_staff_id: int | None
    terms_snapshot: dict[str, Any]
    contract_no: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    custom: dict[str, Any] = field(default_factory=dict)
    disbursed_on: dt.date | None = None
    maturity_date: dt.date | None = None
    last_closed_business_date: dt.date | None = None
    dpd: int = 0
    classification: str | None = None
    delinquency_bucket: str | None = None
    accrued_interest: Decimal = _ZERO
    accrued_penalty: Decimal = _ZERO
    credit_line_id: int | None = None
    entrusting_party_id: int | None = None
    written_off_on: dt.date | None = None
    written_off_principal: Decimal = _ZERO
    disbursed_principal: Decimal = _ZERO


@dataclass(slots=True)
class MemTxn:
    """A ``transactions`` row (every column)."""

    id: int
    loan_id: int
    type: str
    value_date: dt.date
    amount: Decimal
    booked_at: dt.datetime = field(default_factory=_now)
    currency: str = "CNY"
    reversed_of: int | None = None
    idempotency_key: str | None = None
    allocation: dict[str, Any] = field(default_factory=dict)
    created_by: int | None = None
    status: str = "posted"
    channel: str | None = None
    reference: str | None = None
    note: str = ""
    request_hash: str | None = None
    payment_order_id: str | None = None
    gateway_result: dict[str, Any] | None = None
    failure_code: str | None = None
    business_date: dt.date | None = None
    approved_by: int | None = None
    approved_at: dt.datetime | None = None


@dataclass
class MemoryMoneyStore:
    """The rows of a slice of new loans (see the module text).

    :param next_txn_id: / ``next_entry_id`` / ``next_installment_id``: the first free id
        of each table.
    :param prev_hash: the hash of the newest journal entry.
    """

    next_txn_id: int
    next_entry_id: int
    next_installment_id: int
    prev_hash: str
    loans: dict[int, MemLoan] = field(default_factory=dict)
    txns: dict[int, MemTxn] = field(default_factory=dict)
    by_loan: dict[int, list[MemTxn]] = field(default_factory=dict)
    keys: dict[str, MemTxn] = field(default_factory=dict)
    schedule: dict[int, dict[int, tuple[int, InstallmentWrite]]] = field(default_factory=dict)
    entries: list[PostedEntry] = field(default_factory=list)
    balances: dict[tuple[int, str], Decimal] = field(default_factory=dict)

    def add_loan(self, loan: MemLoan) -> None:
        self.loans[loan.id] = loan
        self.by_loan.setdefault(loan.id, [])

    def installment_rows(self) -> Iterator[tuple[int, int, InstallmentWrite]]:
        """``(id, loan id, row)`` of every schedule row, in id order."""
        rows = [(row_id, loan_id, w) for loan_id, by_seq in self.schedule.items()
                for row_id, w in by_seq.values()]
        rows.sort(key=lambda r: r[0])
        return iter(rows)

    def transactions(self) -> list[MemTxn]:
        """Every transaction, in id order."""
        return [self.txns[k] for k in sorted(self.txns)]


class _Money:
    """:class:`~lowlend.services.lending.money_ports.MoneyRepository` over the store."""

    def __init__(self, store: MemoryMoneyStore) -> None:
        self.store = store

    def loan(self, loan_id: int, *, for_update: bool = False) -> MemLoan | None:
        return self.store.loans.get(loan_id)

    def transactions(self, loan_id: int) -> list[MemTxn]:
        return list(self.store.by_loan.get(loan_id, ()))

    def transaction(self, txn_id: int, *, for_update: bool = False) -> MemTxn | None:
        return self.store.txns.get(txn_id)

    def by_idempotency_key(self, key: str) -> MemTxn | None:
        return self.store.keys.get(key)

    def by_payment_order(self, order_id: str, *, for_update: bool = False) -> MemTxn | None:
        return None  # the demo pays by transfer only

    def add_transaction(self, **values: Any) -> MemTxn:
        s = self.store
        key = values.get("idempotency_key")
        if key is not None and key in s.keys:
            raise LendingError("idempotency_key_taken", "Idempotency-Key", status=409)
        row = MemTxn(id=s.next_txn_id, **values)
        s.next_txn_id += 1
        s.txns[row.id] = row
        s.by_loan.setdefault(row.loan_id, []).append(row)
        if key is not None:
            s.keys[key] = row
        return row

    def write_installments(self, loan_id: int, rows: Sequence[InstallmentWrite]) -> None:
        s = self.store
        old = s.schedule.get(loan_id, {})
        new: dict[int, tuple[int, InstallmentWrite]] = {}
        for w in rows:
            found = old.get(w.seq)
            if found is None:
                found = (s.next_installment_id, w)
                s.next_installment_id += 1
            new[w.seq] = (found[0], w)
        s.schedule[loan_id] = new

    def paid_totals(self, loan_id: int) -> dict[str, Decimal]:
        totals = {"principal": _ZERO, "interest": _ZERO, "fee": _ZERO, "penalty": _ZERO}
        for _, w in self.store.schedule.get(loan_id, {}).values():
            totals["principal"] += w.principal_paid
            totals["interest"] += w.interest_paid
            totals["fee"] += w.fee_paid
            totals["penalty"] += w.penalty_paid
        return totals

    def account_balance(self, loan_id: int, account: str) -> Decimal:
        return self.store.balances.get((loan_id, account), _ZERO)

    def bank_card(self, loan_id: int) -> str | None:
        return None

    def customer_name(self, customer_id: int) -> str:
        return ""


class _Journal:
    """:class:`~lowlend.services.lending.money_ports.JournalPort` chaining in memory."""

    def __init__(self, store: MemoryMoneyStore) -> None:
        self.store = store

    def append(self, draft: EntryDraft, booked_at: dt.datetime | None = None) -> PostedEntry:
        s = self.store
        when = (booked_at or _now()).astimezone(dt.UTC)
        entry = post(draft, s.next_entry_id, when, s.prev_hash)
        s.next_entry_id += 1
        s.prev_hash = entry.hash
        s.entries.append(entry)
        if entry.loan_id is not None:
            for ln in entry.lines:
                key = (entry.loan_id, ln.account)
                s.balances[key] = s.balances.get(key, _ZERO) + ln.debit - ln.credit
        return entry

    def entries(self) -> Iterator[PostedEntry]:
        return iter(self.store.entries)


class _NoFunds:
    """The demo's loans have no entrusting party while their money is posted."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"entrusted funds ({name}) are not kept in memory")


class MemoryMoneyUow(MoneyUnitOfWork):
    """A money unit of work over a :class:`MemoryMoneyStore` (module text)."""

    def __init__(self, store: MemoryMoneyStore) -> None:
        self.store = store
        self.money = _Money(store)  # type: ignore[assignment]
        self.journal = _Journal(store)
        self.funds = _NoFunds()  # type: ignore[assignment]

    def __enter__(self) -> Self:
        return super().__enter__()

    def _commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass
