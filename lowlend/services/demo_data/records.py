"""Constants and the frozen record types of the demo data set (no logic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

DEFAULT_LOANS = 200
DEFAULT_SEED = 7
DEFAULT_BUSINESS_DATE = date(2026, 11, 28)

DEMO_USERNAMES = ("admin", "manager", "risk", "finance", "collector", "auditor")
"""The demo users of CONTRACTS.md; each has a :class:`DemoStaff` row."""

APPLICATION_STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "returned",
    "approved",
    "rejected",
    "withdrawn",
    "disbursed",
)
"""Application statuses used by the demo (``disbursed`` = a loan was booked)."""

LOAN_STATUSES = ("active", "overdue", "closed", "written_off")
INSTALLMENT_STATUSES = ("pending", "due", "overdue", "paid")
TRANSACTION_TYPES = ("disbursement", "repayment", "prepayment", "reversal", "write_off", "recovery")


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    parent_code: str | None
    region: str


@dataclass(frozen=True)
class DemoStaff:
    employee_no: str
    name: str
    department_code: str
    region: str
    title: str
    skills: tuple[str, ...] = ()
    capacity: int = 0
    username: str | None = None


@dataclass(frozen=True)
class DemoCustomer:
    """A borrower. ``id_number`` is in clear here; the loader stores hash + ciphertext."""

    ref: str
    kind: str  # individual | enterprise
    name: str
    id_type: str  # resident_id | hkid | unified_credit_code
    id_number: str
    phone: str
    region: str
    department_code: str
    owner_employee_no: str | None
    created_at: dt.datetime
    custom: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoRelation:
    """A relation between two demo customers (``customer_relation_kind`` code)."""

    ref: str
    customer_ref: str
    related_customer_ref: str
    kind: str  # guarantor_of | related_party | household
    note: str = ""


@dataclass(frozen=True)
class DemoApplication:
    ref: str
    customer_ref: str
    product_code: str
    amount: Decimal
    currency: str
    term: int
    rate: Decimal
    status: str
    department_code: str
    owner_employee_no: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    custom: Mapping[str, Any] = field(default_factory=dict)


PAYMENT_KINDS = ("repayment", "payoff", "recovery")
"""Kinds of :class:`DemoPayment`."""


@dataclass(frozen=True)
class DemoPayment:
    """Money the borrower pays, posted by the loader through the money use cases.

    * ``repayment``: :func:`lowlend.services.lending.repayments.repay` (allocated by the
      product's order);
    * ``payoff``: ``repay`` with ``kind="payoff"`` — ``amount`` is the generator's forecast
      of the payoff figure, the loader pays the engine's figure of the value date;
    * ``recovery``: money received after the write-off
      (:func:`lowlend.services.lending.corrections.record_recovery`).

    ``channel`` is a channel of the money path (``transfer``, ``cash``); ``note`` says how
    the borrower paid (代扣, 微信, 柜台 ...). ``reversed_on``: the payment was entered by
    mistake (a duplicate of the bank import) and is reversed that day under
    maker-checker. ``ref`` is stable; the idempotency key is ``demo:<ref>``.
    """

    ref: str
    value_date: date
    amount: Decimal
    kind: str = "repayment"
    channel: str = "transfer"
    reference: str = ""
    note: str = ""
    reversed_on: date | None = None


@dataclass(frozen=True)
class DemoLoan:
    """A loan of the data set and its money plan.

    The loader books it (status ``approved``, the terms snapshot with the fee schedule),
    disburses it on ``disbursed_on`` and posts ``payments`` / the write-off through the
    money use cases, in date order. ``status``, ``dpd``, ``classification`` and
    ``maturity_date`` are the generator's *forecast* as of the business date (the same
    domain replay the engine runs; used to pick the loans that need attention): the rows
    stored are what the engine computes.
    """

    ref: str
    application_ref: str
    customer_ref: str
    product_code: str
    kind: str
    principal: Decimal
    annual_rate: Decimal
    currency: str
    term: int
    status: str
    approved_on: date
    disbursed_on: date
    maturity_date: date
    last_closed_business_date: date
    dpd: int
    classification: str
    department_code: str
    owner_employee_no: str | None
    terms_snapshot: Mapping[str, Any]
    payments: tuple[DemoPayment, ...]
    behaviour: str  # on_time | late | partial | delinquent | payoff
    disbursement_reference: str = ""
    write_off_on: date | None = None
    awaiting: bool = False
    """Booked ``approved`` and not paid out yet (no money plan; ``disbursed_on`` is the
    planned value date)."""
    first_tranche: Decimal | None = None
    """Partly disbursed: the principal of the first (and so far only) tranche."""


@dataclass(frozen=True)
class DemoDataSet:
    seed: int
    business_date: date
    departments: tuple[DemoDepartment, ...]
    staff: tuple[DemoStaff, ...]
    customers: tuple[DemoCustomer, ...]
    applications: tuple[DemoApplication, ...]
    loans: tuple[DemoLoan, ...]
    relations: tuple[DemoRelation, ...] = ()
    pipeline: tuple[tuple[DemoApplication, DemoLoan], ...] = ()
    """Loans in disbursement (:func:`~lowlend.services.demo_data.portfolio.pipeline_loans`):
    approved and awaiting it, partly disbursed; with their applications."""


@dataclass(frozen=True)
class DemoChunk:
    """A slice of the data set in creation order
    (:func:`~lowlend.services.demo_data.portfolio.iter_demo_chunks`): the customers first
    made for it (the enterprise pool comes with the first slice), the applications and
    loans of its loans (or open applications only), and the relations once their
    customers exist."""

    customers: tuple[DemoCustomer, ...]
    applications: tuple[DemoApplication, ...]
    loans: tuple[DemoLoan, ...]
    relations: tuple[DemoRelation, ...] = ()
    pipeline: tuple[tuple[DemoApplication, DemoLoan], ...] = ()
