"""SQL implementation of :class:`lowlend.services.ledger_balances.LedgerBalancesPort`.

One grouped ``SELECT … SUM … GROUP BY`` over ``journal_lines`` joined to their entries
(and, for the department, to the entries' loans); nothing is loaded row by row. Sums are
taken in cents (``round(amount * 100)``): exact on PostgreSQL (``numeric``) and on
SQLite (whose numeric columns are binary floats; integral cents add up exactly well
beyond any ledger's size). Read-only: never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from lowlend.persistence.models import Department, JournalEntry, JournalLine, Loan
from lowlend.persistence.org import in_subtree
from lowlend.persistence.scope import scope_condition
from lowlend.services.ledger_balances import GROUPINGS, BalanceFilter, BalanceRow

__all__ = ["SqlLedgerBalances", "entry_condition", "journal_condition"]

AnySession = Session | scoped_session[Any]
"""A session, or Flask-SQLAlchemy's scoped ``db.session``."""

_ENTRIES = JournalEntry.__table__
_LINES = JournalLine.__table__
_LOANS = Loan.__table__
_HUNDRED = Decimal(100)


def _cents(value: Any) -> Decimal:
    return (Decimal(str(value or 0)).to_integral_value() / _HUNDRED).quantize(Decimal("0.01"))


def journal_condition(session: AnySession, flt: BalanceFilter) -> sa.ColumnElement[bool]:
    """The condition on ``journal_entries`` / ``journal_lines`` of ``flt`` (shared with the
    journal screen's entry list, so both show the same entries)."""
    e, ln = _ENTRIES.c, _LINES.c
    parts: list[sa.ColumnElement[bool]] = [e.business_date <= flt.as_of]
    if flt.currency:
        parts.append(ln.currency == flt.currency)
    parts.append(entry_condition(session, flt))
    return sa.and_(*parts)


def entry_condition(session: AnySession, flt: BalanceFilter) -> sa.ColumnElement[bool]:
    """The condition on ``journal_entries`` of ``flt``'s loan, department and scope filters
    (not its date or currency)."""
    e = _ENTRIES.c
    parts: list[sa.ColumnElement[bool]] = [sa.true()]
    if flt.loan_id is not None:
        parts.append(e.loan_id == flt.loan_id)
    if flt.department_id is not None:
        path = session.execute(
            sa.select(Department.path).where(Department.id == flt.department_id)
        ).scalar_one_or_none()
        if path is None:
            return sa.false()
        parts.append(e.loan_id.in_(sa.select(Loan.id).where(in_subtree(Loan.department_id, path))))
    if flt.scope is not None:
        visible = scope_condition(Loan, flt.scope.scope, flt.scope.principal)
        if visible is not None:  # ``None``: scope "all", every entry
            parts.append(e.loan_id.in_(sa.select(Loan.id).where(visible)))
    return sa.and_(*parts)


class SqlLedgerBalances:
    """Balances of ``journal_lines`` as of a date, grouped and filtered in SQL."""

    def __init__(self, session: AnySession) -> None:
        self.session = session

    def balances(self, flt: BalanceFilter, by: Sequence[str]) -> list[BalanceRow]:
        e, ln = _ENTRIES.c, _LINES.c
        keys = {
            "account": ln.account, "currency": ln.currency, "loan": e.loan_id,
            "department": _LOANS.c.department_id,
        }
        unknown = [k for k in by if k not in GROUPINGS]
        if unknown:
            raise ValueError(f"cannot group balances by {unknown}")
        grouped = [keys[k].label(k) for k in by]
        source = _LINES.join(_ENTRIES, e.id == ln.entry_id)
        if "department" in by:
            source = source.outerjoin(_LOANS, _LOANS.c.id == e.loan_id)
        stmt = (
            sa.select(
                *grouped,
                sa.func.coalesce(sa.func.sum(sa.func.round(ln.debit * 100)), 0).label("debit"),
                sa.func.coalesce(sa.func.sum(sa.func.round(ln.credit * 100)), 0).label("credit"),
            )
            .select_from(source)
            .where(journal_condition(self.session, flt))
            .group_by(*[keys[k] for k in by])
            .order_by(*[keys[k] for k in by])
        )
        out = []
        for row in self.session.execute(stmt).mappings():
            out.append(BalanceRow(
                account=str(row["account"]) if "account" in by else "",
                currency=str(row["currency"]) if "currency" in by else "",
                debit=_cents(row["debit"]),
                credit=_cents(row["credit"]),
                loan_id=row["loan"] if "loan" in by else None,
                department_id=row["department"] if "department" in by else None,
            ))
        return out

    def currencies(self) -> list[str]:
        return [
            str(c) for c in self.session.execute(
                sa.select(_LINES.c.currency).distinct().order_by(_LINES.c.currency)
            ).scalars()
        ]
