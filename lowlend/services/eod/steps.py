"""The end-of-day steps, keyed by the step codes of ``eod.yaml``.

A partition's loans are loaded once; each loan's close of the business date
(:func:`lowlend.domain.close_of_day.close_state`) is computed once, on first use, from
its terms snapshot and posted transactions — the same replay a repayment runs — and the
steps, in the configured order, each copy their part of it into the loan's values:

==========================  ============================================================
``mark_due``                installments falling due on the next day ``due``; settled
                            ones ``paid``; the others ``pending``
``mark_overdue``            installments past due with something unpaid ``overdue``;
                            ``loans.dpd`` with ``params.arrears_tolerance`` (arrears up to
                            it do not count); ``loans.status`` ``overdue`` | ``active``
                            (``closed`` when everything is paid)
``accrue_interest``         ``loans.accrued_interest`` to the end of the day
``accrue_penalty``          ``installments.penalty`` (罚息 + late fees as the product's
                            snapshot terms charge them through the day) and
                            ``loans.accrued_penalty``
``classify``                ``loans.classification`` from the DPD the loan has *at this
                            point of the run* with ``params.dpd_ranges`` (or the
                            ``params.region_dpd_ranges`` entry of the loan's product's
                            compliance region, else of the region it inherits from); a
                            change adds a history row (source ``eod``). An approved manual
                            classification in force is kept
                            (:mod:`lowlend.domain.classification_override`); when it lapses
                            it is marked ``lapsed`` and the change's reason is
                            ``override_lapsed``. ``loans.delinquency_bucket`` (M0, M1, …)
                            from the DPD with ``params.bucket_edges``
``auto_debit``              after the partition's close is committed: one auto-debit per
                            loan with something due, key ``eod:<date>:<loan>``
``early_warning``,          no module yet: reported ``not_available`` per partition
``collection_escalation``,
``reminders``
==========================  ============================================================

Order matters where a step reads what another writes: ``classify`` before
``mark_overdue`` classifies on the DPD stored by the previous close (one day late), after
it on the day's DPD. Penalties do not depend on accrued interest (their base is the
unpaid scheduled principal, or principal and interest), so ``accrue_penalty`` before or
after ``accrue_interest`` gives the same figures.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from lowlend.domain.classification import (
    DEFAULT_BUCKET_EDGES,
    DEFAULT_RANGES,
    DpdRange,
    bucket_edges,
    classify,
    delinquency_bucket,
    dpd_ranges,
)
from lowlend.domain.classification_override import in_force
from lowlend.domain.close_of_day import (
    accrued_interest_at_close,
    close_state,
    installment_status,
    loan_status,
    penalty_total,
)
from lowlend.domain.errors import DomainError
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.loan_state import LoanState
from lowlend.domain.schedule import Schedule
from lowlend.services.eod.ports import (
    ClassificationChange,
    InstallmentRecord,
    LoanClose,
    LoanRecord,
)
from lowlend.services.lending.loan_postings import domain_transactions, snapshot_schedule

__all__ = [
    "AVAILABLE",
    "EXTERNAL",
    "IN_TRANSACTION",
    "LoanWork",
    "StepParams",
    "step_params",
]


@dataclass(frozen=True, slots=True)
class StepParams:
    """The parsed parameters of the steps of one run (from the current ``eod.yaml``)."""

    arrears_tolerance: Decimal = Decimal(0)
    ranges: tuple[DpdRange, ...] = DEFAULT_RANGES
    bucket_edges: tuple[int, ...] = DEFAULT_BUCKET_EDGES
    product_ranges: Mapping[str, tuple[DpdRange, ...]] = field(default_factory=dict)
    """Product code → the ranges of its region, for products whose region (or a region it
    inherits from) has ``region_dpd_ranges``."""

    def ranges_for(self, product_code: str) -> tuple[DpdRange, ...]:
        """The DPD ranges that classify a loan of ``product_code``."""
        return self.product_ranges.get(product_code, self.ranges)


def _region_ranges(registry: Any, by_region: Mapping[str, tuple[DpdRange, ...]],
                   ) -> dict[str, tuple[DpdRange, ...]]:
    out: dict[str, tuple[DpdRange, ...]] = {}
    if not by_region:
        return out
    regions = getattr(registry, "regions", {}) or {}
    for code, product in (getattr(registry, "products", {}) or {}).items():
        region, seen = getattr(product, "region", None), set()
        while region is not None and region not in seen:
            if region in by_region:
                out[code] = by_region[region]
                break
            seen.add(region)
            spec = regions.get(region)
            region = None if spec is None else spec.inherits
    return out


def step_params(eod_spec: Any, registry: Any = None) -> StepParams:
    """Parse the steps' ``params`` of an :class:`~lowlend.spec.model.operations.EodSpec`
    (with ``registry``, the published one, the region of each product for
    ``region_dpd_ranges``). The publish checks these params already
    (:func:`lowlend.spec.builders.operations.check_eod`); this refuses them again.

    :raises DomainError: a bad ``dpd_ranges`` (``dpd_ranges_*``), ``bucket_edges`` or tolerance.
    """
    tolerance = Decimal(0)
    ranges = dpd_ranges(None)
    edges = bucket_edges(None)
    by_region: dict[str, tuple[DpdRange, ...]] = {}
    for step in eod_spec.steps:
        code = step.code.value
        if code == "mark_overdue" and "arrears_tolerance" in step.params:
            try:
                tolerance = Decimal(str(step.params["arrears_tolerance"]))
            except InvalidOperation:
                raise DomainError("eod_config_invalid",
                                  reason="mark_overdue.params.arrears_tolerance") from None
        if code == "classify":
            ranges = dpd_ranges(step.params.get("dpd_ranges"))
            edges = bucket_edges(step.params.get("bucket_edges"))
            by_region = {str(region): dpd_ranges(raw) for region, raw
                         in (step.params.get("region_dpd_ranges") or {}).items()}
    return StepParams(tolerance, ranges, edges, _region_ranges(registry, by_region))


@dataclass
class LoanWork:
    """One loan during a partition: what is stored, the day's close, what steps set."""

    loan: LoanRecord
    business_date: dt.date
    dpd: int = 0
    status: str = ""
    classification: str | None = None
    accrued_interest: Decimal = Decimal(0)
    accrued_penalty: Decimal = Decimal(0)
    rows: dict[int, InstallmentRecord] = field(default_factory=dict)
    change: ClassificationChange | None = None
    bucket: str | None = None
    lapsed_override: int | None = None
    _close: tuple[Schedule, LoanState] | None = None

    @classmethod
    def of(cls, loan: LoanRecord, business_date: dt.date) -> LoanWork:
        return cls(loan, business_date, loan.dpd, loan.status, loan.classification,
                   loan.accrued_interest, loan.accrued_penalty,
                   {r.seq: r for r in loan.installments}, bucket=loan.delinquency_bucket)

    @property
    def close(self) -> tuple[Schedule, LoanState]:
        """The loan's schedule and its state at the end of the business date."""
        if self._close is None:
            schedule, fees = _schedule(self.loan)
            txns = domain_transactions(cast(Any, self.loan.transactions))
            self._close = schedule, close_state(schedule, txns, self.business_date, fees)
        return self._close

    def set_rows(self, keep: Callable[[str], bool], penalty: bool = False) -> bool:
        """Copy the statuses (and with ``penalty`` the penalties) of the rows whose new
        status ``keep`` selects; whether anything changed."""
        state = self.close[1]
        changed = False
        for r in state.installments:
            old = self.rows.get(r.seq)
            new_status = installment_status(r, state.as_of)
            if old is None:
                continue  # a row the stored schedule does not have yet: the next posting adds it
            status = new_status if keep(new_status) else old.status
            pen = r.penalty if penalty else old.penalty
            if (status, pen) != (old.status, old.penalty):
                self.rows[r.seq] = InstallmentRecord(r.seq, status, pen)
                changed = True
        return changed

    def result(self) -> LoanClose:
        changed = tuple(r for r in self.rows.values()
                        if r not in self.loan.installments)
        return LoanClose(self.loan.id, self.status, self.dpd, self.classification,
                         self.accrued_interest, self.accrued_penalty, changed, self.bucket,
                         self.lapsed_override)


