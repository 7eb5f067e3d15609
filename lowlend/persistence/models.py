"""Core relational schema of lowlend (SQLAlchemy 2 typed models on FAB's ``Model``).

Conventions
-----------

* Every model sets ``__tablename__`` (FAB's ``Model`` does not invent names).
* Money columns are ``Numeric(18, 2)``, rates ``Numeric(9, 6)`` — never ``Float``.
* Config-declared custom fields live in the JSON column ``custom``; they are
  validated against the spec by the service layer, not by the database.
* Links to Flask-AppBuilder users (``ab_user.id``) are **plain integer columns
  without a database-level foreign key**: FAB creates its own security tables
  (``appbuilder.sm.create_db()``), independently of lowlend's Alembic migrations,
  so lowlend's migrations can run first, on an empty database, on SQLite and
  PostgreSQL alike.  The application checks those ids.
* Every constraint and index has an explicit name so later migrations (SQLite
  batch mode included) can drop or alter it.
* Posted financial records (journal entries and lines) are immutable: the ORM
  refuses to update or delete them (see :func:`_refuse_change`); corrections are
  reversal entries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from lowlend.persistence.column_types import JSONType, Money, Rate
from lowlend.persistence.column_types import utcnow as _utcnow
from lowlend.persistence.column_types import zero as _zero
from lowlend.persistence.db import db


class Department(db.Model):  # type: ignore[name-defined,misc]
    """Organisation tree node (总部 / 分公司 / 营业部).

    ``path`` is the materialised path of ids, e.g. ``"/1/4/"``; the subtree of a
    department is ``path LIKE '/1/4/%'`` (one indexed prefix query).
    """

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50))
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_departments_parent_id")
    )
    path: Mapped[str] = mapped_column(sa.String(500), default="/", index=True)
    region: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    __table_args__ = (sa.UniqueConstraint("code", name="uq_departments_code"),)

    def compute_path(self) -> str:
        """Return the materialised path from the parent's path and this id (id must be set)."""
        prefix = self.parent.path if self.parent is not None else "/"
        return f"{prefix}{self.id}/"


