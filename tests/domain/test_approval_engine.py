"""The approval engine: stages, quorum, named approvers, self-approval, distinct approvers,
delegation, turn order, return / reject, and a property over random routes and votes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lowlend.domain.application_state import (
    EDITABLE,
    ApplicationEvent,
    ApplicationStateError,
    ApplicationStatus,
    next_status,
)
from lowlend.domain.approval import (
    Actor,
    ApprovalError,
    Delegation,
    Step,
    Verdict,
    Vote,
    check_vote,
    eligible_principal,
    outcome,
)

APPROVE, REJECT, RETURN = Verdict.APPROVE, Verdict.REJECT, Verdict.RETURN
APPLICANT = 99
DAY = dt.date(2026, 3, 15)


def actor(user_id: int, name: str, *roles: str) -> Actor:
    return Actor(user_id, name, frozenset(roles))


def vote(
    route: Sequence[Step], votes: Sequence[Vote], step: str, who: Actor, *,
    decision: Verdict = APPROVE, applicant: int | None = APPLICANT,
    delegations: Sequence[Delegation] = (), day: dt.date = DAY, distinct: bool = True,
) -> Vote:
    return check_vote(
        route, votes, step, who, applicant_user_id=applicant, decision=decision,
        delegations=delegations, day=day, distinct=distinct,
    )


def refused(
    code: str, route: Sequence[Step], votes: Sequence[Vote], step: str, who: Actor,
    **kw: object,
) -> ApprovalError:
    with pytest.raises(ApprovalError) as caught:
        vote(route, votes, step, who, **kw)  # type: ignore[arg-type]
    assert caught.value.code == code, str(caught.value)
    return caught.value


RISK = actor(1, "risk", "risk_officer")
FIN = actor(2, "fin", "finance")
MGR = actor(3, "mgr", "manager")
MGR2 = actor(4, "mgr2", "manager")


# ------------------------------------------------------------------ parallel stages

PARALLEL = (
    Step("risk", "risk_officer", stage=0),
    Step("finance", "finance", stage=0),
    Step("final", "manager", stage=1),
)


@pytest.mark.parametrize(
    ("first", "second"), [(("risk", RISK), ("finance", FIN)), (("finance", FIN), ("risk", RISK))]
)
def test_parallel_steps_both_needed_in_either_order_before_the_next_stage(
    first: tuple[str, Actor], second: tuple[str, Actor]
) -> None:
    start = outcome(PARALLEL, ())
    assert (start.state, start.stage, set(start.open_steps)) == ("pending", 0, {"risk", "finance"})
    refused("approval_step_not_open", PARALLEL, (), "final", MGR)

    votes = [vote(PARALLEL, (), first[0], first[1])]
    half = outcome(PARALLEL, votes)
    assert (half.state, half.stage, half.open_steps) == ("pending", 0, (second[0],))
    assert half.satisfied == (first[0],)
    # the other parallel step is still open; the next stage is not
    refused("approval_step_not_open", PARALLEL, votes, "final", MGR)

    votes.append(vote(PARALLEL, votes, second[0], second[1]))
    both = outcome(PARALLEL, votes)
    assert (both.state, both.stage, both.open_steps) == ("pending", 1, ("final",))
    votes.append(vote(PARALLEL, votes, "final", MGR))
    assert outcome(PARALLEL, votes).state == "approved"


# ------------------------------------------------------------------ quorum k of n

QUORUM = (Step("committee", "manager", required=2), Step("after", "finance", stage=1))


def test_quorum_needs_k_distinct_approvers() -> None:
    votes = [vote(QUORUM, (), "committee", MGR)]
    one = outcome(QUORUM, votes)
    assert (one.state, one.open_steps, one.satisfied) == ("pending", ("committee",), ())
    refused("approval_already_voted", QUORUM, votes, "committee", MGR)
    refused("approval_step_not_open", QUORUM, votes, "after", FIN)

    votes.append(vote(QUORUM, votes, "committee", MGR2))
    two = outcome(QUORUM, votes)
    assert (two.stage, two.open_steps, two.satisfied) == (1, ("after",), ("committee",))


def test_quorum_counts_people_not_vote_rows() -> None:
    # the same user's approval stored twice does not make two approvals
    doubled = (Vote("committee", 3, APPROVE), Vote("committee", 3, APPROVE))
    assert outcome(QUORUM, doubled).open_steps == ("committee",)
    # a delegate acting for a user who already approved counts as that same user
    proxy = (Vote("committee", 3, APPROVE), Vote("committee", 7, APPROVE, acting_for=3))
    assert outcome(QUORUM, proxy).open_steps == ("committee",)


# ------------------------------------------------------------------ named approvers

NAMED = (Step("sign_off", "manager", users=("carol",)),)


def test_named_approvers_only() -> None:
    holder = actor(5, "dave", "manager")  # has the role but is not named
    refused("approval_not_eligible", NAMED, (), "sign_off", holder)
    carol = actor(6, "carol")  # named, whatever her roles
    assert vote(NAMED, (), "sign_off", carol) == Vote("sign_off", 6, APPROVE)
    assert not holder.may_take(NAMED[0]) and carol.may_take(NAMED[0])


def test_role_pool_when_no_users_are_named() -> None:
    step = (Step("risk", "risk_officer"),)
    refused("approval_not_eligible", step, (), "risk", FIN)
    assert vote(step, (), "risk", RISK).user_id == RISK.user_id


# ------------------------------------------------------------------ self-approval

ONE = (Step("risk", "risk_officer"),)


def test_no_self_approval_directly() -> None:
    applicant = actor(APPLICANT, "applicant", "risk_officer")
    for decision in Verdict:
        refused("approval_self", ONE, (), "risk", applicant, decision=decision)
    # the same user on someone else's application is fine
    assert vote(ONE, (), "risk", applicant, applicant=12).user_id == APPLICANT


def test_no_self_approval_through_a_delegation_from_someone_else() -> None:
    applicant = actor(APPLICANT, "applicant")  # no role of their own
    d = Delegation(RISK, APPLICANT, DAY, DAY)
    refused("approval_self", ONE, (), "risk", applicant, delegations=(d,))
    # the same delegation works on another application
    assert vote(ONE, (), "risk", applicant, applicant=12, delegations=(d,)).acting_for == 1


def test_no_approval_by_a_delegate_acting_for_the_applicant() -> None:
    applicant = actor(APPLICANT, "applicant", "risk_officer")
    clerk = actor(7, "clerk")
    d = Delegation(applicant, clerk.user_id, DAY, DAY)
    refused("approval_self", ONE, (), "risk", clerk, delegations=(d,))
    assert vote(ONE, (), "risk", clerk, applicant=12, delegations=(d,)).acting_for == APPLICANT


def test_unknown_applicant_does_not_block() -> None:
    assert vote(ONE, (), "risk", RISK, applicant=None).user_id == RISK.user_id


# ------------------------------------------------------------------ distinct approvers

TWO_STEPS = (Step("first", "risk_officer", stage=0), Step("second", "manager", stage=1))
BOTH = actor(8, "both", "risk_officer", "manager")


def test_distinct_approvers_across_steps() -> None:
    votes = [vote(TWO_STEPS, (), "first", BOTH)]
    err = refused("approval_not_distinct", TWO_STEPS, votes, "second", BOTH)
    assert err.params == {"step": "first"}
    votes.append(vote(TWO_STEPS, votes, "second", MGR))
    assert outcome(TWO_STEPS, votes).state == "approved"


def test_distinct_switched_off_allows_one_person_on_two_steps() -> None:
    votes = [vote(TWO_STEPS, (), "first", BOTH, distinct=False)]
    votes.append(vote(TWO_STEPS, votes, "second", BOTH, distinct=False))
    assert outcome(TWO_STEPS, votes).state == "approved"
    # but still only once per step
    quorum = (Step("q", "manager", required=2),)
    once = [vote(quorum, (), "q", MGR, distinct=False)]
    refused("approval_already_voted", quorum, once, "q", MGR, distinct=False)


def test_distinct_approvers_see_through_delegations() -> None:
    boss = actor(5, "boss", "risk_officer", "manager")
    clerk = actor(7, "clerk")
    d = Delegation(boss, clerk.user_id, DAY, DAY)
    votes = [vote(TWO_STEPS, (), "first", clerk, delegations=(d,))]
    assert votes[0].acting_for == boss.user_id
    refused("approval_not_distinct", TWO_STEPS, votes, "second", boss)  # the delegator
    refused("approval_not_distinct", TWO_STEPS, votes, "second", clerk, delegations=(d,))


# ------------------------------------------------------------------ delegation

JANUARY = Delegation(actor(5, "boss", "manager"), 7, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
MGR_STEP = (Step("mgr", "manager"),)


@pytest.mark.parametrize("day", [dt.date(2026, 1, 1), dt.date(2026, 1, 15), dt.date(2026, 1, 31)])
def test_delegation_inside_its_dates(day: dt.date) -> None:
    clerk = actor(7, "clerk")
    cast = vote(MGR_STEP, (), "mgr", clerk, delegations=(JANUARY,), day=day)
    assert cast == Vote("mgr", 7, APPROVE, acting_for=5)
    assert outcome(MGR_STEP, (cast,)).state == "approved"


@pytest.mark.parametrize("day", [dt.date(2025, 12, 31), dt.date(2026, 2, 1)])
def test_delegation_outside_its_dates(day: dt.date) -> None:
    clerk = actor(7, "clerk")
    refused("approval_not_eligible", MGR_STEP, (), "mgr", clerk, delegations=(JANUARY,), day=day)
    assert eligible_principal(MGR_STEP[0], clerk, (JANUARY,), day) is None


def test_delegation_only_for_its_delegate_and_the_delegators_steps() -> None:
    other = actor(8, "other")
    refused("approval_not_eligible", MGR_STEP, (), "mgr", other, delegations=(JANUARY,),
            day=dt.date(2026, 1, 10))
    clerk = actor(7, "clerk")
    risk_step = (Step("risk", "risk_officer"),)  # the delegator is no risk officer
    refused("approval_not_eligible", risk_step, (), "risk", clerk, delegations=(JANUARY,),
            day=dt.date(2026, 1, 10))


def test_own_eligibility_wins_over_a_delegation() -> None:
    both = actor(7, "clerk", "manager")
    cast = vote(MGR_STEP, (), "mgr", both, delegations=(JANUARY,), day=dt.date(2026, 1, 10))
    assert cast.acting_for is None


# ------------------------------------------------------------------ turn order, end states


def test_out_of_turn_and_satisfied_steps_are_not_open() -> None:
    refused("approval_step_not_open", TWO_STEPS, (), "second", MGR)
    refused("approval_step_not_open", TWO_STEPS, (), "second", MGR, decision=REJECT)
    votes = [vote(TWO_STEPS, (), "first", RISK)]
    refused("approval_step_not_open", TWO_STEPS, votes, "first", actor(9, "risk2", "risk_officer"))
    refused("approval_unknown_step", TWO_STEPS, votes, "nope", MGR)


@pytest.mark.parametrize(("decision", "state"), [(REJECT, "rejected"), (RETURN, "returned")])
def test_reject_and_return_end_the_route(decision: Verdict, state: str) -> None:
    votes = [vote(PARALLEL, (), "risk", RISK)]
    votes.append(vote(PARALLEL, votes, "finance", FIN, decision=decision))
    ended = outcome(PARALLEL, votes)
    assert (ended.state, ended.stage, ended.open_steps) == (state, None, ())
    err = refused("approval_finished", PARALLEL, votes, "final", MGR)
    assert err.params == {"state": state}
    refused("approval_finished", PARALLEL, votes, "finance", actor(10, "fin2", "finance"))


def test_reject_wins_over_return_and_over_approvals() -> None:
    votes = (Vote("risk", 1, APPROVE), Vote("finance", 2, RETURN), Vote("final", 3, REJECT))
    assert outcome(PARALLEL, votes).state == "rejected"


def test_acting_after_approval_is_refused() -> None:
    votes = [vote(ONE, (), "risk", RISK)]
    assert outcome(ONE, votes).state == "approved"
    refused("approval_finished", ONE, votes, "risk", actor(9, "risk2", "risk_officer"))


def test_an_empty_route_is_approved() -> None:
    assert outcome((), ()).state == "approved"


# ------------------------------------------------------------------ application states


@pytest.mark.parametrize(
    ("status", "event", "after"),
    [
        ("draft", ApplicationEvent.SUBMIT, "submitted"),
        ("returned", ApplicationEvent.SUBMIT, "submitted"),
        ("submitted", ApplicationEvent.REFER, "in_review"),
        ("in_review", ApplicationEvent.RETURN, "returned"),
        ("in_review", ApplicationEvent.APPROVE, "approved"),
        ("in_review", ApplicationEvent.REJECT, "rejected"),
        ("in_review", ApplicationEvent.WITHDRAW, "withdrawn"),
    ],
)
def test_application_moves(status: str, event: ApplicationEvent, after: str) -> None:
    assert next_status(status, event) == ApplicationStatus(after)


@pytest.mark.parametrize("status", ["approved", "rejected", "withdrawn"])
def test_decided_applications_are_final(status: str) -> None:
    for event in ApplicationEvent:
        with pytest.raises(ApplicationStateError) as caught:
            next_status(status, event)
        assert caught.value.code == "application_bad_transition"
    assert ApplicationStatus(status) not in EDITABLE


def test_return_only_from_review() -> None:
    for status in ("draft", "submitted", "returned"):
        with pytest.raises(ApplicationStateError):
            next_status(status, ApplicationEvent.RETURN)


# ------------------------------------------------------------------ properties

ROLES = ("r0", "r1", "r2")
USERS = tuple(range(1, 7))


@st.composite
def routes(draw: st.DrawFn) -> tuple[Step, ...]:
    n = draw(st.integers(1, 4))
    return tuple(
        Step(
            f"s{i}",
            draw(st.sampled_from(ROLES)),
            stage=draw(st.integers(0, 2)),
            required=draw(st.integers(1, 3)),
        )
        for i in range(n)
    )


raw_votes = st.lists(
    st.builds(
        Vote,
        step=st.sampled_from(("s0", "s1", "s2", "s3")),
        user_id=st.sampled_from(USERS),
        verdict=st.sampled_from(list(Verdict)),
        acting_for=st.none() | st.sampled_from(USERS),
    ),
    max_size=12,
)


def _principal(v: Vote) -> int:
    return v.acting_for if v.acting_for is not None else v.user_id


@settings(max_examples=300)
@given(route=routes(), votes=raw_votes)
def test_outcome_approved_iff_every_step_has_its_distinct_approvals(
    route: tuple[Step, ...], votes: list[Vote]
) -> None:
    approvals = {
        s.code: {_principal(v) for v in votes if v.step == s.code and v.verdict is APPROVE}
        for s in route
    }
    enough = {s.code for s in route if len(approvals[s.code]) >= s.required}
    stopped = any(v.verdict is not APPROVE for v in votes)
    result = outcome(route, votes)
    assert (result.state == "approved") == (not stopped and enough == {s.code for s in route})
    if any(v.verdict is REJECT for v in votes):
        assert result.state == "rejected"
    elif stopped:
        assert result.state == "returned"
    elif result.state == "pending":
        first = min(s.stage for s in route if s.code not in enough)
        assert result.stage == first
        assert set(result.open_steps) == {
            s.code for s in route if s.stage == first and s.code not in enough
        }
        assert set(result.satisfied) == enough


people = st.lists(
    st.frozensets(st.sampled_from(ROLES), max_size=3), min_size=len(USERS), max_size=len(USERS)
)
attempts = st.lists(
    st.tuples(
        st.sampled_from(("s0", "s1", "s2", "s3")),
        st.sampled_from(USERS),
        st.sampled_from([APPROVE] * 8 + [REJECT, RETURN]),
    ),
    max_size=30,
)
delegation_pairs = st.lists(st.tuples(st.sampled_from(USERS), st.sampled_from(USERS)), max_size=3)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    route=routes(), roles=people, tries=attempts, pairs=delegation_pairs,
    applicant=st.sampled_from((*USERS, None)), distinct=st.booleans(),
)
def test_check_vote_never_breaks_the_rules(
    route: tuple[Step, ...], roles: list[frozenset[str]],
    tries: list[tuple[str, int, Verdict]], pairs: list[tuple[int, int]],
    applicant: int | None, distinct: bool,
) -> None:
    actors = {uid: Actor(uid, f"u{uid}", roles[uid - 1]) for uid in USERS}
    delegations = tuple(
        Delegation(actors[a], b, DAY, DAY) for a, b in pairs if a != b
    )
    by_code = {s.code: s for s in route}
    votes: list[Vote] = []
    for step, uid, decision in tries:
        before = outcome(route, votes)
        try:
            cast = check_vote(
                route, votes, step, actors[uid], applicant_user_id=applicant, decision=decision,
                delegations=delegations, day=DAY, distinct=distinct,
            )
        except ApprovalError:
            continue
        # only an open step of a pending route, by someone in its pool, never the applicant
        assert before.state == "pending" and step in before.open_steps
        assert cast.user_id == uid and cast.step == step and cast.verdict is decision
        principal = actors[_principal(cast)]
        assert principal.may_take(by_code[step])
        assert applicant is None or applicant not in (cast.user_id, cast.acting_for)
        # nobody twice on one step (in person or through a delegate)
        for earlier in votes:
            if earlier.step == step:
                assert not {earlier.user_id, _principal(earlier)} & {cast.user_id, _principal(cast)}
        votes.append(cast)

    if distinct:
        steps_of: dict[int, set[str]] = {}
        for v in votes:
            if v.verdict is APPROVE:
                for person in {v.user_id, _principal(v)}:
                    steps_of.setdefault(person, set()).add(v.step)
        assert all(len(steps) == 1 for steps in steps_of.values()), steps_of
    final = outcome(route, votes)
    if final.state == "approved":
        for s in route:
            assert len({_principal(v) for v in votes if v.step == s.code}) >= s.required
