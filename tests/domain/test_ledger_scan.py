"""``scan_chunk`` / ``join_chunks`` (the stored-text check of the journal, in chunks) say
exactly what ``verify_chain`` says: the same first bad entry, reason and message, the same
count and last good entry — for random journals, random tampering and random chunk cuts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest

from lowlend.domain.ledger import GENESIS_HASH, ZERO, EntryDraft, Line, PostedEntry
from lowlend.domain.ledger_chain import post, verify_chain
from lowlend.domain.ledger_scan import (
    ChunkScan,
    StoredEntry,
    StoredLine,
    join_chunks,
    scan_chunk,
    scan_flagged,
)

BOOKED = dt.datetime(2026, 5, 1, 8, 0, 0, 250000, tzinfo=dt.UTC)
MEMOS = ["", "还款", 'say "hi"', "back\\slash", "tab\there", "€", "\x7f"]


def _journal(rng: random.Random, n: int) -> list[PostedEntry]:
    out: list[PostedEntry] = []
    prev = GENESIS_HASH
    for i in range(1, n + 1):
        amount = Decimal(rng.randint(1, 10**7)).scaleb(-2)
        lines = [Line("bank", amount, ZERO, "CNY", rng.choice(MEMOS)),
                 Line("loan_principal", ZERO, amount, "CNY", "")]
        if rng.random() < 0.2:
            lines += [Line("fx", Decimal("1.00"), ZERO, "USD"), Line("fx2", ZERO, Decimal("1.00"),
                                                                        "USD")]
        draft = EntryDraft(dt.date(2026, 1, 1) + dt.timedelta(days=i), f"e{i} {rng.choice(MEMOS)}",
                           tuple(lines), loan_id=rng.choice([None, 7]),
                           reversal_of=i - 1 if i > 1 and rng.random() < 0.1 else None)
        entry = post(draft, i * 2, BOOKED + dt.timedelta(microseconds=i), prev)
        out.append(entry)
        prev = entry.hash
    return out


def _text(value: Decimal) -> str:
    return str(value)  # what the database prints for NUMERIC(18, 2)


def _rows(entries: list[PostedEntry]) -> tuple[list[StoredEntry], list[StoredLine]]:
    stored = [(e.id, e.prev_hash, e.hash, e.business_date.isoformat(),
               e.booked_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), e.description,
               e.loan_id, e.transaction_id, e.reversal_of) for e in entries]
    lines = [(e.id, ln.account, _text(ln.debit), _text(ln.credit), ln.currency, ln.memo)
             for e in entries for ln in e.lines]
    return stored, lines


def _tamper(rng: random.Random, entries: list[PostedEntry]) -> None:
    k = rng.randrange(len(entries))
    e = entries[k]
    first = e.lines[0]
    kind = rng.randrange(11)
    if kind == 0:
        lines = (dataclasses.replace(first, debit=first.debit + Decimal("0.01")), *e.lines[1:])
    elif kind == 1:
        lines = (dataclasses.replace(first, debit=-first.debit), *e.lines[1:])
    elif kind == 2:
        lines = (dataclasses.replace(first, debit=first.debit + Decimal("0.001")), *e.lines[1:])
    elif kind == 3:
        lines = (dataclasses.replace(first, currency="cny"), *e.lines[1:])
    elif kind == 4:
        lines = (dataclasses.replace(first, credit=first.debit), *e.lines[1:])
    elif kind == 5:
        lines = tuple(reversed(e.lines))
    elif kind == 6:
        lines = e.lines[:1]
    elif kind == 7:
        lines = (dataclasses.replace(first, memo=first.memo + '"'), *e.lines[1:])
    elif kind == 8:
        entries[k] = dataclasses.replace(e, hash="0" * 64)
        return
    elif kind == 9:
        entries[k] = dataclasses.replace(e, description=e.description + "\n")
        return
    else:
        del entries[k]
        return
    entries[k] = dataclasses.replace(e, lines=lines)


def _cuts(rng: random.Random, entries: list[PostedEntry]) -> list[tuple[int, int]]:
    ids = [e.id for e in entries]
    bounds = sorted(rng.sample(range(ids[0] + 1, ids[-1] + 1), rng.randrange(0, 5)))
    edges = [ids[0], *bounds, ids[-1] + 1]
    return [(lo, hi - 1) for lo, hi in itertools.pairwise(edges) if lo < hi]


def _scan(entries: list[PostedEntry], ranges: list[tuple[int, int]]) -> list[ChunkScan]:
    stored, lines = _rows(entries)
    by_id = {e.id: e for e in entries}
    chunks = []
    for lo, hi in ranges:
        below = [e for e in entries if e.id < lo]
        before = (below[-1].id, below[-1].hash) if below else (None, GENESIS_HASH)
        chunks.append(scan_chunk(
            [r for r in stored if lo <= r[0] <= hi], [r for r in lines if lo <= r[0] <= hi],
            low=lo, high=hi, before=before, marks={e.id for e in entries[::7]},
            exact=by_id.__getitem__))
    return chunks


@pytest.mark.parametrize("seed", range(60))
def test_chunks_say_what_verify_chain_says(seed: int) -> None:
    rng = random.Random(seed)
    entries = _journal(rng, rng.randrange(5, 40))
    for _ in range(rng.choice([0, 1, 1, 2])):
        _tamper(rng, entries)
    expected = verify_chain(entries)
    joined = join_chunks(_scan(entries, _cuts(rng, entries)))
    assert joined is not None
    result, marks = joined
    assert result == expected
    good = entries[: expected.entries - (0 if expected.ok else 1)]
    assert marks == {e.id: (n, e.hash) for n, e in enumerate(good, 1) if e in entries[::7]}


def test_intact_entries_take_the_fast_path() -> None:
    rng = random.Random(1)
    entries = [e for e in _journal(rng, 200) if all(
        ln.memo in ("", "还款", "€") and ln.currency == "CNY" for ln in e.lines)
        and e.description.isprintable() and '"' not in e.description
        and "\\" not in e.description]
    # re-chain the kept entries so they form one journal
    chained, prev = [], GENESIS_HASH
    for e in entries:
        draft = EntryDraft(e.business_date, e.description, e.lines, e.loan_id)
        chained.append(post(draft, e.id, e.booked_at, prev))
        prev = chained[-1].hash
    [chunk] = _scan(chained, [(chained[0].id, chained[-1].id)])
    assert chunk.first_bad is None and chunk.count == len(chained) > 10
    assert chunk.rechecked == 0


def test_chunks_that_do_not_join_up() -> None:
    entries = _journal(random.Random(2), 10)
    a, b = _scan(entries, [(entries[0].id, entries[4].id), (entries[5].id, entries[9].id)])
    assert join_chunks([a, b]) is not None
    assert join_chunks([a, dataclasses.replace(b, before=(entries[4].id, "f" * 64))]) is None
    assert join_chunks([b]) is None  # the first chunk is missing


def _flagged(entries: list[PostedEntry], suspect: set[int]) -> list[tuple]:
    """What the database's check returns: the first and last entries and the ones it did
    not pass (``suspect``: not sound), with the entry before each."""
    rows = []
    for position, entry in enumerate(entries, start=1):
        before = entries[position - 2] if position > 1 else None
        linked = before is not None and entry.prev_hash == before.hash
        sound = entry.id not in suspect
        if position in (1, len(entries)) or not (sound and linked):
            rows.append((entry.id, entry.prev_hash, entry.hash, position,
                         before.id if before else None, before.hash if before else None, sound))
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_scan_flagged_says_what_verify_chain_says(seed: int) -> None:
    """The database's doubts (not sound, not linked) go to the exact check, which names
    the first bad entry as ``verify_chain`` does; doubts about good entries cost a
    recheck and nothing else."""
    rng = random.Random(seed)
    entries = _journal(rng, 40)
    by_id = {e.id: e for e in entries}
    kind = seed % 3
    bad_at = rng.randrange(1, 39)
    if kind == 1:  # content changed, hash kept: the database says "not sound"
        victim = entries[bad_at]
        entries[bad_at] = by_id[victim.id] = dataclasses.replace(victim, description="x")
        suspect = {victim.id}
    elif kind == 2:  # an entry removed: the next one does not link
        del entries[bad_at]
        suspect = set()
    else:
        suspect = set()
    suspect |= {e.id for e in rng.sample(entries, 5)}  # honest entries in doubt
    expected = verify_chain(entries)
    scan = scan_flagged(_flagged(entries, suspect), low=0, high=10**6, total=len(entries),
                        exact=by_id.__getitem__)
    joined = join_chunks([scan])
    assert joined is not None and joined[0] == expected
    assert (expected.first_bad is None) == (kind == 0)


def test_scan_flagged_refuses_rows_that_stop_short() -> None:
    entries = _journal(random.Random(1), 5)
    rows = _flagged(entries, set())[:-1]
    with pytest.raises(ValueError, match="position 1 of a chunk of 5"):
        scan_flagged(rows, low=0, high=99, total=5, exact=lambda eid: entries[0])
