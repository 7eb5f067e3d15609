"""Smart dispatch (智能分单): choose who gets a piece of work by the configured rules.

The rules (:class:`DispatchRules`) come from configuration (an approval chain's
``dispatch`` block, the collections ``dispatch`` block). Candidates are filtered, in
this order, by: active and not on leave that day; holding the work's role; the same
region as the work (``same_region``: ``required`` — only them; ``preferred`` — them
first if any; ``ignore``); the product skill (``require_skill``); the department
(``department``: ``same`` / ``tree`` — the work's department or below / ``any``); the
workload cap. The strategy then picks one: ``least_loaded`` (fewest open items, then
the longest since the last assignment, then the lowest id) or ``round_robin`` (the
longest since the last assignment, never-assigned first).

>>> rules = DispatchRules(strategy="least_loaded", max_open=10)
>>> a = Candidate(1, roles=frozenset({"officer"}), open_items=3)
>>> b = Candidate(2, roles=frozenset({"officer"}), open_items=1)
>>> choose(rules, Work(role="officer"), (a, b)).staff_id
2
>>> choose(rules, Work(role="officer"), (a, Candidate(2, roles=frozenset({"officer"}), open_items=10)))
Choice(staff_id=1, reason='least_loaded')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from lowlend.domain.conventions import DEFAULT_RULES, DispatchRules

__all__ = ["DEFAULT_RULES", "Candidate", "Choice", "DispatchRules", "Work", "choose"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)




@dataclass(frozen=True, slots=True)
class Work:
    """What is to be assigned: the role it needs and where it comes from."""

    role: str
    region: str | None = None
    skill: str | None = None  # e.g. the product code
    department_path: str | None = None  # materialised path, "/1/4/"
    department_id: int | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A staff member as dispatch sees them."""

    staff_id: int
    roles: frozenset[str] = field(default_factory=frozenset)
    region: str | None = None
    skills: frozenset[str] = field(default_factory=frozenset)
    department_id: int | None = None
    department_path: str | None = None
    open_items: int = 0
    capacity: int | None = None  # personal cap; ``None``/0 = the rules' cap only
    active: bool = True
    absent: bool = False  # on leave on the dispatch day
    last_assigned_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen staff member (``None``: nobody fits, the work waits in the pool)."""

    staff_id: int | None
    reason: str


def _under_cap(rules: DispatchRules, c: Candidate) -> bool:
    caps = [x for x in (rules.max_open, c.capacity or None) if x]
    return all(c.open_items < cap for cap in caps)


def _in_department(rules: DispatchRules, work: Work, c: Candidate) -> bool:
    if rules.department == "same":
        return work.department_id is None or c.department_id == work.department_id
    if rules.department == "tree":
        if not work.department_path:
            return True
        return bool(c.department_path) and str(c.department_path).startswith(work.department_path)
    return True


def choose(rules: DispatchRules, work: Work, candidates: Sequence[Candidate]) -> Choice:
    """Pick the staff member for ``work`` among ``candidates`` (see the module text).

    >>> rules = DispatchRules(strategy="round_robin", same_region="required")
    >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> pool = (Candidate(1, frozenset({"r"}), region="CN-JX", last_assigned_at=t),
    ...         Candidate(2, frozenset({"r"}), region="CN-JX"),
    ...         Candidate(3, frozenset({"r"}), region="HK"))
    >>> choose(rules, Work("r", region="CN-JX"), pool)
    Choice(staff_id=2, reason='round_robin')
    >>> choose(rules, Work("r", region="UK"), pool)
    Choice(staff_id=None, reason='no_candidate_in_region')
    """
    pool = [c for c in candidates if c.active and not c.absent and work.role in c.roles]
    if not pool:
        return Choice(None, "no_candidate_with_role")
    if work.region and rules.same_region == "required":
        pool = [c for c in pool if c.region == work.region]
        if not pool:
            return Choice(None, "no_candidate_in_region")
    if rules.require_skill and work.skill:
        pool = [c for c in pool if work.skill in c.skills]
        if not pool:
            return Choice(None, "no_candidate_with_skill")
    pool = [c for c in pool if _in_department(rules, work, c)]
    if not pool:
        return Choice(None, "no_candidate_in_department")
    pool = [c for c in pool if _under_cap(rules, c)]
    if not pool:
        return Choice(None, "all_candidates_at_capacity")
    if work.region and rules.same_region == "preferred":
        # only among those who fit every other rule: a preference never leaves work unassigned
        pool = [c for c in pool if c.region == work.region] or pool
    if rules.strategy == "round_robin":
        best = min(pool, key=lambda c: (c.last_assigned_at or _EPOCH, c.staff_id))
    else:
        best = min(
            pool, key=lambda c: (c.open_items, c.last_assigned_at or _EPOCH, c.staff_id)
        )
    return Choice(best.staff_id, rules.strategy)
