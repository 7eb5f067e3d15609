"""Origination: decisions, approval tasks and votes, delegations, dispatch log, staff
absences, credit consents and reports, credit lines, loan documents; applications gain
score, round, creator and credit report; loans gain credit line, entrusting party and
contract number.

User ids (``created_by``, ``user_id``, ``by_user_id`` …) are ``ab_user.id``
without a database-level foreign key (see 0001).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "approval_delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegator_staff_id", sa.Integer(), nullable=False),
        sa.Column("delegate_staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "delegator_staff_id <> delegate_staff_id", name="ck_approval_delegations_not_self"
        ),
        sa.CheckConstraint("starts_on <= ends_on", name="ck_approval_delegations_dates"),
        sa.ForeignKeyConstraint(
            ["delegator_staff_id"], ["staff.id"], name="fk_approval_delegations_delegator_staff_id"
        ),
        sa.ForeignKeyConstraint(
            ["delegate_staff_id"], ["staff.id"], name="fk_approval_delegations_delegate_staff_id"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("approval_delegations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_approval_delegations_delegate_staff_id"),
            ["delegate_staff_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_approval_delegations_delegator_staff_id"),
            ["delegator_staff_id"],
            unique=False,
        )

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("previous_staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_staff_id"], ["staff.id"], name="fk_assignments_previous_staff_id"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_assignments_staff_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index("ix_assignments_subject", ["subject", "subject_id"], unique=False)

    op.create_table(
        "staff_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name="ck_staff_absences_dates"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_staff_absences_staff_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_absences_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "credit_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=50), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=30), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_credit_consents_customer_id"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("credit_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_consents_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "credit_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("bureau", sa.String(length=50), nullable=False),
        sa.Column("report_ref", sa.String(length=100), nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["credit_consents.id"], name="fk_credit_reports_consent_id"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_credit_reports_customer_id"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_reports_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_reports_pulled_at"), ["pulled_at"], unique=False
        )

    op.create_table(
        "application_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("config_version_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name="fk_application_decisions_application_id"
        ),
        sa.ForeignKeyConstraint(
            ["config_version_id"],
            ["config_versions.id"],
            name="fk_application_decisions_config_version_id",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("application_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_decisions_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "approval_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("chain_code", sa.String(length=50), nullable=False),
        sa.Column("step_code", sa.String(length=50), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("users", sa.JSON(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee_staff_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalate_to", sa.String(length=50), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name="fk_approval_tasks_application_id"
        ),
        sa.ForeignKeyConstraint(
            ["assignee_staff_id"], ["staff.id"], name="fk_approval_tasks_assignee_staff_id"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_approval_tasks_department_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "application_id", "round", "step_code", name="uq_approval_tasks_app_round_step"
        ),
    )
    with op.batch_alter_table("approval_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_approval_tasks_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_approval_tasks_assignee_staff_id"), ["assignee_staff_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_approval_tasks_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_approval_tasks_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_tasks_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_tasks_status"), ["status"], unique=False)

    op.create_table(
        "credit_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=50), nullable=False),
        sa.Column("config_version_id", sa.Integer(), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("owner_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name="fk_credit_lines_application_id"
        ),
        sa.ForeignKeyConstraint(
            ["config_version_id"], ["config_versions.id"], name="fk_credit_lines_config_version_id"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_credit_lines_customer_id"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_credit_lines_department_id"
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"], ["staff.id"], name="fk_credit_lines_owner_staff_id"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("credit_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_lines_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_lines_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_lines_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_lines_owner_staff_id"), ["owner_staff_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_lines_status"), ["status"], unique=False)

    op.create_table(
        "approval_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("acting_for_user_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["approval_tasks.id"], name="fk_approval_votes_task_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "user_id", name="uq_approval_votes_task_user"),
    )
    with op.batch_alter_table("approval_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_votes_task_id"), ["task_id"], unique=False)

    op.create_table(
        "loan_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name="fk_loan_documents_loan_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loan_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_documents_loan_id"), ["loan_id"], unique=False)

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("credit_report_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_applications_credit_report_id", "credit_reports", ["credit_report_id"], ["id"]
        )

    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_line_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("entrusting_party_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contract_no", sa.String(length=50), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_loans_credit_line_id"), ["credit_line_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_loans_credit_line_id", "credit_lines", ["credit_line_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint("fk_loans_credit_line_id", type_="foreignkey")
        batch_op.drop_index("ix_loans_credit_line_id")
        batch_op.drop_column("contract_no")
        batch_op.drop_column("entrusting_party_id")
        batch_op.drop_column("credit_line_id")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint("fk_applications_credit_report_id", type_="foreignkey")
        batch_op.drop_column("credit_report_id")
        batch_op.drop_column("created_by")
        batch_op.drop_column("round")
        batch_op.drop_column("score")
    for table in (
        "loan_documents",
        "approval_votes",
        "credit_lines",
        "approval_tasks",
        "application_decisions",
        "credit_reports",
        "credit_consents",
        "staff_absences",
        "assignments",
        "approval_delegations",
    ):
        op.drop_table(table)
