"""My tasks (我的待办): the approval steps the signed-in user may act on now, with
approve / reject / return buttons that call the decision use case, and the user's
applications returned for correction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from lowlend.domain.approval import Verdict
from lowlend.domain.errors import DomainError
from lowlend.services.data_scope import scope_for
from lowlend.services.lending import approvals
from lowlend.services.lending.approvals import route_of
from lowlend.services.messages import message
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.generic.labels import format_date, format_money
from lowlend.web.generic.scope_check import record_visible
from lowlend.web.i18n import request_locale
from lowlend.web.lending_context import actor, business_today, lending, step_labels
from lowlend.web.user_context import current_principal

__all__ = ["MyTasksView", "register"]

MESSAGES = (
    _l("My tasks"),
    _l("Approval steps waiting for me"),
    _l("Returned for correction"),
    _l("Nothing is waiting for you."),
    _l("Approve"),
    _l("Reject"),
    _l("Return"),
    _l("Comment (required to reject or return)"),
    _l("Application"),
    _l("Customer"),
    _l("Amount"),
    _l("Step"),
    _l("Due by"),
    _l("Assigned to me"),
    _l("Decision recorded."),
)


def _open_tasks_for(principal: Any) -> list[dict[str, Any]]:
    me = actor()
    scope = scope_for(registry_hooks.current_registry(), principal, "applications")
    if scope is None:
        return []
    rows = []
    labels: dict[tuple[int, str], dict[str, str]] = {}
    # the open steps of the applications I may see
    for task, app, customer in backend().lending.open_tasks(scope, principal, 200):
        mine = task.assignee_staff_id is not None and task.assignee_staff_id == principal.staff_id
        eligible = me.may_take(route_of([task])[0])  # the approval engine's own rule
        if not (mine or eligible) or app.created_by == principal.user_id:
            continue
        rows.append(
            {
                "task": task, "application": app, "customer": customer, "mine": mine,
                "due": format_date(task.due_at) if task.due_at else "",
                "step": labels.setdefault(
                    (app.config_version_id, app.product_code),
                    step_labels(app.config_version_id, app.product_code),
                ).get(task.step_code, task.step_code),
                "amount": format_money(app.amount),
            }
        )
    return rows


class MyTasksView(BaseView):
    """我的待办 / My tasks."""

    route_base = "/my_tasks"
    class_permission_name = "my_tasks"
    default_view = "list"
    # every signed-in staff member has a to-do list; what it shows is limited to the
    # steps they may act on, and deciding goes through the approval use case's checks
    base_permissions: ClassVar[list[str]] = []

    @expose("/")
    @login_required
    def list(self) -> Any:
        principal = current_principal()
        returned = backend().lending.returned_applications(principal.user_id, 100)
        return self.render_template(
            "lending/my_tasks.html",
            title=_l("My tasks"),
            tasks=_open_tasks_for(principal),
            returned=returned,
            now=dt.datetime.now(dt.UTC),
        )

    @expose("/<int:task_id>/decide", methods=["POST"])
    @login_required
    def decide(self, task_id: int) -> Any:
        task = backend().lending.task(task_id)
        verdict_raw = request.form.get("decision", "")
        if (
            task is None
            or verdict_raw not in {v.value for v in Verdict}
            or not record_visible("applications", task.application_id)
        ):
            flash(str(_l("Not found.")), "danger")
            return redirect(url_for("MyTasksView.list"))
        ctx = lending()
        try:
            approvals.decide(
                ctx.uow(), task.application_id, actor=actor(), verdict=Verdict(verdict_raw),
                comment=request.form.get("comment", "")[:2000], task_id=task.id,
                registry_for=ctx.registry_for, now=dt.datetime.now(dt.UTC),
                today=business_today(), department_path=current_principal().department_path,
                contract=ctx.contract,
            )
        except DomainError as exc:
            flash(message(exc.code, request_locale(), **exc.params), "danger")
        else:
            flash(str(_l("Decision recorded.")), "success")
        backend().records.expire_all()
        return redirect(url_for("MyTasksView.list"))


def register(appbuilder: Any) -> None:
    """Add the lending screens that are not generated CRUD."""
    appbuilder.add_view_no_menu(MyTasksView())
