"""``verify_ledger`` compares every loan with journal entries with the journal: the
configured principal account's balance is the loan's principal outstanding minus
written-off principal, the overpayment account's credit balance is not negative.
Loans move through the real money use cases (disburse, repay) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lowlend.domain.ledger import ZERO, EntryDraft, Line
from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.config_store import NoPublishedConfig
from lowlend.services.ledger_verify import (
    NO_CONFIG_NOTE,
    LedgerReport,
    LoanAccounts,
    report_summary,
    verify_ledger,
)
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import MAKER, World


def _ledger_uow(world: World) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(make_session_factory(world.engine),
                                {"ledger": SqlLedgerRepository})


def _verify(world: World, registry: Callable[[], Any] | None = None) -> LedgerReport:
    return verify_ledger(_ledger_uow(world),
                         current_registry=registry or (lambda: world.registry))


def _disbursed(world: World, amount: str = "12000.00", repaid: str | None = "1100.00") -> int:
    loan_id = world.approved_loan(amount=amount)
    disburse(world.uow, loan_id, DisbursementRequest(dt.date(2026, 1, 6), reference="BK1"),
             actor=MAKER, registry_for=world.registry_for, business_date=dt.date(2026, 1, 6))
    if repaid:
        repay(world.uow, loan_id, RepaymentRequest(Decimal(repaid), dt.date(2026, 2, 6)),
              actor=MAKER, registry_for=world.registry_for,
              business_date=dt.date(2026, 2, 10), idempotency_key=f"k{loan_id}")
    return loan_id


def _sql(world: World, statement: str) -> None:
    with world.engine.begin() as conn:
        conn.execute(sa.text(statement))


def _post(world: World, loan_id: int, *lines: Line) -> None:
    with make_session_factory(world.engine)() as session:
        SqlLedgerRepository(session).append(
            EntryDraft(dt.date(2026, 2, 11), "manual", lines, loan_id=loan_id))
        session.commit()


def test_loans_posted_by_the_use_cases_agree(world: World) -> None:
    _disbursed(world)
    _disbursed(world, "5000.00", repaid=None)
    report = _verify(world)
    assert report.ok, report
    assert report.loans_checked == 2 and report.loan_problem is None
    assert report.loan_accounts == LoanAccounts("loan_principal", "borrower_credit")
    assert world.registry.ledger.principal_account == "loan_principal"


def test_a_changed_installment_names_the_loan(world: World) -> None:
    good, bad = _disbursed(world), _disbursed(world)
    _sql(world, f"UPDATE installments SET principal_paid = principal_paid + 10 "
                f"WHERE loan_id = {bad} AND seq = 3")
    report = _verify(world)
    assert not report.ok and report.chain.ok
    problem = report.loan_problem
    assert problem is not None and problem.loan_id == bad != good
    assert (problem.reason, problem.account) == ("principal_differs", "loan_principal")
    assert problem.ledger - problem.loan == Decimal("10.00")  # type: ignore[operator]
    assert f"journal {problem.ledger:.2f}, loan {problem.loan:.2f}" in problem.detail
    summary = report_summary(report)
    assert summary["ok"] is False and summary["first_bad_loan"]["loan_id"] == bad
    assert summary["first_bad_loan"]["ledger"] == f"{problem.ledger:.2f}"


def test_the_first_of_several_differing_loans_is_reported(world: World) -> None:
    ids = [_disbursed(world, repaid=None) for _ in range(3)]
    for loan_id in ids[1:]:
        _sql(world, f"UPDATE installments SET principal = principal + 1 "
                    f"WHERE loan_id = {loan_id} AND seq = 1")
    report = _verify(world)
    assert report.loan_problem is not None and report.loan_problem.loan_id == ids[1]
    assert (report.loans_checked, report.loans_differing) == (3, 2)


def test_written_off_principal_counts_once_posted(world: World) -> None:
    loan_id = _disbursed(world)
    _sql(world, f"UPDATE loans SET written_off_principal = 2000.00 WHERE id = {loan_id}")
    problem = _verify(world).loan_problem
    assert problem is not None and problem.ledger - problem.loan == Decimal("2000.00")  # type: ignore[operator]
    _post(world, loan_id, Line("write_off_expense", Decimal("2000.00"), ZERO),
          Line("loan_principal", ZERO, Decimal("2000.00")))
    assert _verify(world).ok


def test_a_negative_overpayment_balance_names_the_loan(world: World) -> None:
    loan_id = _disbursed(world)
    _post(world, loan_id, Line("borrower_credit", Decimal("5.00"), ZERO),
          Line("bank", ZERO, Decimal("5.00")))
    problem = _verify(world).loan_problem
    assert problem is not None and problem.loan_id == loan_id
    assert (problem.reason, problem.account) == ("overpayment_negative", "borrower_credit")
    assert problem.ledger == Decimal("-5.00") and problem.loan is None


def test_the_accounts_come_from_the_registry(world: World) -> None:
    """Another principal account in the published configuration: the loans are compared
    on that account (here: it holds nothing, so the first loan differs)."""
    loan_id = _disbursed(world)

    class Ledger:
        principal_account, overpayment_account = "other_principal", "borrower_credit"

    class Registry:
        ledger = Ledger()

    problem = _verify(world, lambda: Registry()).loan_problem
    assert problem is not None and (problem.loan_id, problem.account) == (
        loan_id, "other_principal")
    assert problem.ledger == ZERO


def test_nothing_published_skips_the_loans_with_a_note(world: World) -> None:
    _disbursed(world)
    _sql(world, "UPDATE installments SET principal_paid = principal_paid + 1")

    def nothing() -> Any:
        raise NoPublishedConfig()

    report = _verify(world, nothing)
    assert report.ok and report.loans_checked is None and report.loans_note == NO_CONFIG_NOTE
    assert verify_ledger(_ledger_uow(world)).loans_note is None  # not asked: no note


def test_one_statement_for_all_loans(world: World) -> None:
    """Set-based: the comparison reads both sides in one statement, however many loans."""
    for _ in range(4):
        _disbursed(world, repaid=None)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with _ledger_uow(world) as uow:
        sa.event.listen(world.engine, "before_cursor_execute", count)
        try:
            figures = uow.ledger.loan_figures(LoanAccounts("loan_principal", "borrower_credit"))
        finally:
            sa.event.remove(world.engine, "before_cursor_execute", count)
    assert len(figures) == 4 and len(statements) == 1
    assert all(f.ledger_principal == f.loan_principal for f in figures.values())


def test_a_loan_without_installments_counts_zero(world: World) -> None:
    loan_id = _disbursed(world, repaid=None)
    _sql(world, f"DELETE FROM installments WHERE loan_id = {loan_id}")
    problem = _verify(world).loan_problem
    assert problem is not None and problem.loan == ZERO and problem.ledger > ZERO
