"""Ports the admin screens (``lowlend.web``) depend on; adapters live in
``lowlend.persistence.queries`` and are handed to the web layer by its composition root
(:mod:`lowlend.web.composition`).

Only the standard library is used here. Records, mapped classes and SQL conditions cross
these interfaces as opaque values (``Any``/``object``): the screens show them or hand them
back, they never build SQL themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from lowlend.domain.conventions import DataScope
from lowlend.services.data_scope import Principal
from lowlend.services.ledger_balances import LedgerBalancesPort, LoanScope

__all__ = [
    "AttachmentStorage",
    "AuditTrail",
    "AuthStateStore",
    "DashboardQueries",
    "EntityTables",
    "FinanceQueries",
    "IdentityKeys",
    "LendingQueries",
    "Listing",
    "OrgQueries",
    "RecordQueries",
    "ScopeQueries",
    "TransactionFilter",
    "UnitsOfWork",
]


class Listing(Protocol):
    """An opaque list query built by an adapter (paged by :meth:`RecordQueries.count` /
    :meth:`RecordQueries.rows`)."""


# -- data scope ---------------------------------------------------------------------------
class ScopeQueries(Protocol):
    """Row-level data scope (roles.yaml ``data_scope``) as conditions on mapped classes."""

    def columns(self, model: Any, owner_field: str | None = None) -> Any:
        """Where ``model``'s scope lives (cache it per model and owner field)."""
        ...

    def condition(
        self,
        model: Any,
        scope: DataScope | None,
        principal: Principal,
        *,
        owner_field: str | None = None,
        columns: Any = None,
    ) -> Any | None:
        """The condition restricting ``model`` rows (``None``: unrestricted)."""
        ...

    def count(
        self,
        model: Any,
        scope: DataScope | None,
        principal: Principal,
        *,
        where: Sequence[Any] = (),
        owner_field: str | None = None,
        session: Any = None,
    ) -> int:
        """How many ``model`` rows are in scope (and meet ``where``), counted in ``session``
        (default: the request's)."""
        ...

    def select(
        self, model: Any, scope: DataScope | None, principal: Principal, *,
        owner_field: str | None = None,
    ) -> Any:
        """``select(model)`` restricted to the scope."""
        ...

    def record(
        self, model: Any, pk: int, scope: DataScope | None, principal: Principal, *,
        owner_field: str | None = None,
    ) -> Any | None:
        """Record ``pk`` of ``model`` if it is within the scope."""
        ...

    def newest(
        self, model: Any, scope: DataScope | None, principal: Principal, *,
        owner_field: str | None = None, limit: int,
    ) -> list[Any]:
        """The newest ``limit`` records of ``model`` within the scope (highest id first)."""
        ...

    def visible(self, model: Any, pk: int, scope: DataScope | None, principal: Principal) -> bool:
        """Whether row ``pk`` of ``model`` exists within the scope."""
        ...

    def nothing(self) -> Any:
        """A condition no row meets."""
        ...

    def everything(self) -> Any:
        """A condition every row meets."""
        ...


# -- generic records ----------------------------------------------------------------------
class RecordQueries(Protocol):
    """Records of the request's session by mapped class and id, and paging of listings."""

    def get(self, model: Any, pk: Any, *, no_autoflush: bool = False) -> Any | None:
        """Record ``pk`` of ``model`` (``None`` when missing)."""
        ...

    def count(self, listing: Listing) -> int:
        """How many rows ``listing`` has."""
        ...

    def rows(self, listing: Listing, offset: int, limit: int) -> list[Any]:
        """Rows ``offset`` … ``offset + limit`` of ``listing``."""
        ...

    def all_rows(self, listing: Listing, limit: int | None = None) -> list[Any]:
        """The rows of ``listing`` (at most ``limit``)."""
        ...

    def referring_counts(
        self, session: Any, item: Any, children: Sequence[tuple[str, str]]
    ) -> dict[str, int]:
        """Table name → how many of its rows still refer to ``item`` (in ``session``): rows
        with a foreign key to it (no ``ON DELETE`` action, not deleted with it by an ORM
        cascade) and rows of ``children`` — (table, column) pairs without a foreign key.
        """
        ...

    def user_names(self, user_model: Any, ids: Iterable[int]) -> dict[int, str]:
        """FAB user id → username."""
        ...

    def expire_all(self) -> None:
        """Forget what the session loaded (a use case changed it in its own session)."""
        ...

    def commit(self) -> None:
        """Commit the request's session."""
        ...

    def rollback(self) -> None:
        """Roll the request's session back."""
        ...

    def ping(self) -> None:
        """Run ``SELECT 1``; raises when the database does not answer."""
        ...


