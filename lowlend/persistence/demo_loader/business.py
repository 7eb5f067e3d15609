"""Writing the business records: organisation (departments, staff) and portfolio
(customers, applications, loans with installments and transactions)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.classification import delinquency_bucket
from lowlend.persistence.demo_loader.money import MONEY_CHUNK, post_money
from lowlend.persistence.demo_loader.summary import DEMO_ACTION, DEMO_AUTHOR, DemoSummary
from lowlend.persistence.models import (
    Application,
    ConfigVersion,
    Customer,
    CustomerRelation,
    Department,
    Installment,
    JournalEntry,
    Loan,
    Staff,
    Transaction,
)
from lowlend.persistence.repositories import IdNumberProtector
from lowlend.services.demo_data import DemoDataSet, classify
from lowlend.services.demo_data.loans import _bucket_edges, _dpd_ranges
from lowlend.services.demo_data.records import DemoChunk, DemoCustomer, DemoLoan, DemoRelation
from lowlend.services.lending.customers import (
    CustomerCheckError,
    ExistingCustomer,
    PreparedCustomer,
    check_relation,
    prepare_customer,
)

log = logging.getLogger(__name__)

_SH_TZ = dt.timezone(dt.timedelta(hours=8))


def _prepared(c: DemoCustomer) -> PreparedCustomer:
    """The demo customer through the customer rules (identity number, derived facts, phone)."""
    try:
        return prepare_customer(
            {"kind": c.kind, "id_type": c.id_type, "id_number": c.id_number, "phone": c.phone}
        )
    except CustomerCheckError as exc:
        raise ValueError(f"demo customer {c.ref} breaks the customer rules: {exc}") from None


class _KnownCustomers:
    """Customer look-up of the loader: the customers of the data set (all may be seen)."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids

    def by_id_number(self, id_type: str, number: str) -> ExistingCustomer | None:
        return None  # identity numbers are matched by hash before (one row per number)

    def by_phone(self, phone: str, exclude_id: int | None) -> ExistingCustomer | None:
        return None

    def get(self, customer_id: int) -> ExistingCustomer | None:
        return ExistingCustomer(customer_id, "") if customer_id in self.ids else None


