"""Run the end of day: plan a run, close its partitions, finish it; retry failed loans.

Idempotency: a loan is closed for business date ``D`` by setting its
``last_closed_business_date`` to ``D`` in the same transaction that stores everything the
steps computed for it (one transaction per partition). A partition only loads loans
whose last closed date is before ``D``, so running a date again changes nothing, and a
run killed at any moment, started again, finishes the partitions that had not committed
— ending in exactly the state of an uninterrupted run. The close of a loan depends only
on its terms, its transactions valued up to ``D`` and ``D`` (never on what a previous
close stored, except ``classify``'s history ``from``), so partitions may run in any
order, on any number of processes or machines (:func:`close_partition` is what one
Celery task or worker process runs).

A step failing for one loan records a failure row (step, error code, message); that loan
is not closed, the partition and the run go on. :func:`retry_run` runs the failed loans
again (a new attempt of the same run). The run is ``completed``, or
``completed_with_failures`` while failed loans are left; either way the date counts as
closed for the business date (:mod:`lowlend.services.business_date`).

Auto-debit (the only step that talks to the outside) runs after the partition's commit,
for its closed loans with something due on the next day, each through the auto-debit use
case with the idempotency key ``eod:<D>:<loan id>`` — a resumed run sends no second order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lowlend.domain.approval import Actor
from lowlend.domain.errors import DomainError
from lowlend.services.business_date import BusinessDateSettings, check_eod_dates
from lowlend.services.config_store import NoPublishedConfig
from lowlend.services.eod.ports import (
    EodStore,
    FailureRecord,
    PartitionInfo,
    RunInfo,
    StepRecord,
)
from lowlend.services.eod.steps import (
    EXTERNAL,
    IN_TRANSACTION,
    STEP_ERRORS,
    LoanWork,
    StepParams,
    step_params,
)

__all__ = [
    "AUTO_DEBIT_SKIPS",
    "EodError",
    "EodServices",
    "PartitionResult",
    "RunSummary",
    "close_partition",
    "finish_run",
    "in_process",
    "plan_retry",
    "plan_run",
    "retry_run",
    "run_eod",
    "summary",
]

AUTO_DEBIT_SKIPS = frozenset({
    "nothing_due", "bank_card_missing", "loan_not_open", "auto_debit_in_progress",
    "auto_debit_attempts_exhausted", "auto_debit_not_retryable", "gateway_not_configured",
})
"""Auto-debit answers that mean "no order to send today", not a failure of the loan."""

EOD_ACTOR = Actor(0, "eod")


class EodError(DomainError):
    """Bad input to an end-of-day run (message table ``eod``)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, None, **params)


@dataclass
class EodServices:
    """The collaborators of a run: the store, the published configuration's registry
    (its ``eod`` spec gives the steps), and — for auto-debit — the money unit of work,
    the gateway and the pinned registries. ``auto_debit`` is the use case (injected so
    the runner holds no money rule)."""

    store: EodStore
    current_registry: Callable[[], Any]
    money_uow: Callable[[], Any] | None = None
    gateway: Any = None
    registry_for: Callable[[int], Any] | None = None
    auto_debit: Callable[..., Any] | None = None
    settings: BusinessDateSettings = field(default_factory=BusinessDateSettings)
    config_version_id: Callable[[], int | None] = lambda: None


@dataclass(frozen=True, slots=True)
class PartitionResult:
    partition_id: int
    loans: int
    closed: int
    failed: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    run: RunInfo
    steps: tuple[StepRecord, ...]
    loans_closed: int
    failures: int
    open_failures: int


def _registry(services: EodServices) -> Any:
    try:
        return services.current_registry()
    except NoPublishedConfig:
        raise EodError("eod_no_published_config") from None


