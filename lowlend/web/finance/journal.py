"""会计分录 / Journal: the entries (newest first, paginated) with their lines, the accounts
by their labels in the user's language, the loan and transaction they belong to and their
hash (shortened); the trial balance as of any date (per account; filtered by the loan's
department and by currency; debit totals equal credit totals); CSV exports of both.

The balances come from :func:`lowlend.services.ledger_balances.trial_balance` over
:class:`lowlend.persistence.ledger_balances_repository.SqlLedgerBalances`; the entries
shown obey the same data scope (entries of loans the user may see).
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any, ClassVar

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from lowlend.services.admin_ports import Listing
from lowlend.services.ledger_balances import BalanceFilter, TrialBalance
from lowlend.services.ledger_balances import trial_balance as build_trial_balance
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.finance.common import (
    FinanceView,
    code_text,
    csv_response,
    loan_scope,
    paginate,
    parse_date,
)
from lowlend.web.i18n import label_text
from lowlend.web.lending_context import business_today

__all__ = ["JournalView"]

CODE = "journal"
ENTRIES_PER_PAGE = 20
EXPORT_LIMIT = 200_000
HASH_SHOWN = 12

ACCOUNT_TYPE_LABELS: dict[str, Any] = {
    "asset": _l("Asset"),
    "liability": _l("Liability"),
    "equity": _l("Equity"),
    "income": _l("Income"),
    "expense": _l("Expense"),
}


def _chart() -> dict[str, Any]:
    """Account code → its spec, in the chart's order (current configuration)."""
    registry = registry_hooks.current_registry()
    ledger = getattr(registry, "ledger", None)
    return dict(getattr(ledger, "accounts", None) or {})


def account_text(code: str, chart: dict[str, Any]) -> str:
    spec = chart.get(code)
    return label_text(spec.label) if spec is not None else code


def _entry_filters() -> tuple[dict[str, str], dict[str, str], Listing]:
    """The list's filters from the query string: (values, errors by name, entries)."""
    args = {k: request.args.get(k, "").strip() for k in ("loan", "date_from", "date_to")}
    errors: dict[str, str] = {}
    days: dict[str, dt.date | None] = {"date_from": None, "date_to": None}
    for name in days:
        if args[name]:
            day = parse_date(args[name])
            if day is None:
                errors[name] = str(_l("Give a date as YYYY-MM-DD."))
            else:
                days[name] = day
    entries = backend().finance.journal_entries(
        loan_scope(CODE), args["loan"].lstrip("#") if args["loan"] else None,
        days["date_from"], days["date_to"],
    )
    return args, errors, entries


def _describe(entry: Any, txns: dict[int, tuple[str, str | None]]) -> str:
    """The entry's event in the user's language (the stored text for an entry of no
    transaction)."""
    found = txns.get(entry.transaction_id or 0)
    if found is None:
        return entry.description
    kind, reference = found
    text = code_text(kind)
    return f"{text} · {reference}" if reference else text


def _transactions(ids: set[int]) -> dict[int, tuple[str, str | None]]:
    return backend().finance.transaction_kinds(ids)


def _lines(entry_ids: builtins.list[int]) -> dict[int, builtins.list[Any]]:
    return backend().finance.journal_lines(entry_ids)


