"""Signed checkpoints and the verify use case over an in-memory journal."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from lowlend.domain.ledger import (
    GENESIS_HASH,
    ZERO,
    EntryDraft,
    Line,
    PostedEntry,
    entry_hash,
)
from lowlend.domain.ledger_chain import post
from lowlend.services.ledger_checkpoints import (
    CheckpointError,
    CheckpointRecord,
    checkpoint_message,
    create_checkpoint,
    export_checkpoints,
    public_key_base64,
    sign_checkpoint,
    signature_problem,
    signing_key_from_base64,
    with_id,
)
from lowlend.services.ledger_verify import verify_ledger

KEY = signing_key_from_base64(base64.b64encode(bytes(range(32))).decode())
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(32))
NOW = dt.datetime(2026, 2, 1, 8, 0, 5, 987654, tzinfo=dt.UTC)


class FakeLedger:
    def __init__(self, entries: list[PostedEntry]) -> None:
        self.entries_list = entries
        self.records: list[CheckpointRecord] = []
        self.staged: list[CheckpointRecord] = []

    def entries(self) -> Iterator[PostedEntry]:
        yield from self.entries_list

    def checkpoints(self) -> list[CheckpointRecord]:
        return list(self.records)

    def add_checkpoint(self, record: CheckpointRecord) -> CheckpointRecord:
        stored = with_id(record, len(self.records) + len(self.staged) + 1)
        self.staged.append(stored)
        return stored


class FakeUow:
    def __init__(self, ledger: FakeLedger) -> None:
        self.ledger = ledger
        self.commits = 0

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *args: Any) -> None:
        self.ledger.staged.clear()  # roll back what was not committed

    def commit(self) -> None:
        self.ledger.records += self.ledger.staged
        self.ledger.staged.clear()
        self.commits += 1


def _chain(n: int) -> list[PostedEntry]:
    out: list[PostedEntry] = []
    prev = GENESIS_HASH
    for i in range(n):
        amount = Decimal(f"{i + 1}.50")
        draft = EntryDraft(dt.date(2026, 1, 1), f"e{i}",
                           (Line("cash", amount), Line("fees", ZERO, amount)))
        entry = post(draft, i + 1, NOW, prev)
        out.append(entry)
        prev = entry.hash
    return out


def _uow(n: int = 6) -> FakeUow:
    return FakeUow(FakeLedger(_chain(n)))


def _trusted() -> list[str]:
    return [public_key_base64(KEY)]


def test_create_checkpoint_signs_the_verified_head() -> None:
    uow = _uow()
    record = create_checkpoint(uow, KEY, NOW)
    head = uow.ledger.entries_list[-1]
    assert (record.id, record.last_entry_id, record.last_hash, record.entry_count) == (
        1, head.id, head.hash, 6)
    assert record.created_at == NOW.replace(microsecond=0)
    assert uow.commits == 1 and uow.ledger.records == [record]
    assert signature_problem(record, _trusted()) is None
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(record.public_key))
    public.verify(base64.b64decode(record.signature), record.message)


def test_create_checkpoint_refuses_a_bad_chain_and_stores_nothing() -> None:
    uow = _uow()
    uow.ledger.entries_list[2] = dataclasses.replace(uow.ledger.entries_list[2], hash="a" * 64)
    with pytest.raises(CheckpointError) as caught:
        create_checkpoint(uow, KEY, NOW)
    assert caught.value.code == "chain_invalid" and "entry 3 is bad" in caught.value.message
    assert uow.commits == 0 and uow.ledger.records == []


def test_checkpoint_of_an_empty_journal() -> None:
    uow = _uow(0)
    record = create_checkpoint(uow, KEY, NOW)
    assert (record.last_entry_id, record.last_hash, record.entry_count) == (None, GENESIS_HASH, 0)
    report = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert report.ok and report.checkpoints_checked == 1
    uow.ledger.entries_list = _chain(1)  # the journal grew: still fine
    assert verify_ledger(uow, checkpoints=True).ok


def test_signed_message_is_the_documented_json() -> None:
    message = checkpoint_message(9, "ab" * 32, 4, NOW)
    assert json.loads(message) == [
        "lowlend-ledger-checkpoint-v1", 9, "ab" * 32, 4, "2026-02-01T08:00:05Z"]
    naive = checkpoint_message(9, "ab" * 32, 4, NOW.replace(tzinfo=None))
    shanghai = checkpoint_message(9, "ab" * 32, 4, NOW.astimezone(dt.timezone(dt.timedelta(hours=8))))
    assert message == naive == shanghai


def test_changed_checkpoint_fields_break_the_signature() -> None:
    record = sign_checkpoint(KEY, 3, "ab" * 32, 3, NOW)
    for change in ({"entry_count": 4}, {"last_hash": "cd" * 32}, {"last_entry_id": 2},
                   {"created_at": NOW + dt.timedelta(seconds=1)}):
        problem = signature_problem(dataclasses.replace(record, **change))
        assert problem is not None and problem[0] == "bad_signature"
    assert signature_problem(record, [public_key_base64(OTHER)])[0] == "untrusted_key"  # type: ignore[index]
    assert signature_problem(dataclasses.replace(record, public_key="!!"))[0] == "bad_key"  # type: ignore[index]
    assert signature_problem(dataclasses.replace(record, signature="AAAA"))[0] == "bad_key"  # type: ignore[index]


def test_bad_signing_keys() -> None:
    for text in ("not base64", base64.b64encode(b"short").decode()):
        with pytest.raises(CheckpointError) as caught:
            signing_key_from_base64(text)
        assert caught.value.code == "bad_key"


def test_verify_ledger_with_checkpoints() -> None:
    uow = _uow()
    create_checkpoint(uow, KEY, NOW)
    uow.ledger.entries_list += _chain(8)[6:]  # two more entries after the checkpoint
    report = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert report.ok and report.chain.entries == 8 and report.checkpoints_checked == 1
    plain = verify_ledger(uow)
    assert plain.ok and plain.checkpoints_checked == 0


def test_truncated_journal_is_caught_only_by_the_checkpoint() -> None:
    uow = _uow()
    create_checkpoint(uow, KEY, NOW)
    del uow.ledger.entries_list[-1]
    assert verify_ledger(uow).ok
    report = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert not report.ok and report.checkpoint_problem is not None
    assert report.checkpoint_problem.reason == "entry_missing"
    assert report.checkpoint_problem.checkpoint_id == 1


def test_rewritten_chain_is_caught_by_the_checkpoint() -> None:
    uow = _uow()
    create_checkpoint(uow, KEY, NOW)
    # an attacker changes entry 2 and recomputes every hash after it
    entries = uow.ledger.entries_list
    prev = entries[0].hash
    for i in range(1, len(entries)):
        changed = entries[i] if i != 1 else dataclasses.replace(entries[i], description="forged")
        changed = dataclasses.replace(changed, prev_hash=prev)
        changed = dataclasses.replace(changed, hash=entry_hash(changed, prev))
        entries[i] = changed
        prev = changed.hash
    assert verify_ledger(uow).ok  # a consistent chain on its own
    report = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert report.checkpoint_problem is not None
    assert report.checkpoint_problem.reason == "hash_differs"


def test_checkpoint_with_a_wrong_count_or_foreign_key() -> None:
    uow = _uow()
    head = uow.ledger.entries_list[-1]
    uow.ledger.records.append(with_id(sign_checkpoint(KEY, head.id, head.hash, 5, NOW), 1))
    report = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert report.checkpoint_problem is not None
    assert report.checkpoint_problem.reason == "count_differs"
    uow.ledger.records = [with_id(sign_checkpoint(OTHER, head.id, head.hash, 6, NOW), 1)]
    assert verify_ledger(uow, checkpoints=True).ok  # not pinned: its own key only
    pinned = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert pinned.checkpoint_problem is not None
    assert pinned.checkpoint_problem.reason == "untrusted_key"


def test_bad_chain_is_reported_before_checkpoints() -> None:
    uow = _uow()
    create_checkpoint(uow, KEY, NOW)
    uow.ledger.entries_list[1] = dataclasses.replace(uow.ledger.entries_list[1], hash="b" * 64)
    report = verify_ledger(uow, checkpoints=True, trusted_keys=_trusted())
    assert report.chain.first_bad is not None and report.chain.first_bad.entry_id == 2
    assert report.checkpoint_problem is None and not report.ok


def test_export_for_an_auditor() -> None:
    uow = _uow()
    first = create_checkpoint(uow, KEY, NOW)
    second = create_checkpoint(uow, KEY, NOW + dt.timedelta(hours=1))
    document = json.loads(json.dumps(export_checkpoints(uow.ledger.checkpoints())))
    assert document["public_keys"] == [public_key_base64(KEY)]
    assert [c["id"] for c in document["checkpoints"]] == [first.id, second.id]
    for item in document["checkpoints"]:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(item["public_key"]))
        public.verify(base64.b64decode(item["signature"]), item["signed_message"].encode())
        assert json.loads(item["signed_message"]) == [
            "lowlend-ledger-checkpoint-v1", item["last_entry_id"], item["last_hash"],
            item["entry_count"], item["created_at"]]
