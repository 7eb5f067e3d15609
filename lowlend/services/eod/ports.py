"""What the end-of-day batch needs from storage (:mod:`lowlend.persistence.eod_repository`).

Records are plain frozen dataclasses: a partition is loaded in a few set-based queries
(its loans, their installments, their transactions) and written back in a few
statements, in ONE transaction (:meth:`EodStore.partition`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from lowlend.domain.classification_override import ManualClassification

__all__ = [
    "ClassificationChange",
    "EodStore",
    "FailureRecord",
    "InstallmentRecord",
    "LoanClose",
    "LoanRecord",
    "PartitionBatch",
    "PartitionInfo",
    "RunInfo",
    "StepRecord",
    "TxnRecord",
]


@dataclass(frozen=True, slots=True)
class TxnRecord:
    """A loan transaction as the loan engine needs it (see ``loan_postings.domain_transactions``)."""

    id: int
    type: str
    status: str
    value_date: dt.date
    amount: Decimal
    reversed_of: int | None
    allocation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InstallmentRecord:
    seq: int
    status: str
    penalty: Decimal


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """A loan to close, with what the steps may change as stored now."""

    id: int
    terms_snapshot: dict[str, Any]
    status: str
    dpd: int
    classification: str | None
    accrued_interest: Decimal
    accrued_penalty: Decimal
    installments: tuple[InstallmentRecord, ...] = ()
    transactions: tuple[TxnRecord, ...] = ()
    product_code: str = ""
    delinquency_bucket: str | None = None
    manual: ManualClassification | None = None
    """The approved manual classification of the loan, if any."""


@dataclass(frozen=True, slots=True)
class LoanClose:
    """What a partition stores for one loan it closed."""

    loan_id: int
    status: str
    dpd: int
    classification: str | None
    accrued_interest: Decimal
    accrued_penalty: Decimal
    installments: tuple[InstallmentRecord, ...]  # only the rows that changed
    delinquency_bucket: str | None = None
    lapsed_override: int | None = None
    """The manual override that ended at this close (marked ``lapsed``)."""


@dataclass(frozen=True, slots=True)
class ClassificationChange:
    loan_id: int
    from_category: str | None
    to_category: str
    dpd: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FailureRecord:
    loan_id: int
    step: str
    error_code: str
    message: str


@dataclass(frozen=True, slots=True)
class StepRecord:
    position: int
    step: str
    status: str  # done | not_available | disabled
    loans: int = 0
    changed: int = 0
    failures: int = 0
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    business_date: dt.date
    status: str
    partition_size: int
    steps: tuple[str, ...]
    mode: str = "in_process"
    partitions: int = 0
    loans_total: int = 0
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PartitionInfo:
    id: int
    run_id: int
    attempt: int
    number: int
    first_loan_id: int
    last_loan_id: int
    status: str  # pending | closed | done
    loans: int = 0
    closed: int = 0
    failed: int = 0


@dataclass
class PartitionBatch:
    """A partition loaded in its transaction: its (locked) loans still to close."""

    partition: PartitionInfo
    run: RunInfo
    loans: list[LoanRecord] = field(default_factory=list)


class EodStore(Protocol):
    """Runs, partitions and the set-based reads and writes of a partition."""

    def last_closed_date(self) -> dt.date | None: ...

    def run_for_date(self, business_date: dt.date) -> RunInfo | None: ...

    def run(self, run_id: int) -> RunInfo | None: ...

    def create_run(self, business_date: dt.date, *, partition_size: int, steps: Sequence[str],
                   mode: str, started_by: str, config_version_id: int | None) -> RunInfo:
        """Insert the run and its partitions (attempt 0): the loans to close on the date,
        cut by id into ranges of ``partition_size`` loans. Commits."""
        ...

    def create_retry(self, run_id: int, partition_size: int) -> int:
        """Partitions of a new attempt over the run's loans with a failure not yet retried;
        returns how many. Commits."""
        ...

    def open_failures(self, run_id: int) -> int: ...

    def partitions(self, run_id: int, *, unfinished: bool = False) -> list[PartitionInfo]: ...

    def partition(self, partition_id: int) -> AbstractContextManager[PartitionBatch]:
        """Open the partition's transaction, lock and load its loans still to close (none
        when the partition is no longer ``pending``). Leaving without :meth:`close` rolls
        back."""
        ...

    def close(self, batch: PartitionBatch, closes: Sequence[LoanClose],
              changes: Sequence[ClassificationChange], failures: Sequence[FailureRecord],
              steps: Sequence[StepRecord]) -> None:
        """Store a partition's results, set ``last_closed_business_date`` of the loans in
        ``closes``, mark the partition ``closed`` and commit — all at once."""
        ...

    def debit_candidates(self, partition: PartitionInfo, business_date: dt.date) -> list[int]:
        """Loans of the partition closed on ``business_date`` that have an unpaid installment
        due by the next day."""
        ...

    def finish_partition(self, partition: PartitionInfo, steps: Sequence[StepRecord],
                         failures: Sequence[FailureRecord]) -> None:
        """Record the steps run after the close (auto-debit) and mark the partition done."""
        ...

    def finish_run(self, run_id: int) -> RunInfo:
        """Set the run's status from its partitions and failures; commits."""
        ...

    def step_totals(self, run_id: int) -> list[StepRecord]:
        """Per step (in run order): the sums over the run's partitions."""
        ...
