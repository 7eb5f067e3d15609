"""End-of-day runs: re-running is a no-op, the documented effect of the step order, a
loan failing a step is recorded and retried, auto-debit once per loan and date, bad dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from lowlend.integrations.payments import SANDBOX_CARDS, SandboxGateway
from lowlend.persistence.eod_models import EodFailure, EodRunStep, LoanClassificationChange
from lowlend.persistence.models import Loan, Transaction
from lowlend.services.business_date import BusinessDateError, current_business_date
from lowlend.services.eod.runner import EOD_ACTOR, retry_run, run_eod
from lowlend.services.lending.auto_debit import auto_debit
from lowlend.services.messages import message
from tests.services.eod.helpers import START, checksums, disbursed_loan, schedule_rows, services
from tests.services.money.world import World, make_world

DAY = dt.timedelta(days=1)


def _count(world: World, table: Any) -> int:
    with world.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_rerunning_dates_changes_nothing(world: World) -> None:
    for product in ("consumer_emi", "installment_flat", "bridge_bullet"):
        disbursed_loan(world, product)
    svc = services(world)
    end = START + 40 * DAY
    summaries = run_eod(svc, START, end, today=end)
    assert [s.run.business_date for s in summaries][-1] == end
    assert current_business_date(svc.store) == end + DAY
    before = checksums(world.engine)
    steps = _count(world, EodRunStep.__table__)
    [again] = run_eod(svc, end, today=end)  # the last closed date again
    assert again.run.id == summaries[-1].run.id
    assert again.run.finished_at == summaries[-1].run.finished_at  # the run is not touched
    assert checksums(world.engine) == before
    assert _count(world, EodRunStep.__table__) == steps
    with pytest.raises(BusinessDateError) as info:  # an earlier closed date
        run_eod(svc, end - DAY, today=end)
    assert info.value.code == "eod_date_before_last_closed"


def _reordered(world: World, order: list[str]) -> Any:
    spec = world.registry.eod
    by_code = {s.code.value: s for s in spec.steps}
    return SimpleNamespace(eod=dataclasses.replace(
        spec, steps=tuple(by_code[c] for c in order) + tuple(
            s for s in spec.steps if s.code.value not in order)))


def _history(world: World, loan_id: int) -> list[tuple[Any, ...]]:
    t = LoanClassificationChange.__table__
    with world.engine.connect() as c:
        return [tuple(r) for r in c.execute(
            sa.select(t.c.business_date, t.c.from_category, t.c.to_category, t.c.dpd)
            .where(t.c.loan_id == loan_id).order_by(t.c.id))]


def test_step_order_gives_the_documented_difference(tmp_path: Path) -> None:
    """classify after mark_overdue classifies on the day's DPD; before it, on the DPD of the
    previous close (one day late). Penalty before or after accrual: the same figures."""
    results = {}
    orders = {
        "shipped": None,
        "classify_first": ["mark_due", "classify", "mark_overdue", "accrue_interest",
                           "accrue_penalty"],
        "penalty_first": ["mark_due", "mark_overdue", "accrue_penalty", "accrue_interest",
                          "classify"],
    }
    for name, order in orders.items():
        world = make_world(f"sqlite:///{tmp_path / name}.db")
        loan_id = disbursed_loan(world, "consumer_emi")
        first_due = schedule_rows(world, loan_id)[0]["due_date"]
        svc = services(world)
        if order is not None:
            svc.current_registry = lambda w=world, o=order: _reordered(w, o)
        end = first_due + 3 * DAY
        run_eod(svc, START, end, today=end)
        results[name] = (_history(world, loan_id), checksums(world.engine))
        world.engine.dispose()
    shipped, _ = results["shipped"]
    assert shipped == [(START, None, "pass", 0), (first_due, "pass", "special_mention", 1)]
    late, _ = results["classify_first"]
    assert late == [(START, None, "pass", 0), (first_due + DAY, "pass", "special_mention", 1)]
    assert results["penalty_first"][1] == results["shipped"][1]


def test_a_failing_loan_is_recorded_not_closed_and_retried(world: World) -> None:
    good = disbursed_loan(world, "consumer_emi")
    bad = disbursed_loan(world, "installment_flat")
    lt = Loan.__table__
    with world.engine.begin() as c:
        snapshot = c.execute(sa.select(lt.c.terms_snapshot).where(lt.c.id == bad)).scalar_one()
        c.execute(lt.update().where(lt.c.id == bad).values(terms_snapshot={}))
    svc = services(world)
    [s] = run_eod(svc, START, today=START)
    assert (s.run.status, s.loans_closed, s.failures, s.open_failures) == (
        "completed_with_failures", 1, 1, 1)
    mark_due = next(x for x in s.steps if x.step == "mark_due")
    assert (mark_due.loans, mark_due.failures) == (2, 1)
    later = [x for x in s.steps if x.step in ("mark_overdue", "classify")]
    assert all(x.loans == 1 for x in later)  # the failed loan is out of the later steps
    ft = EodFailure.__table__
    with world.engine.connect() as c:
        [fail] = c.execute(sa.select(ft)).all()
        closed = dict(c.execute(sa.select(lt.c.id, lt.c.last_closed_business_date)).all())
    assert (fail.loan_id, fail.step, fail.error_code, bool(fail.retried)) == (
        bad, "mark_due", "loan_terms_missing", False)
    assert closed == {good: START, bad: None}
    # the data is mended; the retry closes the loan
    with world.engine.begin() as c:
        c.execute(lt.update().where(lt.c.id == bad).values(terms_snapshot=snapshot))
    r = retry_run(svc, s.run.id)
    assert (r.run.status, r.open_failures, r.loans_closed) == ("completed", 0, 2)
    with world.engine.connect() as c:
        assert c.execute(sa.select(lt.c.last_closed_business_date)
                         .where(lt.c.id == bad)).scalar_one() == START
        assert bool(c.execute(sa.select(ft.c.retried)).scalar_one())
    with pytest.raises(Exception) as info:
        retry_run(svc, s.run.id)
    assert getattr(info.value, "code", None) == "eod_nothing_to_retry"


def test_auto_debit_once_per_loan_and_date(world: World) -> None:
    loan_id = disbursed_loan(world, "consumer_emi",
                             custom={"auto_debit_card": SANDBOX_CARDS["success"]})
    first = schedule_rows(world, loan_id)[0]
    gateway = SandboxGateway()
    svc = services(world, gateway=gateway)
    eve = first["due_date"] - DAY
    summaries = run_eod(svc, START, eve, today=eve)  # the last close collects the due row
    tt = Transaction.__table__
    with world.engine.connect() as c:
        debits = c.execute(sa.select(tt.c.status, tt.c.value_date, tt.c.amount,
                                     tt.c.idempotency_key)
                           .where(tt.c.channel == "auto_debit")).all()
    due = first["principal"] + first["interest"] + first["fee"]
    assert [tuple(d) for d in debits] == [
        ("posted", first["due_date"], due, f"eod:{eve.isoformat()}:{loan_id}")]
    step = next(x for x in summaries[-1].steps if x.step == "auto_debit")
    assert (step.status, step.loans, step.changed) == ("done", 1, 1)
    # the key makes a second attempt of the same close send nothing
    again = auto_debit(world.uow, loan_id, gateway=gateway, actor=EOD_ACTOR,
                       registry_for=world.registry_for, business_date=first["due_date"],
                       idempotency_key=f"eod:{eve.isoformat()}:{loan_id}")
    assert again.status == "posted"
    with world.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(tt)
                         .where(tt.c.channel == "auto_debit")).scalar_one() == 1
    # the next close sees the installment paid: not overdue
    run_eod(svc, first["due_date"], today=first["due_date"])
    lt = Loan.__table__
    with world.engine.connect() as c:
        assert c.execute(sa.select(lt.c.dpd, lt.c.status).where(lt.c.id == loan_id)).one() == (
            0, "active")


@pytest.mark.parametrize("first,until,code", [
    (START + 2 * DAY, None, "eod_date_skips_days"),
    (START - DAY, None, "eod_date_before_last_closed"),
    (START, START - DAY, "eod_until_before_date"),
    (START, START + 30 * DAY, "eod_date_in_future"),
])
def test_bad_dates_are_refused_with_a_message(world: World, first: dt.date,
                                              until: dt.date | None, code: str) -> None:
    disbursed_loan(world, "consumer_emi")
    svc = services(world)
    with pytest.raises(BusinessDateError) as info:
        run_eod(svc, first, until, today=START + 10 * DAY)
    assert info.value.code == code
    for locale in ("en", "zh_CN"):
        text = message(code, locale, **info.value.params)
        assert text != code and "{" not in text
    assert _count(world, Loan.__table__) == 1
    with world.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM eod_runs")).scalar_one() == 0


def test_money_is_decimal(world: World) -> None:
    loan_id = disbursed_loan(world, "consumer_emi")
    run_eod(services(world), START, START + 45 * DAY, today=START + 45 * DAY)
    lt = Loan.__table__
    with world.engine.connect() as c:
        ai, ap = c.execute(sa.select(lt.c.accrued_interest, lt.c.accrued_penalty)
                           .where(lt.c.id == loan_id)).one()
    assert isinstance(ai, Decimal) and ai > 0 and isinstance(ap, Decimal) and ap > 0
