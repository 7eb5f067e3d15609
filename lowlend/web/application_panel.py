"""The application page's lending panel: status, score and the reasons of every
decision ("why was this rejected"), the approval steps of the current round, and the
actions the signed-in user may take (submit, withdraw, approve / return / reject).

The actions post to ``/applications/<pk>/act`` (:func:`act`), which calls one use case
and shows its message; nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l

from lowlend.domain.approval import Verdict
from lowlend.domain.errors import DomainError
from lowlend.services.lending import applications, approvals
from lowlend.services.messages import message
from lowlend.web.backend import backend
from lowlend.web.fab import may
from lowlend.web.generic.core_entities import APPLICATION_STATUS
from lowlend.web.generic.labels import format_date, format_money, translate
from lowlend.web.i18n import request_locale
from lowlend.web.lending_context import (
    LendingContext,
    actor,
    business_today,
    lending,
    role_labels,
    step_labels,
)
from lowlend.web.user_context import current_principal

__all__ = ["ACTIONS", "Panel", "act", "panel_for"]

MESSAGES = (
    _l("Decisions"),
    _l("Approval steps"),
    _l("Score"),
    _l("Reasons"),
    _l("Submit"),
    _l("Withdraw"),
    _l("Loan"),
    _l("Credit line"),
    _l("Comment"),
    _l("Open"),
    _l("Waiting"),
    _l("Done"),
    _l("Cancelled"),
    _l("Scorecard"),
    _l("Approval"),
    _l("Final decision"),
    _l("Compliance"),
    _l("Done: %(status)s"),
    _l("Record the customer's signed consent to a credit report (90 days)"),
    _l("Credit report"),
    _l("No credit file at the bureau."),
    _l("The customer's consent to a credit report is recorded."),
)

KIND_LABELS = {
    "scorecard": _l("Scorecard"),
    "approval": _l("Approval"),
    "final": _l("Final decision"),
    "compliance": _l("Compliance"),
}
TASK_STATUS_LABELS = {
    "open": _l("Open"),
    "waiting": _l("Waiting"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}
DECISION_LABELS = {
    "approve": _l("approve"),
    "refer": _l("refer to manual review"),
    "reject": _l("reject"),
    "return": _l("return for correction"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "returned": _l("returned"),
    "withdrawn": _l("withdrawn"),
}
ACTIONS = ("consent", "submit", "withdraw", "approve", "return", "reject")


@dataclass
class Panel:
    """What the application page shows below the record."""

    status: str
    score: int | None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    can_submit: bool = False
    can_withdraw: bool = False
    can_decide: bool = False
    needs_consent: bool = False
    loan_id: int | None = None
    credit_line_id: int | None = None
    report: dict[str, Any] | None = None


REPORT_FACTS = (
    ("score", _l("Bureau score"), "int"),
    ("overdue_accounts", _l("Overdue accounts"), "int"),
    ("max_dpd_24m", _l("Worst days past due (24 months)"), "int"),
    ("queries_3m", _l("Hard queries (3 months)"), "int"),
    ("queries_6m", _l("Hard queries (6 months)"), "int"),
    ("outstanding_debt", _l("Outstanding debt"), "cents"),
    ("monthly_debt_service", _l("Monthly debt service"), "cents"),
    ("debt_to_income_bp", _l("Debt-to-income"), "bp"),
    ("blacklist_hits", _l("Blacklist hits"), "int"),
)
"""The credit report's facts shown on the application (as the scorecard saw them)."""


def _report(report_id: int | None) -> dict[str, Any] | None:
    if report_id is None:
        return None
    row = backend().lending.credit_report(report_id)
    if row is None:
        return None
    facts = row.facts or {}
    shown = []
    for key, label, kind in REPORT_FACTS:
        value = facts.get(key)
        if value is None:
            continue
        if kind == "cents":
            text = format_money(Decimal(int(value)) / 100)
        elif kind == "bp":
            text = f"{Decimal(int(value)) / 100:.2f}%"
        else:
            text = str(value)
        shown.append((label, text))
    return {
        "bureau": row.bureau,
        "reference": row.report_ref,
        "pulled_at": format_date(row.pulled_at),
        "has_file": bool(facts.get("has_file", True)),
        "facts": shown,
    }



