"""Fast verification of the journal from its stored text, in chunks of ascending ids.

:func:`~lowlend.domain.ledger_chain.verify_chain` checks :class:`PostedEntry` objects;
building them (dates, ``Decimal`` amounts, dataclasses) costs most of the time when the
journal comes from a database. :func:`scan_chunk` checks the *rows as stored*: the
amounts as the text the database prints (``"1234.50"``), ``booked_at`` already as the
canonical UTC text. From those texts it builds the canonical form of
:func:`~lowlend.domain.ledger.canonical_bytes` directly and compares its SHA-256 with
the stored hash; the balance rules are checked on the same texts (amounts as integer
cents, never floats).

The fast check is a filter, the exact check decides. An entry the fast check cannot
pass as it stands (a string that needs JSON escaping beyond the cached forms, several
currencies, a text not in the expected form, any broken rule) is loaded through the
exact path (the ``exact`` callback) and checked by the same code as ``verify_chain``;
if that finds nothing wrong the scan goes on. When the fast check passes an entry, its
canonical text is, character for character, the one the exact check builds (the same
JSON string encoder; every other field in a form checked before use), so it passes the
exact check too: the first bad entry, its reason and its message are those of
``verify_chain``.

Chunks
------

A chunk is the entries with ids in ``[low, high]``, checked on its own: its links,
and its first ``prev_hash`` against ``before`` (the id and stored hash of the entry
just below ``low``, ``(None, GENESIS_HASH)`` when there is none). :func:`join_chunks`
puts the chunks together in id order: the first chunk with a bad entry holds the first
bad entry of the journal (all before it are good, so each chunk saw what a single pass
would have seen), and each chunk's ``before`` must be the previous non-empty chunk's
last entry, else the chunks do not describe one journal (``None``: check sequentially).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field

from lowlend.domain.ledger import (  # the private helpers are the exact path's own
    _STRING_CACHE,
    GENESIS_HASH,
    HASH_SCHEME,
    PostedEntry,
    _encode_string,
    _json_string,
    _valid_currency,
)
from lowlend.domain.ledger_chain import BadEntry, VerifyResult, _entry_problem

__all__ = [
    "ChunkScan",
    "FlaggedEntry",
    "StoredEntry",
    "StoredLine",
    "join_chunks",
    "scan_chunk",
    "scan_flagged",
]

StoredEntry = tuple[int, str, str, str, str, str, "int | None", "int | None", "int | None"]
"""``(id, prev_hash, hash, business_date "YYYY-MM-DD", booked_at "YYYY-MM-DDTHH:MM:SS.ffffffZ"
(UTC), description, loan_id, transaction_id, reversal_of)`` as stored; ascending id."""

StoredLine = tuple[int, str, str, str, str, str]
"""``(entry_id, account, debit text, credit text, currency, memo)``; ascending
``(entry_id, line id)``."""

FlaggedEntry = tuple[int, str, str, int, "int | None", "str | None", bool]
"""``(id, prev_hash, hash, position, previous id, previous hash, sound)``: an entry of a
chunk checked where it is stored (:func:`scan_flagged`): its position in the chunk (1 =
first), the id and stored hash of the entry just before it in the chunk (``None`` for
the first) and ``sound``: its lines keep the balance rules and the SHA-256 of its
canonical form, built from the stored values, is its stored hash."""

_SUSPECT = object()


@dataclass(frozen=True, slots=True)
class ChunkScan:
    """What :func:`scan_chunk` found in the chunk ``[low, high]``.

    ``count`` counts the entries checked (up to and including ``first_bad``);
    ``last_id`` / ``last_hash`` are those of the last good entry (``before`` when there
    is none); ``marks`` maps each marked id met before the first bad entry to its
    position in the chunk (1 = first) and its hash; ``rechecked`` counts the entries the
    fast check passed on to the exact check.
    """

    low: int
    high: int
    before: tuple[int | None, str]
    count: int
    last_id: int | None
    last_hash: str
    first_bad: BadEntry | None = None
    marks: dict[int, tuple[int, str]] = field(default_factory=dict)
    rechecked: int = 0


def _line_body(
    eid: int, line: StoredLine | None, advance: Callable[[], StoredLine]
) -> tuple[object, StoredLine | None]:
    """The canonical text of the lines of entry ``eid`` (or ``_SUSPECT``) and the first
    line of the next entry. ``line`` is the current line, ``advance`` the next one's."""
    cache = _STRING_CACHE
    parts: list[str] = []
    currency: object = None
    debits = credits = 0
    good = True
    while line is not None and line[0] == eid:
        _, account, debit, credit, code, memo = line
        # one side "0.00", the other canonical: ASCII digits, ".", two decimals, not zero
        try:
            if debit == "0.00":
                digits = credit.replace(".", "", 1)
                if credit[-3:-2] == "." and digits.isdigit() and digits.isascii() and (
                        credit != "0.00"):
                    credits += int(digits)
                else:
                    good = False
            elif credit == "0.00":
                digits = debit.replace(".", "", 1)
                if debit[-3:-2] == "." and digits.isdigit() and digits.isascii():
                    debits += int(digits)
                else:
                    good = False
            else:
                good = False  # both sides: the exact check
            if code is not currency and code != currency:
                if currency is None and _valid_currency(code):
                    currency = code
                else:
                    good = False  # several currencies or an invalid one: the exact check
            parts.append(
                f"[{cache.get(account) or _json_string(account)},\"{debit}\",\"{credit}\","
                f"{cache.get(code) or _json_string(code)},{cache.get(memo) or _json_string(memo)}]"
            )
        except (TypeError, ValueError, AttributeError):
            good = False
        try:
            line = advance()
        except StopIteration:
            line = None
    if not good or debits != credits or len(parts) < 2:
        return _SUSPECT, line
    return ",".join(parts), line


