"""SQLAlchemy repositories of the core records (organisation, customers, applications, loans).

Repositories share the unit of work's session and **never commit**: they add,
flush (to learn generated ids) and query; the unit of work commits once per use
case (ARCHITECTURE.md rule 4). Build them into a unit of work with
:data:`CORE_REPOSITORIES`::

    uow = SqlAlchemyUnitOfWork(session_factory, repositories=CORE_REPOSITORIES)
    with uow:
        customer = uow.customers.find_by_id_number("resident_id", number, protector)
        ...
        uow.commit()

Identity numbers are stored as a keyed hash (look-ups, uniqueness) and as
ciphertext (display to authorised staff): :class:`IdNumberProtector`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence.keys import derived_fernet
from lowlend.persistence.models import (
    Application,
    AuditLog,
    Customer,
    Department,
    Installment,
    Loan,
    Staff,
    Transaction,
)

__all__ = [
    "CORE_REPOSITORIES",
    "IdNumberProtector",
    "SqlApplicationRepository",
    "SqlAuditLogRepository",
    "SqlCustomerRepository",
    "SqlDepartmentRepository",
    "SqlLoanRepository",
    "SqlStaffRepository",
    "SqlTransactionRepository",
    "normalize_id_number",
]

_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ------------------------------------------------------------------ PII


def normalize_id_number(number: str) -> str:
    """Canonical form of an identity number: no spaces, dashes or brackets, upper case.

    >>> normalize_id_number(" a123456(3) "), normalize_id_number("36042619910101007x")
    ('A1234563', '36042619910101007X')
    """
    return re.sub(r"[\s()\-]", "", number).upper()


class IdNumberProtector:
    """Keyed hash and encryption of identity numbers (``Customer.id_number_hash/enc``).

    * ``hash``: HMAC-SHA256 (hex) of the normalised number under ``pepper``;
      equal numbers give equal hashes, so it serves look-ups and the unique
      constraint ``(id_type, id_number_hash)``.
    * ``encrypt`` / ``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256) with a key
      derived by HKDF-SHA256 from ``master_key`` (``LOWLEND_MASTER_KEY``). Without
      a master key nothing is encrypted (``encrypt`` returns ``None``).

    This is the storage format until a dedicated PII/encryption service exists;
    that service must keep it (or re-encrypt).

    >>> p = IdNumberProtector(b"pepper", "k" * 44)
    >>> p.hash("A123456(3)") == p.hash("a1234563"), len(p.hash("x"))
    (True, 64)
    >>> p.decrypt(p.encrypt("360426199101010071"))
    '360426199101010071'
    >>> IdNumberProtector(b"pepper", None).encrypt("1") is None
    True
    """

    HKDF_INFO = b"lowlend:customers.id_number:v1"

    def __init__(self, pepper: str | bytes, master_key: str | bytes | None) -> None:
        self._pepper = pepper.encode("utf-8") if isinstance(pepper, str) else pepper
        self._fernet: Any = None
        if master_key:
            self._fernet = derived_fernet(master_key, self.HKDF_INFO)

    @property
    def can_encrypt(self) -> bool:
        return self._fernet is not None

    def hash(self, number: str) -> str:
        return hmac.new(
            self._pepper, normalize_id_number(number).encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def encrypt(self, number: str) -> str | None:
        if self._fernet is None:
            return None
        token: bytes = self._fernet.encrypt(number.encode("utf-8"))
        return token.decode("ascii")

    def decrypt(self, token: str) -> str:
        if self._fernet is None:
            raise ValueError("no master key: encrypted identity numbers cannot be read")
        plain: bytes = self._fernet.decrypt(token.encode("ascii"))
        return plain.decode("utf-8")


# ------------------------------------------------------------------ repositories


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def flush(self) -> None:
        """Send pending changes (ids and paths are assigned); never commits."""
        self.session.flush()


class SqlDepartmentRepository(_Repository):
    """Departments (the organisation tree; ``path`` is set right after the INSERT)."""

    def get(self, department_id: int) -> Department | None:
        return self.session.get(Department, department_id)

    def get_by_code(self, code: str) -> Department | None:
        return self.session.scalars(sa.select(Department).where(Department.code == code)).first()

    def by_code(self) -> dict[str, Department]:
        return {d.code: d for d in self.session.scalars(sa.select(Department))}

    def add(self, department: Department) -> Department:
        """Add and flush (the materialised path needs the id and the parent's path)."""
        self.session.add(department)
        self.session.flush()
        return department


class SqlStaffRepository(_Repository):
    def by_employee_no(self, numbers: Iterable[str] | None = None) -> dict[str, Staff]:
        query = sa.select(Staff)
        if numbers is not None:
            query = query.where(Staff.employee_no.in_(list(numbers)))
        return {s.employee_no: s for s in self.session.scalars(query)}

    def by_user_id(self, user_id: int) -> Staff | None:
        return self.session.scalars(sa.select(Staff).where(Staff.user_id == user_id)).first()

    def add_all(self, staff: Iterable[Staff]) -> None:
        self.session.add_all(list(staff))


class SqlCustomerRepository(_Repository):
    def get(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def find_by_id_number(
        self, id_type: str, number: str, protector: IdNumberProtector
    ) -> Customer | None:
        """The customer with this identity number (looked up by its keyed hash)."""
        return self.session.scalars(
            sa.select(Customer).where(
                Customer.id_type == id_type, Customer.id_number_hash == protector.hash(number)
            )
        ).first()

    def ids_by_phone(self, phones: Iterable[str]) -> dict[str, int]:
        """Existing customer ids by (stored, normalised) phone number among ``phones``."""
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(set(phones))):
            rows = self.session.execute(
                sa.select(Customer.phone, Customer.id).where(Customer.phone.in_(chunk))
            )
            for phone, customer_id in rows:
                if phone is not None:  # matched by IN: never None, but the column is nullable
                    found.setdefault(phone, customer_id)
        return found

    def ids_by_hash(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Existing customer ids by ``(id_type, id_number_hash)`` among ``keys``."""
        wanted = set(keys)
        found: dict[tuple[str, str], int] = {}
        hashes = sorted({h for _, h in wanted})
        for chunk in _chunks(hashes):
            rows = self.session.execute(
                sa.select(Customer.id_type, Customer.id_number_hash, Customer.id).where(
                    Customer.id_number_hash.in_(chunk)
                )
            )
            for id_type, digest, customer_id in rows:
                if (id_type, digest) in wanted:
                    found[(id_type, digest)] = customer_id
        return found

    def add_all(self, customers: Iterable[Customer]) -> None:
        self.session.add_all(list(customers))


class SqlApplicationRepository(_Repository):
    def get(self, application_id: int) -> Application | None:
        return self.session.get(Application, application_id)

    def add_all(self, applications: Iterable[Application]) -> None:
        self.session.add_all(list(applications))

    def count(self) -> int:
        return self.session.scalar(sa.select(sa.func.count()).select_from(Application)) or 0


class SqlLoanRepository(_Repository):
    def get(self, loan_id: int) -> Loan | None:
        return self.session.get(Loan, loan_id)

    def add_all(self, loans: Iterable[Loan]) -> None:
        """Add loans (their ``installments`` relationship is saved with them)."""
        self.session.add_all(list(loans))

    def installments(self, loan_id: int) -> list[Installment]:
        return list(
            self.session.scalars(
                sa.select(Installment).where(Installment.loan_id == loan_id).order_by(Installment.seq)
            )
        )

    def count(self) -> int:
        return self.session.scalar(sa.select(sa.func.count()).select_from(Loan)) or 0


class SqlTransactionRepository(_Repository):
    def add_all(self, transactions: Iterable[Transaction]) -> None:
        self.session.add_all(list(transactions))

    def for_loan(self, loan_id: int) -> list[Transaction]:
        return list(
            self.session.scalars(
                sa.select(Transaction)
                .where(Transaction.loan_id == loan_id)
                .order_by(Transaction.value_date, Transaction.id)
            )
        )

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """The idempotency keys among ``keys`` that are already stored."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        for chunk in _chunks(wanted):
            found.update(
                k
                for k in self.session.scalars(
                    sa.select(Transaction.idempotency_key).where(
                        Transaction.idempotency_key.in_(chunk)
                    )
                )
                if k is not None
            )
        return found


class SqlAuditLogRepository(_Repository):
    def add(
        self,
        entity: str,
        entity_id: object,
        action: str,
        *,
        username: str = "",
        user_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> AuditLog:
        row = AuditLog(
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            username=username,
            user_id=user_id,
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
        self.session.add(row)
        return row

    def refs(self, action: str, key: str = "ref") -> dict[tuple[str, str], str]:
        """``{(entity, after[key]): entity_id}`` of the entries with ``action``."""
        rows = self.session.execute(
            sa.select(AuditLog.entity, AuditLog.entity_id, AuditLog.after).where(
                AuditLog.action == action
            )
        )
        found: dict[tuple[str, str], str] = {}
        for entity, entity_id, after in rows:
            if isinstance(after, Mapping) and key in after:
                found[(entity, str(after[key]))] = entity_id
        return found


CORE_REPOSITORIES: Mapping[str, Callable[[Session], object]] = {
    "departments": SqlDepartmentRepository,
    "staff": SqlStaffRepository,
    "customers": SqlCustomerRepository,
    "applications": SqlApplicationRepository,
    "loans": SqlLoanRepository,
    "transactions": SqlTransactionRepository,
    "audit": SqlAuditLogRepository,
}
"""Repositories by unit-of-work attribute name (``uow.loans`` ...)."""
