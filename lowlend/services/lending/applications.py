"""Application use cases (业务中心): submit (terms, caps, credit report, scorecard, route),
withdraw and the credit-report consent; the approval steps are in :mod:`.approvals`.

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lowlend.domain.application_state import ApplicationEvent, ApplicationStatus, next_status
from lowlend.domain.approval import Actor
from lowlend.domain.credit_report import BureauRequest, Consent, is_reusable
from lowlend.domain.errors import DomainError
from lowlend.services.lending.approvals import start_route
from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.loans import ContractRenderer, book_approved
from lowlend.services.lending.pinned import (
    CANCELLED,
    OPEN,
    WAITING,
    RegistryFor,
    application_facts,
    chain_of,
    load_application,
    pinned_product,
)
from lowlend.services.lending.ports import (
    ApplicationRow,
    BureauPort,
    ConsentRow,
    LendingRepository,
    LendingUnitOfWork,
)
from lowlend.services.lending.scoring import ScoreResult, explain, route_for, score
from lowlend.services.lending.terms import application_term_errors
from lowlend.services.quote import QuoteRequest, quote
from lowlend.spec.model import Decision

__all__ = ["SubmitResult", "consent_missing", "record_consent", "submit", "withdraw"]


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


def _check_terms_and_compliance(registry: Any, app: ApplicationRow, today: dt.date) -> None:
    """The product's bounds (:func:`.terms.application_term_errors`, every broken bound by
    field) and the region's rate caps: a ``block`` violation refuses with the rule id."""
    product = registry.products.get(app.product_code)
    errors = application_term_errors(
        product, amount=app.amount, term=app.term, rate=app.rate, currency=app.currency,
        start=today,
    )
    if errors:
        field = next(iter(errors))
        raise LendingError("application_terms_invalid", field=field, codes=errors)
    offer = quote(registry, QuoteRequest(app.product_code, app.amount, app.term, today, app.rate))
    if not offer.compliance.ok:
        blocking = [v for v in offer.compliance.violations if v.action.value == "block"]
        rule = (blocking or list(offer.compliance.violations))[0]
        raise LendingError(
            "compliance_blocked", field="rate", rule=rule.rule_id, region=offer.compliance.region
        )


def _usable_consent(
    repo: LendingRepository, customer_id: int, product: Any, today: dt.date
) -> ConsentRow | None:
    """The customer's consent that a pull for ``product`` may use today: not expired and
    granted within the product's ``credit_check.consent_valid_days``."""
    consent = repo.valid_consent(customer_id, today)
    oldest = today - dt.timedelta(days=product.credit_check.consent_valid_days)
    return None if consent is None or consent.granted_on < oldest else consent


def consent_missing(
    uow: LendingUnitOfWork, application_id: int, *, registry_for: RegistryFor, today: dt.date
) -> bool:
    """Whether submitting would be refused for want of a usable consent (a report pull is
    needed: the product requires one and no stored report can be reused)."""
    with uow:
        repo = uow.lending
        app = load_application(repo, application_id)
        _registry, product = pinned_product(registry_for, app)
        if not product.credit_check.required:
            return False
        latest = repo.latest_report(app.customer_id)
        if latest is not None:
            pulled = latest.pulled_at
            pulled = pulled if pulled.tzinfo is not None else pulled.replace(tzinfo=dt.UTC)
            now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
            if is_reusable(pulled, now, product.credit_check.reuse_days):
                return False
        return _usable_consent(repo, app.customer_id, product, today) is None


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
    consent = _usable_consent(repo, app.customer_id, product, now.date())
    if consent is None:
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
        app = load_application(repo, application_id)
        registry, product = pinned_product(registry_for, app)
        status = ApplicationStatus(app.status)
        if status is not ApplicationStatus.SUBMITTED:
            _check_terms_and_compliance(registry, app, today)
            app.status = next_status(status, ApplicationEvent.SUBMIT).value
            app.round = (app.round or 0) + 1
            app.submitted_at = now
        uow.commit()  # the submission itself stands even if the bureau is down

    with uow:
        repo = uow.lending
        app = load_application(repo, application_id)
        if app.status != ApplicationStatus.SUBMITTED:
            raise LendingError("application_bad_transition", status=409, value=app.status)
        registry, product = pinned_product(registry_for, app)
        try:
            bureau_values, report_id = _bureau_facts(repo, bureau, app, product, now, actor)
        except DomainError as exc:
            if getattr(exc, "retryable", False):
                raise LendingError(
                    "bureau_unavailable_retry", status=503, reason=exc.params.get("reason", "")
                ) from exc
            raise
        app.credit_report_id = report_id
        facts = application_facts(repo, app, product, bureau_values, today)
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
            chain = chain_of(registry, product)
            route = route_for(chain, facts)
            customer = repo.customer(app.customer_id)
            region = customer.region if customer else None
            tasks = start_route(repo, app, chain, route, now, actor, region, department_path)
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


def withdraw(uow: LendingUnitOfWork, application_id: int, *, actor: Actor, now: dt.datetime,
             reason: str = "") -> str:
    """Withdraw an application that is not decided yet; open tasks are cancelled."""
    with uow:
        repo = uow.lending
        app = load_application(repo, application_id)
        app.status = next_status(app.status, ApplicationEvent.WITHDRAW).value
        app.decided_at = now
        for task in repo.tasks(app.id, app.round):
            if task.status in (OPEN, WAITING):
                task.status, task.closed_at = CANCELLED, now
        repo.add_decision(app.id, "final", "withdrawn", user_id=actor.user_id, comment=reason,
                          config_version_id=app.config_version_id)
        uow.commit()
        return app.status
