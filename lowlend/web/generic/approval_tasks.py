"""The approval queue (``approval_tasks``): the generated list plus a bulk approve.

Selecting steps and choosing "Approve selected" runs the approval use case once per
step (each in its own unit of work): steps the user may not take (own application,
not eligible, out of turn, already decided) are refused one by one with their reason,
the others are approved.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from lowlend.domain.approval import Verdict
from lowlend.domain.errors import DomainError
from lowlend.services.lending import approvals
from lowlend.services.messages import message
from lowlend.web.backend import backend
from lowlend.web.fab import security_manager
from lowlend.web.generic.scope_check import record_visible
from lowlend.web.generic.views import GenericModelView
from lowlend.web.i18n import request_locale
from lowlend.web.lending_context import actor, business_today, lending
from lowlend.web.user_context import current_principal

__all__ = ["ApprovalTasksView"]


class ApprovalTasksView(GenericModelView):
    """Approval tasks, with "Approve selected" for those who hold ``approve``."""

    extra_routes: ClassVar[tuple[str, ...]] = ("action_post", "assign")
    extra_method_permissions: ClassVar[dict[str, str]] = {
        "action_post": "list",  # the action itself checks ``approve`` (FAB: by method name)
        "approve_selected": "approve",
        "assign": "assign",
    }
    show_template = "lending/approval_task_show.html"

    def render_template(self, template: str, **kwargs: Any) -> Any:
        if template == self.show_template and "pk" in kwargs and self._may_assign():
            ids = approvals.assignable_staff(lending().uow(), int(kwargs["pk"]),
                                             day=business_today())
            names = backend().org.staff_names(ids)
            kwargs.setdefault("assignable", [(i, names.get(i, f"#{i}")) for i in ids])
        return super().render_template(template, **kwargs)

    @staticmethod
    def _may_assign() -> bool:
        return bool(security_manager().has_access("can_assign", "approval_tasks"))

    @expose("/<int:pk>/assign", methods=["POST"])
    @has_access
    def assign(self, pk: int) -> Any:
        """Give the step to the chosen staff member (or back to the pool)."""
        task = backend().lending.task(pk)
        if task is None or not record_visible("applications", task.application_id):
            abort(404)
        raw = request.form.get("staff_id", "")
        staff_id = int(raw) if raw.isdigit() else None
        try:
            approvals.reassign(lending().uow(), pk, staff_id, actor=actor(),
                               day=business_today(), reason="manual")
        except DomainError as exc:
            flash(message(exc.code, request_locale(), **exc.params), "danger")
        else:
            flash(str(_l("The step is reassigned.")), "success")
        finally:
            backend().records.expire_all()
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @action(
        "approve",
        _l("Approve selected"),
        _l("Approve every selected step?"),
        "fa-check",
        single=False,
    )
    def approve_selected(self, items: list[Any]) -> Any:
        ctx = lending()
        done = 0
        refused: Counter[str] = Counter()
        for task in items:
            if task is None or not record_visible("applications", task.application_id):
                refused[str(_l("Not found."))] += 1
                continue
            try:
                approvals.decide(
                    ctx.uow(), task.application_id, actor=actor(), verdict=Verdict.APPROVE,
                    task_id=task.id, registry_for=ctx.registry_for,
                    now=dt.datetime.now(dt.UTC), today=business_today(),
                    department_path=current_principal().department_path, contract=ctx.contract,
                )
                done += 1
            except DomainError as exc:
                refused[message(exc.code, request_locale(), **exc.params)] += 1
        if done:
            flash(str(_l("%(n)s step(s) approved.") % {"n": done}), "success")
        for reason, count in refused.items():
            flash(f"{reason} ×{count}", "warning")
        return redirect(url_for(f"{self.endpoint}.list"))
