"""Balances as of a date and the trial balance: the service over a fake port (ordering,
totals, sides, groupings) and over the SQL repository on SQLite and PostgreSQL (as-of
cut-off, per account / loan / department / currency, department subtree, data scope)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from lowlend.domain.conventions import DataScope
from lowlend.domain.ledger import ZERO, EntryDraft, Line
from lowlend.services.data_scope import Principal
from lowlend.services.ledger_balances import (
    BalanceFilter,
    BalanceQueryError,
    BalanceRow,
    LoanScope,
    balances,
    trial_balance,
)

D = Decimal
JAN, FEB, MAR = dt.date(2026, 1, 15), dt.date(2026, 2, 15), dt.date(2026, 3, 15)
CHART = {"bank": "asset", "loan_principal": "asset", "interest_income": "income",
         "fee_income": "income", "borrower_credit": "liability"}


class FakePort:
    def __init__(self, rows: list[BalanceRow]) -> None:
        self.rows = rows
        self.asked: list[tuple[BalanceFilter, tuple[str, ...]]] = []

    def balances(self, flt: BalanceFilter, by: Sequence[str]) -> list[BalanceRow]:
        self.asked.append((flt, tuple(by)))
        return list(self.rows)

    def currencies(self) -> list[str]:
        return sorted({r.currency for r in self.rows})


# -- the service ----------------------------------------------------------------------


def test_trial_balance_orders_by_the_chart_and_totals_per_currency() -> None:
    port = FakePort([
        BalanceRow("zz_unknown", "CNY", D("5.00"), D("0.00")),
        BalanceRow("interest_income", "CNY", D("0.00"), D("30.00")),
        BalanceRow("bank", "CNY", D("1030.00"), D("10000.00")),
        BalanceRow("loan_principal", "CNY", D("10000.00"), D("1005.00")),
        BalanceRow("bank", "HKD", D("50.00"), D("0.00")),
        BalanceRow("borrower_credit", "HKD", D("0.00"), D("50.00")),
    ])
    tb = trial_balance(port, BalanceFilter(MAR), CHART)
    assert [(ln.account, ln.currency) for ln in tb.lines] == [
        ("bank", "CNY"), ("bank", "HKD"), ("loan_principal", "CNY"), ("interest_income", "CNY"),
        ("borrower_credit", "HKD"), ("zz_unknown", "CNY"),
    ]
    bank = tb.lines[0]
    assert (bank.balance_debit, bank.balance_credit) == (ZERO, D("8970.00"))
    assert tb.lines[-1].account_type is None
    cny = tb.totals["CNY"]
    assert (cny.debit, cny.credit) == (D("11035.00"), D("11035.00"))
    assert (cny.balance_debit, cny.balance_credit) == (D("9000.00"), D("8970.00") + D("30.00"))
    assert list(tb.totals) == ["CNY", "HKD"]
    assert tb.balanced
    assert port.asked[0][1] == ("account", "currency")


def test_an_unbalanced_set_of_rows_is_reported() -> None:
    port = FakePort([BalanceRow("bank", "CNY", D("10.00"), D("0.00"))])
    tb = trial_balance(port, BalanceFilter(MAR), CHART)
    assert not tb.balanced and not tb.totals["CNY"].balanced


def test_empty_journal_is_balanced() -> None:
    tb = trial_balance(FakePort([]), BalanceFilter(MAR), CHART)
    assert tb.lines == () and tb.balanced


@pytest.mark.parametrize("by", [(), ("branch",), ("account", "nothing")])
def test_unknown_grouping_is_refused(by: tuple[str, ...]) -> None:
    with pytest.raises(BalanceQueryError) as caught:
        balances(FakePort([]), BalanceFilter(MAR), by)
    assert caught.value.code == "balance_grouping_invalid" and caught.value.field == "by"


# -- the SQL repository ---------------------------------------------------------------


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    from lowlend.persistence.engine import make_engine, make_session_factory
    from lowlend.persistence.migrate import upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _world(session: Session) -> dict[str, int]:
    """Head office → branch → sub-branch; one loan in each; a loan of no department."""
    from lowlend.persistence.models import ConfigVersion, Customer, Department, Loan

    head = Department(code="HQ", name="总部")
    session.add(head)
    session.flush()
    branch = Department(code="BR", name="分公司", parent=head)
    session.add(branch)
    session.flush()
    sub = Department(code="SUB", name="营业部", parent=branch)
    session.add(sub)
    version = ConfigVersion(number=1, content_hash="x", bundle="{}", author="test")
    customer = Customer(name="王小明", id_type="resident_id", id_number_hash="h1")
    session.add_all([version, customer])
    session.flush()
    ids: dict[str, int] = {"head": head.id, "branch": branch.id, "sub": sub.id}
    for name, dept in (("l_head", head.id), ("l_branch", branch.id), ("l_sub", sub.id),
                       ("l_none", None)):
        loan = Loan(customer_id=customer.id, product_code="p", config_version_id=version.id,
                    principal=D("1000.00"), annual_rate=D("0.1"), department_id=dept)
        session.add(loan)
        session.flush()
        ids[name] = loan.id
    return ids


def _disburse(loan_id: int, day: dt.date, amount: str, currency: str = "CNY") -> EntryDraft:
    a = D(amount)
    fee = (a / 100).quantize(D("0.01"))
    return EntryDraft(day, "disbursement", (
        Line("loan_principal", a, ZERO, currency), Line("bank", ZERO, a - fee, currency),
        Line("fee_income", ZERO, fee, currency)), loan_id=loan_id)


def _repay(loan_id: int | None, day: dt.date, principal: str, interest: str,
           currency: str = "CNY") -> EntryDraft:
    p, i = D(principal), D(interest)
    return EntryDraft(day, "repayment", (
        Line("bank", p + i, ZERO, currency), Line("loan_principal", ZERO, p, currency),
        Line("interest_income", ZERO, i, currency)), loan_id=loan_id)


@pytest.fixture
def journal(sessions: sessionmaker[Session]) -> dict[str, int]:
    from lowlend.persistence.ledger_repository import SqlLedgerRepository

    with sessions() as session:
        ids = _world(session)
        repo = SqlLedgerRepository(session)
        for draft in (
            _disburse(ids["l_head"], JAN, "10000.00"),
            _disburse(ids["l_branch"], JAN, "5000.00"),
            _disburse(ids["l_sub"], FEB, "2000.00"),
            _repay(ids["l_head"], FEB, "800.10", "100.07"),
            _repay(ids["l_branch"], MAR, "400.00", "50.00"),
            _disburse(ids["l_none"], JAN, "300.00", "HKD"),
            _repay(None, MAR, "0.10", "0.20"),  # an entry of no loan (e.g. a bank charge)
        ):
            repo.append(draft)
        session.commit()
    return ids


def _sums(rows: list[BalanceRow], *key: str) -> dict[tuple[object, ...], tuple[Decimal, Decimal]]:
    return {tuple(getattr(r, k) for k in key): (r.debit, r.credit) for r in rows}


def test_balances_as_of_a_date_per_account(sessions: sessionmaker[Session],
                                           journal: dict[str, int]) -> None:
    from lowlend.persistence.ledger_balances_repository import SqlLedgerBalances

    with sessions() as session:
        repo = SqlLedgerBalances(session)
        jan = _sums(balances(repo, BalanceFilter(JAN, currency="CNY")), "account")
        assert jan == {
            ("bank",): (ZERO, D("14850.00")),
            ("fee_income",): (ZERO, D("150.00")),
            ("loan_principal",): (D("15000.00"), ZERO),
        }
        feb = _sums(balances(repo, BalanceFilter(FEB, currency="CNY")), "account")
        assert feb[("loan_principal",)] == (D("17000.00"), D("800.10"))
        assert feb[("interest_income",)] == (ZERO, D("100.07"))
        assert repo.currencies() == ["CNY", "HKD"]
        tb = trial_balance(repo, BalanceFilter(MAR), CHART)
        assert tb.balanced and set(tb.totals) == {"CNY", "HKD"}
        assert tb.totals["HKD"].debit == D("300.00")
        assert tb.totals["CNY"].debit == D("17000.00") + D("900.17") + D("450.00") + D("0.30")


def test_balances_per_loan_department_and_currency(sessions: sessionmaker[Session],
                                                   journal: dict[str, int]) -> None:
    from lowlend.persistence.ledger_balances_repository import SqlLedgerBalances

    ids = journal
    with sessions() as session:
        repo = SqlLedgerBalances(session)
        rows = balances(repo, BalanceFilter(MAR), ("loan", "account"))
        per_loan = {(r.loan_id, r.account): r.balance for r in rows}
        assert per_loan[(ids["l_head"], "loan_principal")] == D("9199.90")
        assert per_loan[(ids["l_branch"], "loan_principal")] == D("4600.00")
        assert per_loan[(None, "bank")] == D("0.30")
        by_dept = _sums(balances(repo, BalanceFilter(MAR), ("department", "currency")),
                        "department_id", "currency")
        assert by_dept[(ids["sub"], "CNY")] == (D("2000.00"), D("2000.00"))
        assert by_dept[(None, "HKD")] == (D("300.00"), D("300.00"))
        assert by_dept[(None, "CNY")] == (D("0.30"), D("0.30"))  # the entry of no loan

        # the branch's filter takes its sub-branch too; the head office everything below it
        branch = trial_balance(repo, BalanceFilter(MAR, department_id=ids["branch"]), CHART)
        principal = next(ln for ln in branch.lines if ln.account == "loan_principal")
        assert principal.balance_debit == D("5000.00") - D("400.00") + D("2000.00")
        assert branch.balanced and list(branch.totals) == ["CNY"]
        head = trial_balance(repo, BalanceFilter(MAR, department_id=ids["head"]), CHART)
        assert head.totals["CNY"].debit == D("17000.00") + D("900.17") + D("450.00")
        nowhere = balances(repo, BalanceFilter(MAR, department_id=999_999))
        assert nowhere == []
        one = _sums(balances(repo, BalanceFilter(MAR, loan_id=ids["l_sub"])), "account")
        assert one == {("bank",): (ZERO, D("1980.00")), ("fee_income",): (ZERO, D("20.00")),
                       ("loan_principal",): (D("2000.00"), ZERO)}


def test_balances_respect_the_data_scope(sessions: sessionmaker[Session],
                                         journal: dict[str, int]) -> None:
    from lowlend.persistence.ledger_balances_repository import SqlLedgerBalances
    from lowlend.persistence.models import Department

    ids = journal
    with sessions() as session:
        path = session.execute(
            sa.select(Department.path).where(Department.id == ids["branch"])
        ).scalar_one()
        me = Principal(user_id=7, department_id=ids["branch"], department_path=path,
                       role_codes=frozenset({"finance"}))
        repo = SqlLedgerBalances(session)

        def loans(scope: DataScope | None) -> set[int | None]:
            flt = BalanceFilter(MAR, scope=LoanScope(scope, me))
            return {r.loan_id for r in balances(repo, flt, ("loan",))}

        assert loans(DataScope.DEPARTMENT_TREE) == {ids["l_branch"], ids["l_sub"]}
        assert loans(DataScope.DEPARTMENT) == {ids["l_branch"]}
        assert loans(DataScope.ALL) == {ids["l_head"], ids["l_branch"], ids["l_sub"],
                                         ids["l_none"], None}
        assert loans(None) == set()
        tree = trial_balance(repo, BalanceFilter(MAR, scope=LoanScope(DataScope.DEPARTMENT_TREE,
                                                                       me)), CHART)
        assert tree.balanced