# -- organisation -------------------------------------------------------------------------
class OrgQueries(Protocol):
    """Staff records and departments."""

    def staff_of(self, user_id: int) -> tuple[int, int | None] | None:
        """(staff id, department id) of a FAB user's staff record (no autoflush)."""
        ...

    def principal_row(
        self, session: Any, user_id: int
    ) -> tuple[int | None, int | None, str | None] | None:
        """(staff id, department id, department path) of a FAB user, in ``session``."""
        ...

    def departments(self, scope: LoanScope) -> list[tuple[int, str, str]]:
        """(id, name, path) of the departments in the scope, by path."""
        ...

    def staff_names(self, ids: Iterable[int]) -> dict[int, str]:
        """Staff id → name."""
        ...


# -- dashboard ----------------------------------------------------------------------------
class DashboardQueries(Protocol):
    """The dashboard's counts."""

    def last_closed_business_date(self) -> dt.date | None:
        """The latest business date an end-of-day run closed on any loan."""
        ...

    def tile_model(self, code: str, tables: Sequence[str]) -> Any | None:
        """The mapped class counted by tile ``code`` (``None``: its table does not exist)."""
        ...

    def count_tile(
        self,
        code: str,
        model: Any,
        scope: DataScope | None,
        principal: Principal,
        *,
        owner_field: str | None,
        today: dt.date,
        window: tuple[dt.date, dt.date],
    ) -> int:
        """The count of tile ``code`` in the scope as of ``today``."""
        ...


# -- finance screens ----------------------------------------------------------------------
@dataclass(frozen=True)
class TransactionFilter:
    """The filters of the repayments list (blank, or ``None`` for ``loan``: not filtered).

    ``loan`` is a loan's number or contract number.
    """

    loan: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    channel: str = ""
    status: str = ""
    type: str = ""