class _KnownRelations:
    """Relation look-up of the loader: stored relations and the ones added in this run."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: set[tuple[int, int, str]] = set()

    def find(
        self, customer_id: int, related_customer_id: int, kind: str, exclude_id: int | None
    ) -> int | None:
        if (customer_id, related_customer_id, kind) in self.pending:
            return 0
        return self.session.scalars(
            sa.select(CustomerRelation.id).where(
                CustomerRelation.customer_id == customer_id,
                CustomerRelation.related_customer_id == related_customer_id,
                CustomerRelation.kind == kind,
            )
        ).first()


def _booked_at(day: date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), _SH_TZ).astimezone(dt.UTC)


BookLoans = Callable[[Sequence[DemoLoan], Mapping[str, int]], None]
"""Books new demo loans and posts their money: ``book(loans, application ids by ref)``."""


def contract_no(loan: DemoLoan, loan_id: int) -> str:
    """The contract number an approval gives the loan."""
    return f"LL{loan.approved_on:%Y%m%d}{loan_id:06d}"


def classification(status: str, dpd: int,
                   ranges: Sequence[tuple[int | None, str]]) -> str | None:
    """The loan's classification as of the business date (written off: ``loss``; awaiting
    disbursement: none yet; else from its days past due with the ``classify`` ranges of
    eod.yaml)."""
    if status == "approved":
        return None
    return "loss" if status == "written_off" else classify(dpd, ranges)


def bucket(status: str, dpd: int, edges: tuple[int, ...]) -> str | None:
    """The delinquency bucket (M0, M1, …) of an open loan as the end-of-day classify step
    stores it (``bucket_edges`` of eod.yaml); none for a loan that is not open."""
    return delinquency_bucket(dpd, edges) if status in ("active", "overdue") else None


class _Writer:
    def __init__(
        self,
        uow: Any,
        data: DemoDataSet,
        config_version_id: int,
        user_ids: Mapping[str, int],
        protector: IdNumberProtector,
        registry: Any = None,
        chunk_size: int = MONEY_CHUNK,
    ) -> None:
        self.uow = uow
        self.chunk_size = chunk_size
        self.known_applications: dict[str, int] | None = None
        self.registry = registry
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
                "installments",
                "transactions",
                "journal_entries",
                "loans_present",
                "relations",
            ),
            0,
        )
        self.departments: dict[str, Department] = {}
        self.staff: dict[str, Staff] = {}
        #: database ids of the portfolio by demo reference: ``ids["loans"]["S7-L000001"]``
        self.ids: dict[str, dict[str, int]] = {"customers": {}, "applications": {}, "loans": {}}

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

    def audit(self, entity: str, entity_id: int, ref: str, **extra: Any) -> None:
        """Record that the demo created ``entity`` ``entity_id`` (its demo ``ref``)."""
        self.uow.audit.add(
            entity,
            entity_id,
            DEMO_ACTION,
            username=DEMO_AUTHOR,
            user_id=self.user_ids.get("admin"),
            after={"ref": ref, "seed": self.data.seed, **extra},
        )

    def portfolio(self) -> None:
        """The whole data set's customers, relations, applications and loans (the loans
        booked and their money posted through the use cases, :meth:`book_loans`)."""
        d = self.data
        self.portfolio_slice(DemoChunk(d.customers, d.applications, d.loans, d.relations,
                                       d.pipeline),
                             self.uow.audit.refs(DEMO_ACTION), self.book_loans)

    def portfolio_slice(self, chunk: DemoChunk, refs: Mapping[tuple[str, str], Any],
                        book: BookLoans) -> None:
        """Write one slice of the data set (:func:`~lowlend.services.demo_data.portfolio.
        iter_demo_chunks`): its customers, relations, applications, then the loans not
        there yet through ``book`` (``book(new loans, application ids by ref)``).

        :param refs: ``{(entity, ref): id}`` of what the demo created before this load.
        """
        uow = self.uow
        audit = self.audit

        # customers: by demo reference, else by identity-number hash, else new; each through
        # the customer rules (identity check, birth date and sex, normalised phone). Earlier
        # slices are flushed: the look-ups by hash and phone see them.
        customer_ids = self.ids["customers"]
        prepared = {c.ref: _prepared(c) for c in chunk.customers}
        hashes = {
            c.ref: self.protector.hash(prepared[c.ref].id_number or c.id_number)
            for c in chunk.customers
        }
        existing = uow.customers.ids_by_hash(
            (c.id_type, hashes[c.ref]) for c in chunk.customers
        )
        phones_taken = set(
            uow.customers.ids_by_phone(p.phone for p in prepared.values() if p.phone)
        )
        new_customers: list[tuple[str, Customer]] = []
        pending: dict[tuple[str, str], Customer] = {}
        aliases: list[tuple[str, Customer]] = []
        for c in chunk.customers:
            if ("customers", c.ref) in refs:
                customer_ids[c.ref] = int(refs[("customers", c.ref)])
                continue
            found = existing.get((c.id_type, hashes[c.ref]))
            if found is not None:
                customer_ids[c.ref] = found
                continue
            facts = prepared[c.ref]
            phone = facts.phone
            if phone in phones_taken:  # the duplicate-phone rule: the phone is left out
                log.warning("demo data: customer %s has another customer's phone; left out", c.ref)
                phone = None
            row = Customer(
                kind=c.kind,
                name=c.name,
                id_type=c.id_type,
                id_number_hash=hashes[c.ref],
                id_number_enc=self.protector.encrypt(facts.id_number or c.id_number),
                phone=phone,
                birth_date=facts.birth_date,
                sex=facts.sex,
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
            if phone:
                phones_taken.add(phone)
            new_customers.append((c.ref, row))
        uow.customers.add_all(row for _, row in new_customers)
        uow.customers.flush()
        for ref, row in new_customers:
            customer_ids[ref] = row.id
            audit("customers", row.id, ref)
        for ref, row in aliases:
            customer_ids[ref] = row.id
        self.counts["customers"] += len(new_customers)
        if chunk.relations:
            self.relations(chunk.relations, refs, customer_ids)

        # applications
        if self.known_applications is None:
            self.known_applications = {
                ref: int(entity_id)
                for (entity, ref), entity_id in refs.items()
                if entity == "applications"
            }
        applications = [*chunk.applications, *(app for app, _ in chunk.pipeline)]
        application_ids = {a.ref: self.known_applications[a.ref] for a in applications
                           if a.ref in self.known_applications}
        new_apps: list[tuple[str, Application]] = []
        for a in applications:
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
        self.counts["applications"] += len(new_apps)

        new: list[DemoLoan] = []
        for loan in (*chunk.loans, *(loan for _, loan in chunk.pipeline)):
            if ("loans", loan.ref) in refs:
                self.counts["loans_present"] += 1
                self.ids["loans"][loan.ref] = int(refs[("loans", loan.ref)])
                continue
            new.append(loan)
        self.ids["applications"].update(application_ids)
        if new:
            book(new, application_ids)
        self.counts["loans"] += len(new)

    def loan_values(self, loan: DemoLoan, application_ids: Mapping[str, int]) -> dict[str, Any]:
        """The ``loans`` columns of a demo loan booked as an approval books it (status
        ``approved``, the terms snapshot with the fee schedule); ``contract_no`` needs the id."""
        customer_id = self.ids["customers"][loan.customer_ref]
        return {
            "application_id": application_ids.get(loan.application_ref),
            "customer_id": customer_id,
            "product_code": loan.product_code,
            "config_version_id": self.version_id,
            "principal": loan.principal,
            "annual_rate": loan.annual_rate,
            "currency": loan.currency,
            "term": loan.term,
            "status": "approved",
            "department_id": self._dep_id(loan.department_code),
            "owner_staff_id": self._staff_id(loan.owner_employee_no),
            "terms_snapshot": {**loan.terms_snapshot, "config_version_id": self.version_id},
            "custom": {},
            "created_at": _booked_at(loan.approved_on),
            "updated_at": _booked_at(loan.approved_on),
        }

    def book_loans(self, loans: Sequence[DemoLoan], application_ids: Mapping[str, int]) -> None:
        """Book the new loans (ORM rows) and post their money through the money use cases
        (:mod:`.money`): the schedule rows, transactions, status, days past due and journal
        entries are the engine's."""
        new_loans = [(loan, Loan(**self.loan_values(loan, application_ids))) for loan in loans]
        uow = self.uow
        uow.loans.add_all(row for _, row in new_loans)
        uow.loans.flush()
        for loan, row in new_loans:
            row.contract_no = contract_no(loan, row.id)
            self.ids["loans"][loan.ref] = row.id
            self.audit("loans", row.id, loan.ref, product=loan.product_code,
                       behaviour=loan.behaviour)
        uow.loans.flush()
        self.money([(row.id, loan) for loan, row in new_loans])

    def money(self, loans: list[tuple[int, Any]]) -> None:
        """Disburse and repay the new ``(loan id, demo loan)`` pairs through the money use
        cases (:mod:`.money`), then store what the engine says as of the business date
        (classification from the days past due with the ``classify`` ranges of eod.yaml;
        written-off loans are ``loss``)."""
        if not loans:
            return
        if self.registry is None:
            raise ValueError("the demo loans need the registry of the configuration version")
        business_date = self.data.business_date
        post_money(self.session, self.registry, loans, business_date=business_date,
                   user_ids=self.user_ids, chunk_size=self.chunk_size)
        ranges = _dpd_ranges(self.registry)
        edges = _bucket_edges(self.registry)
        ids = [loan_id for loan_id, _ in loans]
        for row in self.session.scalars(sa.select(Loan).where(Loan.id.in_(ids))):
            row.last_closed_business_date = business_date - dt.timedelta(days=1)
            row.classification = classification(row.status, row.dpd, ranges)
            row.delinquency_bucket = bucket(row.status, row.dpd, edges)
            row.updated_at = _booked_at(business_date)
        self.session.flush()

        def count(model: Any) -> int:
            return int(self.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.loan_id.in_(ids))
            ) or 0)

        self.counts["installments"] += count(Installment)
        self.counts["transactions"] += count(Transaction)
        self.counts["journal_entries"] += count(JournalEntry)

    def relations(self, relations: Sequence[DemoRelation], refs: Mapping[tuple[str, str], Any],
                  customer_ids: Mapping[str, int]) -> None:
        """The relations between demo customers, through the relation rules."""
        customers = _KnownCustomers(set(customer_ids.values()))
        known = _KnownRelations(self.session)
        rows: list[tuple[str, CustomerRelation]] = []
        for r in relations:
            if ("customer_relations", r.ref) in refs:
                continue
            a, b = customer_ids.get(r.customer_ref), customer_ids.get(r.related_customer_ref)
            if a is None or b is None:
                continue
            values: dict[str, Any] = {"customer_id": a, "related_customer_id": b, "kind": r.kind}
            try:
                check_relation(values, customers, known)
            except CustomerCheckError as exc:
                log.warning("demo data: relation %s left out (%s)", r.ref, exc)
                continue
            known.pending.add((a, b, r.kind))
            row = CustomerRelation(
                customer_id=a,
                related_customer_id=b,
                kind=r.kind,
                note=r.note or None,
                created_by=self.user_ids.get("admin"),
            )
            rows.append((r.ref, row))
        self.session.add_all(row for _, row in rows)
        self.session.flush()
        for ref, row in rows:
            self.audit("customer_relations", row.id, ref)
        self.counts["relations"] += len(rows)

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
            installments_created=c["installments"],
            transactions_created=c["transactions"],
            journal_entries_created=c["journal_entries"],
            loans_already_present=c["loans_present"],
        )