class Staff(db.Model):  # type: ignore[name-defined,misc]
    """An employee: account link, organisation, region, skills, capacity, performance."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    employee_no: Mapped[str] = mapped_column(sa.String(50))
    name: Mapped[str] = mapped_column(sa.String(200))
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_staff_department_id"), index=True
    )
    region: Mapped[str | None] = mapped_column(sa.String(20))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    capacity: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    open_workload: Mapped[int] = mapped_column(default=0)
    performance_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))
    collected_amount: Mapped[Decimal] = mapped_column(Money, default=_zero)
    performance: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    department: Mapped[Department | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("employee_no", name="uq_staff_employee_no"),
        sa.UniqueConstraint("user_id", name="uq_staff_user_id"),
    )


class Customer(db.Model):  # type: ignore[name-defined,misc]
    """A borrower: an individual (个人) or an enterprise (企业).

    The identity number is never stored in clear: ``id_number_hash`` (keyed hash,
    for look-ups and uniqueness) and ``id_number_enc`` (ciphertext, for display to
    authorised staff).
    """

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="individual")
    name: Mapped[str] = mapped_column(sa.String(200))
    id_type: Mapped[str] = mapped_column(sa.String(30))
    id_number_hash: Mapped[str] = mapped_column(sa.String(128))
    id_number_enc: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    region: Mapped[str | None] = mapped_column(sa.String(20))
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_customers_department_id"), index=True
    )
    owner_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_customers_owner_staff_id"), index=True
    )
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: derived from a resident ID on save (``lowlend.services.lending.customers``), never typed
    birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    sex: Mapped[str | None] = mapped_column(sa.String(10))  # male | female
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    credit_limit_currency: Mapped[str | None] = mapped_column(sa.String(3))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=_utcnow, onupdate=_utcnow
    )

    department: Mapped[Department | None] = relationship()
    owner: Mapped[Staff | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("id_type", "id_number_hash", name="uq_customers_id_type_hash"),
        sa.Index("ix_customers_phone", "phone"),  # duplicate-phone check (stored normalised)
    )


class CustomerRelation(db.Model):  # type: ignore[name-defined,misc]
    """A link between two customers: ``guarantor_of``, ``related_party`` or ``household``
    (dictionary ``customer_relation_kind``).

    Never a customer with itself, at most one per (customer, related customer, kind);
    deleting either customer deletes the link (``ON DELETE CASCADE``).
    """

    __tablename__ = "customer_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey(
            "customers.id", name="fk_customer_relations_customer_id", ondelete="CASCADE"
        ),
        index=True,
    )
    related_customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey(
            "customers.id", name="fk_customer_relations_related_customer_id", ondelete="CASCADE"
        ),
        index=True,
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    created_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK

    __table_args__ = (
        sa.UniqueConstraint(
            "customer_id", "related_customer_id", "kind", name="uq_customer_relations_pair"
        ),
        sa.CheckConstraint(
            "customer_id <> related_customer_id", name="ck_customer_relations_not_self"
        ),
    )


class ConfigVersion(db.Model):  # type: ignore[name-defined,misc]
    """An immutable published configuration bundle (one row per version)."""

    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(sa.String(128), index=True)
    bundle: Mapped[str] = mapped_column(sa.Text)  # JSON text: {"config/<rel>": "...", ...}
    author: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    diff_from_previous: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="published")

    __table_args__ = (sa.UniqueConstraint("number", name="uq_config_versions_number"),)


class ConfigState(db.Model):  # type: ignore[name-defined,misc]
    """The single row (``id = 1``) pointing at the current config version.

    ``version_counter`` increases on every publish; workers compare it at request
    and task start to notice a stale in-memory registry (one cheap query).
    """

    __tablename__ = "config_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("config_versions.id", name="fk_config_state_current_version_id")
    )
    version_counter: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_config_state_single_row"),)


class PublishedProduct(db.Model):  # type: ignore[name-defined,misc]
    """Snapshot of one product spec as published in one config version."""

    __tablename__ = "products_published"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), index=True)
    config_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("config_versions.id", name="fk_products_published_config_version_id")
    )
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)

    __table_args__ = (
        sa.UniqueConstraint("code", "config_version_id", name="uq_products_published_code_version"),
    )


class Application(db.Model):  # type: ignore[name-defined,misc]
    """A loan application (贷款申请), pinned to the config version it was made under."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", name="fk_applications_customer_id"), index=True
    )
    product_code: Mapped[str] = mapped_column(sa.String(50), index=True)
    config_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("config_versions.id", name="fk_applications_config_version_id")
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    term: Mapped[int] = mapped_column()
    rate: Mapped[Decimal] = mapped_column(Rate)
    status: Mapped[str] = mapped_column(sa.String(30), default="draft", index=True)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_applications_department_id"), index=True
    )
    owner_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_applications_owner_staff_id"), index=True
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    score: Mapped[int | None] = mapped_column()
    round: Mapped[int] = mapped_column(default=0)  # submissions so far (a return starts anew)
    created_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    credit_report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("credit_reports.id", name="fk_applications_credit_report_id")
    )
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=_utcnow, onupdate=_utcnow
    )

    customer: Mapped[Customer] = relationship()
    config_version: Mapped[ConfigVersion] = relationship()


class Loan(db.Model):  # type: ignore[name-defined,misc]
    """A loan (贷款). ``terms_snapshot`` keeps the product terms it was granted under."""

    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", name="fk_loans_application_id"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", name="fk_loans_customer_id"), index=True
    )
    product_code: Mapped[str] = mapped_column(sa.String(50), index=True)
    config_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("config_versions.id", name="fk_loans_config_version_id")
    )
    principal: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Rate)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    term: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(30), default="pending", index=True)
    disbursed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    maturity_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    last_closed_business_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    dpd: Mapped[int] = mapped_column(default=0)
    classification: Mapped[str | None] = mapped_column(sa.String(20))
    #: delinquency bucket (账龄 M0, M1, … M4+) from ``dpd`` by the end-of-day classify step
    delinquency_bucket: Mapped[str | None] = mapped_column(sa.String(10))
    #: interest accrued since disbursement as of the end of ``last_closed_business_date``
    #: (end of day; cash basis: a ledger figure, not posted)
    accrued_interest: Mapped[Decimal] = mapped_column(Money, default=_zero, server_default="0")
    #: penalties (罚息 + late fees) charged on the loan as of that date
    accrued_penalty: Mapped[Decimal] = mapped_column(Money, default=_zero, server_default="0")
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", name="fk_loans_department_id"), index=True
    )
    owner_staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff.id", name="fk_loans_owner_staff_id"), index=True
    )
    terms_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    credit_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("credit_lines.id", name="fk_loans_credit_line_id"), index=True
    )
    entrusting_party_id: Mapped[int | None] = mapped_column(index=True)  # config entity record id
    contract_no: Mapped[str | None] = mapped_column(sa.String(50))
    written_off_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    written_off_principal: Mapped[Decimal] = mapped_column(
        Money, default=_zero, server_default="0"
    )
    #: principal paid out so far (the posted tranches); ``principal`` is the approved one
    disbursed_principal: Mapped[Decimal] = mapped_column(
        Money, default=_zero, server_default="0"
    )
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=_utcnow, onupdate=_utcnow
    )

    customer: Mapped[Customer] = relationship()
    config_version: Mapped[ConfigVersion] = relationship()
    installments: Mapped[list[Installment]] = relationship(
        back_populates="loan", order_by="Installment.seq"
    )


