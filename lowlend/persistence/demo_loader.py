"""Write the demo data set (:mod:`lowlend.services.demo_data`) to the database.

:func:`load_demo_data` generates the data set and writes everything in **one
transaction** through the unit of work (repositories never commit). It is
idempotent:

* departments and staff are matched by code / employee number (department ``HQ``
  marks the demo organisation); missing ones are added, staff without a user get
  linked to the FAB users given in ``user_ids`` (username → ``ab_user.id``);
* every customer, application and loan the loader creates gets an audit-log entry
  (action ``demo_create``, ``after.ref`` = its stable demo reference); records
  whose reference is already there are skipped, so a second call adds nothing and
  a call with more ``loans`` (same seed) adds only the missing loans. Customers
  are also matched by their identity-number hash;
* repayments are transactions with the idempotency key ``demo:<ref>``.

Loans pin ``config_version_id`` and keep ``terms_snapshot``
(:func:`lowlend.services.product_terms.snapshot_of`); instalments come from the
schedule with the paid amounts and penalties as of the business date.

Identity numbers: ``id_number_hash`` = HMAC-SHA256 under :data:`DEMO_PEPPER`,
``id_number_enc`` = Fernet with a key derived from ``master_key`` (see
:class:`lowlend.persistence.repositories.IdNumberProtector`); without a master key
the ciphertext column stays empty.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lowlend.persistence.models import (
    Application,
    ConfigState,
    ConfigVersion,
    Customer,
    Department,
    Instalment,
    Loan,
    Staff,
    Transaction,
)
from lowlend.persistence.repositories import CORE_REPOSITORIES, IdNumberProtector
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.demo_data import (
    DEFAULT_BUSINESS_DATE,
    DEFAULT_LOANS,
    DEFAULT_SEED,
    DemoDataSet,
    generate_demo_data,
)

__all__ = [
    "DEMO_ACTION",
    "DEMO_PEPPER",
    "DemoSummary",
    "load_demo_data",
    "load_demo_for_current_config",
    "write_demo_data",
]

log = logging.getLogger(__name__)

DEMO_PEPPER = b"lowlend-demo-pepper:v1"
"""Fixed pepper of the demo's identity-number hashes (demo only)."""

DEMO_ACTION = "demo_create"
"""Audit-log action of the records the loader created (``after.ref`` = demo reference)."""

DEMO_AUTHOR = "lowlend-demo"

_SH_TZ = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class DemoSummary:
    """What one :func:`load_demo_data` call did (``*_created`` counts only new rows)."""

    seed: int
    config_version_id: int
    loans_requested: int
    departments_created: int
    staff_created: int
    staff_linked: int
    customers_created: int
    applications_created: int
    loans_created: int
    instalments_created: int
    transactions_created: int
    loans_already_present: int

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.departments_created,
                self.staff_created,
                self.staff_linked,
                self.customers_created,
                self.applications_created,
                self.loans_created,
            )
        )

    def describe(self) -> str:
        """One line for the CLI."""
        if not self.created_anything:
            return f"demo data set already loaded (seed {self.seed}, {self.loans_requested} loans)"
        return (
            f"demo data set (seed {self.seed}): {self.departments_created} departments, "
            f"{self.staff_created} staff, {self.customers_created} customers, "
            f"{self.applications_created} applications, {self.loans_created} loans "
            f"({self.instalments_created} instalments, {self.transactions_created} transactions) "
            f"added; {self.loans_already_present} loans were already there"
        )


SessionSource = Session | Callable[[], Session]
"""A session, or a session factory / ``scoped_session`` (e.g. Flask-SQLAlchemy's ``db.session``)."""


def _factory(session: SessionSource) -> Callable[[], Session]:
    if isinstance(session, Session):
        return lambda: session
    return session


def _booked_at(day: date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), _SH_TZ).astimezone(dt.UTC)


