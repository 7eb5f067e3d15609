"""Approval chains (审批流) executed: stages, quorum, distinct approvers, delegation, return.

An application's **route** is the list of chain steps that apply to it (amount range and
condition, chosen when it is submitted, pinned with the chain version). Steps are grouped
into **stages**: the steps of one stage run in parallel, stages run one after the other.
A step is satisfied when ``required`` distinct eligible users approved it (k of n: the
pool is the step's role, or its named users). Any rejection rejects the application; a
"return" sends it back to the applicant, and the next submission starts a new round.

Who may act on a step (:func:`check_vote`):

* the actor holds the step's role (or is one of its named users), or acts for such a
  user through a delegation valid on the day;
* never on an application they made (no self-approval), even through a delegation;
* at most once per step and round; with ``distinct`` (the default) not on two steps of
  the same application;
* only on a step of the current stage (not out of turn) that is still open.

>>> route = (Step("risk", "risk_officer", stage=0), Step("mgr", "manager", stage=1, required=2))
>>> alice = Actor(1, "alice", frozenset({"risk_officer"}))
>>> check_vote(route, (), "risk", alice, applicant_user_id=9, decision=Verdict.APPROVE)
Vote(step='risk', user_id=1, verdict=<Verdict.APPROVE: 'approve'>, acting_for=None)
>>> votes = (Vote("risk", 1, Verdict.APPROVE),)
>>> outcome(route, votes).open_steps
('mgr',)
>>> check_vote(route, votes, "risk", alice, applicant_user_id=9, decision=Verdict.APPROVE)
Traceback (most recent call last):
...
lowlend.domain.approval.ApprovalError: approval_step_not_open (step=risk)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from lowlend.domain.errors import DomainError

__all__ = [
    "Actor",
    "ApprovalError",
    "Delegation",
    "Outcome",
    "Step",
    "Verdict",
    "Vote",
    "check_vote",
    "eligible_principal",
    "outcome",
]


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


class ApprovalError(DomainError):
    """A vote the chain does not allow (HTTP 403 for who, 409 for when)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, None, **params)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an application's route."""

    code: str
    role: str
    stage: int = 0
    required: int = 1
    users: tuple[str, ...] = ()  # named approvers (user names); empty = anyone with ``role``
    sla_hours: int = 24
    also_roles: tuple[str, ...] = ()  # after an SLA escalation: the escalation role too


@dataclass(frozen=True, slots=True)
class Vote:
    """One approver's verdict on one step (``acting_for``: the delegator's user id)."""

    step: str
    user_id: int
    verdict: Verdict
    acting_for: int | None = None


@dataclass(frozen=True, slots=True)
class Delegation:
    """``delegator`` lets ``delegate`` act in their place from ``starts`` to ``ends`` (inclusive)."""

    delegator: Actor
    delegate_user_id: int
    starts: dt.date
    ends: dt.date

    def valid_on(self, day: dt.date) -> bool:
        """Whether the delegation holds on ``day``."""
        return self.starts <= day <= self.ends


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user: id, user name and the role codes they hold."""

    user_id: int
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def may_take(self, step: Step) -> bool:
        """Whether this user is in the step's pool (role or named user; once the step is
        escalated, also the holders of the escalation role)."""
        if any(role in self.roles for role in step.also_roles):
            return True
        if step.users:
            return self.username in step.users
        return step.role in self.roles


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a route stands: ``approved``, ``rejected``, ``returned`` or ``pending``."""

    state: str
    stage: int | None
    open_steps: tuple[str, ...]
    satisfied: tuple[str, ...]


def _approvals(votes: Sequence[Vote], step: str) -> int:
    return len(
        {v.acting_for or v.user_id for v in votes if v.step == step and v.verdict is Verdict.APPROVE}
    )


