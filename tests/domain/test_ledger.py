"""Journal rules: balance, canonical hash (recomputed independently), reversal, chain."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowlend.domain.ledger import (
    BALANCE_CODES,
    GENESIS_HASH,
    ZERO,
    EntryDraft,
    LedgerError,
    Line,
    PostedEntry,
    canonical_bytes,
    check_balanced,
    entry_hash,
    reversal_of,
)
from lowlend.domain.ledger_chain import (
    ChainVerifier,
    post,
    verify_chain,
)

D = Decimal
DAY = dt.date(2026, 1, 5)
BOOKED = dt.datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=dt.UTC)


def _draft(*lines: Line, description: str = "disbursement") -> EntryDraft:
    return EntryDraft(DAY, description, tuple(lines), loan_id=7, transaction_id=11)


def _pair(amount: str = "100.00", currency: str = "CNY") -> tuple[Line, Line]:
    return (Line("loans_receivable", D(amount), ZERO, currency, "memo"),
            Line("cash", ZERO, D(amount), currency, ""))


def _chain(n: int) -> list[PostedEntry]:
    out: list[PostedEntry] = []
    prev = GENESIS_HASH
    for i in range(n):
        entry = post(_draft(*_pair(f"{100 + i}.{i % 100:02d}"), description=f"entry {i}"),
                     10 + 3 * i, BOOKED + dt.timedelta(minutes=i), prev)
        out.append(entry)
        prev = entry.hash
    return out


def _code(draft: EntryDraft) -> str:
    with pytest.raises(LedgerError) as caught:
        check_balanced(draft)
    assert caught.value.code in BALANCE_CODES
    return caught.value.code


# -- balance ------------------------------------------------------------------------------
def test_balanced_entries_pass() -> None:
    check_balanced(_draft(*_pair()))
    check_balanced(_draft(*_pair("5.00", "USD"), *_pair("30.00")))  # per currency
    check_balanced(_draft(Line("cash", D("110.00")), Line("principal", credit=D("100.00")),
                          Line("interest", credit=D("10.00"))))


def test_each_balance_rule_has_its_code() -> None:
    assert _code(_draft(Line("cash", D("1.00")))) == "too_few_lines"
    assert _code(_draft(Line("cash", D("1.00")), Line("x", credit=D("0.99")))) == "unbalanced"
    assert _code(_draft(Line("cash", D("-1.00")), Line("x", credit=D("-1.00")))) == (
        "negative_amount"
    )
    assert _code(_draft(Line("cash", D("1.005")), Line("x", credit=D("1.005")))) == "precision"
    assert _code(_draft(Line("cash", D("1.00"), D("1.00")), *_pair())) == "both_sides"
    assert _code(_draft(Line("cash"), *_pair())) == "no_side"
    assert _code(_draft(*_pair(currency="cny"))) == "bad_currency"
    assert _code(_draft(Line("cash", 1.0), Line("x", credit=1.0))) == "not_decimal"  # type: ignore[arg-type]
    # balanced overall but not per currency
    assert _code(_draft(Line("cash", D("1.00"), currency="USD"),
                        Line("x", credit=D("1.00"), currency="CNY"))) == "unbalanced"


def test_negative_zero_is_refused() -> None:
    assert _code(_draft(Line("cash", D("1.00")), Line("x", D("-0.00"), D("1.00")))) == (
        "negative_amount"
    )


# -- canonical form and hash ---------------------------------------------------------------
def _independent_hash(entry: PostedEntry, prev_hash: str) -> str:
    """What an auditor writes from the docstring of ``canonical_bytes``."""
    booked = entry.booked_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document = [
        "lowlend-journal-v1", entry.id, prev_hash, entry.business_date.isoformat(), booked,
        entry.description, entry.loan_id, entry.transaction_id, entry.reversal_of,
        [[ln.account, f"{ln.debit:.2f}", f"{ln.credit:.2f}", ln.currency, ln.memo]
         for ln in entry.lines],
    ]
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_hash_is_recomputable_from_the_documented_form() -> None:
    for entry in _chain(5):
        assert entry.hash == _independent_hash(entry, entry.prev_hash)
        assert entry.hash == entry_hash(entry, entry.prev_hash)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@settings(max_examples=200, deadline=None)
@given(description=text, account=text, memo=text,
       cents=st.integers(min_value=1, max_value=10**15),
       micro=st.integers(min_value=0, max_value=999_999))
def test_hand_built_form_equals_json_dumps(
    description: str, account: str, memo: str, cents: int, micro: int
) -> None:
    amount = D(cents).scaleb(-2)
    draft = _draft(Line(account, amount, ZERO, "CNY", memo), Line("cash", ZERO, amount),
                   description=description)
    entry = post(draft, 1, BOOKED.replace(microsecond=micro), GENESIS_HASH)
    assert entry.hash == _independent_hash(entry, GENESIS_HASH)
    assert verify_chain([entry]).ok


def test_canonical_amounts_and_times() -> None:
    a = post(_draft(Line("x", D("10")), Line("y", credit=D("10.0"))), 1, BOOKED, GENESIS_HASH)
    b = post(_draft(Line("x", D("10.00")), Line("y", credit=D("1E+1"))), 1, BOOKED, GENESIS_HASH)
    assert a.hash == b.hash  # the same amounts whatever their Decimal exponent
    shanghai = BOOKED.astimezone(dt.timezone(dt.timedelta(hours=8)))
    naive_utc = BOOKED.replace(tzinfo=None)
    for same_instant in (shanghai, naive_utc):
        assert entry_hash(a, GENESIS_HASH) == entry_hash(
            dataclasses.replace(a, booked_at=same_instant), GENESIS_HASH)
    whole = BOOKED.replace(microsecond=0)
    assert b'"2026-01-05T09:30:00.000000Z"' in canonical_bytes(
        dataclasses.replace(a, booked_at=whole), GENESIS_HASH)


def test_every_field_is_covered_by_the_hash() -> None:
    entry = _chain(1)[0]
    changes = [
        {"id": 11}, {"business_date": DAY + dt.timedelta(days=1)},
        {"booked_at": BOOKED + dt.timedelta(microseconds=1)}, {"description": "other"},
        {"loan_id": None}, {"transaction_id": 12}, {"reversal_of": 3},
        {"lines": (entry.lines[1], entry.lines[0])},
        {"lines": (dataclasses.replace(entry.lines[0], memo="x"), entry.lines[1])},
        {"lines": (dataclasses.replace(entry.lines[0], account="y"), entry.lines[1])},
    ]
    for change in changes:
        assert entry_hash(dataclasses.replace(entry, **change), GENESIS_HASH) != entry.hash
    assert entry_hash(entry, "1" * 64) != entry.hash


def test_a_draft_is_hashed_with_its_id_and_time() -> None:
    draft = _draft(*_pair())
    with pytest.raises(ValueError, match="id and booking time"):
        entry_hash(draft, GENESIS_HASH)
    posted = post(draft, 5, BOOKED, GENESIS_HASH)
    assert entry_hash(draft, GENESIS_HASH, entry_id=5, booked_at=BOOKED) == posted.hash


def test_post_refuses_an_unbalanced_draft() -> None:
    with pytest.raises(LedgerError, match="unbalanced"):
        post(_draft(Line("x", D("1.00")), Line("y", credit=D("2.00"))), 1, BOOKED, GENESIS_HASH)


# -- reversal ----------------------------------------------------------------------------
def test_reversal_swaps_sides_and_chains() -> None:
    original = _chain(1)[0]
    draft = reversal_of(original, business_date=DAY + dt.timedelta(days=3))
    assert draft.reversal_of == original.id and draft.loan_id == original.loan_id
    assert [(ln.debit, ln.credit) for ln in draft.lines] == [
        (ln.credit, ln.debit) for ln in original.lines]
    assert draft.description == f"Reversal of entry {original.id}: {original.description}"
    check_balanced(draft)
    reversal = post(draft, original.id + 1, BOOKED, original.hash)
    assert verify_chain([original, reversal]).ok
    # the two entries net to zero per account
    net: dict[str, Decimal] = {}
    for entry in (original, reversal):
        for ln in entry.lines:
            net[ln.account] = net.get(ln.account, ZERO) + ln.debit - ln.credit
    assert set(net.values()) == {ZERO}


# -- chain ---------------------------------------------------------------------------------
def test_valid_chain_and_empty_journal() -> None:
    chain = _chain(20)
    result = verify_chain(chain)
    assert result.ok and result.entries == 20
    assert (result.last_entry_id, result.last_hash) == (chain[-1].id, chain[-1].hash)
    empty = verify_chain([])
    assert empty.ok and empty.entries == 0 and empty.last_hash == GENESIS_HASH


def _first_bad(entries: list[PostedEntry]) -> tuple[int, str]:
    result = verify_chain(entries)
    assert result.first_bad is not None
    return result.first_bad.entry_id, result.first_bad.reason


def test_changed_amount_names_the_entry() -> None:
    chain = _chain(10)
    victim = chain[4]
    one_side = (dataclasses.replace(victim.lines[0], debit=D("999.00")), victim.lines[1])
    both = tuple(dataclasses.replace(ln, debit=ln.debit and D("999.00"),
                                     credit=ln.credit and D("999.00")) for ln in victim.lines)
    chain[4] = dataclasses.replace(victim, lines=one_side)
    assert _first_bad(chain) == (victim.id, "unbalanced")
    chain[4] = dataclasses.replace(victim, lines=both)
    assert _first_bad(chain) == (victim.id, "hash_mismatch")
    result = verify_chain(chain)
    assert result.entries == 5 and result.last_entry_id == chain[3].id


def test_changed_hash_names_the_entry() -> None:
    chain = _chain(10)
    chain[6] = dataclasses.replace(chain[6], hash="f" * 64)
    assert _first_bad(chain) == (chain[6].id, "hash_mismatch")


def test_rehashed_entry_breaks_the_next_link() -> None:
    chain = _chain(10)
    changed = dataclasses.replace(chain[3], description="tampered")
    chain[3] = dataclasses.replace(changed, hash=entry_hash(changed, changed.prev_hash))
    assert _first_bad(chain) == (chain[4].id, "broken_link")


def test_deleted_and_reordered_entries() -> None:
    chain = _chain(10)
    assert _first_bad(chain[:3] + chain[4:]) == (chain[4].id, "broken_link")
    assert _first_bad(chain[1:]) == (chain[1].id, "broken_link")  # first entry removed
    swapped = [*chain[:5], chain[6], chain[5], *chain[7:]]
    assert _first_bad(swapped) == (chain[6].id, "broken_link")
    assert _first_bad([*chain[:5], chain[4], *chain[5:]]) == (chain[4].id, "out_of_order")
    inserted = post(_draft(*_pair()), chain[4].id + 1, BOOKED, chain[4].hash)
    assert _first_bad([*chain[:5], inserted, *chain[5:]]) == (chain[5].id, "broken_link")


def test_incremental_verifier_agrees_and_stops_at_the_first_bad_entry() -> None:
    chain = _chain(8)
    chain[2] = dataclasses.replace(chain[2], hash="e" * 64)
    chain[5] = dataclasses.replace(chain[5], hash="d" * 64)
    verifier = ChainVerifier()
    problems = [verifier.add(entry) for entry in chain]
    assert problems[:2] == [None, None] and problems[2] is not None
    assert verifier.result() == verify_chain(chain)
    assert verifier.result().first_bad == problems[2]


def _streamed(n: int, consumed: list[int]) -> Iterator[PostedEntry]:
    prev = GENESIS_HASH
    for i in range(n):
        entry = post(_draft(*_pair(f"{i + 1}.00")), i + 1, BOOKED, prev)
        consumed.append(i)
        prev = entry.hash
        yield entry


def test_verification_streams_in_constant_memory() -> None:
    consumed: list[int] = []
    tracemalloc.start()
    try:
        result = verify_chain(_streamed(20_000, consumed))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok and result.entries == 20_000
    # 20,000 entries held at once take several MB (plus the 'consumed' list: ~0.2 MB)
    assert peak < 1_500_000, peak


def test_verification_stops_at_the_first_bad_entry() -> None:
    consumed: list[int] = []

    def tampered() -> Iterator[PostedEntry]:
        for entry in _streamed(1000, consumed):
            yield dataclasses.replace(entry, hash="0" * 64) if entry.id == 10 else entry

    assert verify_chain(tampered()).first_bad is not None
    assert len(consumed) == 10