def load_demo_data(
    session: SessionSource,
    registry: Any,
    config_version_id: int,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
    user_ids: Mapping[str, int] | None = None,
    master_key: str | bytes | None = None,
    pepper: str | bytes = DEMO_PEPPER,
) -> DemoSummary:
    """Generate the demo data set for ``registry`` and write it (one transaction, idempotent).

    :param session: a session or a session factory (the unit of work commits once
        and closes the session at the end).
    :param registry: the :class:`~lowlend.spec.SpecRegistry` of ``config_version_id``.
    :param config_version_id: ``config_versions.id`` the applications and loans pin.
    :param user_ids: FAB user ids by demo username (``{"admin": 1, ...}``) to link
        staff to their accounts; may be given later (a re-run links them).
    :param master_key: ``LOWLEND_MASTER_KEY``; encrypts the identity numbers.
    :param pepper: key of the identity-number hashes (``LOWLEND_ID_PEPPER``).
    :raises ValueError: unknown config version, or a registry of another version.
    """
    data = generate_demo_data(registry, loans=loans, seed=seed, business_date=business_date)
    return write_demo_data(
        session,
        data,
        config_version_id,
        registry_hash=getattr(registry, "content_hash", None),
        user_ids=user_ids,
        master_key=master_key,
        pepper=pepper,
    )


def load_demo_for_current_config(
    session: SessionSource,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
    user_ids: Mapping[str, int] | None = None,
    master_key: str | bytes | None = None,
    pepper: str | bytes | None = None,
) -> DemoSummary:
    """:func:`load_demo_data` against the currently published configuration version.

    ``pepper`` defaults to :data:`DEMO_PEPPER` (pass ``LOWLEND_ID_PEPPER`` when set,
    so look-ups in the admin find the customers).

    :raises LookupError: nothing is published yet.
    """
    from lowlend.spec import load_bundle

    s = _factory(session)()
    state = s.get(ConfigState, 1)
    if state is None or state.current_version_id is None:
        raise LookupError("no configuration is published: publish one before loading demo data")
    version = s.get(ConfigVersion, state.current_version_id)
    assert version is not None
    registry = load_bundle(json.loads(version.bundle))
    return load_demo_data(
        s,
        registry,
        version.id,
        loans=loans,
        seed=seed,
        business_date=business_date,
        user_ids=user_ids,
        master_key=master_key,
        pepper=pepper or DEMO_PEPPER,
    )


def write_demo_data(
    session: SessionSource,
    data: DemoDataSet,
    config_version_id: int,
    *,
    registry_hash: str | None = None,
    user_ids: Mapping[str, int] | None = None,
    master_key: str | bytes | None = None,
    pepper: str | bytes = DEMO_PEPPER,
) -> DemoSummary:
    """Write a generated :class:`DemoDataSet` (see :func:`load_demo_data`)."""
    user_ids = dict(user_ids or {})
    protector = IdNumberProtector(pepper, master_key)
    if not protector.can_encrypt:
        log.warning("demo data: no master key given, identity numbers are stored hashed only")
    uow = SqlAlchemyUnitOfWork(_factory(session), repositories=CORE_REPOSITORIES)
    with uow:
        # Serialise concurrent loaders (and publishers): the second one waits here and
        # then finds everything already there. (SELECT ... FOR UPDATE on PostgreSQL,
        # the database write lock on SQLite.)
        uow.config_versions.lock_state()
        writer = _Writer(uow, data, config_version_id, user_ids, protector)
        writer.check_version(registry_hash)
        writer.organisation()
        writer.portfolio()
        uow.commit()
        return writer.summary()