class FinanceQueries(Protocol):
    """What the finance screens read: loans, schedules, transactions and the journal."""

    def loan(self, loan_id: int) -> Any | None:
        """Loan ``loan_id``."""
        ...

    def customer(self, customer_id: int) -> Any | None:
        """Customer ``customer_id``."""
        ...

    def transaction(self, txn_id: int) -> Any | None:
        """Transaction ``txn_id``."""
        ...

    def loan_visible(self, loan_id: int, scope: LoanScope) -> bool:
        """Whether the loan exists within the scope."""
        ...

    def find_loan(self, text: str, scope: LoanScope) -> int | None:
        """The loan whose number or contract number is ``text``, within the scope."""
        ...

    def installments(self, loan_id: int) -> list[Any]:
        """The loan's installments in order."""
        ...

    def transactions(self, loan_id: int) -> list[Any]:
        """The loan's transactions, newest first."""
        ...

    def awaiting_disbursement(self, scope: LoanScope) -> Listing:
        """(loan, customer name, department name) of the loans with principal to pay out."""
        ...

    def disbursements(self, scope: LoanScope, statuses: Sequence[str]) -> Listing:
        """(transaction, contract number, customer name) of disbursements, newest first."""
        ...

    def repayments(self, scope: LoanScope, types: Sequence[str], flt: TransactionFilter) -> Listing:
        """(transaction, contract number, customer name) of repayment-like transactions."""
        ...

    def reversed_ids(self, ids: Sequence[int], statuses: Sequence[str]) -> set[int]:
        """Which of ``ids`` a reversal in ``statuses`` already targets."""
        ...

    def refund_requests(
        self, scope: LoanScope, kinds: Sequence[str], statuses: Sequence[str], *,
        decided: bool, limit: int | None,
    ) -> list[Any]:
        """(transaction, contract number, customer name, reversed transaction) rows."""
        ...

    def journal_entries(
        self, scope: LoanScope, loan: str | None, date_from: dt.date | None,
        date_to: dt.date | None,
    ) -> Listing:
        """Journal entries (of the loan named ``loan`` unless ``None``), newest first."""
        ...

    def journal_lines(self, entry_ids: Sequence[int]) -> dict[int, list[Any]]:
        """Entry id → its lines."""
        ...

    def transaction_kinds(self, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """Transaction id → (type, reference)."""
        ...

    def parties(self, model: Any, condition: Any) -> Listing:
        """(id, name) of the records of ``model`` (entrusting parties) meeting
        ``condition``, by id."""
        ...

    def ledger_balances(self) -> LedgerBalancesPort:
        """The journal's balances on the request's session."""
        ...

    def currencies(self) -> list[str]:
        """The currencies of the journal."""
        ...


# -- lending ------------------------------------------------------------------------------
class LendingQueries(Protocol):
    """What the application and loan pages read of the lending records."""

    def application(self, pk: Any) -> Any | None:
        """Application ``pk``."""
        ...

    def credit_report(self, report_id: int) -> Any | None:
        """Stored credit report ``report_id``."""
        ...

    def decisions(self, application_id: int) -> list[Any]:
        """The application's decisions in order."""
        ...

    def tasks(self, application_id: int, round_: int) -> list[Any]:
        """The approval tasks of the application's round, by stage."""
        ...

    def task(self, task_id: int) -> Any | None:
        """Approval task ``task_id``."""
        ...

    def open_tasks(
        self, scope: DataScope, principal: Principal, limit: int
    ) -> list[tuple[Any, Any, str]]:
        """(task, application, customer name) of the open steps of applications in review
        within the scope, by due time."""
        ...

    def returned_applications(self, user_id: int | None, limit: int) -> list[Any]:
        """The applications returned to the user who created them, newest change first."""
        ...

    def loan_of_application(self, application_id: int) -> int | None:
        """The loan booked for the application."""
        ...

    def credit_line_of_application(self, application_id: int) -> int | None:
        """The credit line opened for the application."""
        ...

    def credit_line(self, line_id: int) -> Any | None:
        """Credit line ``line_id``."""
        ...

    def loan_documents(self, loan_id: int) -> list[Any]:
        """(locale, number, sha256) of the loan's documents, by locale."""
        ...

    def contract(self, loan_id: int, locale: str) -> Any | None:
        """The loan's contract document in ``locale``."""
        ...


# -- infrastructure -----------------------------------------------------------------------
class AuditTrail(Protocol):
    """The audit log of record changes."""

    def add(
        self, session: Any, *, entity: str, entity_id: Any, action: str,
        before: dict[str, Any] | None, after: dict[str, Any] | None,
        user_id: int | None = None, username: str = "",
    ) -> Any:
        """Add an audit row to ``session`` (not committed)."""
        ...

    def record_image(self, obj: Any) -> dict[str, Any]:
        """A record's column values."""
        ...

    def before_image(self, obj: Any) -> dict[str, Any]:
        """A changed record's values before the change."""
        ...


class AuthStateStore(Protocol):
    """Per-user login state: the session version and the lock."""

    def auth_version(self, executor: Any, user_id: int) -> int:
        """The user's session version."""
        ...

    def bump_auth_version(self, executor: Any, user_id: int) -> int:
        """Raise the user's session version; returns the new one."""
        ...

    def locked_until(self, executor: Any, user_id: int) -> dt.datetime | None:
        """Until when the user is locked out."""
        ...

    def set_locked_until(self, executor: Any, user_id: int, until: dt.datetime | None) -> None:
        """Lock the user until ``until`` (``None``: unlock)."""
        ...


class AttachmentStorage(Protocol):
    """Uploaded files: rows in the database, encrypted bytes on disk."""

    def file_store(self, root: Any, master_key: str | bytes | None) -> Any:
        """The file store under ``root``."""
        ...

    def stage(
        self, store: Any, *, name: str, content_type: str, data: bytes,
        created_by: int | None, standalone: bool = False,
    ) -> Any:
        """Add an attachment row to the request's session; the bytes are written at commit."""
        ...

    def link(self, ids: Iterable[int], item: Any, entity: str, field_code: str) -> None:
        """At commit, link attachments ``ids`` to ``item``."""
        ...

    def get(self, pk: int) -> Any | None:
        """Attachment ``pk``."""
        ...

    def by_ids(self, ids: Sequence[int]) -> list[Any]:
        """The attachments with these ids."""
        ...

    def install_session_events(self) -> None:
        """Write staged files at commit (idempotent)."""
        ...


class EntityTables(Protocol):
    """Tables of config-declared entities."""

    def model_for(self, spec: Any) -> type:
        """The mapped class of an entity spec."""
        ...

    def ensure(self, models: Sequence[type]) -> list[str]:
        """Create the missing tables of ``models`` on the app's engine."""
        ...


class IdentityKeys(Protocol):
    """Keys of identity-number hashing and encryption."""

    demo_pepper: bytes
    pepper_info: bytes

    def derived_secret(self, master_key: str | bytes, info: bytes) -> bytes:
        """A secret derived from the master key."""
        ...

    def protector(self, pepper: str | bytes, master_key: str | bytes | None) -> Any:
        """The identity-number hasher/encrypter."""
        ...


class UnitsOfWork(Protocol):
    """Unit-of-work factories on the app's engine (sessions of their own)."""

    def config(self) -> Callable[[], Any]:
        """Units of work of the configuration store."""
        ...

    def lending(self, admin_role: str, decrypt: Callable[[str], str]) -> Callable[[], Any]:
        """Units of work of the lending use cases."""
        ...

    def money(self) -> Callable[[], Any]:
        """Units of work of the money use cases."""
        ...

    def reconciliation(self) -> Callable[[], Any]:
        """Units of work of reconciliation."""
        ...

