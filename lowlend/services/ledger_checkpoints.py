"""Signed checkpoints of the journal's hash chain (Ed25519).

A checkpoint states "when signed, the journal held ``entry_count`` entries, the last
one ``last_entry_id`` with hash ``last_hash``". The hash chain
(:mod:`lowlend.domain.ledger`) detects any change, insertion or removal *inside* the
journal; a checkpoint also pins its length, so removing the newest entries or
rewriting the whole chain (recomputing every hash) no longer goes unnoticed by anyone
holding the public key.

Signed message
--------------

The UTF-8 bytes of the compact JSON array (no whitespace)::

    ["lowlend-ledger-checkpoint-v1", last_entry_id, last_hash, entry_count, created_at]

``last_entry_id`` is an integer (``null`` for an empty journal, whose ``last_hash`` is
64 zeros), ``entry_count`` an integer, ``created_at`` UTC ``"YYYY-MM-DDTHH:MM:SSZ"``
(whole seconds). The signature is Ed25519 (RFC 8032) over those bytes; keys and
signatures are stored and exported base64-encoded (standard alphabet, padded), the
public key as its raw 32 bytes.

The private key is a parameter of the use cases: the command line reads it from
``LOWLEND_LEDGER_SIGNING_KEY`` (base64 of the raw 32-byte Ed25519 private key).

>>> key = signing_key_from_base64(base64.b64encode(bytes(range(32))).decode())
>>> record = sign_checkpoint(key, 3, "ab" * 32, 3, dt.datetime(2026, 1, 5, 8, 0, 1, 500))
>>> checkpoint_message(3, "ab" * 32, 3, record.created_at)[:40]
b'["lowlend-ledger-checkpoint-v1",3,"ababa'
>>> signature_problem(record) is None
True
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lowlend.domain.ledger import (
    GENESIS_HASH,
    HASH_SCHEME,
    PostedEntry,
)
from lowlend.domain.ledger_chain import verify_chain

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "CHECKPOINT_SCHEME",
    "CheckpointError",
    "CheckpointRecord",
    "LedgerRepository",
    "LedgerUnitOfWork",
    "checkpoint_message",
    "create_checkpoint",
    "export_checkpoints",
    "public_key_base64",
    "sign_checkpoint",
    "signature_problem",
    "signing_key_from_base64",
]

CHECKPOINT_SCHEME: Final = "lowlend-ledger-checkpoint-v1"
"""First element of the signed message."""


class CheckpointError(Exception):
    """A checkpoint cannot be made or read; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckpointRecord:
    """A signed checkpoint (``id`` is ``None`` until stored)."""

    last_entry_id: int | None
    last_hash: str
    entry_count: int
    created_at: dt.datetime
    public_key: str
    """Base64 of the raw 32-byte Ed25519 public key."""
    signature: str
    """Base64 of the 64-byte Ed25519 signature over :func:`checkpoint_message`."""
    id: int | None = None

    @property
    def message(self) -> bytes:
        """The signed bytes."""
        return checkpoint_message(
            self.last_entry_id, self.last_hash, self.entry_count, self.created_at
        )


class LedgerRepository(Protocol):
    """What the ledger use cases need of the journal store (adapter:
    :class:`lowlend.persistence.ledger_repository.SqlLedgerRepository`)."""

    def entries(self) -> Iterator[PostedEntry]:
        """Every posted entry in ascending id order, streamed (constant memory)."""
        ...

    def checkpoints(self) -> list[CheckpointRecord]:
        """Every stored checkpoint, oldest first."""
        ...

    def add_checkpoint(self, record: CheckpointRecord) -> CheckpointRecord:
        """Store ``record``; return it with its id."""
        ...


class LedgerUnitOfWork(Protocol):
    """A unit of work exposing the journal as ``ledger``."""

    ledger: LedgerRepository

    def __enter__(self) -> Any: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any: ...

    def commit(self) -> None: ...


# -- keys ------------------------------------------------------------------------------
def _b64decode(text: str, what: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointError("bad_key", f"{what} is not base64") from None
    if len(raw) != size:
        raise CheckpointError("bad_key", f"{what} must be {size} bytes, got {len(raw)}")
    return raw


def signing_key_from_base64(text: str) -> Ed25519PrivateKey:
    """The Ed25519 private key from base64 of its raw 32 bytes.

    :raises CheckpointError: ``bad_key`` when ``text`` is not that.
    """
    return Ed25519PrivateKey.from_private_bytes(_b64decode(text, "the signing key", 32))


def public_key_base64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key of ``key``."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


# -- signing and checking ------------------------------------------------------------------
def _seconds_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0)


