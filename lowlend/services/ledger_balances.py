"""Balances of the journal as of a date, and the trial balance (试算平衡表).

The journal is append-only and every entry balances, so the balance of an account as of a
date is the sum of its lines in the entries of business dates up to that date; the
totals of all debits and all credits are equal for any set of whole entries (one loan,
one department, one currency). The sums are computed by the database in one grouped
query (:class:`LedgerBalancesPort`, implemented by
:mod:`lowlend.persistence.ledger_balances_repository`); this module checks the request,
orders the accounts as the chart of accounts lists them and adds the totals.

Filters: ``department_id`` keeps the entries of loans of that department and its
sub-departments (the loan's department); ``currency`` the lines in that currency;
``loan_id`` one loan; ``scope`` the loans a user may see (their data scope; entries of
no loan are then left out).

>>> rows = [BalanceRow("bank", "CNY", Decimal("100.00"), Decimal("900.00")),
...         BalanceRow("loan_principal", "CNY", Decimal("1000.00"), Decimal("200.00"))]
>>> tb = trial_balance(_Fixed(rows), BalanceFilter(dt.date(2026, 1, 31)),
...                    {"loan_principal": "asset", "bank": "asset"})
>>> [(ln.account, ln.balance_debit, ln.balance_credit) for ln in tb.lines]
[('loan_principal', Decimal('800.00'), Decimal('0.00')), ('bank', Decimal('0.00'), Decimal('800.00'))]
>>> tb.balanced, tb.totals["CNY"].debit, tb.totals["CNY"].credit
(True, Decimal('1100.00'), Decimal('1100.00'))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from lowlend.domain.conventions import DataScope
from lowlend.domain.errors import DomainError
from lowlend.services.data_scope import Principal

__all__ = [
    "GROUPINGS",
    "BalanceFilter",
    "BalanceQueryError",
    "BalanceRow",
    "LedgerBalancesPort",
    "LoanScope",
    "Totals",
    "TrialBalance",
    "TrialBalanceLine",
    "balances",
    "trial_balance",
]

GROUPINGS = ("account", "currency", "loan", "department")
"""What balances can be grouped by (``department`` is the loan's department)."""

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LoanScope:
    """The loans a user may see: their data scope (``None``: none) as a principal."""

    scope: DataScope | None
    principal: Principal


@dataclass(frozen=True, slots=True)
class BalanceFilter:
    """Which lines count: entries of business dates up to ``as_of`` and the filters of
    the module text (``None``: no restriction)."""

    as_of: dt.date
    department_id: int | None = None
    currency: str | None = None
    loan_id: int | None = None
    scope: LoanScope | None = None


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """Sums of the debits and credits of one group (the keys not grouped by are ``None``;
    ``account`` and ``currency`` are ``""`` when not grouped by)."""

    account: str
    currency: str
    debit: Decimal
    credit: Decimal
    loan_id: int | None = None
    department_id: int | None = None

    @property
    def balance(self) -> Decimal:
        """Debits − credits."""
        return self.debit - self.credit


class LedgerBalancesPort(Protocol):
    """Grouped sums of journal lines (set-based; never loads entries one by one)."""

    def balances(self, flt: BalanceFilter, by: Sequence[str]) -> list[BalanceRow]:
        """One row per group of ``by`` (a subset of :data:`GROUPINGS`), sums exact to the
        cent, ordered by the grouped keys."""
        ...

    def currencies(self) -> list[str]:
        """The currencies the journal holds lines in, sorted."""
        ...


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    """One account in one currency: the sums of its debits and credits up to the date
    and its balance on the side it falls (debit when debits exceed credits)."""

    account: str
    account_type: str | None
    currency: str
    debit: Decimal
    credit: Decimal
    balance_debit: Decimal
    balance_credit: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    debit: Decimal = _ZERO
    credit: Decimal = _ZERO
    balance_debit: Decimal = _ZERO
    balance_credit: Decimal = _ZERO

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit and self.balance_debit == self.balance_credit


@dataclass(frozen=True)
class TrialBalance:
    """The trial balance as of ``as_of``: lines in chart order, totals per currency."""

    as_of: dt.date
    lines: tuple[TrialBalanceLine, ...]
    totals: Mapping[str, Totals] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """Debits equal credits (and debit balances credit balances) in every currency."""
        return all(t.balanced for t in self.totals.values())


class BalanceQueryError(DomainError):
    """A balance request the query cannot answer (unknown grouping)."""


def balances(
    port: LedgerBalancesPort, flt: BalanceFilter, by: Sequence[str] = ("account", "currency"),
) -> list[BalanceRow]:
    """Balances as of ``flt.as_of`` grouped by ``by`` (per account, loan, department,
    currency or a combination).

    :raises BalanceQueryError: ``balance_grouping_invalid`` for a key outside
        :data:`GROUPINGS` or no key at all.
    """
    keys = tuple(dict.fromkeys(by))
    if not keys or any(k not in GROUPINGS for k in keys):
        raise BalanceQueryError("balance_grouping_invalid", "by", value=",".join(by))
    return port.balances(flt, keys)


def _line(row: BalanceRow, account_type: str | None) -> TrialBalanceLine:
    net = row.debit - row.credit
    return TrialBalanceLine(
        row.account, account_type, row.currency, row.debit, row.credit,
        net if net > 0 else _ZERO, -net if net < 0 else _ZERO,
    )


def trial_balance(
    port: LedgerBalancesPort, flt: BalanceFilter, chart: Mapping[str, str],
) -> TrialBalance:
    """The trial balance as of ``flt.as_of``.

    :param chart: account code → account type, in the chart's order (``ledger.yaml``);
        lines follow it, accounts outside it come last by code. Accounts without any
        line up to the date are not listed.
    """
    order = {code: i for i, code in enumerate(chart)}
    rows = balances(port, flt, ("account", "currency"))
    rows.sort(key=lambda r: (order.get(r.account, len(order)), r.account, r.currency))
    lines = tuple(_line(r, chart.get(r.account)) for r in rows)
    totals: dict[str, Totals] = {}
    for ln in lines:
        t = totals.get(ln.currency, Totals())
        totals[ln.currency] = Totals(
            t.debit + ln.debit, t.credit + ln.credit,
            t.balance_debit + ln.balance_debit, t.balance_credit + ln.balance_credit,
        )
    return TrialBalance(flt.as_of, lines, dict(sorted(totals.items())))


class _Fixed:
    """A port answering fixed rows (for the examples above)."""

    def __init__(self, rows: list[BalanceRow]) -> None:
        self.rows = rows

    def balances(self, flt: BalanceFilter, by: Sequence[str]) -> list[BalanceRow]:
        return list(self.rows)

    def currencies(self) -> list[str]:
        return sorted({r.currency for r in self.rows})