def scan_chunk(
    entries: Iterable[StoredEntry],
    lines: Iterable[StoredLine],
    *,
    low: int,
    high: int,
    before: tuple[int | None, str] = (None, GENESIS_HASH),
    marks: Container[int] = (),
    exact: Callable[[int], PostedEntry],
) -> ChunkScan:
    """Check the chunk's ``entries`` (with their ``lines``) as :func:`verify_chain` would
    after the entry ``before``; stop at the first bad entry (module doc).

    :param exact: loads one entry through the exact path (for the entries the fast check
        passes on; lines of ids not in ``entries`` are skipped, as the exact reader does).
    """
    sha256, encode = hashlib.sha256, _encode_string
    last_id, last_hash = before
    count = rechecked = 0
    found: dict[int, tuple[int, str]] = {}
    line_iter = iter(lines)
    advance = line_iter.__next__
    line = next(line_iter, None)
    scheme = f"[\"{HASH_SCHEME}\","
    for eid, prev, stored, day, booked, description, loan, txn, reversal in entries:
        count += 1
        while line is not None and line[0] < eid:  # lines of no entry
            line = next(line_iter, None)
        body, line = _line_body(eid, line, advance)
        text: str | None = None
        if body is not _SUSPECT and prev == last_hash and type(eid) is int and (
            last_id is None or eid > last_id
        ):
            try:
                text = (
                    f"{scheme}{eid},{encode(prev)},{encode(day)},{encode(booked)},"
                    f"{encode(description)},"
                    f"{'null' if loan is None else _int(loan)},"
                    f"{'null' if txn is None else _int(txn)},"
                    f"{'null' if reversal is None else _int(reversal)},[{body}]]"
                )
            except (TypeError, ValueError):
                text = None
        if text is None or sha256(text.encode()).hexdigest() != stored:
            rechecked += 1
            bad = _entry_problem(exact(eid), last_id, last_hash)
            if bad is not None:
                return ChunkScan(low, high, before, count, last_id, last_hash, bad, found,
                                 rechecked)
        last_id, last_hash = eid, stored
        if eid in marks:
            found[eid] = (count, stored)
    return ChunkScan(low, high, before, count, last_id, last_hash, None, found, rechecked)


def scan_flagged(
    rows: Iterable[FlaggedEntry],
    *,
    low: int,
    high: int,
    total: int,
    before: tuple[int | None, str] = (None, GENESIS_HASH),
    marks: Container[int] = (),
    exact: Callable[[int], PostedEntry],
) -> ChunkScan:
    """Finish the check of a chunk of ``total`` entries that the database checked where
    they are stored (on PostgreSQL: the canonical form built in SQL and hashed there).

    ``rows`` are, in ascending id order, the chunk's first and last entries, every
    entry of ``marks`` and every entry the database did not pass; an entry not among
    them was passed: ``sound``, and its ``prev_hash`` is the stored hash of the entry
    before it in the chunk. As in :func:`scan_chunk`, a row that is not sound or does not
    link (the first to ``before``, the others to the entry before them) is a filter's
    doubt, not a verdict: the entry is loaded through ``exact`` and checked by the code
    of ``verify_chain``, which names the first bad entry.

    :raises ValueError: when ``rows`` do not end with the chunk's last entry (the
        caller's query is wrong, not the journal).
    """
    last_id, last_hash = before
    found: dict[int, tuple[int, str]] = {}
    rechecked = position = 0
    for eid, prev, stored, position, prev_id, prev_stored, sound in rows:
        expected = before if position == 1 else (prev_id, prev_stored or "")
        if not (sound and prev == expected[1]):
            rechecked += 1
            bad = _entry_problem(exact(eid), expected[0], expected[1])
            if bad is not None:
                return ChunkScan(low, high, before, position, expected[0], expected[1], bad,
                                 found, rechecked)
        if eid in marks:
            found[eid] = (position, stored)
        last_id, last_hash = eid, stored
    if position != total:
        raise ValueError(f"the rows end at position {position} of a chunk of {total} entries")
    return ChunkScan(low, high, before, total, last_id, last_hash, None, found, rechecked)


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError("not an integer id")
    return value


def join_chunks(
    chunks: Sequence[ChunkScan],
) -> tuple[VerifyResult, dict[int, tuple[int, str]]] | None:
    """The journal's :class:`VerifyResult` from its chunks (ascending, covering every id)
    and each marked entry's position in the journal (1 = first) and hash; ``None`` when
    a chunk's ``before`` is not the last entry of the chunks before it."""
    total = 0
    last_id: int | None = None
    last_hash = GENESIS_HASH
    positions: dict[int, tuple[int, str]] = {}
    for chunk in sorted(chunks, key=lambda c: c.low):
        if chunk.count == 0:
            continue
        if chunk.before != (last_id, last_hash):
            return None
        for eid, (position, digest) in chunk.marks.items():
            positions[eid] = (total + position, digest)
        total += chunk.count
        last_id, last_hash = chunk.last_id, chunk.last_hash
        if chunk.first_bad is not None:
            return VerifyResult(total, last_id, last_hash, chunk.first_bad), positions
    return VerifyResult(total, last_id, last_hash), positions
