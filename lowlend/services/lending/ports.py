"""What the lending use cases need from the outside: records, one repository, the bureau.

The SQLAlchemy implementation is :mod:`lowlend.persistence.lending_repository`; ORM rows
satisfy the record protocols structurally. The repository never commits: the unit of
work does, once per use case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from lowlend.domain.approval import Actor, Delegation
from lowlend.domain.credit_report import BureauRequest, CreditReport
from lowlend.domain.dispatch import Candidate
from lowlend.services.unit_of_work import AbstractUnitOfWork

__all__ = [
    "ApplicationRow",
    "ApprovalTaskRow",
    "BureauPort",
    "ConsentRow",
    "CreditLineRow",
    "CustomerRow",
    "LendingRepository",
    "LendingUnitOfWork",
    "NewInstallment",
    "ReportRow",
    "VoteRow",
]


class ApplicationRow(Protocol):
    id: int
    customer_id: int
    product_code: str
    config_version_id: int
    amount: Decimal
    currency: str
    term: int
    rate: Decimal
    status: str
    custom: dict[str, Any]
    department_id: int | None
    owner_staff_id: int | None
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    score: int | None
    round: int
    created_by: int | None
    credit_report_id: int | None


class CustomerRow(Protocol):
    id: int
    kind: str
    name: str
    id_type: str
    region: str | None
    department_id: int | None
    birth_date: dt.date | None
    sex: str | None
    custom: dict[str, Any]


class ConsentRow(Protocol):
    id: int
    customer_id: int
    granted_on: dt.date
    expires_on: dt.date


class ReportRow(Protocol):
    id: int
    customer_id: int
    bureau: str
    report_ref: str
    pulled_at: dt.datetime
    facts: dict[str, Any]
    payload: dict[str, Any]


class ApprovalTaskRow(Protocol):
    id: int
    application_id: int
    round: int
    chain_code: str
    step_code: str
    stage: int
    role: str
    users: list[str]
    required: int
    status: str
    assignee_staff_id: int | None
    department_id: int | None
    opened_at: dt.datetime | None
    due_at: dt.datetime | None
    escalated_at: dt.datetime | None
    escalate_to: str | None
    closed_at: dt.datetime | None


class VoteRow(Protocol):
    task_id: int
    user_id: int
    acting_for_user_id: int | None
    verdict: str


class CreditLineRow(Protocol):
    id: int
    customer_id: int
    application_id: int
    product_code: str
    config_version_id: int
    credit_limit: Decimal
    currency: str
    annual_rate: Decimal
    starts_on: dt.date
    expires_on: dt.date
    status: str
    department_id: int | None
    owner_staff_id: int | None


@dataclass(frozen=True, slots=True)
class NewInstallment:
    seq: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fee: Decimal


class BureauPort(Protocol):
    """A credit bureau (sandbox or HTTP): errors are domain errors, ``retryable`` or not."""

    def pull(self, request: BureauRequest, monthly_income: Decimal | None) -> CreditReport: ...


class LendingRepository(Protocol):
    """Reads and writes of origination records inside one unit of work."""

    def application(self, application_id: int, *, for_update: bool = False) -> ApplicationRow | None: ...

    def customer(self, customer_id: int) -> CustomerRow | None: ...

    def customer_id_number(self, customer_id: int) -> str | None:
        """The customer's identity number in clear (``None`` when it cannot be decrypted)."""
        ...

    def record_name(self, table: str, record_id: int) -> str | None:
        """The ``name`` of a config-declared entity's record."""
        ...

    def customer_loan_counts(self, customer_id: int) -> tuple[int, int]:
        """(open loans, closed loans) of a customer."""
        ...

    def valid_consent(self, customer_id: int, on: dt.date) -> ConsentRow | None: ...

    def add_consent(
        self, customer_id: int, granted_on: dt.date, expires_on: dt.date, channel: str,
        user_id: int | None,
    ) -> ConsentRow: ...

    def latest_report(self, customer_id: int) -> ReportRow | None: ...

    def add_report(
        self, customer_id: int, consent_id: int, report: CreditReport, user_id: int | None
    ) -> ReportRow: ...

    def report(self, report_id: int) -> ReportRow | None: ...

    def add_decision(
        self, application_id: int, kind: str, decision: str, *, score: int | None = None,
        reasons: Sequence[Mapping[str, Any]] = (), inputs: Mapping[str, Any] | None = None,
        config_version_id: int | None = None, user_id: int | None = None, comment: str = "",
    ) -> None: ...

    def add_task(self, **values: Any) -> ApprovalTaskRow: ...

    def tasks(self, application_id: int, round_: int) -> list[ApprovalTaskRow]: ...

    def task(self, task_id: int, *, for_update: bool = False) -> ApprovalTaskRow | None: ...

    def votes(self, application_id: int, round_: int) -> list[VoteRow]: ...

    def add_vote(
        self, task_id: int, user_id: int, username: str, acting_for: int | None, verdict: str,
        comment: str,
    ) -> None: ...

    def delegations_to(self, user_id: int, on: dt.date) -> list[Delegation]: ...

    def actor(self, user_id: int) -> Actor | None: ...

    def candidates(self, role: str, on: dt.date) -> list[Candidate]: ...

    def add_assignment(
        self, subject: str, subject_id: int, staff_id: int | None, previous: int | None,
        reason: str, by_user_id: int | None,
    ) -> None: ...

    def overdue_tasks(self, now: dt.datetime) -> list[ApprovalTaskRow]: ...

    def add_loan(self, **values: Any) -> int: ...

    def add_installments(self, loan_id: int, rows: Sequence[NewInstallment]) -> None: ...

    def set_contract_no(self, loan_id: int, number: str) -> None: ...

    def add_document(
        self, loan_id: int, kind: str, locale: str, number: str, html: str, pdf: bytes | None,
        sha256: str,
    ) -> None: ...

    def add_credit_line(self, **values: Any) -> CreditLineRow: ...

    def credit_line(self, line_id: int, *, for_update: bool = False) -> CreditLineRow | None: ...

    def line_principal_outstanding(self, line_id: int) -> Decimal: ...

    def loan_for_application(self, application_id: int) -> int | None: ...


class LendingUnitOfWork(AbstractUnitOfWork):
    """A unit of work exposing :attr:`lending`."""

    lending: LendingRepository