class _Writer:
    def __init__(
        self,
        uow: Any,
        data: DemoDataSet,
        config_version_id: int,
        user_ids: Mapping[str, int],
        protector: IdNumberProtector,
    ) -> None:
        self.uow = uow
        self.session: Session = uow.session
        self.data = data
        self.version_id = config_version_id
        self.user_ids = user_ids
        self.protector = protector
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "departments",
                "staff",
                "staff_linked",
                "customers",
                "applications",
                "loans",
                "instalments",
                "transactions",
                "loans_present",
            ),
            0,
        )
        self.departments: dict[str, Department] = {}
        self.staff: dict[str, Staff] = {}

    # -- checks ------------------------------------------------------------------

    def check_version(self, registry_hash: str | None) -> None:
        version = self.session.get(ConfigVersion, self.version_id)
        if version is None:
            raise ValueError(f"config version id {self.version_id} does not exist")
        if registry_hash is not None and version.content_hash != registry_hash:
            raise ValueError(
                f"the registry is not the configuration of version {version.number} "
                f"(content hash {registry_hash[:12]} != {version.content_hash[:12]})"
            )

    # -- organisation --------------------------------------------------------------

    def organisation(self) -> None:
        repo = self.uow.departments
        self.departments = repo.by_code()
        for d in self.data.departments:
            if d.code in self.departments:
                continue
            parent = self.departments.get(d.parent_code) if d.parent_code else None
            row = Department(
                code=d.code,
                name=d.name,
                parent=parent,
                region=d.region,
                active=True,
            )
            self.departments[d.code] = repo.add(row)
            self.counts["departments"] += 1
        staff_repo = self.uow.staff
        self.staff = staff_repo.by_employee_no()
        new = []
        for st in self.data.staff:
            if st.employee_no in self.staff:
                continue
            dep = self.departments.get(st.department_code)
            row = Staff(
                employee_no=st.employee_no,
                name=st.name,
                department_id=dep.id if dep is not None else None,
                region=st.region,
                skills=list(st.skills),
                capacity=st.capacity,
                active=True,
                performance={"title": st.title},
            )
            self.staff[st.employee_no] = row
            new.append(row)
        staff_repo.add_all(new)
        self.counts["staff"] += len(new)
        staff_repo.flush()
        linked = {s.user_id for s in self.staff.values() if s.user_id is not None}
        for st in self.data.staff:
            uid = self.user_ids.get(st.username) if st.username else None
            row = self.staff[st.employee_no]
            if uid is not None and row.user_id is None and uid not in linked:
                row.user_id = uid
                linked.add(uid)
                self.counts["staff_linked"] += 1
        staff_repo.flush()

    # -- portfolio -------------------------------------------------------------------

    def _dep_id(self, code: str | None) -> int | None:
        dep = self.departments.get(code) if code else None
        return dep.id if dep is not None else None

    def _staff_id(self, employee_no: str | None) -> int | None:
        row = self.staff.get(employee_no) if employee_no else None
        return row.id if row is not None else None

    def portfolio(self) -> None:
        uow = self.uow
        refs = uow.audit.refs(DEMO_ACTION)
        actor = self.user_ids.get("admin")

        def audit(entity: str, entity_id: int, ref: str, **extra: Any) -> None:
            uow.audit.add(
                entity,
                entity_id,
                DEMO_ACTION,
                username=DEMO_AUTHOR,
                user_id=actor,
                after={"ref": ref, "seed": self.data.seed, **extra},
            )

        # customers: by demo reference, else by identity-number hash, else new
        customer_ids: dict[str, int] = {}
        hashes = {c.ref: self.protector.hash(c.id_number) for c in self.data.customers}
        existing = uow.customers.ids_by_hash(
            (c.id_type, hashes[c.ref]) for c in self.data.customers
        )
        new_customers: list[tuple[str, Customer]] = []
        pending: dict[tuple[str, str], Customer] = {}
        aliases: list[tuple[str, Customer]] = []
        for c in self.data.customers:
            if ("customers", c.ref) in refs:
                customer_ids[c.ref] = int(refs[("customers", c.ref)])
                continue
            found = existing.get((c.id_type, hashes[c.ref]))
            if found is not None:
                customer_ids[c.ref] = found
                continue
            row = Customer(
                kind=c.kind,
                name=c.name,
                id_type=c.id_type,
                id_number_hash=hashes[c.ref],
                id_number_enc=self.protector.encrypt(c.id_number),
                phone=c.phone,
                region=c.region,
                department_id=self._dep_id(c.department_code),
                owner_staff_id=self._staff_id(c.owner_employee_no),
                custom=dict(c.custom),
                created_at=c.created_at,
                updated_at=c.created_at,
            )
            key = (c.id_type, hashes[c.ref])
            if key in pending:  # the same number twice in one data set: one customer
                aliases.append((c.ref, pending[key]))
                continue
            pending[key] = row
            new_customers.append((c.ref, row))
        uow.customers.add_all(row for _, row in new_customers)
        uow.customers.flush()
        for ref, row in new_customers:
            customer_ids[ref] = row.id
            audit("customers", row.id, ref)
        for ref, row in aliases:
            customer_ids[ref] = row.id
        self.counts["customers"] = len(new_customers)

        # applications
        application_ids = {
            ref: int(entity_id)
            for (entity, ref), entity_id in refs.items()
            if entity == "applications"
        }
        new_apps: list[tuple[str, Application]] = []
        for a in self.data.applications:
            if a.ref in application_ids:
                continue
            row = Application(
                customer_id=customer_ids[a.customer_ref],
                product_code=a.product_code,
                config_version_id=self.version_id,
                amount=a.amount,
                currency=a.currency,
                term=a.term,
                rate=a.rate,
                status=a.status,
                custom=dict(a.custom),
                department_id=self._dep_id(a.department_code),
                owner_staff_id=self._staff_id(a.owner_employee_no),
                submitted_at=a.submitted_at,
                decided_at=a.decided_at,
                created_at=a.created_at,
                updated_at=a.decided_at or a.submitted_at or a.created_at,
            )
            new_apps.append((a.ref, row))
        uow.applications.add_all(row for _, row in new_apps)
        uow.applications.flush()
        for ref, row in new_apps:
            application_ids[ref] = row.id
            audit("applications", row.id, ref, status=row.status)
        self.counts["applications"] = len(new_apps)

        # loans, their instalments and transactions
        finance = self.user_ids.get("finance")
        new_loans: list[tuple[Any, Loan]] = []
        for loan in self.data.loans:
            if ("loans", loan.ref) in refs:
                self.counts["loans_present"] += 1
                continue
            row = Loan(
                application_id=application_ids.get(loan.application_ref),
                customer_id=customer_ids[loan.customer_ref],
                product_code=loan.product_code,
                config_version_id=self.version_id,
                principal=loan.principal,
                annual_rate=loan.annual_rate,
                currency=loan.currency,
                term=loan.term,
                status=loan.status,
                disbursed_on=loan.disbursed_on,
                maturity_date=loan.maturity_date,
                last_closed_business_date=loan.last_closed_business_date,
                dpd=loan.dpd,
                classification=loan.classification,
                department_id=self._dep_id(loan.department_code),
                owner_staff_id=self._staff_id(loan.owner_employee_no),
                terms_snapshot=dict(loan.terms_snapshot),
                custom={},
                created_at=_booked_at(loan.disbursed_on),
                updated_at=_booked_at(self.data.business_date),
                instalments=[
                    Instalment(
                        seq=i.seq,
                        due_date=i.due_date,
                        principal=i.principal,
                        interest=i.interest,
                        fee=i.fee,
                        penalty=i.penalty,
                        principal_paid=i.principal_paid,
                        interest_paid=i.interest_paid,
                        fee_paid=i.fee_paid,
                        penalty_paid=i.penalty_paid,
                        status=i.status,
                        paid_off_on=i.paid_off_on,
                    )
                    for i in loan.instalments
                ],
            )
            new_loans.append((loan, row))
            self.counts["instalments"] += len(loan.instalments)
        uow.loans.add_all(row for _, row in new_loans)
        uow.loans.flush()
        transactions: list[Transaction] = []
        for loan, row in new_loans:
            audit("loans", row.id, loan.ref, product=loan.product_code, status=loan.status)
            for t in loan.transactions:
                transactions.append(
                    Transaction(
                        loan_id=row.id,
                        type=t.type,
                        value_date=t.value_date,
                        booked_at=_booked_at(t.value_date),
                        amount=t.amount,
                        currency=t.currency,
                        idempotency_key=f"demo:{t.ref}",
                        allocation=dict(t.allocation),
                        created_by=finance,
                    )
                )
        uow.transactions.add_all(transactions)
        uow.transactions.flush()
        self.counts["loans"] = len(new_loans)
        self.counts["transactions"] = len(transactions)

    def summary(self) -> DemoSummary:
        c = self.counts
        return DemoSummary(
            seed=self.data.seed,
            config_version_id=self.version_id,
            loans_requested=len(self.data.loans),
            departments_created=c["departments"],
            staff_created=c["staff"],
            staff_linked=c["staff_linked"],
            customers_created=c["customers"],
            applications_created=c["applications"],
            loans_created=c["loans"],
            instalments_created=c["instalments"],
            transactions_created=c["transactions"],
            loans_already_present=c["loans_present"],
        )
