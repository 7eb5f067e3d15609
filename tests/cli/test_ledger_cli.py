"""``lowlend ledger verify|checkpoint|export-checkpoints`` on SQLite and PostgreSQL.

The demo data set is loaded (the loader posts its loans' money to the journal through the
money use cases); then stored rows are tampered with by raw SQL (after dropping the
triggers that refuse it) and ``verify`` must name the entry.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lowlend.cli.ledger_cmd import demo_signing_key, ledger
from lowlend.domain.ledger import (
    ZERO,
    EntryDraft,
    Line,
)
from lowlend.persistence.demo_loader import load_demo_data
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.ledger_repository import SqlLedgerRepository
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.models import JournalEntry
from lowlend.persistence.wiring import open_config_store
from lowlend.spec.loader import read_bundle

REPO = Path(__file__).resolve().parents[2]
MASTER_KEY = "bG93bGVuZC10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXM="
SIGNING_KEY = base64.b64encode(bytes(range(1, 33))).decode()


@dataclass
class Journal:
    url: str
    engine: sa.Engine
    entry_ids: list[int]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def run(self, *args: str, **env: str) -> Result:
        environ = {"LOWLEND_DATABASE_URL": self.url, "LOWLEND_LEDGER_SIGNING_KEY": "",
                   "LOWLEND_LEDGER_PUBLIC_KEY": "", "LOWLEND_DEMO": "", **env}
        return CliRunner().invoke(ledger, list(args), env=environ)

    def execute(self, *statements: str) -> None:
        with self.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))

    def allow_changes(self, table: str) -> None:
        """Drop the triggers that refuse UPDATE/DELETE on ``table`` (what an attacker
        with DDL rights would do first)."""
        if self.dialect == "postgresql":
            self.execute(f"DROP TRIGGER trg_{table}_immutable ON {table}")
        else:
            self.execute(f"DROP TRIGGER trg_{table}_no_update",
                         f"DROP TRIGGER trg_{table}_no_delete")


def _demo_entry_ids(engine: sa.Engine) -> list[int]:
    """The journal entries the demo loader posted (its loans' money goes through the money
    use cases: disbursements, repayments, a reversal ...), in chain order."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(JournalEntry.id).order_by(JournalEntry.id)).scalars())


@pytest.fixture
def journal(database_url: str) -> Iterator[Journal]:
    upgrade(database_url)
    files = read_bundle(REPO / "product_configs", REPO / "notification_templates")
    with open_config_store(database_url) as store:
        version = store.publish(files, "tester", "shipped configuration").version.id
        registry = store.validate(files)
    engine = make_engine(database_url)
    try:
        load_demo_data(make_session_factory(engine)(), registry, version, loans=6,
                       master_key=MASTER_KEY)
        ids = _demo_entry_ids(engine)
        assert len(ids) > 10
        yield Journal(database_url, engine, ids)
    finally:
        engine.dispose()


def test_demo_ledger_verifies_green(journal: Journal) -> None:
    result = journal.run("verify")
    assert result.exit_code == 0, result.output
    assert f"ok: {len(journal.entry_ids)} entries balanced and chained" in result.stdout
    assert f"head entry {journal.entry_ids[-1]} " in result.stdout
    with journal.engine.connect() as conn:
        loans = conn.execute(sa.text(
            "SELECT count(DISTINCT loan_id) FROM journal_entries")).scalar_one()
    assert loans > 3
    assert (f"ok: {loans} loan(s) agree with the journal (loan_principal, borrower_credit)"
            in result.stdout)
    assert "note:" not in result.stderr