_SCHEDULES: OrderedDict[tuple[int, str], tuple[Schedule, FeeSchedule | None]] = OrderedDict()
_LOCK = threading.Lock()
SCHEDULE_CACHE_SIZE = 50_000
"""Schedules kept per process (least recently used dropped first), keyed by loan and terms
snapshot: a run over several dates builds each loan's schedule once."""


def _schedule(loan: LoanRecord) -> tuple[Schedule, FeeSchedule | None]:
    """The schedule (fees on the rows) of the loan's terms snapshot
    (:func:`~lowlend.services.lending.loan_postings.snapshot_schedule`, the build a
    repayment uses), cached.

    :raises LendingError: ``loan_terms_missing`` for a snapshot that cannot be read.
    """
    key = (loan.id, json.dumps(loan.terms_snapshot, sort_keys=True, default=str))
    with _LOCK:
        found = _SCHEDULES.get(key)
        if found is not None:
            _SCHEDULES.move_to_end(key)
            return found
    found = snapshot_schedule(loan.id, loan.terms_snapshot)
    with _LOCK:
        _SCHEDULES[key] = found
        if len(_SCHEDULES) > SCHEDULE_CACHE_SIZE:
            _SCHEDULES.popitem(last=False)
    return found


Step = Callable[[LoanWork, StepParams], bool]
"""A step on one loan in memory: returns whether it changed the loan."""


