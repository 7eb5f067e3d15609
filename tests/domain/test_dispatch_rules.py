"""Smart dispatch: every filter and strategy of :func:`lowlend.domain.dispatch.choose`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from lowlend.domain.dispatch import Candidate, Choice, DispatchRules, Work, choose

ROLE = "officer"
T0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)


def staff(staff_id: int, **kw: Any) -> Candidate:
    kw.setdefault("roles", frozenset({ROLE}))
    return Candidate(staff_id, **kw)


def rules(**kw: Any) -> DispatchRules:
    kw.setdefault("same_region", "ignore")
    return DispatchRules(**kw)


def pick(r: DispatchRules, work: Work, *pool: Candidate) -> Choice:
    return choose(r, work, pool)


# ------------------------------------------------------------------ availability, role


def test_role_filter() -> None:
    other = staff(1, roles=frozenset({"collector"}))
    assert pick(rules(), Work(ROLE), other) == Choice(None, "no_candidate_with_role")
    assert pick(rules(), Work(ROLE), other, staff(2, open_items=9)).staff_id == 2
    assert pick(rules(), Work(ROLE), staff(3, roles=frozenset({"collector", ROLE}))).staff_id == 3


def test_absent_and_inactive_staff_are_skipped() -> None:
    absent = staff(1, absent=True)
    inactive = staff(2, active=False)
    busy = staff(3, open_items=20)
    assert pick(rules(), Work(ROLE), absent, inactive, busy).staff_id == 3
    assert pick(rules(), Work(ROLE), absent, inactive) == Choice(None, "no_candidate_with_role")


def test_empty_pool() -> None:
    assert pick(rules(), Work(ROLE)) == Choice(None, "no_candidate_with_role")


# ------------------------------------------------------------------ region

LOCAL_BUSY = staff(1, region="CN-JX", open_items=5)
AWAY_FREE = staff(2, region="HK", open_items=0)
NO_REGION = staff(3, open_items=1)


def test_region_required_keeps_only_local_staff() -> None:
    r = rules(same_region="required")
    assert pick(r, Work(ROLE, region="CN-JX"), LOCAL_BUSY, AWAY_FREE, NO_REGION).staff_id == 1
    assert pick(r, Work(ROLE, region="UK"), LOCAL_BUSY, AWAY_FREE) == Choice(
        None, "no_candidate_in_region"
    )
    # work without a region is not restricted
    assert pick(r, Work(ROLE), LOCAL_BUSY, AWAY_FREE).staff_id == 2


def test_region_required_does_not_fall_back_when_local_staff_are_full() -> None:
    r = rules(same_region="required", max_open=5)
    assert pick(r, Work(ROLE, region="CN-JX"), LOCAL_BUSY, AWAY_FREE) == Choice(
        None, "all_candidates_at_capacity"
    )


def test_region_preferred_puts_local_staff_first() -> None:
    r = rules(same_region="preferred")
    assert pick(r, Work(ROLE, region="CN-JX"), LOCAL_BUSY, AWAY_FREE).staff_id == 1
    # nobody local: anyone
    assert pick(r, Work(ROLE, region="UK"), LOCAL_BUSY, AWAY_FREE).staff_id == 2


def test_region_preferred_falls_back_when_local_staff_are_full() -> None:
    r = rules(same_region="preferred", max_open=5)
    assert pick(r, Work(ROLE, region="CN-JX"), LOCAL_BUSY, AWAY_FREE).staff_id == 2
    personal = staff(1, region="CN-JX", open_items=2, capacity=2)
    assert pick(rules(same_region="preferred"), Work(ROLE, region="CN-JX"),
                personal, AWAY_FREE).staff_id == 2


def test_region_ignored() -> None:
    r = rules(same_region="ignore")
    assert pick(r, Work(ROLE, region="CN-JX"), LOCAL_BUSY, AWAY_FREE).staff_id == 2


def _preference_case(blocker: str) -> tuple[DispatchRules, Work, Candidate, Candidate]:
    """A local officer who does not fit (skill or department) and a non-local one who does."""
    if blocker == "skill":
        r = rules(same_region="preferred", require_skill=True)
        work = Work(ROLE, region="CN-JX", skill="consumer_emi")
        away = staff(2, region="HK", skills=frozenset({"consumer_emi"}))
        return r, work, staff(1, region="CN-JX"), away
    r = rules(same_region="preferred", department="tree")
    work = Work(ROLE, region="CN-JX", department_path="/1/4/")
    return r, work, staff(1, region="CN-JX", department_path="/1/5/"), staff(
        2, region="HK", department_path="/1/4/"
    )


@pytest.mark.parametrize("blocker", ["skill", "department"])
def test_unfit_local_officer_is_filtered_out_when_the_region_is_ignored(blocker: str) -> None:
    r, work, local, away = _preference_case(blocker)
    assert pick(replace(r, same_region="ignore"), work, local, away).staff_id == 2
    assert pick(replace(r, same_region="ignore"), work, local).staff_id is None


@pytest.mark.parametrize("blocker", ["skill", "department"])
def test_region_preference_never_makes_work_unassignable(blocker: str) -> None:
    r, work, local, away = _preference_case(blocker)
    assert pick(r, work, local, away) == Choice(2, "least_loaded")


# ------------------------------------------------------------------ skill

def test_skill_required() -> None:
    r = rules(require_skill=True)
    skilled = staff(1, skills=frozenset({"consumer_emi", "hk_personal_loan"}), open_items=4)
    unskilled = staff(2)
    work = Work(ROLE, skill="consumer_emi")
    assert pick(r, work, skilled, unskilled).staff_id == 1
    assert pick(r, work, unskilled) == Choice(None, "no_candidate_with_skill")
    # not required: the least loaded, skill or not
    assert pick(rules(), work, skilled, unskilled).staff_id == 2
    # work without a skill is not restricted
    assert pick(r, Work(ROLE), skilled, unskilled).staff_id == 2


# ------------------------------------------------------------------ department

def test_department_same() -> None:
    r = rules(department="same")
    mine = staff(1, department_id=4, open_items=3)
    other = staff(2, department_id=5)
    assert pick(r, Work(ROLE, department_id=4), mine, other).staff_id == 1
    assert pick(r, Work(ROLE, department_id=6), mine, other) == Choice(
        None, "no_candidate_in_department"
    )
    assert pick(r, Work(ROLE), mine, other).staff_id == 2  # work of no department


def test_department_tree() -> None:
    r = rules(department="tree")
    work = Work(ROLE, department_path="/1/4/", department_id=4)
    same = staff(1, department_path="/1/4/", open_items=3)
    below = staff(2, department_path="/1/4/7/", open_items=2)
    sibling = staff(3, department_path="/1/40/")
    parent = staff(4, department_path="/1/")
    nowhere = staff(5)
    assert pick(r, work, same, below, sibling, parent, nowhere).staff_id == 2
    assert pick(r, work, same, sibling, parent, nowhere).staff_id == 1
    assert pick(r, work, sibling, parent, nowhere) == Choice(None, "no_candidate_in_department")
    assert pick(r, Work(ROLE), same, nowhere).staff_id == 5  # work of no department


def test_department_any() -> None:
    r = rules(department="any")
    work = Work(ROLE, department_path="/1/4/", department_id=4)
    assert pick(r, work, staff(1, department_id=4, department_path="/1/4/", open_items=2),
                staff(2, department_id=9, department_path="/9/")).staff_id == 2


# ------------------------------------------------------------------ workload cap

def test_rules_cap() -> None:
    r = rules(max_open=3)
    full = staff(1, open_items=3)
    almost = staff(2, open_items=2)
    assert pick(r, Work(ROLE), full, almost).staff_id == 2
    assert pick(r, Work(ROLE), full) == Choice(None, "all_candidates_at_capacity")
    assert pick(rules(), Work(ROLE), full).staff_id == 1  # no cap


def test_personal_capacity() -> None:
    small = staff(1, open_items=1, capacity=1)
    big = staff(2, open_items=4, capacity=10)
    assert pick(rules(), Work(ROLE), small, big).staff_id == 2
    assert pick(rules(), Work(ROLE), small) == Choice(None, "all_candidates_at_capacity")
    # the lower of the two caps applies
    assert pick(rules(max_open=4), Work(ROLE), big) == Choice(None, "all_candidates_at_capacity")
    # capacity 0 or None: only the rules' cap
    assert pick(rules(max_open=5), Work(ROLE), staff(3, open_items=4, capacity=0)).staff_id == 3


# ------------------------------------------------------------------ strategies

def test_least_loaded_fewest_open_items() -> None:
    r = rules(strategy="least_loaded")
    old = staff(1, open_items=3, last_assigned_at=T0 - dt.timedelta(days=30))
    new = staff(2, open_items=1, last_assigned_at=T0)
    assert pick(r, Work(ROLE), old, new) == Choice(2, "least_loaded")


def test_least_loaded_tie_longest_since_last_assignment() -> None:
    r = rules(strategy="least_loaded")
    recent = staff(1, open_items=2, last_assigned_at=T0)
    earlier = staff(2, open_items=2, last_assigned_at=T0 - dt.timedelta(hours=1))
    never = staff(3, open_items=2)
    assert pick(r, Work(ROLE), recent, earlier).staff_id == 2
    assert pick(r, Work(ROLE), recent, earlier, never).staff_id == 3


def test_least_loaded_tie_lowest_id() -> None:
    r = rules(strategy="least_loaded")
    assert pick(r, Work(ROLE), staff(9, last_assigned_at=T0), staff(4, last_assigned_at=T0),
                staff(7, last_assigned_at=T0)).staff_id == 4
    assert pick(r, Work(ROLE), staff(8), staff(5)).staff_id == 5


def test_round_robin_never_assigned_first_then_oldest() -> None:
    r = rules(strategy="round_robin")
    recent = staff(1, open_items=0, last_assigned_at=T0)
    oldest = staff(2, open_items=9, last_assigned_at=T0 - dt.timedelta(days=2))
    middle = staff(3, open_items=0, last_assigned_at=T0 - dt.timedelta(days=1))
    never = staff(4, open_items=5)
    assert pick(r, Work(ROLE), recent, oldest, middle, never) == Choice(4, "round_robin")
    assert pick(r, Work(ROLE), recent, oldest, middle) == Choice(2, "round_robin")
    assert pick(r, Work(ROLE), staff(6, last_assigned_at=T0), staff(5, last_assigned_at=T0)
                ).staff_id == 5


def test_round_robin_takes_turns() -> None:
    r = rules(strategy="round_robin")
    pool = {i: staff(i) for i in (1, 2, 3)}
    order = []
    for n in range(6):
        chosen = pick(r, Work(ROLE), *pool.values()).staff_id
        assert chosen is not None
        order.append(chosen)
        pool[chosen] = staff(chosen, last_assigned_at=T0 + dt.timedelta(minutes=n))
    assert order == [1, 2, 3, 1, 2, 3]


def test_round_robin_still_respects_the_cap() -> None:
    r = rules(strategy="round_robin", max_open=2)
    assert pick(r, Work(ROLE), staff(1, open_items=2), staff(2, open_items=1,
                last_assigned_at=T0)).staff_id == 2


def test_filters_apply_in_order_with_their_reasons() -> None:
    full = rules(same_region="required", require_skill=True, department="same", max_open=1)
    work = Work(ROLE, region="CN-JX", skill="p", department_id=4)
    fits = staff(1, region="CN-JX", skills=frozenset({"p"}), department_id=4)
    assert pick(full, work, fits).staff_id == 1
    cases = {
        "no_candidate_with_role": staff(1, roles=frozenset(), region="CN-JX",
                                        skills=frozenset({"p"}), department_id=4),
        "no_candidate_in_region": staff(1, region="HK", skills=frozenset({"p"}), department_id=4),
        "no_candidate_with_skill": staff(1, region="CN-JX", department_id=4),
        "no_candidate_in_department": staff(1, region="CN-JX", skills=frozenset({"p"}),
                                            department_id=5),
        "all_candidates_at_capacity": staff(1, region="CN-JX", skills=frozenset({"p"}),
                                            department_id=4, open_items=1),
    }
    for reason, candidate in cases.items():
        assert pick(full, work, candidate) == Choice(None, reason), reason
