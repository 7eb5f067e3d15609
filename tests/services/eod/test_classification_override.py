"""Manual classification override (五级分类人工调整): request and decision rules, the end of
day keeping an approved category while it is in force and recording its lapse, and the
delinquency bucket the classify step stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from lowlend.domain.classification import classify, delinquency_bucket, dpd_ranges
from lowlend.persistence.eod_overrides import SqlOverrideStore
from lowlend.persistence.models import Loan
from lowlend.services.business_date import BusinessDateSettings
from lowlend.services.eod.overrides import (
    ClassificationError,
    classification_history,
    decide_override,
    request_override,
)
from lowlend.services.eod.runner import run_eod
from lowlend.services.messages import message
from tests.services.eod.helpers import START, disbursed_loan, services
from tests.services.money.world import World

DAY = dt.timedelta(days=1)
SETTINGS = BusinessDateSettings(start=START, max_days_ahead=0)
OFFICER, APPROVER = 101, 202
NARROW = [{"max_dpd": 0, "category": "pass"}, {"max_dpd": 10, "category": "special_mention"},
          {"max_dpd": 20, "category": "substandard"}, {"max_dpd": 30, "category": "doubtful"},
          {"max_dpd": None, "category": "loss"}]


def _with_classify(world: World, **params: Any) -> Any:
    """The world's registry with other ``classify`` params (what a published eod.yaml
    with them gives)."""
    spec = world.registry.eod
    steps = tuple(dataclasses.replace(s, params={**s.params, **params})
                  if s.code.value == "classify" else s for s in spec.steps)
    return SimpleNamespace(eod=dataclasses.replace(spec, steps=steps))


def _loan(world: World, loan_id: int) -> Any:
    t = Loan.__table__
    with world.engine.connect() as c:
        return c.execute(sa.select(t.c.dpd, t.c.classification, t.c.delinquency_bucket)
                         .where(t.c.id == loan_id)).one()


def _error(fn: Any, *args: Any, **kwargs: Any) -> ClassificationError:
    with pytest.raises(ClassificationError) as info:
        fn(*args, **kwargs)
    assert message(info.value.code, "zh_CN") != info.value.code  # a translated message
    return info.value


def test_request_and_decision_rules(world: World) -> None:
    loan_id = disbursed_loan(world, "consumer_emi")
    store = SqlOverrideStore(world.engine)
    assert _error(request_override, store, loan_id, "substandard", "  ", OFFICER,
                  settings=SETTINGS).field == "reason"
    assert _error(request_override, store, loan_id, "bad", "x", OFFICER,
                  settings=SETTINGS).code == "classification_category_unknown"
    assert _error(request_override, store, loan_id, "loss", "x", OFFICER,
                  valid_until=START - DAY, settings=SETTINGS).code == "classification_until_past"
    assert _error(request_override, store, 999_999, "loss", "x", OFFICER,
                  settings=SETTINGS).code == "classification_loan_not_found"

    first = request_override(store, loan_id, "substandard", "borrower declared bankrupt",
                             OFFICER, settings=SETTINGS)
    assert (first.status, first.requested_on) == ("pending", START)
    assert _error(request_override, store, loan_id, "loss", "again", APPROVER,
                  settings=SETTINGS).code == "classification_override_pending"
    assert _error(decide_override, store, first.id, True, OFFICER,
                  settings=SETTINGS).code == "classification_self_approval"
    assert _loan(world, loan_id).classification is None  # nothing changed by the refusals

    rejected = decide_override(store, first.id, False, APPROVER, note="no evidence",
                               settings=SETTINGS)
    assert (rejected.status, rejected.decided_by, rejected.decision_note) == (
        "rejected", APPROVER, "no evidence")
    assert _error(decide_override, store, first.id, True, APPROVER,
                  settings=SETTINGS).code == "classification_override_decided"
    assert classification_history(store, loan_id) == []

    second = request_override(store, loan_id, "substandard", "court filing received",
                              OFFICER, settings=SETTINGS)
    approved = decide_override(store, second.id, True, APPROVER, settings=SETTINGS)
    assert (approved.status, approved.base_dpd) == ("approved", 0)
    assert _loan(world, loan_id).classification == "substandard"
    [row] = classification_history(store, loan_id)
    assert (row.source, row.to_category, row.reason, row.created_by) == (
        "manual", "substandard", "court filing received", APPROVER)

    third = request_override(store, loan_id, "doubtful", "collateral lost", APPROVER,
                             settings=SETTINGS)
    decide_override(store, third.id, True, OFFICER, settings=SETTINGS)
    assert [o.status for o in store.for_loan(loan_id)] == [
        "rejected", "superseded", "approved"]


def test_a_manual_downgrade_holds_until_the_dpd_rule_is_worse(world: World) -> None:
    """Manual ``substandard`` at DPD 0: the end of day keeps it through 关注 and 次级 DPD
    and lets the DPD rule take over when it says 可疑 (worse than both the manual category
    and the category at approval); the history shows the manual row, then the lapse."""
    loan_id = disbursed_loan(world, "consumer_emi")
    other = disbursed_loan(world, "consumer_emi")  # no override: classified by DPD
    store = SqlOverrideStore(world.engine)
    req = request_override(store, loan_id, "substandard", "bankrupt", OFFICER, settings=SETTINGS)
    decide_override(store, req.id, True, APPROVER, settings=SETTINGS)
    svc = services(world)
    svc.current_registry = lambda: _with_classify(world, dpd_ranges=NARROW)
    ranges = dpd_ranges(NARROW)

    seen: dict[str, str] = {}
    day = START
    end = START + 75 * DAY
    while day <= end:
        run_eod(svc, day, today=day)
        me, ref = _loan(world, loan_id), _loan(world, other)
        assert ref.classification == classify(ref.dpd, ranges)
        expected_dpd_category = classify(me.dpd, ranges)
        if me.dpd <= 20:  # pass, special mention, substandard by DPD: the manual one holds
            assert me.classification == "substandard", (day, me)
        else:
            assert me.classification == expected_dpd_category, (day, me)
        seen[expected_dpd_category] = me.classification
        day += DAY
    assert seen == {"pass": "substandard", "special_mention": "substandard",
                    "substandard": "substandard", "doubtful": "doubtful", "loss": "loss"}
    history = classification_history(store, loan_id)
    assert [(h.source, h.from_category, h.to_category, h.reason) for h in history] == [
        ("manual", None, "substandard", "bankrupt"),
        ("eod", "substandard", "doubtful", "override_lapsed"),
        ("eod", "doubtful", "loss", ""),
    ]
    assert history[1].dpd == 21
    [override] = store.for_loan(loan_id)
    assert override.status == "lapsed" and override.ended_on == history[1].business_date


def test_an_override_lapses_after_its_valid_until(world: World) -> None:
    loan_id = disbursed_loan(world, "consumer_emi")
    store = SqlOverrideStore(world.engine)
    until = START + 3 * DAY
    req = request_override(store, loan_id, "doubtful", "fraud suspected", OFFICER,
                           valid_until=until, settings=SETTINGS)
    decide_override(store, req.id, True, APPROVER, settings=SETTINGS)
    svc = services(world)
    run_eod(svc, START, until, today=until)
    assert _loan(world, loan_id).classification == "doubtful"
    run_eod(svc, until + DAY, today=until + DAY)
    assert _loan(world, loan_id).classification == "pass"
    assert [(h.source, h.to_category, h.business_date) for h in
            classification_history(store, loan_id)] == [
        ("manual", "doubtful", START), ("eod", "pass", until + DAY)]
    assert store.for_loan(loan_id)[0].status == "lapsed"


def test_the_delinquency_bucket_follows_the_configured_edges(world: World) -> None:
    loan_id = disbursed_loan(world, "consumer_emi")
    svc = services(world)
    edges = [5, 12]
    svc.current_registry = lambda: _with_classify(world, bucket_edges=edges)
    buckets = set()
    day, end = START, START + 50 * DAY
    while day <= end:
        run_eod(svc, day, today=day)
        row = _loan(world, loan_id)
        assert row.delinquency_bucket == delinquency_bucket(row.dpd, (5, 12))
        buckets.add(row.delinquency_bucket)
        day += DAY
    assert buckets == {"M0", "M1", "M2", "M3+"}


def test_the_shipped_edges_store_m_buckets(world: World) -> None:
    loan_id = disbursed_loan(world, "consumer_emi")
    svc = services(world)
    end = START + 70 * DAY
    run_eod(svc, START, end, today=end)
    row = _loan(world, loan_id)
    assert row.dpd > 30
    assert row.delinquency_bucket == delinquency_bucket(row.dpd) == "M2"


def test_region_ranges_classify_the_loans_of_that_regions_products(world: World) -> None:
    """``region_dpd_ranges`` of CN apply to a CN product and, by inheritance, to a CN-JX
    one; the ranges of another region change nothing for them."""
    emi = disbursed_loan(world, "consumer_emi")                 # region CN
    jx = disbursed_loan(world, "business_equal_principal")      # region CN-JX (inherits CN)
    svc = services(world)
    base = _with_classify(world, region_dpd_ranges={"CN": NARROW, "HK": [
        {"max_dpd": None, "category": "pass"}]})
    registry = SimpleNamespace(eod=base.eod, products=world.registry.products,
                               regions=world.registry.regions)
    svc.current_registry = lambda: registry
    end = START + 70 * DAY
    run_eod(svc, START, end, today=end)
    for loan_id in (emi, jx):
        row = _loan(world, loan_id)
        assert row.dpd > 0
        assert row.classification == classify(row.dpd, dpd_ranges(NARROW))
        assert row.classification != classify(row.dpd)  # the shipped ranges would differ