def _reason_text(reason: dict[str, Any], locale: str) -> str:
    label = reason.get("label") or {}
    text = label.get("zh_CN" if locale == "zh_CN" else "en") or reason.get("code", "")
    points = reason.get("points")
    if reason.get("knockout"):
        return f"✖ {text}"
    return f"{text} ({points:+d})" if isinstance(points, int) else str(text)


def panel_for(pk: Any) -> Panel | None:
    """The panel of application ``pk`` (``None`` when it does not exist)."""
    app = backend().lending.application(pk)
    if app is None:
        return None
    locale = request_locale()
    panel = Panel(status=app.status, score=app.score, report=_report(app.credit_report_id))
    steps = step_labels(app.config_version_id, app.product_code)
    rows = backend().lending.decisions(app.id)
    for row in rows:
        panel.decisions.append(
            {
                "kind": KIND_LABELS.get(row.kind, row.kind),
                "decision": DECISION_LABELS.get(row.decision, row.decision),
                "score": row.score,
                "reasons": [_reason_text(r, locale) for r in row.reasons or [] if isinstance(r, dict)],
                "comment": row.comment,
                "at": format_date(row.created_at),
                "step": (
                    steps.get((row.inputs or {}).get("step", ""), (row.inputs or {}).get("step"))
                    if row.kind == "approval"
                    else None
                ),
            }
        )
    tasks = backend().lending.tasks(app.id, app.round)
    roles = role_labels()
    for task in tasks:
        panel.tasks.append(
            {
                "step": steps.get(task.step_code, task.step_code),
                "role": roles.get(task.role, task.role),
                "status": TASK_STATUS_LABELS.get(task.status, task.status),
                "assignee": task.assignee.name if task.assignee is not None else "",
                "due_at": format_date(task.due_at) if task.due_at else "",
                "votes": [(v.username, v.verdict, v.comment) for v in task.votes],
            }
        )
    panel.can_submit = app.status in ("draft", "returned", "submitted") and may("edit", "applications")
    panel.can_withdraw = app.status in ("draft", "returned", "submitted", "in_review") and may(
        "edit", "applications"
    )
    panel.can_decide = (
        app.status == "in_review"
        and may("approve", "applications")
        and app.created_by != current_principal().user_id  # never one's own application
    )
    panel.needs_consent = (
        panel.can_submit
        and may("edit", "customers")
        and applications.consent_missing(
            lending().uow(), app.id, registry_for=LendingContext.registry_for,
            today=business_today(),
        )
    )
    panel.loan_id = backend().lending.loan_of_application(app.id)
    panel.credit_line_id = backend().lending.credit_line_of_application(app.id)
    return panel


def act(pk: int, action: str, comment: str) -> None:
    """Run ``action`` on application ``pk`` and flash the outcome."""
    ctx = lending()
    now = dt.datetime.now(dt.UTC)
    try:
        if action == "consent":
            app = backend().lending.application(pk)
            assert app is not None
            applications.record_consent(
                ctx.uow(), app.customer_id, granted_on=business_today(), valid_days=90,
                channel="paper", actor=actor(),
            )
            flash(str(translate("The customer's consent to a credit report is recorded.")), "success")
            return
        if action == "submit":
            result = applications.submit(
                ctx.uow(), pk, actor=actor(), registry_for=ctx.registry_for, bureau=ctx.bureau,
                now=now, today=business_today(),
                department_path=current_principal().department_path, contract=ctx.contract,
            )
            status = result.status
        elif action == "withdraw":
            status = applications.withdraw(ctx.uow(), pk, actor=actor(), now=now, reason=comment)
        else:
            status = approvals.decide(
                ctx.uow(), pk, actor=actor(), verdict=Verdict(action), comment=comment,
                registry_for=ctx.registry_for, now=now, today=business_today(),
                department_path=current_principal().department_path, contract=ctx.contract,
            ).status
    except DomainError as exc:
        flash(message(exc.code, request_locale(), **exc.params), "danger")
        return
    finally:
        backend().records.expire_all()
    item = next((i for i in APPLICATION_STATUS.items if i.code == status), None)
    label = item.label.get(request_locale()) if item is not None else status
    flash(str(translate("Done: %(status)s") % {"status": label}), "success")
