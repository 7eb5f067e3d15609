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
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from lowlend.domain.ledger import GENESIS_HASH
from lowlend.domain.ledger_chain import ChainVerifier, VerifyResult
from lowlend.services.ledger_checkpoints import (
    CheckpointRecord,
    LedgerUnitOfWork,
    signature_problem,
)

__all__ = ["CheckpointProblem", "LedgerReport", "verify_ledger"]


@dataclass(frozen=True)
class CheckpointProblem:
    """The first checkpoint that does not hold, and why (``reason`` is a stable code)."""

    checkpoint_id: int | None
    reason: str
    detail: str


@dataclass(frozen=True)
class LedgerReport:
    """Outcome of :func:`verify_ledger`."""

    chain: VerifyResult
    checkpoints_checked: int = 0
    checkpoint_problem: CheckpointProblem | None = None

    @property
    def ok(self) -> bool:
        """Whether the journal and every checked checkpoint hold."""
        return self.chain.ok and self.checkpoint_problem is None


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
) -> LedgerReport:
    """Walk the journal once: balance and chain of every entry; with ``checkpoints``,
    also every checkpoint's signature and that the chain still passes through it.

    :param trusted_keys: base64 public keys a checkpoint must be signed with (empty:
        each checkpoint is checked against the key stored with it only).
    :returns: the report; a bad chain is reported before any checkpoint problem.
    """
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
        verifier = ChainVerifier()
        for entry in uow.ledger.entries():
            if verifier.add(entry) is not None:
                break
            signed = pending.pop(entry.id, None)
            if signed and problem is None:
                for record in signed:
                    problem = problem or _position_problem(record, entry.hash, verifier.count)
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
        return LedgerReport(chain, len(records), problem if chain.ok else None)
