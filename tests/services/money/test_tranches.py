"""Disbursement in tranches through the use cases (SQLite and PostgreSQL): the first tranche
activates the loan, later ones add principal and rebuild the schedule; the refusals; the
journal keeps equalling the loan (the ledger verification finds nothing)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.ledger_verify import verify_ledger
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import disbursed_principal, loan_state
from lowlend.services.lending.repayments import RepaymentRequest, payoff, repay
from lowlend.spec.model import DisbursementSpec, TrancheSpec
from tests.services.money.world import MAKER, World

D = Decimal
START = dt.date(2026, 1, 5)
PRODUCT = "business_equal_principal"  # up to 3 tranches of at least 20,000.00


def _tranche(world: World, loan_id: int, amount: str | None, on: dt.date,
             today: dt.date | None = None) -> object:
    return disburse(world.uow, loan_id, DisbursementRequest(
        on, reference=f"BK-{on}", amount=None if amount is None else D(amount)),
        actor=MAKER, registry_for=world.registry_for, business_date=today or on)


def _one(world: World, sql: str, **params: object) -> object:
    with world.engine.connect() as c:
        return c.execute(sa.text(sql), params).scalar_one()


def _journal_principal(world: World, loan_id: int) -> Decimal:
    return D(str(_one(world, "SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l "
                      "JOIN journal_entries e ON e.id = l.entry_id WHERE e.loan_id = :l AND "
                      "l.account = 'loan_principal'", l=loan_id))).quantize(D("0.01"))


def _scheduled(world: World, loan_id: int) -> tuple[Decimal, Decimal]:
    with world.engine.connect() as c:
        p, paid = c.execute(sa.text("SELECT sum(principal), sum(principal_paid) FROM installments "
                                    "WHERE loan_id = :l"), {"l": loan_id}).one()
    return D(str(p)).quantize(D("0.01")), D(str(paid)).quantize(D("0.01"))


def _verified(world: World) -> None:
    uow = SqlAlchemyUnitOfWork(make_session_factory(world.engine), {"ledger": SqlLedgerRepository})
    report = verify_ledger(uow, current_registry=lambda: world.registry)
    assert report.ok, report


def test_tranches_add_principal_and_the_journal_follows(world: World) -> None:
    loan = world.approved_loan(PRODUCT, "300000.00", 12, start=START)
    first = _tranche(world, loan, "100000.00", START)
    assert first.status == "posted" and first.tranche == 1  # type: ignore[attr-defined]
    assert _one(world, "SELECT status FROM loans WHERE id = :l", l=loan) == "active"
    assert _scheduled(world, loan) == (D("100000.00"), D("0.00"))
    assert _journal_principal(world, loan) == D("100000.00")

    repay(world.uow, loan, RepaymentRequest(D("9000.00"), dt.date(2026, 1, 20)), actor=MAKER,
          registry_for=world.registry_for, business_date=dt.date(2026, 1, 20))
    second = _tranche(world, loan, "150000.00", dt.date(2026, 2, 10))
    assert second.tranche == 2 and second.principal == D("150000.00")  # type: ignore[attr-defined]
    total, paid = _scheduled(world, loan)
    assert total == D("250000.00")
    assert _journal_principal(world, loan) == total - paid
    with world.uow() as uow:
        row = uow.money.loan(loan)
        rows = uow.money.transactions(loan)
        assert disbursed_principal(rows) == row.disbursed_principal == D("250000.00")
        assert row.principal == D("300000.00") and row.disbursed_on == START
        state = loan_state(row, rows, dt.date(2026, 2, 10))
        spread = [r.allocation["spread_fees"] for r in rows if r.type == "disbursement"]
    assert state.principal_outstanding == total - paid
    # one-off fees collected spread (service 0.5 %, insurance 0.2 % of the principal): the
    # first tranche's schedule carries those of 100,000.00, the second its share of 300,000.00
    assert spread == ["700.00", "1050.00"]
    _verified(world)


def test_absent_amount_is_the_rest_and_then_nothing_is_left(world: World) -> None:
    loan = world.approved_loan(PRODUCT, "100000.00", 12, start=START)
    _tranche(world, loan, "40000.00", START)
    rest = _tranche(world, loan, None, dt.date(2026, 1, 15))
    assert rest.principal == D("60000.00")  # type: ignore[attr-defined]
    with pytest.raises(LendingError) as exc:
        _tranche(world, loan, "1000.00", dt.date(2026, 1, 16))
    assert exc.value.code == "loan_not_awaiting_disbursement" and exc.value.status == 409
    _verified(world)


@pytest.mark.parametrize(("amounts", "bad", "code", "status"), [
    ([], "300000.01", "tranche_exceeds_undisbursed", 422),
    (["100000.00"], "200000.01", "tranche_exceeds_undisbursed", 422),
    ([], "19999.99", "tranche_below_minimum", 422),
    (["50000.00", "50000.00", "50000.00"], "50000.00", "tranche_count_exceeded", 409),
    ([], "0.00", "amount_not_positive", 422),
    ([], "100.001", "amount_precision", 422),
])
def test_refused_tranches_post_nothing(world: World, amounts: list[str], bad: str, code: str,
                                       status: int) -> None:
    loan = world.approved_loan(PRODUCT, "300000.00", 12, start=START)
    for i, amount in enumerate(amounts):
        _tranche(world, loan, amount, START + dt.timedelta(days=i))
    entries = _one(world, "SELECT count(*) FROM journal_entries")
    txns = _one(world, "SELECT count(*) FROM transactions")
    with pytest.raises(LendingError) as exc:
        _tranche(world, loan, bad, dt.date(2026, 1, 20))
    assert (exc.value.code, exc.value.status) == (code, status)
    assert exc.value.field == "amount"
    assert _one(world, "SELECT count(*) FROM journal_entries") == entries
    assert _one(world, "SELECT count(*) FROM transactions") == txns


def test_a_product_without_tranches_pays_out_in_full(world: World) -> None:
    loan = world.approved_loan("consumer_emi", "12000.00", 12, start=START)
    with pytest.raises(LendingError) as exc:
        _tranche(world, loan, "6000.00", START)
    assert exc.value.code == "tranches_not_allowed"
    assert exc.value.params["rest"] == "12000.00"
    assert _tranche(world, loan, "12000.00", START).principal == D("12000.00")  # type: ignore[attr-defined]


def test_no_tranche_on_an_overdue_or_closed_loan(world: World) -> None:
    loan = world.approved_loan(PRODUCT, "300000.00", 12, start=START)
    _tranche(world, loan, "100000.00", START)
    late = dt.date(2026, 3, 1)  # the 20 Jan and 20 Feb installments are unpaid
    repay(world.uow, loan, RepaymentRequest(D("1.00"), late), actor=MAKER,
          registry_for=world.registry_for, business_date=late)
    assert _one(world, "SELECT status FROM loans WHERE id = :l", l=loan) == "overdue"
    with pytest.raises(LendingError) as exc:
        _tranche(world, loan, "50000.00", late)
    assert (exc.value.code, exc.value.status) == ("loan_not_open_for_tranche", 409)


def test_tranche_after_the_last_due_date_is_refused(world: World) -> None:
    loan = world.approved_loan(PRODUCT, "100000.00", 6, start=START)
    _tranche(world, loan, "50000.00", START)
    with world.uow() as uow:
        maturity = uow.money.loan(loan).maturity_date
    with pytest.raises(LendingError) as exc:
        _tranche(world, loan, "50000.00", maturity, today=maturity)
    # a loan whose installments are all unpaid is overdue by then: either refusal is right,
    # and neither posts
    assert exc.value.code in ("tranche_after_maturity", "loan_not_open_for_tranche")


def test_back_dated_repayment_and_payoff_after_a_tranche(world: World) -> None:
    loan = world.approved_loan(PRODUCT, "200000.00", 12, start=START)
    _tranche(world, loan, "100000.00", START)
    _tranche(world, loan, "100000.00", dt.date(2026, 1, 25))
    today = dt.date(2026, 4, 25)  # prepayment allowed after 3 periods
    # entered today, valued before the second tranche: replayed in value-date order
    repay(world.uow, loan, RepaymentRequest(D("10000.00"), dt.date(2026, 1, 20)), actor=MAKER,
          registry_for=world.registry_for, business_date=today)
    total, paid = _scheduled(world, loan)
    assert total == D("200000.00") and _journal_principal(world, loan) == total - paid
    figures = payoff(world.uow(), loan, today, today)
    repay(world.uow, loan, RepaymentRequest(figures.total, today, kind="payoff"), actor=MAKER,
          registry_for=world.registry_for, business_date=today)
    assert _one(world, "SELECT status FROM loans WHERE id = :l", l=loan) == "closed"
    assert _journal_principal(world, loan) == D("0.00")
    _verified(world)


class _WithTranches:
    """The shipped registry with a tranche option added to one product (the shipped
    products that allow tranches collect their fees spread, not upfront)."""

    def __init__(self, registry: Any, product: str) -> None:
        spec = registry.products[product]
        option = DisbursementSpec(TrancheSpec(3, D("10000.00")))
        self._registry = registry
        self.products = {**registry.products, product: dataclasses.replace(spec, disbursement=option)}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)


def test_upfront_fees_are_charged_pro_rata(world: World) -> None:
    """hk_personal_loan deducts its fees upfront: the tranches together charge what one
    disbursement of the approved principal would, each about its share."""
    registry = _WithTranches(world.registry, "hk_personal_loan")
    loan = world.approved_loan("hk_personal_loan", "100000.00", 12, start=START)
    whole = world.approved_loan("hk_personal_loan", "100000.00", 12, start=START)

    def pay(loan_id: int, amount: str | None, on: dt.date) -> Any:
        return disburse(world.uow, loan_id, DisbursementRequest(
            on, reference="BK", amount=None if amount is None else D(amount)),
            actor=MAKER, registry_for=lambda _v: registry, business_date=on)

    a = pay(loan, "30000.00", START)
    b = pay(loan, None, dt.date(2026, 1, 10))
    full = pay(whole, None, START)
    assert full.upfront_fees > 0
    assert a.upfront_fees + b.upfront_fees == full.upfront_fees
    assert a.upfront_fees == (full.upfront_fees * D("0.3")).quantize(D("0.01"))
    assert a.net_proceeds == D("30000.00") - a.upfront_fees
    _verified(world)
