"""What the application and loan pages read of the lending records
(:class:`~lowlend.services.admin_ports.LendingQueries`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from lowlend.domain.conventions import DataScope
from lowlend.persistence.lending_models import (
    ApplicationDecision,
    ApprovalTask,
    CreditLine,
    CreditReportRecord,
    LoanDocument,
)
from lowlend.persistence.models import Application, Customer, Loan
from lowlend.persistence.scope import scope_condition
from lowlend.services.data_scope import Principal

__all__ = ["SqlLendingQueries"]


class SqlLendingQueries:
    """:class:`~lowlend.services.admin_ports.LendingQueries` on ``session``."""

    def __init__(self, session: Session | scoped_session[Any]) -> None:
        self.session = session

    def application(self, pk: Any) -> Any | None:
        """Application ``pk``."""
        return self.session.get(Application, pk)

    def credit_report(self, report_id: int) -> Any | None:
        """Stored credit report ``report_id``."""
        return self.session.get(CreditReportRecord, report_id)

    def decisions(self, application_id: int) -> list[Any]:
        """The application's decisions in order."""
        return list(self.session.execute(
            sa.select(ApplicationDecision)
            .where(ApplicationDecision.application_id == application_id)
            .order_by(ApplicationDecision.id)
        ).scalars())

    def tasks(self, application_id: int, round_: int) -> list[Any]:
        """The approval tasks of the application's round, by stage."""
        return list(self.session.execute(
            sa.select(ApprovalTask)
            .where(ApprovalTask.application_id == application_id, ApprovalTask.round == round_)
            .order_by(ApprovalTask.stage, ApprovalTask.id)
        ).scalars())

    def task(self, task_id: int) -> Any | None:
        """Approval task ``task_id``."""
        return self.session.get(ApprovalTask, task_id)

    def open_tasks(
        self, scope: DataScope, principal: Principal, limit: int
    ) -> list[tuple[Any, Any, str]]:
        """(task, application, customer name) of the open steps of applications in review
        within the scope, by due time."""
        stmt = (
            sa.select(ApprovalTask, Application, Customer.name)
            .join(Application, Application.id == ApprovalTask.application_id)
            .join(Customer, Customer.id == Application.customer_id)
            .where(ApprovalTask.status == "open", Application.status == "in_review")
            .order_by(ApprovalTask.due_at, ApprovalTask.id)
            .limit(limit)
        )
        visible = scope_condition(Application, scope, principal)  # the applications one sees
        if visible is not None:
            stmt = stmt.where(visible)
        return [(task, app, customer) for task, app, customer in self.session.execute(stmt).all()]

    def returned_applications(self, user_id: int | None, limit: int) -> list[Any]:
        """The applications returned to the user who created them, newest change first."""
        return list(self.session.execute(
            sa.select(Application)
            .where(Application.status == "returned", Application.created_by == user_id)
            .order_by(Application.updated_at.desc())
            .limit(limit)
        ).scalars().all())

    def loan_of_application(self, application_id: int) -> int | None:
        """The loan booked for the application."""
        found = self.session.execute(
            sa.select(Loan.id).where(Loan.application_id == application_id).limit(1)
        ).scalar_one_or_none()
        return None if found is None else int(found)

    def credit_line_of_application(self, application_id: int) -> int | None:
        """The credit line opened for the application."""
        found = self.session.execute(
            sa.select(CreditLine.id).where(CreditLine.application_id == application_id).limit(1)
        ).scalar_one_or_none()
        return None if found is None else int(found)

    def credit_line(self, line_id: int) -> Any | None:
        """Credit line ``line_id``."""
        return self.session.get(CreditLine, line_id)

    def loan_documents(self, loan_id: int) -> list[Any]:
        """(locale, number, sha256) of the loan's documents, by locale."""
        return list(self.session.execute(
            sa.select(LoanDocument.locale, LoanDocument.number, LoanDocument.sha256)
            .where(LoanDocument.loan_id == loan_id)
            .order_by(LoanDocument.locale)
        ).all())

    def contract(self, loan_id: int, locale: str) -> Any | None:
        """The loan's contract document in ``locale``."""
        return self.session.execute(
            sa.select(LoanDocument).where(
                LoanDocument.loan_id == loan_id, LoanDocument.locale == locale,
                LoanDocument.kind == "contract",
            )
        ).scalar_one_or_none()
