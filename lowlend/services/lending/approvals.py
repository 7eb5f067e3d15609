"""Approval use cases: decide (approve / reject / return) on the pinned chain, open and
dispatch stages, reassign a task, escalate tasks past their SLA.

Each public function runs in ONE unit of work and commits once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from lowlend.domain.application_state import ApplicationEvent, ApplicationStatus, next_status
from lowlend.domain.approval import Actor, ApprovalError, Step, Verdict, Vote, check_vote, outcome
from lowlend.domain.dispatch import DispatchRules, Work, choose
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loans import BookedLoan, ContractRenderer, book_approved
from lowlend.services.lending.pinned import (
    CANCELLED,
    DONE,
    OPEN,
    WAITING,
    RegistryFor,
    chain_of,
    load_application,
    pinned_product,
)
from lowlend.services.lending.ports import (
    ApplicationRow,
    ApprovalTaskRow,
    LendingRepository,
    LendingUnitOfWork,
)
from lowlend.spec.model import ApprovalChainSpec

__all__ = [
    "DecisionResult",
    "assignable_staff",
    "decide",
    "escalate_overdue",
    "open_stage",
    "reassign",
    "route_of",
    "start_route",
]

_ESCALATION_RULES = DispatchRules(strategy="least_loaded", same_region="ignore")
"""An escalated task goes to the least-loaded holder of the escalation role, anywhere."""


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """The application's status after a vote, and the loan when it was approved."""

    application_id: int
    status: str
    open_tasks: tuple[int, ...] = field(default_factory=tuple)
    loan_id: int | None = None
    credit_line_id: int | None = None


def open_stage(
    repo: LendingRepository, app: ApplicationRow, chain: ApprovalChainSpec, stage: int,
    now: dt.datetime, actor: Actor | None, region: str | None, department_path: str | None,
) -> list[int]:
    """Open the waiting tasks of ``stage`` and dispatch each to a staff member."""
    opened: list[int] = []
    for task in repo.tasks(app.id, app.round):
        if task.stage != stage or task.status != WAITING:
            continue
        task.status = OPEN
        task.opened_at = now
        step = next(s for s in chain.steps if s.code == task.step_code)
        task.due_at = now + dt.timedelta(hours=step.sla_hours)
        if task.required == 1 and not task.users:
            work = Work(
                role=task.role, region=region, skill=app.product_code,
                department_path=department_path, department_id=app.department_id,
            )
            choice = choose(chain.dispatch, work, repo.candidates(task.role, now.date()))
            task.assignee_staff_id = choice.staff_id
            repo.add_assignment(
                "approval_task", task.id, choice.staff_id, None, choice.reason,
                actor.user_id if actor else None,
            )
        opened.append(task.id)
    return opened


def start_route(
    repo: LendingRepository, app: ApplicationRow, chain: ApprovalChainSpec,
    route: Sequence[Step], now: dt.datetime, actor: Actor, region: str | None,
    department_path: str | None,
) -> list[int]:
    for step in route:
        spec = next(s for s in chain.steps if s.code == step.code)
        repo.add_task(
            application_id=app.id, round=app.round, chain_code=chain.code, step_code=step.code,
            stage=step.stage, role=step.role, users=list(step.users), required=step.required,
            status=WAITING, department_id=app.department_id,
            escalate_to=spec.escalate_to or spec.role,
        )
    first = min((s.stage for s in route), default=None)
    if first is None:
        return []
    return open_stage(repo, app, chain, first, now, actor, region, department_path)


def _votes(repo: LendingRepository, app: ApplicationRow) -> tuple[list[ApprovalTaskRow], list[Vote]]:
    tasks = repo.tasks(app.id, app.round)
    by_id = {t.id: t for t in tasks}
    votes = [
        Vote(by_id[v.task_id].step_code, v.user_id, Verdict(v.verdict), v.acting_for_user_id)
        for v in repo.votes(app.id, app.round)
        if v.task_id in by_id
    ]
    return tasks, votes


def route_of(tasks: Sequence[ApprovalTaskRow]) -> tuple[Step, ...]:
    return tuple(
        Step(
            t.step_code, t.role, t.stage, t.required, tuple(t.users),
            also_roles=(t.escalate_to,) if t.escalated_at and t.escalate_to else (),
        )
        for t in tasks
    )


