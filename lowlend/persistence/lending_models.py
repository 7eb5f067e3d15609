"""Tables of origination (贷前): decisions, approval tasks and votes, delegations, dispatch
log, staff absences, credit consents and reports, credit lines, loan documents.

Same conventions as :mod:`lowlend.persistence.models`: explicit names for every
constraint, money ``Numeric(18, 2)``, user ids (``ab_user.id``) as plain integers
without a database-level foreign key. Decisions, votes and assignments are records
of what happened: the use cases only ever add them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lowlend.persistence.column_types import JSONType, Money
from lowlend.persistence.column_types import utcnow as _utcnow
from lowlend.persistence.db import db

if TYPE_CHECKING:
    from lowlend.persistence.models import Staff

__all__ = [
    "LENDING_TABLES",
    "ApplicationDecision",
    "ApprovalDelegation",
    "ApprovalTask",
    "ApprovalVote",
    "Assignment",
    "CreditConsent",
    "CreditLine",
    "CreditReportRecord",
    "LoanDocument",
    "StaffAbsence",
]


class ApplicationDecision(db.Model):  # type: ignore[name-defined,misc]
    """One decision on an application: compliance, scorecard, approval, final.

    ``inputs`` holds the facts the decision saw, ``reasons`` the reason codes and
    points, ``config_version_id`` the configuration that decided.
    """

    __tablename__ = "application_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", name="fk_application_decisions_application_id"),
        index=True,
    )
    kind: Mapped[str] = mapped_column(sa.String(30))  # compliance|scorecard|approval|final
    decision: Mapped[str] = mapped_column(sa.String(30))
    score: Mapped[int | None] = mapped_column()
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    config_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("config_versions.id", name="fk_application_decisions_config_version_id")
    )
    user_id: Mapped[int | None] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)


class ApprovalTask(db.Model):  # type: ignore[name-defined,misc]
    """One step of an application's approval route in one round (a submission)."""

    __tablename__ = "approval_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", name="fk_approval_tasks_application_id"), index=True
    )
    round: Mapped[int] = mapped_column(default=1)
    chain_code: Mapped[str] = mapped_column(sa.String(50))
    step_code: Mapped[str] = mapped_column(sa.String(50))
    stage: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(sa.String(50), index=True)
    users: Mapped[list[str]] = mapped_column(JSONType, default=list)
    required: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(20), default="waiting", index=True)
    assignee_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_approval_tasks_assignee_staff_id"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_approval_tasks_department_id"), index=True
    )
    opened_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    escalate_to: Mapped[str | None] = mapped_column(sa.String(50))
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    assignee: Mapped[Staff | None] = relationship("Staff")
    votes: Mapped[list[ApprovalVote]] = relationship(
        back_populates="task", order_by="ApprovalVote.id"
    )

    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "round", "step_code", name="uq_approval_tasks_app_round_step"
        ),
    )


class ApprovalVote(db.Model):  # type: ignore[name-defined,misc]
    """An approver's verdict on a task; one per user and task (acting twice is refused)."""

    __tablename__ = "approval_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("approval_tasks.id", name="fk_approval_votes_task_id"), index=True
    )
    user_id: Mapped[int] = mapped_column()
    username: Mapped[str] = mapped_column(sa.String(100), default="")
    acting_for_user_id: Mapped[int | None] = mapped_column()
    verdict: Mapped[str] = mapped_column(sa.String(20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    task: Mapped[ApprovalTask] = relationship(back_populates="votes")

    __table_args__ = (
        sa.UniqueConstraint("task_id", "user_id", name="uq_approval_votes_task_user"),
    )


class ApprovalDelegation(db.Model):  # type: ignore[name-defined,misc]
    """``delegator`` lets ``delegate`` approve in their place between two dates (staff
    members; the approval engine acts on their user accounts)."""

    __tablename__ = "approval_delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_approval_delegations_delegator_staff_id"), index=True
    )
    delegate_staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_approval_delegations_delegate_staff_id"), index=True
    )
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    __table_args__ = (
        sa.CheckConstraint("starts_on <= ends_on", name="ck_approval_delegations_dates"),
        sa.CheckConstraint(
            "delegator_staff_id <> delegate_staff_id", name="ck_approval_delegations_not_self"
        ),
    )


class Assignment(db.Model):  # type: ignore[name-defined,misc]
    """The dispatch log: who got which piece of work, from whom, why, by whom."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(30))  # approval_task | collection_case
    subject_id: Mapped[int] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_assignments_staff_id"), index=True
    )
    previous_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_assignments_previous_staff_id")
    )
    reason: Mapped[str] = mapped_column(sa.String(50))
    by_user_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    __table_args__ = (sa.Index("ix_assignments_subject", "subject", "subject_id"),)


class StaffAbsence(db.Model):  # type: ignore[name-defined,misc]
    """A staff member on leave / unavailable: dispatch skips them on those days."""

    __tablename__ = "staff_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_staff_absences_staff_id"), index=True
    )
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    __table_args__ = (
        sa.CheckConstraint("starts_on <= ends_on", name="ck_staff_absences_dates"),
    )


class CreditConsent(db.Model):  # type: ignore[name-defined,misc]
    """A customer's authorisation (征信授权) to pull their credit report for a purpose."""

    __tablename__ = "credit_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", name="fk_credit_consents_customer_id"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(50), default="loan_application")
    granted_on: Mapped[dt.date] = mapped_column(sa.Date)
    expires_on: Mapped[dt.date] = mapped_column(sa.Date)
    channel: Mapped[str] = mapped_column(sa.String(30), default="paper")
    attachment_id: Mapped[int | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)


class CreditReportRecord(db.Model):  # type: ignore[name-defined,misc]
    """A pulled credit report: parsed facts (fed to the scorecard) and the raw payload."""

    __tablename__ = "credit_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", name="fk_credit_reports_customer_id"), index=True
    )
    consent_id: Mapped[int] = mapped_column(
        sa.ForeignKey("credit_consents.id", name="fk_credit_reports_consent_id")
    )
    bureau: Mapped[str] = mapped_column(sa.String(50))
    report_ref: Mapped[str] = mapped_column(sa.String(100))
    pulled_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[int | None] = mapped_column()


class CreditLine(db.Model):  # type: ignore[name-defined,misc]
    """A revolving credit line (授信额度) granted by an approved application."""

    __tablename__ = "credit_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", name="fk_credit_lines_customer_id"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", name="fk_credit_lines_application_id"), index=True
    )
    product_code: Mapped[str] = mapped_column(sa.String(50))
    config_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("config_versions.id", name="fk_credit_lines_config_version_id")
    )
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    annual_rate: Mapped[Decimal] = mapped_column(sa.Numeric(9, 6))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    expires_on: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_credit_lines_department_id"), index=True
    )
    owner_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_credit_lines_owner_staff_id"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)


class LoanDocument(db.Model):  # type: ignore[name-defined,misc]
    """A document generated for a loan (the contract), with the hash of its content."""

    __tablename__ = "loan_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_loan_documents_loan_id"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30), default="contract")
    locale: Mapped[str] = mapped_column(sa.String(10))
    number: Mapped[str] = mapped_column(sa.String(50))
    html: Mapped[str] = mapped_column(sa.Text)
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)


LENDING_TABLES: frozenset[str] = frozenset(
    model.__tablename__
    for model in (
        ApplicationDecision,
        ApprovalTask,
        ApprovalVote,
        ApprovalDelegation,
        Assignment,
        StaffAbsence,
        CreditConsent,
        CreditReportRecord,
        CreditLine,
        LoanDocument,
    )
)
