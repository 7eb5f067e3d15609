"""Application use cases (业务中心): submit, score, decide, withdraw, escalate, reassign.

Each public function runs in ONE unit of work (:class:`~.ports.LendingUnitOfWork`) and
commits once; an error leaves nothing half-saved. The configuration that decides is the
version the application is pinned to (``registry_for(config_version_id)``).

Submit (draft or returned → submitted → …):

1. the product terms and the region's rate caps (a blocking violation refuses the
   submission with the rule id);
2. the credit report: reused when younger than the product's reuse window, else pulled
   from the bureau with the customer's valid consent (none → refused); a bureau time-out
   leaves the application ``submitted`` and retryable;
3. the scorecard (if the product has one): knock-outs, points, cut-offs → approve /
   refer / reject, stored with its inputs, reasons and config version;
4. refer (or no scorecard): the approval route is chosen by amount and conditions,
   its first stage opened and dispatched; approve: the loan is booked at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lowlend.domain.application_state import (
    ApplicationEvent,
    ApplicationStatus,
    next_status,
)
from lowlend.domain.approval import Actor, ApprovalError, Step, Verdict, Vote, check_vote, outcome
from lowlend.domain.credit_report import BureauRequest, Consent, is_reusable
from lowlend.domain.dispatch import DispatchRules, Work, choose
from lowlend.domain.errors import DomainError
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loans import BookedLoan, ContractRenderer, book_approved
from lowlend.services.lending.ports import (
    ApplicationRow,
    ApprovalTaskRow,
    BureauPort,
    LendingRepository,
    LendingUnitOfWork,
)
from lowlend.services.lending.scoring import ScoreResult, explain, route_for, rule_facts, score
from lowlend.services.quote import QuoteRequest, quote
from lowlend.spec.model import ApprovalChainSpec, Decision

__all__ = [
    "DecisionResult",
    "SubmitResult",
    "decide",
    "escalate_overdue",
    "reassign",
    "record_consent",
    "submit",
    "withdraw",
]

RegistryFor = Callable[[int], Any]

OPEN, WAITING, DONE, CANCELLED = "open", "waiting", "done", "cancelled"

_ESCALATION_RULES = DispatchRules(strategy="least_loaded", same_region="ignore")
"""An escalated task goes to the least-loaded holder of the escalation role, anywhere."""


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """Where a submission ended: the status, the score and what happens next."""

    application_id: int
    status: str
    score: int | None = None
    decision: str | None = None
    reasons: tuple[dict[str, Any], ...] = ()
    open_tasks: tuple[int, ...] = ()
    loan_id: int | None = None
    credit_line_id: int | None = None


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """The application's status after a vote, and the loan when it was approved."""

    application_id: int
    status: str
    open_tasks: tuple[int, ...] = field(default_factory=tuple)
    loan_id: int | None = None
    credit_line_id: int | None = None


# ------------------------------------------------------------------ helpers


def _load(repo: LendingRepository, application_id: int) -> ApplicationRow:
    app = repo.application(application_id, for_update=True)
    if app is None:
        raise LendingError("application_not_found", status=404, value=application_id)
    return app


def _registry(registry_for: RegistryFor, app: ApplicationRow) -> tuple[Any, Any]:
    registry = registry_for(app.config_version_id)
    product = registry.products.get(app.product_code)
    if product is None:
        raise LendingError("unknown_product", field="product_code", value=app.product_code)
    return registry, product


def _chain(registry: Any, product: Any) -> ApprovalChainSpec:
    chain: ApprovalChainSpec | None = registry.approval_chains.get(product.approval_chain)
    if chain is None:
        raise LendingError("unknown_approval_chain", value=product.approval_chain)
    return chain


def _facts(
    repo: LendingRepository, app: ApplicationRow, product: Any, bureau: Mapping[str, Any],
    today: dt.date, score_value: int = 0,
) -> dict[str, Any]:
    customer = repo.customer(app.customer_id)
    if customer is None:
        raise LendingError("customer_not_found", field="customer_id", value=app.customer_id)
    return rule_facts(
        product=product, amount=app.amount, term=app.term, rate=app.rate,
        custom=app.custom or {}, customer_custom=customer.custom or {},
        birth_date=customer.birth_date, sex=customer.sex, region=customer.region,
        loan_counts=repo.customer_loan_counts(customer.id), bureau=bureau, on=today,
        score_value=score_value,
    )


