"""The money panel of a loan's page: its schedule (installments with what is paid and their
status), its transactions, the payoff figures for a date, how much of the approved
principal is disbursed (a loan paid out in tranches shows "partly disbursed") and the
actions the user may take (record a repayment, send an auto-debit, request a write-off,
enter a refund, disburse — a further tranche too).

The actions are links and buttons to the finance screens' forms (each calls one use case);
nothing here decides about money.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from lowlend.domain.errors import DomainError
from lowlend.services.lending import repayments
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.finance.common import error_text, parse_date, user_names
from lowlend.web.generic.core_entities import INSTALLMENT_STATUS
from lowlend.web.i18n import label_text
from lowlend.web.lending_context import business_today, lending

__all__ = ["LoanPanel", "loan_panel"]

OPEN = ("active", "overdue")
_ZERO = Decimal("0.00")


@dataclass
class LoanPanel:
    """What the loan page shows below the record."""

    loan_id: int
    status: str
    currency: str
    schedule: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    transactions: list[Any] = field(default_factory=list)
    users: dict[int, str] = field(default_factory=dict)
    payoff: Any = None
    payoff_error: str | None = None
    payoff_date: dt.date | None = None
    may_repay: bool = False
    may_recover: bool = False
    may_auto_debit: bool = False
    may_write_off: bool = False
    may_refund: bool = False
    may_disburse: bool = False
    approved_principal: Decimal = _ZERO
    disbursed_principal: Decimal | None = None


def _status_text(code: str) -> str:
    for item in INSTALLMENT_STATUS.items:
        if item.code == code:
            return label_text(item.label)
    return code


def _schedule(loan_id: int) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    rows = backend().finance.installments(loan_id)
    out: list[dict[str, Any]] = []
    totals = dict.fromkeys(("due", "paid", "outstanding"), _ZERO)
    for r in rows:
        due = (r.principal or _ZERO) + (r.interest or _ZERO) + (r.fee or _ZERO) + (r.penalty or _ZERO)
        paid = ((r.principal_paid or _ZERO) + (r.interest_paid or _ZERO) + (r.fee_paid or _ZERO)
                + (r.penalty_paid or _ZERO))
        out.append({"row": r, "due": due, "paid": paid, "outstanding": due - paid,
                    "status": r.status, "status_text": _status_text(r.status)})
        totals["due"] += due
        totals["paid"] += paid
        totals["outstanding"] += due - paid
    return out, totals


def loan_panel(loan_id: int) -> LoanPanel | None:
    """The panel of loan ``loan_id`` (``None`` when it does not exist). The caller has
    already checked the loan is within the user's data scope (its page)."""
    queries = backend().finance
    loan = queries.loan(loan_id)
    if loan is None:
        return None
    panel = LoanPanel(loan.id, loan.status, loan.currency)
    panel.schedule, panel.totals = _schedule(loan.id)
    panel.transactions = queries.transactions(loan.id)
    panel.users = user_names(t.created_by for t in panel.transactions)
    open_ = loan.status in OPEN
    panel.may_repay = open_ and may("add", "repayments")
    panel.may_recover = loan.status == "written_off" and may("add", "repayments")
    panel.may_auto_debit = panel.may_repay and lending().gateway is not None
    panel.may_write_off = open_ and may("write_off", "loans")
    panel.may_refund = loan.disbursed_on is not None and may("add", "refunds")
    panel.approved_principal = loan.principal
    out = loan.disbursed_principal or _ZERO
    if loan.disbursed_on is not None and out > 0:
        panel.disbursed_principal = out
    partly = loan.status == "active" and _ZERO < out < loan.principal
    panel.may_disburse = (loan.status == "approved" or partly) and may("disburse", "disbursements")
    if open_:
        today = business_today()
        wanted = parse_date(request.args.get("payoff_date"), today)
        panel.payoff_date = wanted or today
        if wanted is None:
            panel.payoff_error = str(_l("Give a date as YYYY-MM-DD."))
        else:
            try:
                panel.payoff = repayments.payoff(lending().money(), loan.id, wanted, today)  # type: ignore[misc]
            except DomainError as exc:
                panel.payoff_error = error_text(exc)
    return panel