def _mark_due(w: LoanWork, p: StepParams) -> bool:
    return w.set_rows(lambda s: s != "overdue")


def _mark_overdue(w: LoanWork, p: StepParams) -> bool:
    changed = w.set_rows(lambda s: s == "overdue")
    state = w.close[1]
    dpd = state.days_past_due(p.arrears_tolerance)
    status = loan_status(state, dpd)
    changed |= (dpd, status) != (w.dpd, w.status)
    w.dpd, w.status = dpd, status
    return changed


def _accrue_interest(w: LoanWork, p: StepParams) -> bool:
    schedule, state = w.close
    value = accrued_interest_at_close(schedule, state)
    changed = value != w.accrued_interest
    w.accrued_interest = value
    return changed


def _accrue_penalty(w: LoanWork, p: StepParams) -> bool:
    changed = w.set_rows(lambda s: False, penalty=True)
    value = penalty_total(w.close[1])
    changed |= value != w.accrued_penalty
    w.accrued_penalty = value
    return changed


def _classify(w: LoanWork, p: StepParams) -> bool:
    ranges = p.ranges_for(w.loan.product_code)
    bucket = delinquency_bucket(w.dpd, p.bucket_edges)
    changed = bucket != w.bucket
    w.bucket = bucket
    manual = w.loan.manual
    reason = ""
    if manual is not None:
        if in_force(manual, w.dpd, w.business_date, ranges):
            return changed  # the approved manual category stays
        w.lapsed_override, reason, changed = manual.id, "override_lapsed", True
    category = classify(w.dpd, ranges)
    if category == w.classification:
        return changed
    w.change = ClassificationChange(w.loan.id, w.loan.classification, category, w.dpd, reason)
    w.classification = category
    return True


IN_TRANSACTION: Mapping[str, Step] = {
    "mark_due": _mark_due,
    "mark_overdue": _mark_overdue,
    "accrue_interest": _accrue_interest,
    "accrue_penalty": _accrue_penalty,
    "classify": _classify,
}
"""Steps done in memory over the partition's loans and stored in its one transaction."""

EXTERNAL = frozenset({"auto_debit"})
"""Steps that talk to the outside (payment gateway): run after the partition's commit,
each loan in its own unit of work, idempotent per loan and business date."""

AVAILABLE = frozenset(IN_TRANSACTION) | EXTERNAL
"""Every other step code of ``eod.yaml`` has no module yet (reported ``not_available``)."""

STEP_ERRORS: tuple[type[BaseException], ...] = (DomainError, ArithmeticError, KeyError,
                                                TypeError, ValueError)
"""What a step may raise for one loan (bad snapshot, bad data): recorded on the loan."""