def _check_terms_and_compliance(registry: Any, app: ApplicationRow, today: dt.date) -> None:
    """Product bounds and the region's rate caps; a ``block`` violation refuses.

    A revolving product's application asks for a credit limit: the amount must lie in the
    product's ``revolving.credit_limit`` range (its draws are checked when drawn).
    """
    product = registry.products.get(app.product_code)
    revolving = getattr(product, "revolving", None)
    if revolving is not None and not (
        revolving.credit_limit.min <= app.amount <= revolving.credit_limit.max
    ):
        raise LendingError(
            "credit_limit_out_of_range", field="amount", value=str(app.amount),
            min=str(revolving.credit_limit.min), max=str(revolving.credit_limit.max),
        )
    try:
        offer = quote(
            registry,
            QuoteRequest(app.product_code, app.amount, app.term, today, app.rate),
        )
    except DomainError:
        raise
    except ValueError as exc:  # QuoteInputError: field errors already worded
        errors = getattr(exc, "errors", {})
        raise LendingError("application_terms_invalid", errors=errors) from exc
    if not offer.compliance.ok:
        blocking = [v for v in offer.compliance.violations if v.action.value == "block"]
        rule = (blocking or list(offer.compliance.violations))[0]
        raise LendingError(
            "compliance_blocked", field="rate", rule=rule.rule_id, region=offer.compliance.region
        )


def _bureau_facts(
    repo: LendingRepository, bureau: BureauPort | None, app: ApplicationRow, product: Any,
    now: dt.datetime, actor: Actor,
) -> tuple[dict[str, Any], int | None]:
    """The bureau facts for scoring: a reusable stored report, else a fresh pull."""
    check = product.credit_check
    latest = repo.latest_report(app.customer_id)
    pulled = latest.pulled_at if latest is not None else None
    if pulled is not None and pulled.tzinfo is None:  # SQLite returns naive UTC
        pulled = pulled.replace(tzinfo=dt.UTC)
    if latest is not None and pulled is not None and is_reusable(pulled, now, check.reuse_days):
        return dict(latest.facts), latest.id
    if not check.required:
        return {}, None
    if bureau is None:
        raise LendingError("bureau_not_configured", status=503)
    consent = repo.valid_consent(app.customer_id, now.date())
    oldest = now.date() - dt.timedelta(days=check.consent_valid_days)
    if consent is None or consent.granted_on < oldest:
        raise LendingError("bureau_consent_required", field="consent")
    customer = repo.customer(app.customer_id)
    assert customer is not None
    id_number = repo.customer_id_number(customer.id) or ""
    income_raw = (app.custom or {}).get("monthly_income")
    income = Decimal(str(income_raw)) if income_raw not in (None, "") else None
    request = BureauRequest(
        customer.id_type, id_number or f"customer-{customer.id}", customer.name,
        "loan_application", Consent(f"CONSENT-{consent.id}", consent.granted_on),
        idempotency_key=f"app-{app.id}-round-{app.round}",
    )
    report = bureau.pull(request, income)
    row = repo.add_report(app.customer_id, consent.id, report, actor.user_id)
    return dict(report.facts.as_expression_values()), row.id