class Installment(db.Model):  # type: ignore[name-defined,misc]
    """One row of a loan's repayment schedule (还款计划) with its paid amounts."""

    __tablename__ = "installments"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_installments_loan_id"), index=True
    )
    seq: Mapped[int] = mapped_column()
    due_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    principal: Mapped[Decimal] = mapped_column(Money, default=_zero)
    interest: Mapped[Decimal] = mapped_column(Money, default=_zero)
    fee: Mapped[Decimal] = mapped_column(Money, default=_zero)
    penalty: Mapped[Decimal] = mapped_column(Money, default=_zero)
    principal_paid: Mapped[Decimal] = mapped_column(Money, default=_zero)
    interest_paid: Mapped[Decimal] = mapped_column(Money, default=_zero)
    fee_paid: Mapped[Decimal] = mapped_column(Money, default=_zero)
    penalty_paid: Mapped[Decimal] = mapped_column(Money, default=_zero)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    paid_off_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    loan: Mapped[Loan] = relationship(back_populates="installments")

    __table_args__ = (sa.UniqueConstraint("loan_id", "seq", name="uq_installments_loan_seq"),)


class Transaction(db.Model):  # type: ignore[name-defined,misc]
    """A loan transaction (放款 / 还款 / 退款 / 冲正 ...). Reversals point at ``reversed_of``."""

    __tablename__ = "transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_transactions_loan_id"), index=True
    )
    type: Mapped[str] = mapped_column(sa.String(30))
    value_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    booked_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    reversed_of: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", name="fk_transactions_reversed_of")
    )
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    allocation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    status: Mapped[str] = mapped_column(
        sa.String(20), default="posted", server_default="posted", index=True
    )
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    payment_order_id: Mapped[str | None] = mapped_column(sa.String(64))
    gateway_result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    failure_code: Mapped[str | None] = mapped_column(sa.String(40))
    business_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    approved_by: Mapped[int | None] = mapped_column()  # ab_user.id (maker-checker)
    approved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.UniqueConstraint("idempotency_key", name="uq_transactions_idempotency_key"),
        sa.UniqueConstraint("payment_order_id", name="uq_transactions_payment_order_id"),
    )


class EntrustedFundMovement(db.Model):  # type: ignore[name-defined,misc]
    """An entrusting party's deposit or withdrawal of entrusted funds (委托资金存入 / 退还)
    and the journal entry it posted. ``party_id`` is the record id of the config entity
    ``entrusting_parties`` (no database-level foreign key)."""

    __tablename__ = "entrusted_fund_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(sa.String(20))
    value_date: Mapped[dt.date] = mapped_column(sa.Date)
    business_date: Mapped[dt.date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    booked_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    journal_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", name="fk_entrusted_fund_movements_journal_entry_id")
    )

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="ck_entrusted_fund_movements_amount_positive"),
        sa.CheckConstraint("type IN ('deposit', 'withdrawal')",
                           name="ck_entrusted_fund_movements_type"),
        sa.UniqueConstraint("journal_entry_id",
                            name="uq_entrusted_fund_movements_journal_entry_id"),
    )