def test_empty_journal_verifies(database_url: str) -> None:
    upgrade(database_url)
    result = CliRunner().invoke(ledger, ["verify"], env={"LOWLEND_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "ok: 0 entries" in result.stdout and "empty journal" in result.stdout
    # nothing published: the loans are not compared, and the output says so
    assert "note: no configuration is published" in result.stderr
    assert "loan(s) agree" not in result.stdout


def test_a_loan_that_disagrees_with_the_journal_is_named(journal: Journal) -> None:
    """Installments are not journal rows: changing one breaks no chain, but the loan no
    longer agrees with its principal account."""
    with journal.engine.connect() as conn:
        loan_id = conn.execute(sa.text(
            "SELECT min(loan_id) FROM journal_entries")).scalar_one()
    journal.execute(f"UPDATE installments SET principal_paid = principal_paid + 0.01 "
                    f"WHERE loan_id = {loan_id} AND seq = 1")
    result = journal.run("verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"loan {loan_id}: principal_differs: account loan_principal: journal ")
    assert "do not agree with the journal" in result.stderr


def test_database_refuses_changes_to_posted_rows(journal: Journal) -> None:
    entry = journal.entry_ids[3]
    for statement in (
        f"UPDATE journal_lines SET debit = debit + 1 WHERE entry_id = {entry} AND debit > 0",
        f"UPDATE journal_entries SET description = 'x' WHERE id = {entry}",
        f"DELETE FROM journal_lines WHERE entry_id = {entry}",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="immutable"):
            journal.execute(statement)
    assert journal.run("verify").exit_code == 0


def test_tampered_amount_names_the_entry(journal: Journal) -> None:
    entry = journal.entry_ids[len(journal.entry_ids) // 2]
    journal.allow_changes("journal_lines")
    journal.execute(
        f"UPDATE journal_lines SET debit = debit + 100 WHERE entry_id = {entry} AND debit > 0"
    )
    result = journal.run("verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"journal entry {entry}: unbalanced: CNY")


def test_verify_with_workers(journal: Journal) -> None:
    """``--workers``: the same summary, the same first bad entry."""
    assert journal.run("verify", "--workers", "2").exit_code == 0
    entry = journal.entry_ids[len(journal.entry_ids) // 3]
    journal.allow_changes("journal_entries")
    journal.execute(f"UPDATE journal_entries SET description = 'forged' WHERE id = {entry}")
    for workers in ("1", "2"):
        result = journal.run("verify", "--workers", workers)
        assert result.exit_code == 1
        assert result.stdout.startswith(f"journal entry {entry}: hash_mismatch")
    assert journal.run("verify", "--workers", "0").exit_code == 2


def test_tampered_amount_on_both_sides_is_a_hash_mismatch(journal: Journal) -> None:
    with journal.engine.connect() as conn:  # an entry of one debit and one credit line
        entry = conn.execute(sa.text(
            "SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING count(*) = 2 "
            "ORDER BY entry_id LIMIT 1 OFFSET 1")).scalar_one()
    journal.allow_changes("journal_lines")
    journal.execute(
        f"UPDATE journal_lines SET debit = 1.00 WHERE entry_id = {entry} AND debit > 0",
        f"UPDATE journal_lines SET credit = 1.00 WHERE entry_id = {entry} AND credit > 0",
    )
    result = journal.run("verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"journal entry {entry}: hash_mismatch")


def test_tampered_hash_names_the_entry(journal: Journal) -> None:
    entry = journal.entry_ids[2]
    journal.allow_changes("journal_entries")
    journal.execute(f"UPDATE journal_entries SET hash = '{'f' * 64}' WHERE id = {entry}")
    result = journal.run("verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"journal entry {entry}: hash_mismatch")


def test_removed_entry_breaks_the_link_of_the_next(journal: Journal) -> None:
    removed, following = journal.entry_ids[5], journal.entry_ids[6]
    journal.allow_changes("journal_lines")
    journal.allow_changes("journal_entries")
    journal.execute(f"DELETE FROM journal_lines WHERE entry_id = {removed}",
                    f"DELETE FROM journal_entries WHERE id = {removed}")
    result = journal.run("verify")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"journal entry {following}: broken_link")


def test_checkpoint_sign_verify_export(journal: Journal, tmp_path: Path) -> None:
    made = journal.run("checkpoint", LOWLEND_LEDGER_SIGNING_KEY=SIGNING_KEY)
    assert made.exit_code == 0, made.output
    assert f"{len(journal.entry_ids)} entries, last entry {journal.entry_ids[-1]}" in made.stdout

    checked = journal.run("verify", "--checkpoints", LOWLEND_LEDGER_SIGNING_KEY=SIGNING_KEY)
    assert checked.exit_code == 0, checked.output
    assert "ok: 1 checkpoint(s) signed and matching" in checked.stdout

    out = tmp_path / "checkpoints.json"
    assert journal.run("export-checkpoints", "-o", str(out)).exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    [cp] = document["checkpoints"]
    assert cp["last_entry_id"] == journal.entry_ids[-1]
    assert document["public_keys"] == [cp["public_key"]]
    # an auditor checks the signature with nothing but the exported JSON
    Ed25519PublicKey.from_public_bytes(base64.b64decode(cp["public_key"])).verify(
        base64.b64decode(cp["signature"]), cp["signed_message"].encode("utf-8")
    )
    assert json.loads(cp["signed_message"])[1:4] == [
        cp["last_entry_id"], cp["last_hash"], cp["entry_count"]
    ]


def test_removing_the_newest_entry_is_caught_by_the_checkpoint(journal: Journal) -> None:
    with make_session_factory(journal.engine)() as session:  # an entry of no loan
        last = SqlLedgerRepository(session).append(EntryDraft(
            dt.date(2026, 3, 1), "bank interest",
            (Line("bank", Decimal("3.50")), Line("interest_income", ZERO, Decimal("3.50")))
        )).id
        session.commit()
    assert journal.run("checkpoint", LOWLEND_LEDGER_SIGNING_KEY=SIGNING_KEY).exit_code == 0
    journal.allow_changes("journal_lines")
    journal.allow_changes("journal_entries")
    journal.execute(f"DELETE FROM journal_lines WHERE entry_id = {last}",
                    f"DELETE FROM journal_entries WHERE id = {last}")
    assert journal.run("verify").exit_code == 0  # the shorter chain is still a valid chain
    result = journal.run("verify", "--checkpoints", LOWLEND_LEDGER_SIGNING_KEY=SIGNING_KEY)
    assert result.exit_code == 1
    assert result.stdout.startswith("checkpoint 1: entry_missing")


def test_checkpoint_from_another_key_is_untrusted(journal: Journal) -> None:
    other = base64.b64encode(bytes(32)).decode()
    assert journal.run("checkpoint", LOWLEND_LEDGER_SIGNING_KEY=other).exit_code == 0
    result = journal.run("verify", "--checkpoints", LOWLEND_LEDGER_SIGNING_KEY=SIGNING_KEY)
    assert result.exit_code == 1
    assert result.stdout.startswith("checkpoint 1: untrusted_key")
    unpinned = journal.run("verify", "--checkpoints")
    assert unpinned.exit_code == 0 and "no trusted public key" in unpinned.stderr


def test_checkpoint_refuses_a_tampered_journal(journal: Journal) -> None:
    entry = journal.entry_ids[1]
    journal.allow_changes("journal_entries")
    journal.execute(f"UPDATE journal_entries SET description = 'x' WHERE id = {entry}")
    result = journal.run("checkpoint", LOWLEND_LEDGER_SIGNING_KEY=SIGNING_KEY)
    assert result.exit_code == 1
    assert f"entry {entry} is bad (hash_mismatch" in result.stderr


def test_checkpoint_needs_a_key_or_demo_mode(journal: Journal) -> None:
    missing = journal.run("checkpoint")
    assert missing.exit_code == 1 and "no signing key" in missing.stderr
    bad = journal.run("checkpoint", LOWLEND_LEDGER_SIGNING_KEY="not base64!")
    assert bad.exit_code == 1 and "LOWLEND_LEDGER_SIGNING_KEY" in bad.stderr
    demo = journal.run("checkpoint", LOWLEND_DEMO="1", LOWLEND_MASTER_KEY=MASTER_KEY)
    assert demo.exit_code == 0, demo.output
    from lowlend.services.ledger_checkpoints import public_key_base64, signing_key_from_base64

    expected = public_key_base64(signing_key_from_base64(demo_signing_key(MASTER_KEY)))
    assert f"public key: {expected}" in demo.stdout


def test_unbalanced_insert(journal: Journal) -> None:
    """PostgreSQL refuses the commit (deferred constraint trigger); SQLite stores it and
    ``verify`` names it."""
    new_id = journal.entry_ids[-1] + 1000
    with journal.engine.connect() as conn:
        head = conn.execute(sa.text(
            f"SELECT hash FROM journal_entries WHERE id = {journal.entry_ids[-1]}"
        )).scalar_one()
    insert = [
        "INSERT INTO journal_entries (id, business_date, booked_at, description, prev_hash, "
        f"hash) VALUES ({new_id}, '2026-02-01', '2026-02-01 00:00:00', 'forged', "
        f"'{head}', '{'2' * 64}')",
        "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, memo) "
        f"VALUES ({new_id}, 'cash', 10.00, 0, 'CNY', '')",
        "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, memo) "
        f"VALUES ({new_id}, 'fees', 0, 9.99, 'CNY', '')",
    ]
    if journal.dialect == "postgresql":
        with pytest.raises(sa.exc.IntegrityError, match="does not balance in CNY"):
            journal.execute(*insert)
        one_line = [insert[0], insert[1].replace("10.00", "9.99")]
        with pytest.raises(sa.exc.IntegrityError, match="at least two"):
            journal.execute(*one_line)
        balanced = [*insert[:2], insert[2].replace("9.99", "10.00")]
        journal.execute(*balanced)  # the trigger accepts a balanced entry
        result = journal.run("verify")
        assert result.exit_code == 1
        assert result.stdout.startswith(f"journal entry {new_id}: hash_mismatch")
    else:
        journal.execute(*insert)
        result = journal.run("verify")
        assert result.exit_code == 1
        assert result.stdout.startswith(
            f"journal entry {new_id}: unbalanced: CNY: debits 10.00 != credits 9.99"
        )


def test_posting_refuses_an_unbalanced_draft(journal: Journal) -> None:
    from lowlend.domain.ledger import LedgerError

    with make_session_factory(journal.engine)() as session:
        with pytest.raises(LedgerError) as caught:
            SqlLedgerRepository(session).append(EntryDraft(
                dt.date(2026, 3, 1), "x", (Line("cash", Decimal("1.00")), Line("fees", ZERO, ZERO))
            ))
        assert caught.value.code == "no_side"


def test_registered_in_the_main_command() -> None:
    from lowlend.cli import _register, cli

    _register()
    assert "ledger" in cli.commands
    for args in ([], ["verify"], ["checkpoint"], ["export-checkpoints"]):
        assert CliRunner().invoke(ledger, [*args, "--help"]).exit_code == 0


@pytest.mark.parametrize(
    "module", ["lowlend.persistence.ledger_models", "lowlend.persistence.ledger_repository"]
)
def test_ledger_modules_import_first(module: str) -> None:
    """The ledger modules and ``models`` import each other: either may come first."""
    import subprocess
    import sys

    code = (
        f"import {module}\n"
        "from lowlend.persistence.models import LOWLEND_TABLES, metadata\n"
        "assert 'ledger_checkpoints' in LOWLEND_TABLES\n"
        "assert 'uq_journal_entries_prev_hash' in "
        "{i.name for i in metadata.tables['journal_entries'].indexes}\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr


def test_a_second_entry_after_the_same_entry_is_refused(journal: Journal) -> None:
    """No forks: two entries cannot share a ``prev_hash`` (what a racing second posting
    would produce)."""
    last = journal.entry_ids[-1]
    with journal.engine.connect() as conn:
        prev = conn.execute(sa.text(
            f"SELECT prev_hash FROM journal_entries WHERE id = {last}")).scalar_one()
    with pytest.raises(sa.exc.IntegrityError):
        journal.execute(
            "INSERT INTO journal_entries (id, business_date, booked_at, description, "
            f"prev_hash, hash) VALUES ({last + 1}, '2026-02-01', '2026-02-01 00:00:00', "
            f"'fork', '{prev}', '{'3' * 64}')"
        )


def test_concurrent_postings_keep_one_chain(postgres_url: str) -> None:
    """PostgreSQL: postings from several sessions at once are serialised by the
    advisory lock; the journal stays one valid chain in id order."""
    import threading

    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                with sessions() as session:
                    amount = Decimal(f"{n}.{i:02d}") + 1
                    SqlLedgerRepository(session).append(EntryDraft(
                        dt.date(2026, 3, 1), f"w{n}-{i}",
                        (Line("cash", amount), Line("fees", ZERO, amount))))
                    session.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        result = CliRunner().invoke(ledger, ["verify"], env={"LOWLEND_DATABASE_URL": postgres_url})
        assert result.exit_code == 0, result.output
        assert "ok: 20 entries" in result.stdout
    finally:
        engine.dispose()
