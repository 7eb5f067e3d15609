"""Random disburse (in tranches where the product allows, incl. back-dated tranches) / repay
(incl. back-dated) / payoff / reverse / refund / write-off / recovery operations and the
entrusting party's deposits and withdrawals, checked after every step: every entry
balances and chains, the trial balance is zero, per loan the journal equals the loan
(principal outstanding less what was written off; overpayment held), and the party's
available funds equal its movements plus what its loans collected (and recovered after a
write-off) for it less what they have out (written-off principal included: the loss is the
party's). Then a stored amount or hash is changed and the
verification names exactly that entry."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from lowlend.domain.ledger_chain import verify_chain
from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.services.lending import corrections, entrusted_funds
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loan_postings import (
    disbursed_principal,
    loan_state,
    overpayment_held,
)
from lowlend.services.lending.repayments import RepaymentRequest, payoff, repay
from tests.services.money.world import CHECKER, MAKER, PARTY, World, make_world

START = dt.date(2026, 1, 5)
LAST_SALE = dt.date(2027, 12, 1)  # the seed products are on sale until 2027-12-31
PRODUCTS = ("consumer_emi", "installment_flat", "business_equal_principal", "entrusted_loan")
# refusals the rules of the money path may give to a random operation (never a defect)
EXPECTED = frozenset({
    "loan_closed", "loan_written_off", "loan_not_open", "prepayment_not_allowed_yet",
    "refund_above_refundable", "write_off_too_early", "write_off_pending",
    "already_reversed", "reversal_after_refund", "reversal_not_allowed", "loan_not_written_off",
    "value_date_before_disbursement",
    # tranches and entrusted funds
    "tranche_below_minimum", "tranche_count_exceeded", "loan_not_open_for_tranche",
    "loan_not_awaiting_disbursement", "tranche_after_maturity", "entrusted_funds_insufficient",
})
CENT = Decimal("0.01")


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


class MoneyMachine(RuleBasedStateMachine):
    loans = Bundle("loans")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.world: World = make_world(f"sqlite:///{Path(self.tmp.name) / 'm.db'}")
        self.today = START

    def teardown(self) -> None:
        self.world.engine.dispose()
        self.tmp.cleanup()

    def _q(self, sql: str, **params: Any) -> Any:
        with self.world.engine.connect() as c:
            return c.execute(sa.text(sql), params)

    def _attempt(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except LendingError as exc:
            assert exc.code in EXPECTED, (exc.code, exc.params)
            event(f"{fn.__name__}: {exc.code}")
            return None
        event(f"{fn.__name__}: done")
        return result

    @initialize(target=loans)
    def first_loan(self) -> int:
        return self._new(PRODUCTS[0], Decimal("12000.00"), 12)

    @initialize(target=loans)
    def tranche_loan(self) -> int:
        """A loan whose first tranche is 40 % of it (the rest for the tranche rule)."""
        return self._new("business_equal_principal", Decimal("200000.00"), 12, 40)

    def _new(self, product: str, amount: Decimal, term: int, first: int = 100) -> int:
        """A loan paid out in full, or (a product with tranches) ``first`` % of it (at
        least the minimum tranche)."""
        w = self.world
        custom = {"entrusting_party": PARTY} if product == "entrusted_loan" else {}
        loan_id = w.approved_loan(product, str(amount), term, start=self.today, custom=custom)
        tranches = w.registry.products[product].disbursement.tranches
        part = None
        if tranches is not None and first < 100:
            part = max((amount * first / 100).quantize(CENT), tranches.min_amount)
        disburse(w.uow, loan_id, DisbursementRequest(self.today, reference=f"D{loan_id}",
                                                     amount=part),
                 actor=MAKER, registry_for=w.registry_for, business_date=self.today)
        return loan_id

    @precondition(lambda self: self.today < LAST_SALE)
    @rule(target=loans, product=st.sampled_from(PRODUCTS),
          share=st.integers(min_value=0, max_value=100), term_share=st.integers(0, 100),
          first=st.sampled_from([100, 20, 50, 70]))
    def new_loan(self, product: str, share: int, term_share: int, first: int) -> int:
        spec = self.world.registry.products[product]
        low, high = spec.amount.min, min(spec.amount.max, spec.amount.min * 10)
        amount = (low + (high - low) * share / 100).quantize(Decimal("100"))
        term = spec.term.min + (min(spec.term.max, 12) - spec.term.min) * term_share // 100
        return self._new(product, amount.quantize(CENT), term, first)

    @rule(loan=loans, share=st.integers(min_value=1, max_value=100),
          back=st.integers(min_value=0, max_value=40))
    def tranche(self, loan: int, share: int, back: int) -> None:
        """A later tranche of ``share`` % of what is left, possibly back-dated."""
        w = self.world
        with w.uow() as uow:
            row = uow.money.loan(loan)
            rest = row.principal - disbursed_principal(uow.money.transactions(loan))
            start = row.disbursed_on
        if rest <= 0 or start is None:
            return
        value_date = max(self.today - dt.timedelta(days=back), start)
        amount = max((rest * share / 100).quantize(CENT), CENT)
        self._attempt(disburse, w.uow, loan, DisbursementRequest(
            value_date, reference=f"T{loan}", amount=amount), actor=MAKER,
            registry_for=w.registry_for, business_date=self.today)

    @rule(amount=st.integers(min_value=1, max_value=3_000_000).map(Decimal))
    def deposit(self, amount: Decimal) -> None:
        self._attempt(entrusted_funds.deposit, self.world.uow, PARTY, entrusted_funds.FundsRequest(
            amount.quantize(CENT), self.today, "DEP"), actor=MAKER, registry=self.world.registry,
            business_date=self.today)

    @rule(share=st.integers(min_value=1, max_value=120))
    def withdraw(self, share: int) -> None:
        w = self.world
        available = entrusted_funds.party_funds(w.uow, w.registry, PARTY)[0].available
        amount = (available * share / 100).quantize(CENT)
        if amount <= 0:
            return
        self._attempt(entrusted_funds.withdraw, w.uow, PARTY, entrusted_funds.FundsRequest(
            amount, self.today, "WD"), actor=MAKER, registry=w.registry, business_date=self.today)

    @rule(days=st.one_of(st.integers(min_value=1, max_value=75), st.just(200)))
    def advance(self, days: int) -> None:
        self.today += dt.timedelta(days=days)

    @rule(loan=loans, per_mille=st.one_of(st.integers(min_value=1, max_value=400),
                                          st.integers(min_value=400, max_value=1500)),
          cents=st.integers(min_value=0, max_value=99), back=st.integers(min_value=0, max_value=40),
          kind=st.sampled_from(["repayment", "repayment", "prepayment"]))
    def pay(self, loan: int, per_mille: int, cents: int, back: int, kind: str) -> None:
        principal = _dec(self._q("SELECT principal FROM loans WHERE id = :l", l=loan).scalar_one())
        amount = (principal * per_mille / 1000).quantize(Decimal(1)) + Decimal(cents) / 100
        value_date = self.today - dt.timedelta(days=back)
        self._attempt(repay, self.world.uow, loan,
                      RepaymentRequest(amount.quantize(CENT), value_date, kind=kind),  # type: ignore[arg-type]
                      actor=MAKER, registry_for=self.world.registry_for, business_date=self.today)

    @rule(loan=loans)
    def settle(self, loan: int) -> None:
        figures = self._attempt(payoff, self.world.uow(), loan, self.today, self.today)
        if figures is None:
            return
        # zero when advance payments cover it: the settlement closes the loan all the same
        done = self._attempt(repay, self.world.uow, loan,
                             RepaymentRequest(figures.total, self.today, kind="payoff"),
                             actor=MAKER, registry_for=self.world.registry_for,
                             business_date=self.today)
        if done is not None:
            assert done.loan_status not in ("active", "overdue"), (figures, done)

    @rule(loan=loans, pick=st.integers(min_value=0, max_value=1000))
    def reverse(self, loan: int, pick: int) -> None:
        rows = self._q("SELECT id FROM transactions WHERE loan_id = :l AND status = 'posted' "
                       "AND type IN ('repayment', 'prepayment') ORDER BY id", l=loan).all()
        if not rows:
            return
        target = rows[pick % len(rows)][0]
        request = self._attempt(corrections.request_reversal, self.world.uow, target,
                                reason="random", actor=MAKER, business_date=self.today)
        if request is not None:
            self._attempt(corrections.approve, self.world.uow, request, actor=CHECKER,
                          registry_for=self.world.registry_for, business_date=self.today)

    @rule(loan=loans)
    def refund(self, loan: int) -> None:
        w = self.world
        with w.uow() as uow:
            row = uow.money.loan(loan)
            available = corrections.refundable(row, uow.money.transactions(loan), self.today)
        if available <= 0:
            return
        request = self._attempt(corrections.request_refund, w.uow, loan, available,
                                reference="RF", note="", actor=MAKER, business_date=self.today)
        if request is not None:
            self._attempt(corrections.approve, w.uow, request, actor=CHECKER,
                          registry_for=w.registry_for, business_date=self.today)

    @rule(loan=loans)
    def write_off(self, loan: int) -> None:
        w = self.world
        request = self._attempt(corrections.request_write_off, w.uow, loan, reason="lost",
                                actor=MAKER, registry_for=w.registry_for, business_date=self.today)
        if request is not None:
            self._attempt(corrections.approve, w.uow, request, actor=CHECKER,
                          registry_for=w.registry_for, business_date=self.today)

    @rule(loan=loans, amount=st.integers(min_value=1, max_value=5000).map(Decimal))
    def recover(self, loan: int, amount: Decimal) -> None:
        self._attempt(corrections.record_recovery, self.world.uow, loan, amount.quantize(CENT),
                      value_date=self.today, reference="RC", actor=MAKER,
                      registry_for=self.world.registry_for, business_date=self.today)

    @invariant()
    def books_agree(self) -> None:
        debits, credits = self._q("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) "
                                  "FROM journal_lines").one()
        assert _dec(debits) == _dec(credits)
        principal = dict(self._q(
            "SELECT e.loan_id, sum(l.debit - l.credit) FROM journal_lines l JOIN journal_entries e "
            "ON e.id = l.entry_id WHERE l.account = 'loan_principal' GROUP BY e.loan_id").all())
        credit = dict(self._q(
            "SELECT e.loan_id, sum(l.credit - l.debit) FROM journal_lines l JOIN journal_entries e "
            "ON e.id = l.entry_id WHERE l.account = 'borrower_credit' GROUP BY e.loan_id").all())
        w = self.world
        with w.uow() as uow:
            for (loan_id,) in self._q("SELECT id FROM loans WHERE status <> 'approved'").all():
                loan = uow.money.loan(loan_id)
                rows = uow.money.transactions(loan_id)
                outstanding = _dec(self._q(
                    "SELECT sum(principal - principal_paid) FROM installments WHERE loan_id = :l",
                    l=loan_id).scalar_one())
                assert _dec(principal.get(loan_id)) == outstanding - loan.written_off_principal
                assert loan.disbursed_principal == disbursed_principal(rows) <= loan.principal
                held = overpayment_held(loan_state(loan, rows, self.today), rows)
                if loan.status != "written_off":
                    assert _dec(credit.get(loan_id)) == held
                assert _dec(credit.get(loan_id)) >= 0

    @invariant()
    def party_funds_agree(self) -> None:
        """The journal's figure of the party's funds equals its movements and its loans'
        records: deposits − withdrawals + interest and penalties collected + recoveries −
        principal not repaid."""
        w = self.world
        moved = _dec(self._q(
            "SELECT sum(CASE WHEN type = 'deposit' THEN amount ELSE -amount END) "
            "FROM entrusted_fund_movements WHERE party_id = :p", p=PARTY).scalar_one())
        collected, out = (_dec(v) for v in self._q(
            "SELECT sum(i.interest_paid + i.penalty_paid), sum(i.principal - i.principal_paid) "
            "FROM installments i JOIN loans l ON l.id = i.loan_id "
            "WHERE l.entrusting_party_id = :p AND l.disbursed_on IS NOT NULL", p=PARTY).one())
        # an entrusted write-off is charged to the party's funds (it bears the credit risk)
        # and what is recovered afterwards is owed to it
        recovered = _dec(self._q(
            "SELECT sum(t.amount) FROM transactions t JOIN loans l ON l.id = t.loan_id "
            "WHERE l.entrusting_party_id = :p AND t.type = 'recovery' AND t.status = 'posted'",
            p=PARTY).scalar_one())
        funds = entrusted_funds.party_funds(w.uow, w.registry, PARTY)[0]
        assert funds.reserved == 0
        assert funds.available == moved + collected + recovered - out

    @invariant()
    def chain_verifies(self) -> None:
        with make_session_factory(self.world.engine)() as session:
            assert verify_chain(SqlLedgerRepository(session).entries()).ok


MoneyMachine.TestCase.settings = settings(
    max_examples=int(__import__("os").environ.get("LOWLEND_MONEY_EXAMPLES", "100")),
    stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_money_operations = MoneyMachine.TestCase


@pytest.mark.parametrize("what", ["amount", "hash"])
def test_tampering_is_named(what: str, tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path / 't.db'}")
    loan = world.approved_loan()
    disburse(world.uow, loan, DisbursementRequest(START, reference="D"), actor=MAKER,
             registry_for=world.registry_for, business_date=START)
    for month in (2, 3, 4):
        day = dt.date(2026, month, 5)
        repay(world.uow, loan, RepaymentRequest(Decimal("1100.00"), day), actor=MAKER,
              registry_for=world.registry_for, business_date=day)
    with world.engine.begin() as c:
        target = c.execute(sa.text("SELECT id FROM journal_entries ORDER BY id LIMIT 1 OFFSET 2")).scalar_one()
        for trigger in ("trg_journal_lines_no_update", "trg_journal_entries_no_update"):
            c.execute(sa.text(f"DROP TRIGGER {trigger}"))
        if what == "amount":
            c.execute(sa.text("UPDATE journal_lines SET debit = debit + 1 WHERE id = "
                              "(SELECT min(id) FROM journal_lines WHERE entry_id = :e AND debit > 0)"),
                      {"e": target})
            c.execute(sa.text("UPDATE journal_lines SET credit = credit + 1 WHERE id = "
                              "(SELECT min(id) FROM journal_lines WHERE entry_id = :e AND credit > 0)"),
                      {"e": target})  # still balanced: only the hash can tell
        else:
            c.execute(sa.text("UPDATE journal_entries SET hash = :h WHERE id = :e"),
                      {"h": "f" * 64, "e": target})
    with make_session_factory(world.engine)() as session:
        result = verify_chain(SqlLedgerRepository(session).entries())
    assert not result.ok and result.first_bad is not None
    assert result.first_bad.entry_id == target
    world.engine.dispose()
