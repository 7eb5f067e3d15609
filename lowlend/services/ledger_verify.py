"""Use case: verify the journal — balance, hash chain and (optionally) signed checkpoints.

No database code here: the journal comes from a
:class:`~lowlend.services.ledger_checkpoints.LedgerRepository` that streams posted
entries in id order, so the check runs in constant memory however long the journal.

Checkpoint problems (``CheckpointProblem.reason``):

* ``untrusted_key``, ``bad_key``, ``bad_signature`` — the signature (see
  :func:`~lowlend.services.ledger_checkpoints.signature_problem`);
* ``entry_missing`` — the checkpoint names an entry the journal no longer has (the
  newest entries were removed, or the journal was rebuilt);
* ``hash_differs`` — the entry exists but its hash is not the one signed (the chain
  was recomputed after a change);
* ``count_differs`` — the entry is not at the signed position (entries before it were
  removed or inserted and the chain recomputed).

A repository with a ``scan_chain(marks)`` method (the SQL adapter: chunks of stored
text, in worker processes for a large journal) checks the chain itself and returns the
same :class:`~lowlend.domain.ledger_chain.VerifyResult` as ``verify_chain`` over
``entries()``, with the position and hash of each checkpointed entry; otherwise the
entries are streamed through :class:`~lowlend.domain.ledger_chain.ChainVerifier`.

Loans agree with the journal
----------------------------

With ``current_registry`` (the published configuration), every loan that has journal
entries is also compared with the journal, set-based (one grouped query per side,
:meth:`LoanLedgerRepository.loan_figures`, compared here):

* ``principal_differs`` — the balance of the configured principal account
  (``ledger.yaml`` ``loan_accounts.principal``: debits − credits of the lines of the
  loan's entries) is not the loan's principal outstanding (Σ installments
  ``principal − principal_paid``) minus ``loans.written_off_principal``;
* ``overpayment_negative`` — the credit balance of the overpayment account
  (``loan_accounts.overpayment``) is below zero (more refunded than was held);
* ``loan_missing`` — entries name a loan that does not exist.

With nothing published the comparison is skipped and :attr:`LedgerReport.loans_note`
says so (no fallback to the shipped ``ledger.yaml``: its accounts need not be the ones
the journal was posted with).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from lowlend.domain.ledger import GENESIS_HASH, ZERO
from lowlend.domain.ledger_chain import ChainVerifier, VerifyResult
from lowlend.services.audit import json_safe
from lowlend.services.config_store import NoPublishedConfig
from lowlend.services.ledger_checkpoints import (
    CheckpointRecord,
    LedgerUnitOfWork,
    signature_problem,
)

__all__ = [
    "NO_CONFIG_NOTE",
    "CheckpointProblem",
    "LedgerReport",
    "LoanAccounts",
    "LoanFigures",
    "LoanLedgerRepository",
    "LoanProblem",
    "compare_loans",
    "report_summary",
    "verify_ledger",
]

NO_CONFIG_NOTE = (
    "no configuration is published: the loans were not compared with the journal "
    "(the loan accounts come from the published ledger.yaml; run `lowlend config publish`)"
)
"""What :attr:`LedgerReport.loans_note` says when nothing is published."""


@dataclass(frozen=True)
class CheckpointProblem:
    """The first checkpoint that does not hold, and why (``reason`` is a stable code)."""

    checkpoint_id: int | None
    reason: str
    detail: str


@dataclass(frozen=True)
class LoanAccounts:
    """The per-loan accounts of the published ``ledger.yaml`` (``loan_accounts``)."""

    principal: str
    overpayment: str

    @classmethod
    def of(cls, registry: Any) -> LoanAccounts:
        """The accounts of a registry (``registry.ledger``)."""
        spec = registry.ledger
        return cls(str(spec.principal_account), str(spec.overpayment_account))


@dataclass(frozen=True)
class LoanFigures:
    """One loan with journal entries, as both sides see it (``None``: no such figure).

    ``ledger_principal``: debits − credits of the principal account on the loan's
    entries; ``ledger_overpayment``: credits − debits of the overpayment account;
    ``loan_principal``: Σ installments (principal − principal_paid) − written-off
    principal (``None`` when the loan row does not exist).
    """

    loan_id: int
    ledger_principal: Decimal | None
    ledger_overpayment: Decimal | None
    loan_principal: Decimal | None


@dataclass(frozen=True)
class LoanProblem:
    """The first loan that does not agree with the journal (``reason`` is a stable code)."""

    loan_id: int
    reason: str
    account: str
    ledger: Decimal
    loan: Decimal | None
    detail: str


class LoanLedgerRepository(Protocol):
    """What the loan comparison needs of the journal store (adapter:
    :class:`lowlend.persistence.ledger_repository.SqlLedgerRepository`)."""

    def loan_figures(self, accounts: LoanAccounts) -> Mapping[int, LoanFigures]:
        """Every loan with journal entries by id: both sides, read in one snapshot."""
        ...


@dataclass(frozen=True)
class LedgerReport:
    """Outcome of :func:`verify_ledger`.

    ``loans_checked`` is ``None`` when the loans were not compared (no registry given,
    or nothing published: ``loans_note`` says which).
    """

    chain: VerifyResult
    checkpoints_checked: int = 0
    checkpoint_problem: CheckpointProblem | None = None
    loan_accounts: LoanAccounts | None = None
    loans_checked: int | None = None
    loans_differing: int = 0
    loan_problem: LoanProblem | None = None
    loans_note: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the journal, every checked checkpoint and every compared loan hold."""
        return self.chain.ok and self.checkpoint_problem is None and self.loan_problem is None


