"""Entrusted loans draw on the entrusting party's funds (SQLite and PostgreSQL): deposits and
withdrawals post their entries, the available funds come from the journal, and a
disbursement (or tranche) above them is refused without posting anything."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lowlend.integrations.payments import SANDBOX_CARDS, SandboxGateway
from lowlend.services.lending import corrections, entrusted_funds
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.entrusted_funds import FundsRequest, deposit, party_funds, withdraw
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.payment_flow import apply_result
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import CHECKER, MAKER, PARTY, World

D = Decimal
START = dt.date(2026, 1, 5)
PRODUCT = "entrusted_loan"  # up to 4 tranches of at least 100,000.00


def _available(world: World) -> Decimal:
    return party_funds(world.uow, world.registry, PARTY)[0].available


def _count(world: World, table: str) -> int:
    with world.engine.connect() as c:
        return int(c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _move(world: World, kind: str, amount: str, on: dt.date = START, reference: str = "R1",
          party: int = PARTY) -> entrusted_funds.MovementResult:
    fn = deposit if kind == "deposit" else withdraw
    return fn(world.uow, party, FundsRequest(D(amount), on, reference), actor=MAKER,
              registry=world.registry, business_date=on)


def _loan(world: World, amount: str = "1000000.00") -> int:
    return world.approved_loan(PRODUCT, amount, 4, start=START,
                               custom={"entrusting_party": PARTY}, fund=False)


def _disburse(world: World, loan: int, amount: str | None, on: dt.date = START) -> object:
    return disburse(world.uow, loan, DisbursementRequest(
        on, reference="BK", amount=None if amount is None else D(amount)),
        actor=MAKER, registry_for=world.registry_for, business_date=on)


def test_deposit_and_withdrawal_post_their_entries(world: World) -> None:
    result = _move(world, "deposit", "800000.00")
    assert result.funds.available == D("800000.00")
    assert result.funds.name == "赣江投资有限公司"
    with world.engine.connect() as c:
        lines = c.execute(sa.text(
            "SELECT account, debit, credit FROM journal_lines WHERE entry_id = :e ORDER BY id"),
            {"e": result.journal_entry_id}).all()
    assert [(a, D(str(d)), D(str(c_))) for a, d, c_ in lines] == [
        ("bank", D("800000.00"), D("0.00")), ("entrusted_funds", D("0.00"), D("800000.00"))]
    assert _move(world, "withdrawal", "300000.00").funds.available == D("500000.00")
    funds, movements = party_funds(world.uow, world.registry, PARTY)
    assert [(m.type, m.amount) for m in movements] == [
        ("withdrawal", D("300000.00")), ("deposit", D("800000.00"))]
    assert funds.balance == D("500000.00") and funds.principal_out == 0


def test_disbursement_above_the_funds_is_refused_naming_both(world: World) -> None:
    loan = _loan(world)
    _move(world, "deposit", "600000.00")
    entries, txns = _count(world, "journal_entries"), _count(world, "transactions")
    with pytest.raises(LendingError) as exc:
        _disburse(world, loan, None)
    assert (exc.value.code, exc.value.status) == ("entrusted_funds_insufficient", 409)
    assert exc.value.params["available"] == "600000.00"
    assert exc.value.params["needed"] == "1000000.00"
    assert (_count(world, "journal_entries"), _count(world, "transactions")) == (entries, txns)
    # a tranche within the funds is paid out; the next one beyond them is refused
    _disburse(world, loan, "500000.00")
    assert _available(world) == D("100000.00")
    with pytest.raises(LendingError) as again:
        _disburse(world, loan, "200000.00", dt.date(2026, 1, 10))
    assert again.value.params["available"] == "100000.00"
    _move(world, "deposit", "400000.00", dt.date(2026, 1, 10), "R2")
    _disburse(world, loan, None, dt.date(2026, 1, 10))
    assert _available(world) == D("0.00")


def test_collections_flow_back_into_the_funds(world: World) -> None:
    loan = _loan(world, "500000.00")
    _move(world, "deposit", "500000.00")
    _disburse(world, loan, None)
    assert _available(world) == D("0.00")
    on = dt.date(2026, 4, 5)
    repay(world.uow, loan, RepaymentRequest(D("20000.00"), on), actor=MAKER,
          registry_for=world.registry_for, business_date=on)
    funds = party_funds(world.uow, world.registry, PARTY)[0]
    # interest and penalties collected are owed to the party and principal repaid frees its
    # funds: all of the payment but the lender's agency fee and what the borrower overpaid
    with world.engine.connect() as c:
        kept = D(str(c.execute(sa.text(
            "SELECT coalesce(sum(l.credit - l.debit), 0) FROM journal_lines l JOIN journal_entries"
            " e ON e.id = l.entry_id WHERE e.loan_id = :l AND l.account IN "
            "('agency_fee_income', 'borrower_credit')"), {"l": loan}).scalar_one()))
    assert funds.available == D("20000.00") - kept
    assert funds.available > 0


def test_withdrawal_above_the_available_funds_is_refused(world: World) -> None:
    loan = _loan(world, "500000.00")
    _move(world, "deposit", "700000.00")
    _disburse(world, loan, None)
    entries = _count(world, "journal_entries")
    with pytest.raises(LendingError) as exc:
        _move(world, "withdrawal", "200000.01")
    assert (exc.value.code, exc.value.status, exc.value.field) == (
        "entrusted_funds_insufficient", 409, "amount")
    assert exc.value.params["available"] == "200000.00"
    assert _count(world, "journal_entries") == entries
    assert _count(world, "entrusted_fund_movements") == 1


@pytest.mark.parametrize(("amount", "reference", "on", "code", "field"), [
    ("0.00", "R", START, "amount_not_positive", "amount"),
    ("-5.00", "R", START, "amount_not_positive", "amount"),
    ("10.005", "R", START, "amount_precision", "amount"),
    ("10000000000000.00", "R", START, "amount_too_large", "amount"),
    ("10.00", "  ", START, "reference_required", "reference"),
    ("10.00", "R", START + dt.timedelta(days=1), "value_date_in_future", "value_date"),
])
def test_bad_input_names_the_field(world: World, amount: str, reference: str, on: dt.date,
                                   code: str, field: str) -> None:
    with pytest.raises(LendingError) as exc:
        deposit(world.uow, PARTY, FundsRequest(D(amount), on, reference), actor=MAKER,
                registry=world.registry, business_date=START)
    assert (exc.value.code, exc.value.field, exc.value.status) == (code, field, 422)
    assert _count(world, "entrusted_fund_movements") == 0


def test_unknown_party(world: World) -> None:
    with pytest.raises(LendingError) as exc:
        _move(world, "deposit", "10.00", party=999)
    assert (exc.value.code, exc.value.status) == ("entrusting_party_not_found", 404)
    assert _count(world, "journal_entries") == 0


def test_a_tranche_waiting_for_the_gateway_reserves_the_funds(world: World) -> None:
    gateway = SandboxGateway(funding_balance=Decimal("5000000.00"))
    loan = _loan(world)
    _move(world, "deposit", "1000000.00")
    _disburse(world, loan, "400000.00")
    later = dt.date(2026, 1, 20)
    pending = disburse(world.uow, loan, DisbursementRequest(
        later, "gateway", card_number=SANDBOX_CARDS["duplicate_callback"], bank_code="ICBC",
        amount=D("300000.00")), actor=MAKER, registry_for=world.registry_for,
        business_date=later, gateway=gateway)
    assert pending.status == "pending" and pending.tranche == 2  # type: ignore[attr-defined]
    funds = party_funds(world.uow, world.registry, PARTY)[0]
    assert (funds.reserved, funds.available) == (D("300000.00"), D("300000.00"))
    with pytest.raises(LendingError) as exc:  # the reserved money cannot be withdrawn
        _move(world, "withdrawal", "300000.01", later, "WD")
    assert exc.value.code == "entrusted_funds_insufficient"
    first, _second = (gateway.verify_callback(d.headers, d.body)
                      for d in gateway.release_callbacks())
    outcome = apply_result(world.uow, first, registry_for=world.registry_for, business_date=later)
    assert (outcome.action, outcome.reason) == ("apply", "settled")
    funds = party_funds(world.uow, world.registry, PARTY)[0]
    assert (funds.reserved, funds.principal_out, funds.available) == (
        D("0.00"), D("700000.00"), D("300000.00"))
    with world.uow() as uow:
        assert uow.money.loan(loan).disbursed_principal == D("700000.00")


def test_the_party_bears_a_write_off_and_gets_the_recovery(world: World) -> None:
    """委托人承担贷款风险: writing an entrusted loan off frees none of the party's funds (the
    lost principal is charged to them); money recovered afterwards is the party's."""
    loan = _loan(world, "500000.00")
    _move(world, "deposit", "600000.00")
    _disburse(world, loan, None)
    assert _available(world) == D("100000.00")
    late = START + dt.timedelta(days=400)  # far past the write-off threshold
    request = corrections.request_write_off(world.uow, loan, reason="lost", actor=MAKER,
                                            registry_for=world.registry_for, business_date=late)
    corrections.approve(world.uow, request, actor=CHECKER, registry_for=world.registry_for,
                        business_date=late)
    funds = party_funds(world.uow, world.registry, PARTY)[0]
    assert funds.principal_out == 0
    assert funds.available == D("100000.00")  # the 500,000.00 are lost to the party
    corrections.record_recovery(world.uow, loan, D("30000.00"), value_date=late, reference="RC",
                                actor=MAKER, registry_for=world.registry_for, business_date=late)
    assert _available(world) == D("130000.00")
