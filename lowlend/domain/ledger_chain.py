"""The journal's hash chain: posting an entry onto the chain and verifying a chain.

Hash chain
----------

Entries are chained in ascending ``id`` order. The first entry's ``prev_hash`` is
:data:`GENESIS_HASH` (64 zeros); every later entry's ``prev_hash`` is the ``hash`` of
the entry before it. ``hash`` is the lower-case hexadecimal SHA-256 of the UTF-8
bytes of the entry's *canonical form* (see :func:`canonical_bytes`), which covers the
entry id, the previous hash, every content field and every line, so changing,
removing, inserting or reordering any entry breaks the chain at that point. (Removing
the *newest* entries leaves a shorter valid chain: signed checkpoints,
:mod:`lowlend.services.ledger_checkpoints`, pin the length.)

>>> from datetime import date, datetime, timezone
>>> from decimal import Decimal
>>> from lowlend.domain.ledger import GENESIS_HASH, ZERO, EntryDraft, Line
>>> draft = EntryDraft(date(2026, 1, 5), "Disbursement", (
...     Line("loans_receivable", Decimal("1000.00"), ZERO, "CNY"),
...     Line("cash", ZERO, Decimal("1000.00"), "CNY"),
... ))
>>> entry = post(draft, 1, datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc), GENESIS_HASH)
>>> verify_chain([entry]).ok
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from lowlend.domain.ledger import (  # the private helpers are the hot path of verification
    CENT,
    GENESIS_HASH,
    EntryDraft,
    Line,
    PostedEntry,
    _canonical,
    _line_texts,
    _sha256,
    check_balanced,
    entry_hash,
)

__all__ = [
    "CHAIN_CODES",
    "BadEntry",
    "ChainVerifier",
    "VerifyResult",
    "post",
    "verify_chain",
]


CHAIN_CODES: Final = frozenset({"out_of_order", "broken_link", "hash_mismatch"})
"""Codes :func:`verify_chain` reports besides the :data:`BALANCE_CODES`."""


def post(
    draft: EntryDraft, entry_id: int, booked_at: dt.datetime, prev_hash: str
) -> PostedEntry:
    """Check ``draft`` and return it as the posted entry ``entry_id`` chained to ``prev_hash``.

    :raises LedgerError: when the draft does not balance.
    """
    check_balanced(draft)
    lines = tuple(
        Line(ln.account, ln.debit.quantize(CENT), ln.credit.quantize(CENT), ln.currency, ln.memo)
        for ln in draft.lines
    )
    return PostedEntry(
        id=entry_id,
        business_date=draft.business_date,
        booked_at=booked_at,
        description=draft.description,
        lines=lines,
        loan_id=draft.loan_id,
        transaction_id=draft.transaction_id,
        reversal_of=draft.reversal_of,
        prev_hash=prev_hash,
        hash=entry_hash(draft, prev_hash, entry_id=entry_id, booked_at=booked_at),
    )


@dataclass(frozen=True, slots=True)
class BadEntry:
    """The first entry that breaks the journal and why (``reason`` is a stable code)."""

    entry_id: int
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of :func:`verify_chain`.

    ``entries`` counts the entries checked (up to and including ``first_bad``);
    ``last_entry_id`` / ``last_hash`` are those of the last *good* entry (the head
    when ``ok``; ``None`` / :data:`GENESIS_HASH` for an empty journal).
    """

    entries: int
    last_entry_id: int | None
    last_hash: str
    first_bad: BadEntry | None = None

    @property
    def ok(self) -> bool:
        """Whether every entry checked is balanced and correctly chained."""
        return self.first_bad is None


def _entry_problem(entry: PostedEntry, last_id: int | None, last_hash: str) -> BadEntry | None:
    """Why ``entry`` cannot follow the entry ``last_id`` (hash ``last_hash``), else ``None``."""
    entry_id, prev_hash = entry.id, entry.prev_hash
    if last_id is not None and entry_id <= last_id:
        return BadEntry(entry_id, "out_of_order", f"entry {entry_id} follows entry {last_id}")
    if prev_hash != last_hash:
        return BadEntry(
            entry_id,
            "broken_link",
            f"prev_hash {prev_hash[:12]}… is not the previous entry's hash "
            f"{last_hash[:12]}… (an entry before it was removed, inserted or changed)",
        )
    problem, lines_text = _line_texts(entry.lines)
    if problem is not None:
        return BadEntry(entry_id, problem[0], problem[1])
    expected = _sha256(_canonical(entry, prev_hash, entry_id, entry.booked_at, lines_text))
    digest = expected.hexdigest()
    if digest != entry.hash:
        return BadEntry(
            entry_id,
            "hash_mismatch",
            f"stored hash {entry.hash[:12]}… but the content hashes to {digest[:12]}…",
        )
    return None


@dataclass(slots=True)
class ChainVerifier:
    """Incremental chain check: :meth:`add` entries in ascending id order.

    Keeps only the previous id and hash, so memory does not grow with the journal.
    After the first bad entry further entries are ignored.
    """

    count: int = 0
    last_entry_id: int | None = None
    last_hash: str = GENESIS_HASH
    first_bad: BadEntry | None = field(default=None)

    def add(self, entry: PostedEntry) -> BadEntry | None:
        """Check ``entry`` against the chain so far; return the problem, if any."""
        if self.first_bad is not None:
            return self.first_bad
        self.count += 1
        bad = _entry_problem(entry, self.last_entry_id, self.last_hash)
        if bad is not None:
            self.first_bad = bad
            return bad
        self.last_entry_id = entry.id
        self.last_hash = entry.hash
        return None

    def result(self) -> VerifyResult:
        """The outcome so far."""
        return VerifyResult(self.count, self.last_entry_id, self.last_hash, self.first_bad)


def verify_chain(entries: Iterable[PostedEntry]) -> VerifyResult:
    """Walk ``entries`` (ascending id) and report the first bad one.

    Reasons: ``out_of_order`` (ids not ascending), ``broken_link`` (``prev_hash`` is not
    the previous entry's hash: an entry before it was removed or inserted), any
    :data:`BALANCE_CODES` code, ``hash_mismatch`` (content or hash changed). Streams:
    memory stays constant whatever the length of ``entries``; stops at the first bad
    entry. (Same checks as :class:`ChainVerifier`, in a tighter loop.)
    """
    count = 0
    last_id: int | None = None
    last_hash = GENESIS_HASH
    problem = _entry_problem
    for entry in entries:
        count += 1
        bad = problem(entry, last_id, last_hash)
        if bad is not None:
            return VerifyResult(count, last_id, last_hash, bad)
        last_id, last_hash = entry.id, entry.hash
    return VerifyResult(count, last_id, last_hash)