def _open_stage(
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


def _start_route(
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
    return _open_stage(repo, app, chain, first, now, actor, region, department_path)


# ------------------------------------------------------------------ use cases


def record_consent(
    uow: LendingUnitOfWork, customer_id: int, *, granted_on: dt.date, valid_days: int,
    channel: str, actor: Actor,
) -> int:
    """Record a customer's consent to credit-report pulls; returns its id."""
    with uow:
        if uow.lending.customer(customer_id) is None:
            raise LendingError("customer_not_found", field="customer_id", value=customer_id)
        if valid_days < 1:
            raise LendingError("consent_days_invalid", field="valid_days", value=valid_days)
        row = uow.lending.add_consent(
            customer_id, granted_on, granted_on + dt.timedelta(days=valid_days), channel,
            actor.user_id,
        )
        uow.commit()
        return row.id


def submit(
    uow: LendingUnitOfWork,
    application_id: int,
    *,
    actor: Actor,
    registry_for: RegistryFor,
    bureau: BureauPort | None,
    now: dt.datetime,
    today: dt.date,
    department_path: str | None = None,
    contract: ContractRenderer | None = None,
) -> SubmitResult:
    """Submit (or retry scoring of) an application; see the module text for the steps.

    :raises LendingError: not found, wrong state, terms or compliance refused, no consent.
    """
    with uow:
        repo = uow.lending
        app = _load(repo, application_id)
        registry, product = _registry(registry_for, app)
        status = ApplicationStatus(app.status)
        if status is not ApplicationStatus.SUBMITTED:
            _check_terms_and_compliance(registry, app, today)
            app.status = next_status(status, ApplicationEvent.SUBMIT).value
            app.round = (app.round or 0) + 1
            app.submitted_at = now
        uow.commit()  # the submission itself stands even if the bureau is down

    with uow:
        repo = uow.lending
        app = _load(repo, application_id)
        if app.status != ApplicationStatus.SUBMITTED:
            raise LendingError("application_bad_transition", status=409, value=app.status)
        registry, product = _registry(registry_for, app)
        try:
            bureau_values, report_id = _bureau_facts(repo, bureau, app, product, now, actor)
        except DomainError as exc:
            if getattr(exc, "retryable", False):
                raise LendingError(
                    "bureau_unavailable_retry", status=503, reason=exc.params.get("reason", "")
                ) from exc
            raise
        app.credit_report_id = report_id
        facts = _facts(repo, app, product, bureau_values, today)
        card = registry.scorecards.get(product.scorecard) if product.scorecard else None
        result: ScoreResult | None = score(card, facts) if card is not None else None
        if result is not None:
            app.score = result.score
            facts["application"]["score"] = result.score
            repo.add_decision(
                app.id, "scorecard", result.decision.value, score=result.score,
                reasons=explain(result.reasons), inputs=facts,
                config_version_id=app.config_version_id,
            )
        decision = result.decision if result is not None else Decision.REFER
        loan_id = line_id = None
        tasks: list[int] = []
        if decision is Decision.REJECT:
            app.status = next_status(app.status, ApplicationEvent.REJECT).value
            app.decided_at = now
            repo.add_decision(
                app.id, "final", "rejected", score=app.score,
                reasons=explain(result.reasons) if result else (),
                config_version_id=app.config_version_id,
            )
        elif decision is Decision.APPROVE:
            app.status = next_status(app.status, ApplicationEvent.APPROVE).value
            app.decided_at = now
            repo.add_decision(
                app.id, "final", "approved", score=app.score,
                reasons=explain(result.reasons) if result else (),
                config_version_id=app.config_version_id, comment="auto",
            )
            booked = book_approved(repo, registry, product, app, today, contract)
            loan_id, line_id = booked.loan_id, booked.credit_line_id
        else:
            app.status = next_status(app.status, ApplicationEvent.REFER).value
            chain = _chain(registry, product)
            route = route_for(chain, facts)
            customer = repo.customer(app.customer_id)
            region = customer.region if customer else None
            tasks = _start_route(repo, app, chain, route, now, actor, region, department_path)
            if not route:  # nothing applies: the chain approves by configuration
                app.status = next_status(app.status, ApplicationEvent.APPROVE).value
                app.decided_at = now
                booked = book_approved(repo, registry, product, app, today, contract)
                loan_id, line_id = booked.loan_id, booked.credit_line_id
        uow.commit()
        return SubmitResult(
            app.id, app.status, app.score, decision.value,
            tuple(explain(result.reasons)) if result else (), tuple(tasks), loan_id, line_id,
        )


def _votes(repo: LendingRepository, app: ApplicationRow) -> tuple[list[ApprovalTaskRow], list[Vote]]:
    tasks = repo.tasks(app.id, app.round)
    by_id = {t.id: t for t in tasks}
    votes = [
        Vote(by_id[v.task_id].step_code, v.user_id, Verdict(v.verdict), v.acting_for_user_id)
        for v in repo.votes(app.id, app.round)
        if v.task_id in by_id
    ]
    return tasks, votes


def _route_of(tasks: Sequence[ApprovalTaskRow]) -> tuple[Step, ...]:
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
        app = _load(repo, application_id)
        if app.status != ApplicationStatus.IN_REVIEW:
            raise LendingError("application_not_in_review", status=409, value=app.status)
        registry, product = _registry(registry_for, app)
        chain = _chain(registry, product)
        tasks, votes = _votes(repo, app)
        route = _route_of(tasks)
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
            opened = _open_stage(
                repo, app, chain, after.stage, now, actor,
                customer.region if customer else None, department_path,
            )
        open_ids = tuple(t.id for t in tasks if t.status == OPEN) or tuple(opened)
        uow.commit()
        return DecisionResult(app.id, app.status, open_ids, loan_id, line_id)


def withdraw(uow: LendingUnitOfWork, application_id: int, *, actor: Actor, now: dt.datetime,
             reason: str = "") -> str:
    """Withdraw an application that is not decided yet; open tasks are cancelled."""
    with uow:
        repo = uow.lending
        app = _load(repo, application_id)
        app.status = next_status(app.status, ApplicationEvent.WITHDRAW).value
        app.decided_at = now
        for task in repo.tasks(app.id, app.round):
            if task.status in (OPEN, WAITING):
                task.status, task.closed_at = CANCELLED, now
        repo.add_decision(app.id, "final", "withdrawn", user_id=actor.user_id, comment=reason,
                          config_version_id=app.config_version_id)
        uow.commit()
        return app.status


def reassign(uow: LendingUnitOfWork, task_id: int, staff_id: int | None, *, actor: Actor,
             reason: str = "manual") -> None:
    """Give an open task to another staff member (``None``: back to the pool); logged."""
    with uow:
        repo = uow.lending
        task = repo.task(task_id, for_update=True)
        if task is None:
            raise LendingError("approval_task_not_found", status=404, value=task_id)
        if task.status != OPEN:
            raise LendingError("approval_task_not_open", status=409, value=task.status)
        if staff_id is not None and not any(
            c.staff_id == staff_id for c in repo.candidates(task.role, dt.date.today())
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