def plan_run(services: EodServices, business_date: dt.date, *, mode: str = "in_process",
             started_by: str = "", today: dt.date | None = None) -> tuple[RunInfo, bool]:
    """The run of ``business_date``: created with its partitions, or the existing one
    (resumed when unfinished). Returns ``(run, created)``.

    :raises BusinessDateError: the date may not be closed now (see ``check_eod_dates``).
    """
    s = services.settings
    check_eod_dates(services.store, business_date, start=s.start, today=today,
                    max_days_ahead=s.max_days_ahead)
    existing = services.store.run_for_date(business_date)
    if existing is not None:
        return existing, False
    registry = _registry(services)
    spec = registry.eod
    step_params(spec, registry)  # a bad dpd_ranges fails here, before anything is written
    steps = [step.code.value for step in spec.steps if step.enabled]
    run = services.store.create_run(
        business_date, partition_size=spec.partition_size, steps=steps, mode=mode,
        started_by=started_by, config_version_id=services.config_version_id())
    return run, True


def plan_retry(services: EodServices, run_id: int) -> RunInfo:
    """A new attempt of run ``run_id`` over its failed loans (partitions created).

    :raises EodError: ``eod_run_not_found``, ``eod_run_in_progress``, ``eod_nothing_to_retry``.
    """
    run = services.store.run(run_id)
    if run is None:
        raise EodError("eod_run_not_found", value=run_id)
    if run.status == "running":
        raise EodError("eod_run_in_progress", value=run.business_date)
    if services.store.create_retry(run_id, run.partition_size) == 0:
        raise EodError("eod_nothing_to_retry", value=run_id)
    return run


def close_partition(services: EodServices, partition_id: int) -> PartitionResult:
    """Close one partition: its steps in ONE transaction, then its external steps. A
    partition already closed only has its external steps finished; one done is left as is."""
    store = services.store
    registry = _registry(services)
    spec = registry.eod
    params = step_params(spec, registry)
    configured = [(i, step.code.value, step.enabled) for i, step in enumerate(spec.steps)]
    works: list[LoanWork] = []
    failed: set[int] = set()
    with store.partition(partition_id) as batch:
        part, run = batch.partition, batch.run
        if part.status == "pending":
            works = [LoanWork.of(loan, run.business_date) for loan in batch.loans]
            records, failures = _run_steps(works, configured, params)
            failed = {f.loan_id for f in failures}
            live = [w for w in works if w.loan.id not in failed]
            store.close(batch, [w.result() for w in live],
                        [w.change for w in live if w.change is not None], failures, records)
    if part.status == "done":
        return PartitionResult(part.id, 0, 0, 0)
    ext_records, ext_failures = _external_steps(services, part, run, configured)
    store.finish_partition(part, ext_records, ext_failures)
    return PartitionResult(part.id, len(works), len(works) - len(failed), len(failed))


def _run_steps(works: list[LoanWork], configured: Sequence[tuple[int, str, bool]],
               params: StepParams) -> tuple[list[StepRecord], list[FailureRecord]]:
    records: list[StepRecord] = []
    failures: list[FailureRecord] = []
    failed: set[int] = set()
    for position, code, enabled in configured:
        if code in EXTERNAL:
            continue
        if not enabled:
            records.append(StepRecord(position, code, "disabled"))
            continue
        step = IN_TRANSACTION.get(code)
        live = [w for w in works if w.loan.id not in failed]
        if step is None:
            records.append(StepRecord(position, code, "not_available", loans=len(live)))
            continue
        began = time.perf_counter()
        changed = errors = 0
        for w in live:
            try:
                changed += bool(step(w, params))
            except STEP_ERRORS as exc:
                errors += 1
                failed.add(w.loan.id)
                failures.append(_failure(w.loan.id, code, exc))
        records.append(StepRecord(position, code, "done", len(live), changed, errors,
                                  int((time.perf_counter() - began) * 1000)))
    return records, failures


def _failure(loan_id: int, step: str, exc: BaseException) -> FailureRecord:
    code = exc.code if isinstance(exc, DomainError) else type(exc).__name__
    return FailureRecord(loan_id, step, code[:60], str(exc)[:500])