def _money(value: Decimal | None) -> str:
    return "none" if value is None else f"{value:.2f}"


def _loan_problems(figures: LoanFigures, accounts: LoanAccounts) -> list[LoanProblem]:
    ledger = figures.ledger_principal if figures.ledger_principal is not None else ZERO
    held = figures.ledger_overpayment if figures.ledger_overpayment is not None else ZERO
    loan_id = figures.loan_id
    if figures.loan_principal is None:
        return [LoanProblem(
            loan_id, "loan_missing", accounts.principal, ledger, None,
            f"journal entries name loan {loan_id}, which does not exist",
        )]
    found: list[LoanProblem] = []
    if ledger != figures.loan_principal:
        found.append(LoanProblem(
            loan_id, "principal_differs", accounts.principal, ledger, figures.loan_principal,
            f"account {accounts.principal}: journal {_money(ledger)}, loan "
            f"{_money(figures.loan_principal)} (principal outstanding − written off)",
        ))
    if held < ZERO:
        found.append(LoanProblem(
            loan_id, "overpayment_negative", accounts.overpayment, held, None,
            f"account {accounts.overpayment}: credit balance {_money(held)} is negative "
            "(more refunded or used than the borrower overpaid)",
        ))
    return found


def compare_loans(
    figures: Iterable[LoanFigures], accounts: LoanAccounts
) -> tuple[int, int, LoanProblem | None]:
    """Compare every loan; return (loans compared, loans that differ, first problem in
    ascending loan id)."""
    checked = differing = 0
    first: LoanProblem | None = None
    for item in sorted(figures, key=lambda f: f.loan_id):
        checked += 1
        problems = _loan_problems(item, accounts)
        if problems:
            differing += 1
            first = first or problems[0]
    return checked, differing, first


def _position_problem(
    record: CheckpointRecord, entry_hash: str, position: int
) -> CheckpointProblem | None:
    if record.last_hash != entry_hash:
        return CheckpointProblem(
            record.id,
            "hash_differs",
            f"entry {record.last_entry_id} hashes to {entry_hash[:12]}… now, "
            f"{record.last_hash[:12]}… was signed",
        )
    if record.entry_count != position:
        return CheckpointProblem(
            record.id,
            "count_differs",
            f"entry {record.last_entry_id} is entry number {position} now, "
            f"number {record.entry_count} was signed",
        )
    return None