class JournalEntry(db.Model):  # type: ignore[name-defined,misc]
    """A balanced, immutable, hash-chained journal entry (会计分录).

    ``hash`` covers the entry's content and ``prev_hash`` (the previous entry's
    hash), so changing or removing any posted entry breaks the chain.
    """

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    booked_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    loan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loans.id", name="fk_journal_entries_loan_id"), index=True
    )
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", name="fk_journal_entries_transaction_id")
    )
    reversal_of: Mapped[int | None] = mapped_column(
        sa.ForeignKey("journal_entries.id", name="fk_journal_entries_reversal_of")
    )
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("hash", name="uq_journal_entries_hash"),
        # one successor per entry: the chain cannot fork (migration 0005)
        sa.Index("uq_journal_entries_prev_hash", "prev_hash", unique=True),
    )


class JournalLine(db.Model):  # type: ignore[name-defined,misc]
    """A debit or credit line of a journal entry (one side is zero)."""

    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("journal_entries.id", name="fk_journal_lines_entry_id"), index=True
    )
    account: Mapped[str] = mapped_column(sa.String(50), index=True)
    debit: Mapped[Decimal] = mapped_column(Money, default=_zero)
    credit: Mapped[Decimal] = mapped_column(Money, default=_zero)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    memo: Mapped[str] = mapped_column(sa.String(200), default="")

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")

    __table_args__ = (
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name="ck_journal_lines_non_negative"),
    )


class AuditLog(db.Model):  # type: ignore[name-defined,misc]
    """Who changed what, when: before/after images of the changed record."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column()  # ab_user.id, no DB-level FK
    username: Mapped[str] = mapped_column(sa.String(100), default="")
    entity: Mapped[str] = mapped_column(sa.String(50))
    entity_id: Mapped[str] = mapped_column(sa.String(50))
    action: Mapped[str] = mapped_column(sa.String(30))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (sa.Index("ix_audit_log_entity", "entity", "entity_id"),)


class ImmutableRecordError(Exception):
    """Raised when code tries to update or delete a posted financial record."""


def _refuse_change(mapper: Mapper[Any], connection: sa.Connection, target: Any) -> None:
    raise ImmutableRecordError(
        f"{type(target).__name__} {getattr(target, 'id', '?')} is posted and immutable; "
        "post a reversal instead"
    )


def _assign_department_path(
    mapper: Mapper[Any], connection: sa.Connection, target: Department
) -> None:
    """Set the materialised ``path`` of a new department once its id is known."""
    table = Department.__table__
    parent_path = "/"
    if target.parent_id is not None:
        parent_path = connection.execute(
            sa.select(table.c.path).where(table.c.id == target.parent_id)
        ).scalar_one()
    path = f"{parent_path}{target.id}/"
    connection.execute(sa.update(table).where(table.c.id == target.id).values(path=path))
    set_committed_value(target, "path", path)


event.listen(Department, "after_insert", _assign_department_path)

for _model in (JournalEntry, JournalLine):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)


LOWLEND_TABLES: frozenset[str] = frozenset(
    model.__tablename__
    for model in (
        Department,
        Staff,
        Customer,
        CustomerRelation,
        ConfigVersion,
        ConfigState,
        PublishedProduct,
        Application,
        Loan,
        Installment,
        Transaction,
        JournalEntry,
        JournalLine,
        AuditLog,
    )
) | {"attachments"}  # lowlend.persistence.attachments.Attachment (imported below)
"""Names of the tables owned by lowlend's migrations (FAB's ``ab_*`` tables are not)."""

from lowlend.persistence.attachments import Attachment  # noqa: E402,F401  same metadata
from lowlend.persistence.auth_state import AUTH_STATE_TABLES  # noqa: E402
from lowlend.persistence.eod_models import EOD_TABLES  # noqa: E402
from lowlend.persistence.ledger_models import (  # noqa: E402,F401  same metadata
    LEDGER_TABLES,
    LedgerCheckpoint,
)
from lowlend.persistence.lending_models import (  # noqa: E402,F401  same metadata
    LENDING_TABLES,
    ApprovalDelegation,
    ApprovalTask,
    CreditLine,
    StaffAbsence,
)
from lowlend.persistence.reconciliation_models import RECONCILIATION_TABLES  # noqa: E402

LOWLEND_TABLES = (
    LOWLEND_TABLES | LENDING_TABLES | LEDGER_TABLES | RECONCILIATION_TABLES | AUTH_STATE_TABLES
    | EOD_TABLES
)

metadata = db.Model.metadata
"""The shared metadata (also holds FAB's tables once FAB's models are imported)."""