def checkpoint_message(
    last_entry_id: int | None, last_hash: str, entry_count: int, created_at: dt.datetime
) -> bytes:
    """The bytes a checkpoint signs (module doc); ``created_at`` naive = UTC."""
    stamp = _seconds_utc(created_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = [CHECKPOINT_SCHEME, last_entry_id, last_hash, entry_count, stamp]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign_checkpoint(
    key: Ed25519PrivateKey,
    last_entry_id: int | None,
    last_hash: str,
    entry_count: int,
    created_at: dt.datetime,
) -> CheckpointRecord:
    """A new (unstored) checkpoint signed with ``key``; time truncated to whole seconds."""
    created = _seconds_utc(created_at)
    signature = key.sign(checkpoint_message(last_entry_id, last_hash, entry_count, created))
    return CheckpointRecord(
        last_entry_id=last_entry_id,
        last_hash=last_hash,
        entry_count=entry_count,
        created_at=created,
        public_key=public_key_base64(key),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def signature_problem(
    record: CheckpointRecord, trusted_keys: Collection[str] = ()
) -> tuple[str, str] | None:
    """Why ``record``'s signature cannot be trusted, as ``(code, message)``, else ``None``.

    Codes: ``untrusted_key`` (``trusted_keys`` given and the record's key is not one
    of them — anyone can sign with a key of their own), ``bad_key``, ``bad_signature``.
    """
    if trusted_keys and record.public_key not in trusted_keys:
        return "untrusted_key", f"signed with key {record.public_key}, not a trusted key"
    try:
        public = Ed25519PublicKey.from_public_bytes(
            _b64decode(record.public_key, "the public key", 32)
        )
        signature = _b64decode(record.signature, "the signature", 64)
    except CheckpointError as exc:
        return exc.code, exc.message
    try:
        public.verify(signature, record.message)
    except InvalidSignature:
        return "bad_signature", "the signature does not match the checkpoint's content"
    return None


# -- use cases -----------------------------------------------------------------------------
def create_checkpoint(
    uow: LedgerUnitOfWork, key: Ed25519PrivateKey, now: dt.datetime
) -> CheckpointRecord:
    """Verify the whole journal, then sign and store a checkpoint of its head (one commit).

    Signing an unverified journal would bless whatever was tampered with before, so a
    journal that does not verify is refused.

    :raises CheckpointError: ``chain_invalid`` naming the first bad entry.
    """
    with uow:
        scan = getattr(uow.ledger, "scan_chain", None)  # the SQL adapter checks in chunks
        result = scan()[0] if scan is not None else verify_chain(uow.ledger.entries())
        if result.first_bad is not None:
            bad = result.first_bad
            raise CheckpointError(
                "chain_invalid",
                f"entry {bad.entry_id} is bad ({bad.reason}: {bad.detail}); not signing",
            )
        record = sign_checkpoint(key, result.last_entry_id, result.last_hash, result.entries, now)
        stored = uow.ledger.add_checkpoint(record)
        uow.commit()
        return stored


def export_checkpoints(records: Iterable[CheckpointRecord]) -> dict[str, Any]:
    """A JSON-ready document for an auditor: every checkpoint with the exact signed
    message, its public key and signature, and how to recompute the journal hashes."""
    items = [
        {
            "id": r.id,
            "last_entry_id": r.last_entry_id,
            "last_hash": r.last_hash,
            "entry_count": r.entry_count,
            "created_at": _seconds_utc(r.created_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "public_key": r.public_key,
            "signature": r.signature,
            "signed_message": r.message.decode("utf-8"),
        }
        for r in records
    ]
    return {
        "format": "lowlend-ledger-checkpoints-v1",
        "signature_algorithm": "Ed25519 (RFC 8032) over the UTF-8 bytes of signed_message",
        "signed_message_format": (
            f'["{CHECKPOINT_SCHEME}", last_entry_id, last_hash, entry_count, '
            '"YYYY-MM-DDTHH:MM:SSZ"] as compact JSON'
        ),
        "journal_hash_scheme": (
            f"{HASH_SCHEME}: hash = SHA-256 hex of the compact JSON array "
            '["lowlend-journal-v1", id, prev_hash, business_date, booked_at (UTC, '
            '"YYYY-MM-DDTHH:MM:SS.ffffffZ"), description, loan_id, transaction_id, '
            'reversal_of, [[account, debit, credit, currency, memo], ...]] with amounts as '
            'two-decimal strings; the first prev_hash is 64 zeros '
            "(see lowlend.domain.ledger.canonical_bytes)"
        ),
        "genesis_hash": GENESIS_HASH,
        "public_keys": sorted({item["public_key"] for item in items}),
        "checkpoints": items,
    }


def with_id(record: CheckpointRecord, checkpoint_id: int) -> CheckpointRecord:
    """``record`` as stored under ``checkpoint_id`` (for repositories)."""
    return replace(record, id=checkpoint_id)
