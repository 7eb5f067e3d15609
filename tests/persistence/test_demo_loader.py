"""Loading the demo data set into SQLite and PostgreSQL (one transaction, idempotent)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from stdnum.cn import ric, uscc

from lowlend.persistence.demo_loader import (
    DEMO_ACTION,
    DEMO_PEPPER,
    load_demo_data,
    load_demo_for_current_config,
)
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import (
    Application,
    AuditLog,
    Customer,
    Department,
    Installment,
    JournalEntry,
    JournalLine,
    Loan,
    Staff,
    Transaction,
)
from lowlend.persistence.repositories import IdNumberProtector
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.persistence.wiring import open_config_store
from lowlend.services.demo_data import (
    APPLICATION_STATUSES,
    generate_demo_data,
    open_application_count,
)
from lowlend.services.ledger_verify import verify_ledger
from lowlend.services.product_terms import terms_from_snapshot
from lowlend.spec.loader import read_bundle

REPO = Path(__file__).resolve().parents[2]
MASTER_KEY = "bG93bGVuZC10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXM="
LOANS = 40
PIPELINE = 2  # one loan awaiting disbursement, one partly disbursed (shipped config)


@dataclass
class Db:
    url: str
    sessions: sessionmaker[Session]
    registry: Any
    version_id: int


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    upgrade(database_url)
    files = read_bundle(REPO / "product_configs", REPO / "notification_templates")
    with open_config_store(database_url) as store:
        result = store.publish(files, "tester", "shipped configuration")
        registry = store.validate(files)
    engine = make_engine(database_url)
    try:
        yield Db(database_url, make_session_factory(engine), registry, result.version.id)
    finally:
        engine.dispose()


def _load(db: Db, **kwargs: Any) -> Any:
    kwargs.setdefault("loans", LOANS)
    kwargs.setdefault("master_key", MASTER_KEY)
    return load_demo_data(db.sessions(), db.registry, db.version_id, **kwargs)


def _count(s: Session, model: Any) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_load_counts_and_idempotency(db: Db) -> None:
    first = _load(db, user_ids={"admin": 1, "manager": 2, "finance": 4})
    assert first.loans_created == LOANS + PIPELINE and first.loans_already_present == 0
    assert first.departments_created == 8 and first.staff_created >= 6
    assert first.applications_created == LOANS + open_application_count(LOANS) + PIPELINE
    assert first.staff_linked == 3
    with db.sessions() as s:
        assert _count(s, Loan) == LOANS + PIPELINE
        assert _count(s, Application) == first.applications_created
        assert _count(s, Customer) == first.customers_created
        assert _count(s, Installment) == first.installments_created
        assert _count(s, Transaction) == first.transactions_created
        assert _count(s, Department) == 8
    with db.sessions() as s:
        counts = [
            _count(s, m)
            for m in (Loan, Application, Customer, Installment, Transaction, Staff, AuditLog)
        ]

    again = _load(db, user_ids={"admin": 1, "manager": 2, "finance": 4, "risk": 3})
    assert not again.loans_created and not again.customers_created
    assert not again.applications_created and not again.departments_created
    assert again.loans_already_present == LOANS + PIPELINE
    assert again.staff_linked == 1  # only the newly given user
    with db.sessions() as s:
        assert [
            _count(s, m)
            for m in (Loan, Application, Customer, Installment, Transaction, Staff, AuditLog)
        ] == counts
        linked = dict(
            s.execute(
                sa.select(Staff.employee_no, Staff.user_id).where(Staff.user_id.is_not(None))
            ).all()
        )
    assert sorted(linked.values()) == [1, 2, 3, 4]
    assert "demo data set already loaded" in _load(db).describe()


def test_more_loans_adds_only_the_missing_ones(db: Db) -> None:
    _load(db, loans=20)
    more = _load(db, loans=30)
    assert more.loans_created == 10 and more.loans_already_present == 20 + PIPELINE
    assert not more.departments_created and not more.staff_created
    with db.sessions() as s:
        assert _count(s, Loan) == 30 + PIPELINE
        keys = s.scalars(sa.select(Transaction.idempotency_key)
                         .where(Transaction.idempotency_key.is_not(None))).all()
        assert keys and len(keys) == len(set(keys))
    fewer = _load(db, loans=10)
    assert fewer.loans_created == 0 and fewer.applications_created == 0
    other_seed = _load(db, loans=5, seed=8)
    assert other_seed.loans_created == 5 + PIPELINE and not other_seed.departments_created
    with db.sessions() as s:
        assert _count(s, Loan) == 35 + 2 * PIPELINE


def test_loans_pin_the_version_and_the_schedule(db: Db) -> None:
    _load(db)
    with db.sessions() as s:
        every = s.scalars(sa.select(Loan)).all()
        # paid out in full (the loans in disbursement: test_loans_in_disbursement)
        loans = [loan for loan in every if loan.disbursed_principal == loan.principal]
        assert len(every) - len(loans) == PIPELINE
        for loan in loans:
            assert loan.config_version_id == db.version_id
            assert loan.application_id is not None
            assert s.get(Application, loan.application_id).status == "disbursed"  # type: ignore[union-attr]
            assert loan.terms_snapshot["config_version_id"] == db.version_id
            assert loan.terms_snapshot["fee_schedule"] is not None
            assert loan.contract_no and loan.contract_no.endswith(f"{loan.id:06d}")
            terms = terms_from_snapshot(loan.terms_snapshot)
            assert (terms.amount, terms.term, terms.annual_rate, terms.start) == (
                loan.principal,
                loan.term,
                loan.annual_rate,
                loan.disbursed_on,
            )
            rows = loan.installments
            # an early payoff shortens the schedule (reduce term)
            assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
            assert len(rows) == loan.term or loan.status == "closed"
            assert sum(r.principal for r in rows) == loan.principal
            assert loan.maturity_date == rows[-1].due_date
            paid = sum(
                r.principal_paid + r.interest_paid + r.fee_paid + r.penalty_paid for r in rows
            )
            txns = s.scalars(sa.select(Transaction).where(Transaction.loan_id == loan.id)).all()
            reversed_ids = {t.reversed_of for t in txns if t.type == "reversal"}
            repaid = sum(
                t.amount for t in txns
                if t.type in ("repayment", "prepayment") and t.id not in reversed_ids
            )
            assert repaid >= paid
        statuses = set(s.scalars(sa.select(Application.status)).all())
        assert statuses == set(APPLICATION_STATUSES)
        assert {row.config_version_id for row in s.scalars(sa.select(Application))} == {
            db.version_id
        }


def _cents(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _account_by_loan(s: Session, account: str) -> dict[int, Decimal]:
    e, ln = JournalEntry, JournalLine
    rows = s.execute(
        sa.select(e.loan_id, sa.func.sum(ln.debit - ln.credit))
        .join(ln, ln.entry_id == e.id)
        .where(ln.account == account, e.loan_id.is_not(None))
        .group_by(e.loan_id)
    ).all()
    return {int(loan_id or 0): _cents(total) for loan_id, total in rows}


def test_money_goes_through_the_engine_and_the_journal_verifies(db: Db) -> None:
    """Every demo loan is disbursed and repaid through the money use cases: the journal
    is balanced and chained (``lowlend ledger verify`` exits 0), each loan's principal
    account is its principal outstanding (less what was written off), the overpayment
    account never goes below zero, and the stored state is what the generator forecast
    with the same engine."""
    from click.testing import CliRunner

    from lowlend.cli.ledger_cmd import ledger

    summary = _load(db, user_ids={"admin": 1, "manager": 2, "finance": 4})
    assert summary.journal_entries_created >= summary.loans_created
    spec = db.registry.ledger
    with db.sessions() as s:
        principal = _account_by_loan(s, spec.principal_account)
        held = _account_by_loan(s, spec.overpayment_account)
        loans = s.scalars(sa.select(Loan).order_by(Loan.id)).all()
        assert len(loans) == LOANS + PIPELINE
        loans = [loan for loan in loans if loan.status != "approved"]  # not paid out
        assert len(loans) == LOANS + PIPELINE - 1
        for loan in loans:
            outstanding = sum((r.principal - r.principal_paid for r in loan.installments),
                              Decimal(0))
            assert principal[loan.id] == outstanding - loan.written_off_principal, loan.id
            assert -held.get(loan.id, Decimal(0)) >= 0, loan.id
            assert loan.disbursed_on is not None and loan.last_closed_business_date is not None
        by_status = {st: n for st, n in s.execute(
            sa.select(Loan.status, sa.func.count()).group_by(Loan.status)).all()}
        assert by_status.get("written_off", 0) >= 1 and by_status.get("overdue", 0) >= 1
        assert by_status.get("closed", 0) >= 1 and by_status.get("active", 0) >= 1
        types = {t: n for t, n in s.execute(
            sa.select(Transaction.type, sa.func.count()).group_by(Transaction.type)).all()}
        assert types["disbursement"] == LOANS + PIPELINE - 1
        assert types["reversal"] >= 1 and types["write_off"] >= 1 and types["prepayment"] >= 1
        # maker-checker: finance entered the corrections, the manager approved them
        corrections = s.scalars(sa.select(Transaction).where(
            Transaction.type.in_(("reversal", "write_off")))).all()
        assert {(t.status, t.created_by, t.approved_by) for t in corrections} == {
            ("posted", 4, 2)}
        # every posted money transaction has its journal entry
        posted = set(s.scalars(sa.select(Transaction.id).where(Transaction.status == "posted")))
        with_entry = set(s.scalars(sa.select(JournalEntry.transaction_id)
                                   .where(JournalEntry.transaction_id.is_not(None))))
        assert posted == with_entry
        # the engine's state is the generator's forecast
        data = generate_demo_data(db.registry, loans=LOANS)
        refs = {
            (a.after or {})["ref"]: a.entity_id
            for a in s.scalars(sa.select(AuditLog).where(
                AuditLog.action == DEMO_ACTION, AuditLog.entity == "loans"))
        }
        stored = {loan.id: (loan.status, loan.dpd, loan.classification) for loan in loans}
        for planned in data.loans:
            assert stored[int(refs[planned.ref])] == (
                planned.status, planned.dpd, planned.classification), planned.ref

    uow = SqlAlchemyUnitOfWork(db.sessions, {"ledger": SqlLedgerRepository})
    report = verify_ledger(uow)  # type: ignore[arg-type]
    assert report.ok and report.chain.entries == summary.journal_entries_created
    result = CliRunner().invoke(ledger, ["verify"], env={
        "LOWLEND_DATABASE_URL": db.url, "LOWLEND_LEDGER_SIGNING_KEY": "",
        "LOWLEND_LEDGER_PUBLIC_KEY": "", "LOWLEND_DEMO": ""})
    assert result.exit_code == 0, result.output


def test_money_columns_are_decimal(db: Db) -> None:
    _load(db, loans=10)
    with db.sessions() as s:
        loan = s.scalars(sa.select(Loan).order_by(Loan.id)).first()
        assert loan is not None
        inst = loan.installments[0]
        txn = s.scalars(sa.select(Transaction)).first()
        app = s.scalars(sa.select(Application)).first()
        assert txn is not None and app is not None
        values = [
            loan.principal,
            loan.annual_rate,
            inst.principal,
            inst.interest,
            inst.fee,
            inst.penalty,
            inst.principal_paid,
            txn.amount,
            app.amount,
            app.rate,
        ]
        assert all(isinstance(v, Decimal) for v in values), [type(v) for v in values]
        assert loan.principal == loan.principal.quantize(Decimal("0.01"))
        assert isinstance(loan.disbursed_on, date)


def test_identity_numbers_hashed_and_encrypted(db: Db) -> None:
    _load(db, loans=20)
    protector = IdNumberProtector(DEMO_PEPPER, MASTER_KEY)
    with db.sessions() as s:
        customers = s.scalars(sa.select(Customer)).all()
        assert customers
        for c in customers:
            assert c.id_number_enc is not None
            number = protector.decrypt(c.id_number_enc)
            assert number not in c.id_number_enc
            assert protector.hash(number) == c.id_number_hash
            if c.id_type == "resident_id":
                assert ric.is_valid(number)
            elif c.id_type == "unified_credit_code":
                assert uscc.is_valid(number)
        from lowlend.persistence.repositories import SqlCustomerRepository

        some = customers[0]
        found = SqlCustomerRepository(s).find_by_id_number(
            some.id_type, protector.decrypt(some.id_number_enc or ""), protector
        )
        assert found is not None and found.id == some.id


def test_without_master_key_only_the_hash_is_stored(db: Db) -> None:
    _load(db, loans=3, master_key=None)
    with db.sessions() as s:
        assert s.scalars(sa.select(Customer.id_number_enc)).all()
        assert set(s.scalars(sa.select(Customer.id_number_enc)).all()) == {None}


def test_department_tree_and_staff(db: Db) -> None:
    _load(db, loans=0)
    with db.sessions() as s:
        deps = {d.code: d for d in s.scalars(sa.select(Department))}
        hq = deps["HQ"]
        assert hq.path == f"/{hq.id}/" and hq.parent_id is None
        for code, d in deps.items():
            if code != "HQ":
                assert d.parent_id == hq.id and d.path == f"/{hq.id}/{d.id}/"
        assert deps["JX-NC"].region == "CN-JX" and "南昌" in deps["JX-NC"].name
        staff = s.scalars(sa.select(Staff)).all()
        assert all(st.department_id in {d.id for d in deps.values()} for st in staff)
        assert _count(s, Loan) == 0
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.action == DEMO_ACTION)).all()
        # no loans: only the config entities without a parent get (pool) records
        pool = {code for code, e in db.registry.entities.items() if e.parent is None}
        assert pool and {a.entity for a in audit} == {
        "customers", "applications", "customer_relations"} | pool


def test_one_transaction_nothing_written_on_failure(db: Db) -> None:
    with pytest.raises(ValueError):
        load_demo_data(db.sessions(), db.registry, db.version_id + 99, loans=5)
    with db.sessions() as s:
        assert _count(s, Department) == 0 and _count(s, Customer) == 0


def test_registry_must_match_the_version(db: Db) -> None:
    class Other:
        content_hash = "0" * 64
        products = db.registry.products
        fee_schedules = db.registry.fee_schedules
        dictionaries = db.registry.dictionaries
        eod = db.registry.eod
        regions = db.registry.regions

    with pytest.raises(ValueError, match="content hash"):
        load_demo_data(db.sessions(), Other(), db.version_id, loans=2)
    with db.sessions() as s:
        assert _count(s, Loan) == 0


def test_load_for_the_current_config(db: Db) -> None:
    summary = load_demo_for_current_config(db.sessions, loans=5, master_key=MASTER_KEY)
    assert summary.loans_created == 5 + PIPELINE and summary.config_version_id == db.version_id


def test_default_data_set(db: Db) -> None:
    """``lowlend demo`` without options: 200 loans, principal sums checked in SQL."""
    summary = load_demo_data(db.sessions(), db.registry, db.version_id, master_key=MASTER_KEY)
    assert summary.loans_created == 200 + PIPELINE
    with db.sessions() as s:
        sums = s.execute(
            sa.select(Loan.id, Loan.disbursed_principal, sa.func.sum(Installment.principal))
            .join(Installment, Installment.loan_id == Loan.id)
            .group_by(Loan.id, Loan.disbursed_principal)
        ).all()
        assert len(sums) == 200 + PIPELINE - 1  # the loan awaiting disbursement has none
        assert all(Decimal(total) == principal for _, principal, total in sums)
        assert set(s.scalars(sa.select(Loan.status)).all()) == {
            "approved", "active", "overdue", "closed", "written_off"}
        assert len(set(s.scalars(sa.select(Loan.product_code)).all())) == len(db.registry.products)


def test_concurrent_loads_do_not_duplicate(db: Db) -> None:
    import threading

    created: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            created.append(_load(db, loans=8).loans_created)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(created) == [0, 8 + PIPELINE]
    with db.sessions() as s:
        assert _count(s, Loan) == 8 + PIPELINE and _count(s, Department) == 8


def test_pepper_as_text_or_bytes() -> None:
    assert IdNumberProtector("p", None).hash("x") == IdNumberProtector(b"p", None).hash("x")
    assert IdNumberProtector("p", None).hash("x") != IdNumberProtector("q", None).hash("x")


def test_loans_in_disbursement(db: Db) -> None:
    """The disbursement screen has something to show: an approved loan awaiting
    disbursement and a loan of a tranche product paid out in part, both through the
    disbursement use case's rules (the journal holds what was paid out)."""
    data = generate_demo_data(db.registry, loans=LOANS)
    assert len(data.pipeline) == PIPELINE
    _load(db)
    refs = _refs(db)
    (app_wait, wait), (app_part, part) = data.pipeline
    assert wait.awaiting and part.first_tranche is not None
    with db.sessions() as s:
        waiting = s.get(Loan, int(refs[wait.ref]))
        assert waiting is not None and waiting.status == "approved"
        assert waiting.disbursed_on is None and waiting.classification is None
        assert waiting.contract_no and not waiting.installments
        assert not s.scalars(sa.select(Transaction).where(Transaction.loan_id == waiting.id)).all()
        assert s.get(Application, waiting.application_id).status == app_wait.status == "approved"
        partly = s.get(Loan, int(refs[part.ref]))
        assert partly is not None and partly.status == "active"
        product = db.registry.products[partly.product_code]
        assert product.disbursement.tranches is not None
        assert partly.disbursed_principal == part.first_tranche < partly.principal
        assert sum(r.principal for r in partly.installments) == part.first_tranche
        (txn,) = s.scalars(sa.select(Transaction).where(Transaction.loan_id == partly.id)).all()
        assert txn.type == "disbursement" and txn.allocation["tranche"] == 1
        assert Decimal(txn.allocation["principal"]) == part.first_tranche
        assert s.get(Application, partly.application_id).status == app_part.status
        principal_account = db.registry.ledger.principal_account
        assert _account_by_loan(s, principal_account)[partly.id] == part.first_tranche


def _refs(db: Db) -> dict[str, str]:
    with db.sessions() as s:
        return {
            (a.after or {})["ref"]: a.entity_id
            for a in s.scalars(sa.select(AuditLog).where(
                AuditLog.action == DEMO_ACTION, AuditLog.entity == "loans"))
        }


def test_open_loans_carry_their_delinquency_bucket(db: Db) -> None:
    """As the end-of-day classify step stores it: M0 when not past due, then by the
    ``bucket_edges`` of eod.yaml; loans that are not open have none."""
    from lowlend.domain.classification import delinquency_bucket
    from lowlend.services.demo_data.loans import _bucket_edges

    _load(db)
    edges = _bucket_edges(db.registry)
    with db.sessions() as s:
        rows = s.execute(sa.select(Loan.status, Loan.dpd, Loan.delinquency_bucket)).all()
    open_rows = [(dpd, b) for status, dpd, b in rows if status in ("active", "overdue")]
    assert open_rows and any(dpd > 0 for dpd, _ in open_rows)
    assert all(b == delinquency_bucket(dpd, edges) for dpd, b in open_rows)
    assert all(b is None for status, _, b in rows if status not in ("active", "overdue"))
