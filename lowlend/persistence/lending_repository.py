"""SQLAlchemy implementation of :class:`lowlend.services.lending.ports.LendingRepository`.

Never commits (the unit of work does). ``for_update`` takes a row lock on PostgreSQL
(``SELECT … FOR UPDATE``), so two approvers acting at once on one application serialize;
SQLite serializes writers anyway. Users and roles are read from Flask-AppBuilder's
tables (``ab_user``, ``ab_user_role``, ``ab_role``) without importing FAB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session

from lowlend.domain.approval import Actor, Delegation
from lowlend.domain.credit_report import CreditReport
from lowlend.domain.dispatch import Candidate
from lowlend.persistence.lending_models import (
    ApplicationDecision,
    ApprovalDelegation,
    ApprovalTask,
    ApprovalVote,
    Assignment,
    CreditConsent,
    CreditLine,
    CreditReportRecord,
    LoanDocument,
    StaffAbsence,
)
from lowlend.persistence.models import (
    Application,
    Customer,
    Department,
    Installment,
    Loan,
    Staff,
)
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.lending.ports import NewInstallment

__all__ = ["SqlLendingRepository", "lending_uow_factory"]

_AB_USER = sa.table(
    "ab_user", sa.column("id", sa.Integer), sa.column("username", sa.String),
    sa.column("active", sa.Boolean),
)
_AB_USER_ROLE = sa.table(
    "ab_user_role", sa.column("user_id", sa.Integer), sa.column("role_id", sa.Integer)
)
_AB_ROLE = sa.table("ab_role", sa.column("id", sa.Integer), sa.column("name", sa.String))

_OPEN_LOAN_STATUSES = ("approved", "pending", "active", "overdue")
_CLOSED_LOAN_STATUSES = ("closed",)


class SqlLendingRepository:
    """Origination records over one session (see the module text)."""

    def __init__(
        self, session: Session, admin_role: str = "Admin",
        decrypt: Callable[[str], str] | None = None,
    ) -> None:
        self.session = session
        self.admin_role = admin_role
        self.decrypt = decrypt

    # -------------------------------------------------------------- records

    def _get(self, model: Any, key: int, for_update: bool) -> Any:
        stmt = sa.select(model).where(model.id == key)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def application(self, application_id: int, *, for_update: bool = False) -> Application | None:
        return self._get(Application, application_id, for_update)  # type: ignore[no-any-return]

    def customer(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def customer_id_number(self, customer_id: int) -> str | None:
        customer = self.session.get(Customer, customer_id)
        if customer is None or not customer.id_number_enc or self.decrypt is None:
            return None
        try:
            return self.decrypt(customer.id_number_enc)
        except (ValueError, InvalidToken):
            return None

    def record_name(self, table: str, record_id: int) -> str | None:
        t = sa.table(table, sa.column("id", sa.Integer), sa.column("name", sa.String))
        try:
            with self.session.begin_nested():
                found = self.session.execute(
                    sa.select(t.c.name).where(t.c.id == record_id)
                ).scalar_one_or_none()
        except sa.exc.DBAPIError:
            return None
        return None if found is None else str(found)

    def customer_loan_counts(self, customer_id: int) -> tuple[int, int]:
        rows = self.session.execute(
            sa.select(Loan.status, sa.func.count())
            .where(Loan.customer_id == customer_id)
            .group_by(Loan.status)
        ).all()
        counts = {status: n for status, n in rows}
        return (
            sum(counts.get(s, 0) for s in _OPEN_LOAN_STATUSES),
            sum(counts.get(s, 0) for s in _CLOSED_LOAN_STATUSES),
        )

    def valid_consent(self, customer_id: int, on: dt.date) -> CreditConsent | None:
        return self.session.execute(
            sa.select(CreditConsent)
            .where(
                CreditConsent.customer_id == customer_id,
                CreditConsent.granted_on <= on,
                CreditConsent.expires_on >= on,
            )
            .order_by(CreditConsent.granted_on.desc(), CreditConsent.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def add_consent(
        self, customer_id: int, granted_on: dt.date, expires_on: dt.date, channel: str,
        user_id: int | None,
    ) -> CreditConsent:
        row = CreditConsent(
            customer_id=customer_id, granted_on=granted_on, expires_on=expires_on,
            channel=channel, created_by=user_id,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def latest_report(self, customer_id: int) -> CreditReportRecord | None:
        return self.session.execute(
            sa.select(CreditReportRecord)
            .where(CreditReportRecord.customer_id == customer_id)
            .order_by(CreditReportRecord.pulled_at.desc(), CreditReportRecord.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def report(self, report_id: int) -> CreditReportRecord | None:
        return self.session.get(CreditReportRecord, report_id)

    def add_report(
        self, customer_id: int, consent_id: int, report: CreditReport, user_id: int | None
    ) -> CreditReportRecord:
        row = CreditReportRecord(
            customer_id=customer_id, consent_id=consent_id, bureau=report.bureau,
            report_ref=report.report_id, pulled_at=report.pulled_at,
            facts=dict(report.facts.as_expression_values()), payload=report.to_json(),
            created_by=user_id,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def add_decision(
        self, application_id: int, kind: str, decision: str, *, score: int | None = None,
        reasons: Sequence[Mapping[str, Any]] = (), inputs: Mapping[str, Any] | None = None,
        config_version_id: int | None = None, user_id: int | None = None, comment: str = "",
    ) -> None:
        self.session.add(
            ApplicationDecision(
                application_id=application_id, kind=kind, decision=decision, score=score,
                reasons=[dict(r) for r in reasons], inputs=dict(inputs or {}),
                config_version_id=config_version_id, user_id=user_id, comment=comment,
            )
        )
        self.session.flush()

    # -------------------------------------------------------------- approval

    def add_task(self, **values: Any) -> ApprovalTask:
        row = ApprovalTask(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def tasks(self, application_id: int, round_: int) -> list[ApprovalTask]:
        return list(
            self.session.execute(
                sa.select(ApprovalTask)
                .where(ApprovalTask.application_id == application_id, ApprovalTask.round == round_)
                .order_by(ApprovalTask.stage, ApprovalTask.id)
            ).scalars()
        )

    def task(self, task_id: int, *, for_update: bool = False) -> ApprovalTask | None:
        return self._get(ApprovalTask, task_id, for_update)  # type: ignore[no-any-return]

    def votes(self, application_id: int, round_: int) -> list[ApprovalVote]:
        return list(
            self.session.execute(
                sa.select(ApprovalVote)
                .join(ApprovalTask, ApprovalTask.id == ApprovalVote.task_id)
                .where(ApprovalTask.application_id == application_id, ApprovalTask.round == round_)
                .order_by(ApprovalVote.id)
            ).scalars()
        )

    def add_vote(
        self, task_id: int, user_id: int, username: str, acting_for: int | None, verdict: str,
        comment: str,
    ) -> None:
        self.session.add(
            ApprovalVote(
                task_id=task_id, user_id=user_id, username=username,
                acting_for_user_id=acting_for, verdict=verdict, comment=comment,
            )
        )
        self.session.flush()

    def _roles_of(self, user_ids: Sequence[int]) -> dict[int, set[str]]:
        out: dict[int, set[str]] = {uid: set() for uid in user_ids}
        if not user_ids:
            return out
        rows = self.session.execute(
            sa.select(_AB_USER_ROLE.c.user_id, _AB_ROLE.c.name)
            .join(_AB_ROLE, _AB_ROLE.c.id == _AB_USER_ROLE.c.role_id)
            .where(_AB_USER_ROLE.c.user_id.in_(list(user_ids)))
        ).all()
        for uid, name in rows:
            out[uid].add("admin" if name == self.admin_role else str(name))
        return out

    def actor(self, user_id: int) -> Actor | None:
        row = self.session.execute(
            sa.select(_AB_USER.c.id, _AB_USER.c.username).where(_AB_USER.c.id == user_id)
        ).first()
        if row is None:
            return None
        return Actor(int(row[0]), str(row[1]), frozenset(self._roles_of([int(row[0])])[int(row[0])]))

    def delegations_to(self, user_id: int, on: dt.date) -> list[Delegation]:
        delegate = sa.orm.aliased(Staff)
        delegator = sa.orm.aliased(Staff)
        rows = self.session.execute(
            sa.select(ApprovalDelegation, delegator.user_id)
            .join(delegate, delegate.id == ApprovalDelegation.delegate_staff_id)
            .join(delegator, delegator.id == ApprovalDelegation.delegator_staff_id)
            .where(
                delegate.user_id == user_id,
                ApprovalDelegation.starts_on <= on,
                ApprovalDelegation.ends_on >= on,
            )
        ).all()
        out: list[Delegation] = []
        for d, delegator_user in rows:
            principal = self.actor(delegator_user) if delegator_user is not None else None
            if principal is not None:
                out.append(Delegation(principal, user_id, d.starts_on, d.ends_on))
        return out

    # -------------------------------------------------------------- dispatch

    def candidates(self, role: str, on: dt.date) -> list[Candidate]:
        fab_role = self.admin_role if role == "admin" else role
        staff_rows = self.session.execute(
            sa.select(Staff, Department.path)
            .join(_AB_USER, _AB_USER.c.id == Staff.user_id)
            .join(_AB_USER_ROLE, _AB_USER_ROLE.c.user_id == Staff.user_id)
            .join(_AB_ROLE, _AB_ROLE.c.id == _AB_USER_ROLE.c.role_id)
            .outerjoin(Department, Department.id == Staff.department_id)
            .where(_AB_ROLE.c.name == fab_role, _AB_USER.c.active.is_not(False))
        ).all()
        if not staff_rows:
            return []
        ids = [s.id for s, _ in staff_rows]
        open_counts = dict(
            self.session.execute(
                sa.select(ApprovalTask.assignee_staff_id, sa.func.count())
                .where(ApprovalTask.assignee_staff_id.in_(ids), ApprovalTask.status == "open")
                .group_by(ApprovalTask.assignee_staff_id)
            ).all()
        )
        absent = set(
            self.session.execute(
                sa.select(StaffAbsence.staff_id).where(
                    StaffAbsence.staff_id.in_(ids),
                    StaffAbsence.starts_on <= on,
                    StaffAbsence.ends_on >= on,
                )
            ).scalars()
        )
        last = dict(
            self.session.execute(
                sa.select(Assignment.staff_id, sa.func.max(Assignment.created_at))
                .where(Assignment.staff_id.in_(ids))
                .group_by(Assignment.staff_id)
            ).all()
        )
        roles = self._roles_of([s.user_id for s, _ in staff_rows if s.user_id is not None])
        return [
            Candidate(
                staff_id=s.id,
                roles=frozenset(roles.get(s.user_id, set()) if s.user_id is not None else ())
                | {role},
                region=s.region,
                skills=frozenset(s.skills or ()),
                department_id=s.department_id,
                department_path=path,
                open_items=int(open_counts.get(s.id, 0)),
                capacity=s.capacity or None,
                active=bool(s.active),
                absent=s.id in absent,
                last_assigned_at=_aware(last.get(s.id)),
            )
            for s, path in staff_rows
        ]

    def add_assignment(
        self, subject: str, subject_id: int, staff_id: int | None, previous: int | None,
        reason: str, by_user_id: int | None,
    ) -> None:
        self.session.add(
            Assignment(
                subject=subject, subject_id=subject_id, staff_id=staff_id,
                previous_staff_id=previous, reason=reason, by_user_id=by_user_id,
            )
        )
        self.session.flush()

    def overdue_tasks(self, now: dt.datetime) -> list[ApprovalTask]:
        return list(
            self.session.execute(
                sa.select(ApprovalTask)
                .where(
                    ApprovalTask.status == "open",
                    ApprovalTask.escalated_at.is_(None),
                    ApprovalTask.due_at < now,
                )
                .order_by(ApprovalTask.id)
                .with_for_update()
            ).scalars()
        )

    # -------------------------------------------------------------- loans

    def add_loan(self, **values: Any) -> int:
        loan = Loan(**values)
        self.session.add(loan)
        self.session.flush()
        return int(loan.id)

    def add_installments(self, loan_id: int, rows: Sequence[NewInstallment]) -> None:
        if rows:
            self.session.execute(
                sa.insert(Installment),
                [
                    {
                        "loan_id": loan_id, "seq": r.seq, "due_date": r.due_date,
                        "principal": r.principal, "interest": r.interest, "fee": r.fee,
                        "penalty": Decimal("0.00"), "principal_paid": Decimal("0.00"),
                        "interest_paid": Decimal("0.00"), "fee_paid": Decimal("0.00"),
                        "penalty_paid": Decimal("0.00"), "status": "pending",
                    }
                    for r in rows
                ],
            )

    def set_contract_no(self, loan_id: int, number: str) -> None:
        self.session.execute(sa.update(Loan).where(Loan.id == loan_id).values(contract_no=number))

    def add_document(
        self, loan_id: int, kind: str, locale: str, number: str, html: str, pdf: bytes | None,
        sha256: str,
    ) -> None:
        self.session.add(
            LoanDocument(loan_id=loan_id, kind=kind, locale=locale, number=number, html=html,
                         pdf=pdf, sha256=sha256)
        )
        self.session.flush()

    def add_credit_line(self, **values: Any) -> CreditLine:
        row = CreditLine(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def credit_line(self, line_id: int, *, for_update: bool = False) -> CreditLine | None:
        return self._get(CreditLine, line_id, for_update)  # type: ignore[no-any-return]

    def line_principal_outstanding(self, line_id: int) -> Decimal:
        total = self.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Installment.principal - Installment.principal_paid), 0))
            .join(Loan, Loan.id == Installment.loan_id)
            .where(Loan.credit_line_id == line_id, Loan.status.in_(_OPEN_LOAN_STATUSES))
        ).scalar_one()
        return Decimal(str(total)).quantize(Decimal("0.01"))

    def loan_for_application(self, application_id: int) -> int | None:
        found = self.session.execute(
            sa.select(Loan.id).where(Loan.application_id == application_id).limit(1)
        ).scalar_one_or_none()
        if found is None:
            found = self.session.execute(
                sa.select(CreditLine.id).where(CreditLine.application_id == application_id).limit(1)
            ).scalar_one_or_none()
        return None if found is None else int(found)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def lending_uow_factory(
    session_factory: Callable[[], Session], admin_role: str = "Admin",
    decrypt: Callable[[str], str] | None = None,
) -> Callable[[], SqlAlchemyUnitOfWork]:
    """A factory of units of work exposing ``uow.lending``."""
    return lambda: SqlAlchemyUnitOfWork(
        session_factory, {"lending": lambda s: SqlLendingRepository(s, admin_role, decrypt)}
    )