def decide(
    uow: LendingUnitOfWork,
    application_id: int,
    *,
    actor: Actor,
    verdict: Verdict,
    comment: str = "",
    task_id: int | None = None,
    registry_for: RegistryFor,
    now: dt.datetime,
    today: dt.date,
    department_path: str | None = None,
    contract: ContractRenderer | None = None,
) -> DecisionResult:
    """One approver's verdict on the application's open step (``task_id`` picks one of
    several open steps; by default the first open step the actor may take).

    :raises LendingError: not found, not in review, comment missing on reject/return.
    :raises ApprovalError: self-approval, not eligible, twice, out of turn, not distinct.
    """
    if verdict in (Verdict.REJECT, Verdict.RETURN) and not comment.strip():
        raise LendingError("decision_comment_required", field="comment")
    with uow:
        repo = uow.lending
        app = load_application(repo, application_id)
        if app.status != ApplicationStatus.IN_REVIEW:
            raise LendingError("application_not_in_review", status=409, value=app.status)
        registry, product = pinned_product(registry_for, app)
        chain = chain_of(registry, product)
        tasks, votes = _votes(repo, app)
        route = route_of(tasks)
        delegations = repo.delegations_to(actor.user_id, today)
        state = outcome(route, votes)
        candidates = [t for t in tasks if t.step_code in state.open_steps]
        if task_id is not None:
            chosen = next((t for t in tasks if t.id == task_id), None)
            if chosen is None:
                raise LendingError("approval_task_not_found", status=404, value=task_id)
        else:
            chosen = None
            last: ApprovalError | None = None
            for task in candidates:
                try:
                    check_vote(
                        route, votes, task.step_code, actor, applicant_user_id=app.created_by,
                        decision=verdict, delegations=delegations, day=today,
                        distinct=chain.distinct_approvers,
                    )
                    chosen = task
                    break
                except ApprovalError as exc:
                    last = exc
            if chosen is None:
                raise last or ApprovalError("approval_finished", state=state.state)
        vote = check_vote(
            route, votes, chosen.step_code, actor, applicant_user_id=app.created_by,
            decision=verdict, delegations=delegations, day=today,
            distinct=chain.distinct_approvers,
        )
        repo.add_vote(chosen.id, actor.user_id, actor.username, vote.acting_for, verdict.value, comment)
        repo.add_decision(
            app.id, "approval", verdict.value, user_id=actor.user_id, comment=comment,
            inputs={"step": chosen.step_code, "acting_for": vote.acting_for},
            config_version_id=app.config_version_id,
        )
        votes.append(vote)
        after = outcome(route, votes)
        for task in tasks:
            if task.status == OPEN and task.step_code in after.satisfied:
                task.status, task.closed_at = DONE, now
        loan_id = line_id = None
        opened: list[int] = []
        if after.state in ("rejected", "returned", "approved"):
            for task in tasks:
                if task.status in (OPEN, WAITING):
                    task.status, task.closed_at = (DONE if after.state == "approved" else CANCELLED), now
            event = {
                "rejected": ApplicationEvent.REJECT,
                "returned": ApplicationEvent.RETURN,
                "approved": ApplicationEvent.APPROVE,
            }[after.state]
            app.status = next_status(app.status, event).value
            if after.state != "returned":
                app.decided_at = now
            repo.add_decision(
                app.id, "final", after.state, score=app.score, user_id=actor.user_id,
                comment=comment, config_version_id=app.config_version_id,
            )
            if after.state == "approved":
                booked: BookedLoan = book_approved(repo, registry, product, app, today, contract)
                loan_id, line_id = booked.loan_id, booked.credit_line_id
        elif after.stage is not None and after.stage != state.stage:
            customer = repo.customer(app.customer_id)
            opened = open_stage(
                repo, app, chain, after.stage, now, actor,
                customer.region if customer else None, department_path,
            )
        open_ids = tuple(t.id for t in tasks if t.status == OPEN) or tuple(opened)
        uow.commit()
        return DecisionResult(app.id, app.status, open_ids, loan_id, line_id)


def _task_pool(task: ApprovalTaskRow) -> tuple[str, ...]:
    roles = [task.role]
    if task.escalated_at and task.escalate_to and task.escalate_to != task.role:
        roles.append(task.escalate_to)
    return tuple(roles)


def assignable_staff(uow: LendingUnitOfWork, task_id: int, *, day: dt.date) -> list[int]:
    """Staff ids an open task may be given to: active, not absent on ``day``, holding the
    step's role (or, once escalated, the escalation role)."""
    with uow:
        task = uow.lending.task(task_id)
        if task is None or task.status != OPEN:
            return []
        found: list[int] = []
        for role in _task_pool(task):
            for c in uow.lending.candidates(role, day):
                if c.active and not c.absent and c.staff_id not in found:
                    found.append(c.staff_id)
        return found


def reassign(uow: LendingUnitOfWork, task_id: int, staff_id: int | None, *, actor: Actor,
             day: dt.date, reason: str = "manual") -> None:
    """Give an open task to another staff member (``None``: back to the pool); logged.

    :raises LendingError: unknown task (404), task not open (409), a staff member who
        cannot take it (422: role, leave, inactive).
    """
    with uow:
        repo = uow.lending
        task = repo.task(task_id, for_update=True)
        if task is None:
            raise LendingError("approval_task_not_found", status=404, value=task_id)
        if task.status != OPEN:
            raise LendingError("approval_task_not_open", status=409, value=task.status)
        if staff_id is not None and not any(
            c.staff_id == staff_id and c.active and not c.absent
            for role in _task_pool(task)
            for c in repo.candidates(role, day)
        ):
            raise LendingError("assignee_not_eligible", field="staff_id", value=staff_id)
        previous = task.assignee_staff_id
        task.assignee_staff_id = staff_id
        repo.add_assignment("approval_task", task.id, staff_id, previous, reason, actor.user_id)
        uow.commit()


def escalate_overdue(uow: LendingUnitOfWork, *, now: dt.datetime) -> list[int]:
    """Escalate every open task past its SLA: re-dispatched to a holder of the escalation
    role, who may then act on it besides the step's own approvers.

    Each task is escalated once (``escalated_at``); the dispatch log records it.
    Returns the ids of the escalated tasks.
    """
    with uow:
        repo = uow.lending
        done: list[int] = []
        for task in repo.overdue_tasks(now):
            role = task.escalate_to or task.role
            candidates = repo.candidates(role, now.date())
            choice = choose(
                _ESCALATION_RULES, Work(role=role, department_id=task.department_id), candidates
            )
            previous = task.assignee_staff_id
            task.assignee_staff_id = choice.staff_id
            task.escalated_at = now
            repo.add_assignment(
                "approval_task", task.id, choice.staff_id, previous, "sla_escalation", None
            )
            done.append(task.id)
        uow.commit()
        return done