def verify_ledger(
    uow: LedgerUnitOfWork,
    *,
    checkpoints: bool = False,
    trusted_keys: Collection[str] = (),
    current_registry: Callable[[], Any] | None = None,
) -> LedgerReport:
    """Walk the journal once: balance and chain of every entry; with ``checkpoints``,
    also every checkpoint's signature and that the chain still passes through it; with
    ``current_registry``, also whether every loan with journal entries agrees with it
    (module doc; ``uow.ledger`` must then be a :class:`LoanLedgerRepository`).

    :param trusted_keys: base64 public keys a checkpoint must be signed with (empty:
        each checkpoint is checked against the key stored with it only).
    :param current_registry: returns the published configuration's registry, raising
        :class:`~lowlend.services.config_store.NoPublishedConfig` when there is none
        (then the loans are skipped with :data:`NO_CONFIG_NOTE`).
    :returns: the report; a bad chain is reported before any checkpoint problem (loan
        problems are reported whatever the chain).
    """
    accounts: LoanAccounts | None = None
    note: str | None = None
    if current_registry is not None:
        try:
            accounts = LoanAccounts.of(current_registry())
        except NoPublishedConfig:
            note = NO_CONFIG_NOTE
    report = _verify(uow, checkpoints, trusted_keys, accounts)
    return report if note is None else _with(report, loans_note=note)


def _with(report: LedgerReport, **changes: Any) -> LedgerReport:
    return replace(report, **changes)


def _verify(
    uow: LedgerUnitOfWork,
    checkpoints: bool,
    trusted_keys: Collection[str],
    accounts: LoanAccounts | None,
) -> LedgerReport:
    with uow:
        records = uow.ledger.checkpoints() if checkpoints else []
        problem: CheckpointProblem | None = None
        for record in records:
            sig = signature_problem(record, trusted_keys)
            if sig is not None:
                problem = CheckpointProblem(record.id, *sig)
                break
        pending: dict[int, list[CheckpointRecord]] = {}
        for record in records:
            if record.last_entry_id is None:  # signed over an empty journal
                found = _position_problem(record, GENESIS_HASH, 0)
                problem = problem or found
            else:
                pending.setdefault(record.last_entry_id, []).append(record)
        scan = getattr(uow.ledger, "scan_chain", None)
        if scan is not None:  # a repository that checks the chain itself (in chunks)
            chain, positions = scan(frozenset(pending))
            for entry_id in sorted(positions):
                position, digest = positions[entry_id]
                signed = pending.pop(entry_id, None)
                if signed and problem is None:
                    for record in signed:
                        problem = problem or _position_problem(record, digest, position)
        else:
            verifier = ChainVerifier()
            for entry in uow.ledger.entries():
                if verifier.add(entry) is not None:
                    break
                signed = pending.pop(entry.id, None)
                if signed and problem is None:
                    for record in signed:
                        problem = problem or _position_problem(record, entry.hash,
                                                               verifier.count)
            chain = verifier.result()
        if problem is None and chain.ok and pending:
            first = min(pending)
            record = pending[first][0]
            problem = CheckpointProblem(
                record.id,
                "entry_missing",
                f"entry {first} (signed as entry number {record.entry_count}) is not in the "
                f"journal, which ends at entry {chain.last_entry_id} after {chain.entries} "
                "entries",
            )
        report = LedgerReport(chain, len(records), problem if chain.ok else None)
        if accounts is None:
            return report
        repo: LoanLedgerRepository = uow.ledger  # type: ignore[assignment]
        checked, differing, first_loan = compare_loans(
            repo.loan_figures(accounts).values(), accounts
        )
        return _with(report, loan_accounts=accounts, loans_checked=checked,
                     loans_differing=differing, loan_problem=first_loan)


def report_summary(report: LedgerReport) -> dict[str, Any]:
    """A small JSON-safe summary of ``report`` (what the nightly task returns and records)."""
    chain = report.chain
    bad = chain.first_bad
    cp = report.checkpoint_problem
    lp = report.loan_problem
    summary = json_safe({
        "ok": report.ok,
        "entries": chain.entries,
        "head_entry_id": chain.last_entry_id,
        "head_hash": chain.last_hash,
        "first_bad_entry": None if bad is None else {
            "entry_id": bad.entry_id, "reason": bad.reason, "detail": bad.detail},
        "checkpoints_checked": report.checkpoints_checked,
        "checkpoint_problem": None if cp is None else {
            "checkpoint_id": cp.checkpoint_id, "reason": cp.reason, "detail": cp.detail},
        "loans_checked": report.loans_checked,
        "loans_differing": report.loans_differing,
        "first_bad_loan": None if lp is None else {
            "loan_id": lp.loan_id, "reason": lp.reason, "account": lp.account,
            "ledger": lp.ledger, "loan": lp.loan, "detail": lp.detail},
        "loans_note": report.loans_note,
    })
    assert isinstance(summary, dict)
    return summary