class JournalView(FinanceView):
    """会计分录 / Journal and trial balance."""

    route_base = "/journal"
    class_permission_name = CODE
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = {
        "list": "list", "export": "export", "trial_balance": "list",
        "trial_balance_export": "export",
    }
    base_permissions: ClassVar[list[str] | None] = ["can_list", "can_show", "can_export"]

    @expose("/")
    @has_access
    def list(self) -> Any:
        args, errors, listing = _entry_filters()
        page = paginate(listing, size=ENTRIES_PER_PAGE)
        entries = [row[0] for row in page.rows]
        lines = _lines([e.id for e in entries])
        txns = _transactions({e.transaction_id for e in entries if e.transaction_id})
        chart = _chart()
        return self.render_template(
            "finance/journal.html",
            title=_l("Journal"),
            page=page, entries=entries, lines=lines, args=args, errors=errors,
            describe=lambda e: _describe(e, txns), account=lambda c: account_text(c, chart),
            hash_shown=HASH_SHOWN, may_export=may("export", CODE),
        )

    @expose("/export/")
    @has_access
    def export(self) -> Any:
        """The filtered entries as CSV, one row per line."""
        _args, _errors, listing = _entry_filters()
        entries = [row[0] for row in backend().records.all_rows(listing, EXPORT_LIMIT)]
        lines = _lines([e.id for e in entries])
        txns = _transactions({e.transaction_id for e in entries if e.transaction_id})
        chart = _chart()
        header = [_l("Entry"), _l("Business date"), _l("Booked at"), _l("Loan"), _l("Transaction"),
                  _l("Description"), _l("Account code"), _l("Account"), _l("Debit"), _l("Credit"),
                  _l("Currency"), _l("Hash")]
        out: list[list[Any]] = [[str(h) for h in header]]
        for e in entries:
            for ln in lines[e.id]:
                out.append([
                    e.id, e.business_date.isoformat(), e.booked_at.isoformat(), e.loan_id or "",
                    e.transaction_id or "", _describe(e, txns), ln.account,
                    account_text(ln.account, chart), ln.debit, ln.credit, ln.currency, e.hash,
                ])
        return csv_response(out, f"journal-{business_today().isoformat()}.csv")

    # -- trial balance --------------------------------------------------------------------

    def _trial_balance(self) -> tuple[dict[str, str], dict[str, str], TrialBalance | None]:
        today = business_today()
        args = {k: request.args.get(k, "").strip() for k in ("as_of", "department", "currency")}
        errors: dict[str, str] = {}
        as_of = parse_date(args["as_of"], today)
        if as_of is None:
            errors["as_of"] = str(_l("Give a date as YYYY-MM-DD."))
            return args, errors, None
        args["as_of"] = as_of.isoformat()
        department = int(args["department"]) if args["department"].isdigit() else None
        if department is None:
            args["department"] = ""
        flt = BalanceFilter(as_of, department_id=department, currency=args["currency"] or None,
                            scope=loan_scope(CODE))
        chart = {code: spec.type.value for code, spec in _chart().items()}
        return args, errors, build_trial_balance(backend().finance.ledger_balances(), flt, chart)

    def _departments(self) -> builtins.list[tuple[int, str]]:  # ``list`` is a view method
        return [(i, "\u3000" * max(p.count("/") - 2, 0) + n)
                for i, n, p in backend().org.departments(loan_scope(CODE))]

    @expose("/trial_balance")
    @has_access
    def trial_balance(self) -> Any:
        args, errors, tb = self._trial_balance()
        chart = _chart()
        return self.render_template(
            "finance/trial_balance.html",
            title=_l("Trial balance"),
            tb=tb, args=args, errors=errors, departments=self._departments(),
            currencies=backend().finance.currencies(),
            account=lambda c: account_text(c, chart),
            account_type=lambda t: str(ACCOUNT_TYPE_LABELS.get(t or "", t or "")),
            may_export=may("export", CODE),
        )

    @expose("/trial_balance/export")
    @has_access
    def trial_balance_export(self) -> Any:
        args, _errors, tb = self._trial_balance()
        chart = _chart()
        header = [_l("Account code"), _l("Account"), _l("Account type"), _l("Currency"),
                  _l("Debits"), _l("Credits"), _l("Debit balance"), _l("Credit balance")]
        out: list[list[Any]] = [[str(h) for h in header]]
        for ln in tb.lines if tb is not None else ():
            out.append([ln.account, account_text(ln.account, chart),
                        str(ACCOUNT_TYPE_LABELS.get(ln.account_type or "", ln.account_type or "")),
                        ln.currency, ln.debit, ln.credit, ln.balance_debit, ln.balance_credit])
        for currency, t in (tb.totals.items() if tb is not None else ()):
            out.append(["", str(_l("Total")), "", currency, t.debit, t.credit, t.balance_debit,
                        t.balance_credit])
        as_of = args.get("as_of") or dt.date.today().isoformat()
        return csv_response(out, f"trial-balance-{as_of}.csv")