def outcome(route: Sequence[Step], votes: Sequence[Vote]) -> Outcome:
    """Evaluate ``votes`` (of the current round) against ``route``.

    >>> route = (Step("a", "r1"), Step("b", "r2"))            # same stage: in parallel
    >>> outcome(route, (Vote("a", 1, Verdict.APPROVE),)).open_steps
    ('b',)
    >>> outcome(route, (Vote("a", 1, Verdict.APPROVE), Vote("b", 2, Verdict.APPROVE))).state
    'approved'
    >>> outcome(route, (Vote("b", 2, Verdict.RETURN),)).state
    'returned'
    """
    if any(v.verdict is Verdict.REJECT for v in votes):
        return Outcome("rejected", None, (), ())
    if any(v.verdict is Verdict.RETURN for v in votes):
        return Outcome("returned", None, (), ())
    satisfied = tuple(s.code for s in route if _approvals(votes, s.code) >= s.required)
    for stage in sorted({s.stage for s in route}):
        open_steps = tuple(s.code for s in route if s.stage == stage and s.code not in satisfied)
        if open_steps:
            return Outcome("pending", stage, open_steps, satisfied)
    return Outcome("approved", None, (), satisfied)


def eligible_principal(
    step: Step,
    actor: Actor,
    delegations: Sequence[Delegation],
    day: dt.date,
) -> Actor | None:
    """The user ``actor`` acts as on ``step``: themselves, a delegator, or ``None``.

    >>> s = Step("mgr", "manager")
    >>> boss = Actor(5, "boss", frozenset({"manager"}))
    >>> clerk = Actor(7, "clerk")
    >>> d = Delegation(boss, 7, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    >>> eligible_principal(s, clerk, (d,), dt.date(2026, 1, 15)).username
    'boss'
    >>> eligible_principal(s, clerk, (d,), dt.date(2026, 2, 1)) is None
    True
    """
    if actor.may_take(step):
        return actor
    for delegation in delegations:
        if (
            delegation.delegate_user_id == actor.user_id
            and delegation.valid_on(day)
            and delegation.delegator.may_take(step)
        ):
            return delegation.delegator
    return None


def check_vote(
    route: Sequence[Step],
    votes: Sequence[Vote],
    step_code: str,
    actor: Actor,
    *,
    applicant_user_id: int | None,
    decision: Verdict,
    delegations: Sequence[Delegation] = (),
    day: dt.date | None = None,
    distinct: bool = True,
) -> Vote:
    """Check that ``actor`` may give ``decision`` on ``step_code`` now; return the vote to store.

    :raises ApprovalError: ``approval_unknown_step``, ``approval_finished``,
        ``approval_step_not_open`` (out of turn or already satisfied),
        ``approval_not_eligible``, ``approval_self`` (own application),
        ``approval_already_voted``, ``approval_not_distinct``.
    """
    step = next((s for s in route if s.code == step_code), None)
    if step is None:
        raise ApprovalError("approval_unknown_step", step=step_code)
    now = outcome(route, votes)
    if now.state != "pending":
        raise ApprovalError("approval_finished", state=now.state)
    if step_code not in now.open_steps:
        raise ApprovalError("approval_step_not_open", step=step_code)
    if applicant_user_id is not None and actor.user_id == applicant_user_id:
        raise ApprovalError("approval_self")
    principal = eligible_principal(step, actor, delegations, day or dt.date.today())
    if principal is None:
        raise ApprovalError("approval_not_eligible", step=step_code, role=step.role)
    if applicant_user_id is not None and principal.user_id == applicant_user_id:
        raise ApprovalError("approval_self")
    people = {actor.user_id, principal.user_id}
    for vote in votes:
        if {vote.user_id, vote.acting_for or vote.user_id} & people:
            if vote.step == step_code:
                raise ApprovalError("approval_already_voted", step=step_code)
            if distinct and vote.verdict is Verdict.APPROVE:
                raise ApprovalError("approval_not_distinct", step=vote.step)
    acting_for = principal.user_id if principal.user_id != actor.user_id else None
    return Vote(step_code, actor.user_id, decision, acting_for)