def _external_steps(services: EodServices, part: PartitionInfo, run: RunInfo,
                    configured: Sequence[tuple[int, str, bool]],
                    ) -> tuple[list[StepRecord], list[FailureRecord]]:
    records: list[StepRecord] = []
    failures: list[FailureRecord] = []
    for position, code, enabled in configured:
        if code not in EXTERNAL:
            continue
        if not enabled:
            records.append(StepRecord(position, code, "disabled"))
            continue
        if services.auto_debit is None or services.money_uow is None or services.gateway is None:
            records.append(StepRecord(position, code, "not_available"))
            continue
        began = time.perf_counter()
        loans = services.store.debit_candidates(part, run.business_date)
        sent = 0
        errors: list[FailureRecord] = []
        for loan_id in loans:
            try:
                services.auto_debit(
                    services.money_uow, loan_id, gateway=services.gateway, actor=EOD_ACTOR,
                    registry_for=services.registry_for,
                    business_date=run.business_date + dt.timedelta(days=1),
                    idempotency_key=f"eod:{run.business_date.isoformat()}:{loan_id}",
                )
                sent += 1
            except DomainError as exc:
                if exc.code not in AUTO_DEBIT_SKIPS:
                    errors.append(_failure(loan_id, code, exc))
        failures += errors
        records.append(StepRecord(position, code, "done", len(loans), sent, len(errors),
                                  int((time.perf_counter() - began) * 1000)))
    return records, failures


def finish_run(services: EodServices, run_id: int) -> RunSummary:
    """Set the run's final status (after all its partitions) and return its summary."""
    services.store.finish_run(run_id)
    return summary(services, run_id)


def summary(services: EodServices, run_id: int) -> RunSummary:
    """The run as stored: status, per-step totals, loans closed, failures."""
    store = services.store
    run = store.run(run_id)
    if run is None:
        raise EodError("eod_run_not_found", value=run_id)
    steps = tuple(store.step_totals(run_id))
    return RunSummary(run, steps, sum(p.closed for p in store.partitions(run_id)),
                      sum(s.failures for s in steps), store.open_failures(run_id))


Executor = Callable[[RunInfo, Sequence[int]], Iterable[PartitionResult]]
"""Runs :func:`close_partition` for each partition id of a run (in this process, in
worker processes, on Celery workers) and yields the results as they finish."""


def in_process(services: EodServices) -> Executor:
    """The embedded executor: the partitions one after the other in this process."""
    def run(_run: RunInfo, ids: Sequence[int]) -> Iterable[PartitionResult]:
        for pid in ids:
            yield close_partition(services, pid)
    return run


def run_eod(services: EodServices, first: dt.date, until: dt.date | None = None, *,
            executor: Executor | None = None, mode: str = "in_process", started_by: str = "",
            today: dt.date | None = None,
            on_plan: Callable[[RunInfo, int], None] | None = None,
            on_partition: Callable[[PartitionResult], None] | None = None,
            ) -> list[RunSummary]:
    """Close ``first`` (through ``until``) in order; a summary per business date.

    Every date is checked before the first is run (:func:`check_eod_dates`).
    ``on_plan(run, partitions to run)`` and ``on_partition(result)`` report progress.

    :raises BusinessDateError: a date that may not be closed now.
    """
    s = services.settings
    dates = check_eod_dates(services.store, first, until, start=s.start, today=today,
                            max_days_ahead=s.max_days_ahead)
    execute = executor or in_process(services)
    out = []
    for day in dates:
        run, _created = plan_run(services, day, mode=mode, started_by=started_by, today=today)
        out.append(_execute(services, run, execute, on_plan, on_partition))
    return out


def retry_run(services: EodServices, run_id: int, *, executor: Executor | None = None,
              on_plan: Callable[[RunInfo, int], None] | None = None,
              on_partition: Callable[[PartitionResult], None] | None = None) -> RunSummary:
    """Run the failed loans of run ``run_id`` again (see :func:`plan_retry`)."""
    run = plan_retry(services, run_id)
    return _execute(services, run, executor or in_process(services), on_plan, on_partition)


def _execute(services: EodServices, run: RunInfo, execute: Executor,
             on_plan: Callable[[RunInfo, int], None] | None,
             on_partition: Callable[[PartitionResult], None] | None) -> RunSummary:
    todo = [p.id for p in services.store.partitions(run.id, unfinished=True)]
    if on_plan is not None:
        on_plan(run, len(todo))
    for result in execute(run, todo):
        if on_partition is not None:
            on_partition(result)
    return finish_run(services, run.id)
