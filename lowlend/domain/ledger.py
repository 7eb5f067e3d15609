"""Double-entry journal rules: balanced entries, canonical hashes, reversals, chain checks.

Pure: standard library only. The database adapter
(:mod:`lowlend.persistence.ledger_repository`) stores what this module computes; the
use cases (:mod:`lowlend.services.ledger_verify`,
:mod:`lowlend.services.ledger_checkpoints`) stream posted entries through
:func:`lowlend.domain.ledger_chain.verify_chain`.

Balance rules (:func:`check_balanced`)
--------------------------------------

An entry has at least two lines; every amount is a :class:`~decimal.Decimal` with at
most two decimal places (the minor unit, 分), never negative; every line has exactly
one side (a debit or a credit, the other side zero); per currency the debits sum to
the credits. A broken rule raises :class:`LedgerError` whose ``code`` is one of
:data:`BALANCE_CODES`.

The hash chain (posting, verification) is :mod:`lowlend.domain.ledger_chain`.

>>> from datetime import date, datetime, timezone
>>> draft = EntryDraft(date(2026, 1, 5), "Disbursement", (
...     Line("loans_receivable", Decimal("1000.00"), ZERO, "CNY"),
...     Line("cash", ZERO, Decimal("1000.00"), "CNY"),
... ))
>>> check_balanced(draft)
>>> booked = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
>>> from lowlend.domain.ledger_chain import post
>>> entry = post(draft, 1, booked, GENESIS_HASH)
>>> entry.hash == entry_hash(entry, GENESIS_HASH)
True
>>> reversal_of(entry).lines[0]
Line(account='loans_receivable', debit=Decimal('0.00'), credit=Decimal('1000.00'), \
currency='CNY', memo='')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import json.encoder
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

_sha256 = hashlib.sha256

__all__ = [
    "BALANCE_CODES",
    "GENESIS_HASH",
    "HASH_SCHEME",
    "ZERO",
    "EntryDraft",
    "LedgerError",
    "Line",
    "PostedEntry",
    "canonical_bytes",
    "check_balanced",
    "entry_hash",
    "reversal_of",
]

ZERO: Final = Decimal("0.00")
"""Zero in the minor unit (the empty side of a line)."""

CENT: Final = Decimal("0.01")

GENESIS_HASH: Final = "0" * 64
"""``prev_hash`` of the first entry of the journal."""

HASH_SCHEME: Final = "lowlend-journal-v1"
"""First element of the canonical form; changes if the canonical form ever changes."""

BALANCE_CODES: Final = frozenset(
    {"too_few_lines", "negative_amount", "both_sides", "no_side", "precision",
     "bad_currency", "unbalanced", "not_decimal"}
)
"""Codes of :class:`LedgerError` raised by :func:`check_balanced`."""


class LedgerError(ValueError):
    """A journal rule is broken; ``code`` is stable (see :data:`BALANCE_CODES`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Line:
    """One debit or credit line (exactly one side is non-zero)."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    currency: str = "CNY"
    memo: str = ""


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """A journal entry before it is posted (no id, no hash yet)."""

    business_date: dt.date
    description: str
    lines: tuple[Line, ...]
    loan_id: int | None = None
    transaction_id: int | None = None
    reversal_of: int | None = None


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """A posted (stored) journal entry, as read back from the journal."""

    id: int
    business_date: dt.date
    booked_at: dt.datetime
    description: str
    lines: tuple[Line, ...]
    loan_id: int | None
    transaction_id: int | None
    reversal_of: int | None
    prev_hash: str
    hash: str


# -- canonical form and hash -------------------------------------------------------------
_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses
_STRING_CACHE: dict[str, str] = {}
_STRING_CACHE_LIMIT = 4096


def _json_string(value: str) -> str:
    """``value`` as a JSON string literal (accounts, currencies, memos repeat: cached)."""
    encoded = _STRING_CACHE.get(value)
    if encoded is None:
        if type(value) is not str:
            raise TypeError(f"expected a string, got {type(value).__name__}")
        encoded = _encode_string(value)
        if len(_STRING_CACHE) >= _STRING_CACHE_LIMIT:
            _STRING_CACHE.clear()  # bounded: memory stays constant on any journal
        _STRING_CACHE[value] = encoded
    return encoded


def _json_int(value: int | None) -> str:
    if value is None:
        return "null"
    if type(value) is not int:
        raise TypeError(f"expected an integer id, got {type(value).__name__}")
    return str(value)


def _amount(value: Decimal) -> str:
    """The canonical text of an amount (``"1234.50"``); :class:`LedgerError` when it has no
    canonical text (not a Decimal, negative, more than two decimal places)."""
    if type(value) is not Decimal:
        raise LedgerError("not_decimal", f"amount {value!r} is not a Decimal")
    text = str(value)
    if len(text) > 3 and text[-3] == "." and text[0] != "-":
        return text  # exponent -2 exactly: str() is already the canonical form
    if value.is_signed():
        raise LedgerError("negative_amount", f"amount {value} is negative")
    if not value.is_finite() or value.quantize(CENT) != value:
        raise LedgerError("precision", f"amount {value} has more than two decimal places")
    return format(value, ".2f")


def _timestamp(value: dt.datetime) -> str:
    text = value.isoformat()
    size = len(text)
    if size == 26:  # naive (taken as UTC) with microseconds
        return text + "Z"
    if size == 19:
        return text + ".000000Z"
    if text.endswith("+00:00"):
        return text[:-6] + "Z" if size == 32 else text[:19] + ".000000Z"
    utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def _line_problem(number: int, line: Line) -> tuple[str, str]:
    """Why ``line`` (the ``number``-th) breaks a per-line balance rule (slow path)."""
    try:
        debit_text, credit_text = _amount(line.debit), _amount(line.credit)
    except LedgerError as exc:
        return exc.code, f"line {number}: {exc.message}"
    if debit_text != "0.00" and credit_text != "0.00":
        return "both_sides", f"line {number}: both a debit and a credit"
    if debit_text == "0.00" and credit_text == "0.00":
        return "no_side", f"line {number}: neither a debit nor a credit"
    return "bad_currency", f"line {number}: currency {line.currency!r} is not ISO 4217"


def _valid_currency(currency: object) -> bool:
    return (
        type(currency) is str and len(currency) == 3 and currency.isascii() and currency.isupper()
    )


def _line_texts(lines: Sequence[Line]) -> tuple[tuple[str, str] | None, str]:
    """One pass over ``lines``: the first broken balance rule (or ``None``) and the
    canonical JSON text of the lines array (only meaningful when there is no problem).

    The hot path of :func:`verify_chain`: amounts already in canonical form (what the
    database returns) take the fast branch; anything else goes through :func:`_amount`.
    """
    if len(lines) < 2:
        return ("too_few_lines", f"an entry needs at least two lines, got {len(lines)}"), ""
    cache = _STRING_CACHE
    main_currency: str | None = None  # the usual case: one currency per entry
    main_debits = main_credits = ZERO
    others: dict[str, list[Decimal]] = {}
    parts: list[str] = []
    for line in lines:
        debit, credit, currency = line.debit, line.credit, line.currency
        if type(debit) is Decimal and type(credit) is Decimal:
            debit_text, credit_text = str(debit), str(credit)
            canonical = (
                debit_text[-3:-2] == "." and debit_text[0] != "-"
                and credit_text[-3:-2] == "." and credit_text[0] != "-"
            )
        else:
            canonical = False
        if not canonical:
            try:
                debit_text, credit_text = _amount(debit), _amount(credit)
            except LedgerError:
                return _line_problem(len(parts) + 1, line), ""
        if (debit_text == "0.00") is (credit_text == "0.00"):
            return _line_problem(len(parts) + 1, line), ""
        if currency == main_currency:
            main_debits += debit
            main_credits += credit
        elif main_currency is None or currency not in others:
            if not _valid_currency(currency):
                return _line_problem(len(parts) + 1, line), ""
            if main_currency is None:
                main_currency, main_debits, main_credits = currency, debit, credit
            else:
                others[currency] = [debit, credit]
        else:
            sums = others[currency]
            sums[0] += debit
            sums[1] += credit
        account, memo = line.account, line.memo
        parts.append(
            f"[{cache.get(account) or _json_string(account)},\"{debit_text}\",\"{credit_text}\","
            f"{cache.get(currency) or _json_string(currency)},"
            f"{cache.get(memo) or _json_string(memo)}]"
        )
    if main_debits != main_credits:
        return ("unbalanced", f"{main_currency}: debits {main_debits} != credits {main_credits}"), ""
    for currency, (debits, credits) in others.items():
        if debits != credits:
            return ("unbalanced", f"{currency}: debits {debits} != credits {credits}"), ""
    return None, "[" + ",".join(parts) + "]"


def _balance_problem(lines: Sequence[Line]) -> tuple[str, str] | None:
    """The first broken balance rule of ``lines`` as ``(code, message)``, else ``None``."""
    return _line_texts(lines)[0]


def check_balanced(entry: EntryDraft | PostedEntry) -> None:
    """Raise :class:`LedgerError` unless ``entry`` obeys the balance rules (module doc).

    >>> check_balanced(EntryDraft(dt.date(2026, 1, 1), "x", (
    ...     Line("cash", Decimal("1.00")), Line("fees", credit=Decimal("0.99")))))
    Traceback (most recent call last):
    ...
    lowlend.domain.ledger.LedgerError: unbalanced: CNY: debits 1.00 != credits 0.99
    """
    problem = _balance_problem(entry.lines)
    if problem is not None:
        raise LedgerError(*problem)


def _canonical(
    entry: EntryDraft | PostedEntry, prev_hash: str, entry_id: int, booked_at: dt.datetime,
    lines_text: str,
) -> bytes:
    # hot path of verify_chain: the common cases inline, the rest through the helpers
    stamp = booked_at.isoformat()
    size = len(stamp)
    if size == 32 and stamp[26:] == "+00:00":
        stamp = stamp[:26] + "Z"
    elif size == 25 and stamp[19:] == "+00:00":
        stamp = stamp[:19] + ".000000Z"
    else:
        stamp = _timestamp(booked_at)
    loan_id, transaction_id, reversal = entry.loan_id, entry.transaction_id, entry.reversal_of
    return (
        f"[\"{HASH_SCHEME}\",{entry_id if type(entry_id) is int else _json_int(entry_id)},"
        f"{_encode_string(prev_hash)},\"{entry.business_date.isoformat()}\",\"{stamp}\","
        f"{_encode_string(entry.description)},"
        f"{loan_id if type(loan_id) is int else _json_int(loan_id)},"
        f"{transaction_id if type(transaction_id) is int else _json_int(transaction_id)},"
        f"{'null' if reversal is None else _json_int(reversal)},{lines_text}]"
    ).encode()


def canonical_bytes(
    entry: EntryDraft | PostedEntry,
    prev_hash: str,
    *,
    entry_id: int | None = None,
    booked_at: dt.datetime | None = None,
) -> bytes:
    """The canonical form of an entry: what :func:`entry_hash` hashes.

    It is the UTF-8 encoding of the compact JSON array (no whitespace)::

        ["lowlend-journal-v1", id, prev_hash, business_date, booked_at, description,
         loan_id, transaction_id, reversal_of,
         [[account, debit, credit, currency, memo], ...]]

    * ``id``, ``loan_id``, ``transaction_id``, ``reversal_of``: JSON integers or
      ``null``;
    * ``prev_hash``: the previous entry's hash (64 lower-case hex digits), or 64 zeros;
    * ``business_date``: ``"YYYY-MM-DD"``;
    * ``booked_at``: UTC, ``"YYYY-MM-DDTHH:MM:SS.ffffffZ"`` (six fraction digits; a
      naive time is taken as UTC);
    * amounts: strings with exactly two decimals, no sign, no exponent
      (``"1234.50"``, ``"0.00"``);
    * lines in their stored order (ascending line id);
    * strings are JSON strings exactly as Python's
      ``json.dumps(document, ensure_ascii=False, separators=(",", ":"))`` writes them:
      non-ASCII characters as themselves, ``"`` and ``\\`` backslash-escaped, control
      characters as ``\\n``, ``\\t``, … or ``\\u00XX`` (lower-case hex).

    In other words ``canonical_bytes(...) == json.dumps(document, ensure_ascii=False,
    separators=(",", ":")).encode()`` for that array (a test checks it); it is built
    by hand only for speed.

    For a draft, pass the ``entry_id`` and ``booked_at`` it will be stored with; for a
    posted entry they come from the entry.

    :raises LedgerError: when an amount has no canonical text (see
        :func:`check_balanced`).

    >>> text = canonical_bytes(EntryDraft(dt.date(2026, 1, 5), "放款", (
    ...     Line("loans_receivable", Decimal("10.00")), Line("cash", credit=Decimal("10")))),
    ...     GENESIS_HASH, entry_id=7, booked_at=dt.datetime(2026, 1, 5, 1, 2, 3)).decode()
    >>> print(text.replace(GENESIS_HASH, "<64 zeros>"))
    ["lowlend-journal-v1",7,"<64 zeros>","2026-01-05","2026-01-05T01:02:03.000000Z","放款",null,null,null,[["loans_receivable","10.00","0.00","CNY",""],["cash","0.00","10.00","CNY",""]]]
    """
    if isinstance(entry, PostedEntry):
        entry_id, booked_at = entry.id, entry.booked_at
    if entry_id is None or booked_at is None:
        raise ValueError("a draft is hashed with the id and booking time it is stored with")
    parts = []
    for line in entry.lines:
        parts.append(
            f"[{_json_string(line.account)},\"{_amount(line.debit)}\",\"{_amount(line.credit)}\","
            f"{_json_string(line.currency)},{_json_string(line.memo)}]"
        )
    return _canonical(entry, prev_hash, entry_id, booked_at, "[" + ",".join(parts) + "]")


def entry_hash(
    entry: EntryDraft | PostedEntry,
    prev_hash: str,
    *,
    entry_id: int | None = None,
    booked_at: dt.datetime | None = None,
) -> str:
    """SHA-256 (lower-case hex) of :func:`canonical_bytes` — the entry's chain hash.

    An auditor recomputes it from the stored rows: build the JSON array described in
    :func:`canonical_bytes` and hash its UTF-8 bytes.
    """
    data = canonical_bytes(entry, prev_hash, entry_id=entry_id, booked_at=booked_at)
    return hashlib.sha256(data).hexdigest()


def reversal_of(
    entry: PostedEntry,
    business_date: dt.date | None = None,
    description: str | None = None,
) -> EntryDraft:
    """The draft that reverses ``entry``: the same lines with debit and credit swapped.

    :param business_date: the reversal's business date (default: the original's).
    :param description: default ``"Reversal of entry <id>: <original description>"``.
    """
    return EntryDraft(
        business_date=entry.business_date if business_date is None else business_date,
        description=(
            f"Reversal of entry {entry.id}: {entry.description}"
            if description is None
            else description
        ),
        lines=tuple(
            Line(ln.account, ln.credit, ln.debit, ln.currency, ln.memo) for ln in entry.lines
        ),
        loan_id=entry.loan_id,
        transaction_id=entry.transaction_id,
        reversal_of=entry.id,
    )


