"""Approval tasks past their SLA are escalated: a Celery beat entry runs
:func:`escalate_overdue_approvals` every few minutes (``LOWLEND_APPROVAL_SLA_CHECK_SECONDS``,
default 300); the task only parses nothing and calls the use case.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

__all__ = ["ESCALATE_TASK", "escalate_overdue_approvals"]

ESCALATE_TASK = "lowlend.approvals.escalate_overdue"


@shared_task(name=ESCALATE_TASK)  # type: ignore[untyped-decorator]
def escalate_overdue_approvals() -> list[int]:
    """Escalate every open approval step past its SLA; returns the escalated task ids."""
    from lowlend.services.lending.approvals import escalate_overdue
    from lowlend.web.lending_context import lending

    return escalate_overdue(lending().uow(), now=dt.datetime.now(dt.UTC))
