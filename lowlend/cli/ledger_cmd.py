"""``lowlend ledger verify|checkpoint|export-checkpoints``: the tamper-evident journal.

* ``verify`` reads the journal from the database and checks that every entry
  balances and is chained to the one before (a large journal in chunks, in ``--workers``
  processes: :mod:`lowlend.persistence.ledger_scan`); with ``--checkpoints`` also every signed
  checkpoint; and that every loan with journal entries agrees with the journal (the
  principal account's balance is the loan's principal outstanding minus written-off
  principal, the overpayment account's credit balance is not negative; accounts from the
  published configuration — with nothing published this part is skipped with a note).
  Prints a summary (exit 0), or the first bad entry / checkpoint / loan (exit 1).
* ``checkpoint`` verifies the journal, then signs its head with the Ed25519 key in
  ``LOWLEND_LEDGER_SIGNING_KEY`` (base64 of the raw 32-byte private key).
* ``export-checkpoints`` writes every checkpoint as JSON for an auditor.

Keys: ``LOWLEND_LEDGER_SIGNING_KEY``; without it, in demo mode (``LOWLEND_DEMO=1``) a
key derived from the master key (``LOWLEND_MASTER_KEY`` or the instance's
``master_key`` file) with HKDF-SHA256 (salt ``lowlend``, info
``lowlend:ledger-signing:v1``), the scheme of :mod:`lowlend.persistence.keys`.
``verify --checkpoints`` trusts ``--public-key`` / ``LOWLEND_LEDGER_PUBLIC_KEY``, else
the public key of the signing key when one is configured, else (with a warning) the
key stored with each checkpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, NoReturn

import click

from lowlend.cli.db_cmd import database_url_option
from lowlend.persistence import settings

SIGNING_KEY_ENV = "LOWLEND_LEDGER_SIGNING_KEY"
PUBLIC_KEY_ENV = "LOWLEND_LEDGER_PUBLIC_KEY"
_DEMO_SIGNING_INFO = b"lowlend:ledger-signing:v1"


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


def _demo_mode() -> bool:
    return os.environ.get("LOWLEND_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}


def _master_key() -> str | None:
    key = os.environ.get("LOWLEND_MASTER_KEY", "").strip()
    if key:
        return key
    path = settings.instance_dir() / "master_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def demo_signing_key(master_key: str | bytes) -> str:
    """Base64 of the Ed25519 signing key derived from ``master_key`` (demo mode only)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = master_key.encode("utf-8") if isinstance(master_key, str) else master_key
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"lowlend", info=_DEMO_SIGNING_INFO
    ).derive(secret)
    return base64.b64encode(seed).decode("ascii")


def _signing_key_text() -> str | None:
    text = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if text:
        return text
    if _demo_mode():
        master = _master_key()
        if master:
            return demo_signing_key(master)
    return None


def _signing_key() -> Any:
    from lowlend.services.ledger_checkpoints import CheckpointError, signing_key_from_base64

    text = _signing_key_text()
    if text is None:
        _fail(
            f"no signing key: set {SIGNING_KEY_ENV} to the base64 of a raw 32-byte Ed25519 "
            "private key (e.g. python -c 'import base64,os; "
            "print(base64.b64encode(os.urandom(32)).decode())')"
        )
    try:
        return signing_key_from_base64(text)
    except CheckpointError as exc:
        _fail(f"{SIGNING_KEY_ENV}: {exc.message}")


def _unit_of_work(database_url: str | None, workers: int | None = None) -> Any:
    from lowlend.persistence.engine import make_engine, make_session_factory
    from lowlend.persistence.ledger_repository import SqlLedgerRepository
    from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork

    engine = make_engine(database_url or settings.database_url())
    return engine, SqlAlchemyUnitOfWork(
        make_session_factory(engine),
        {"ledger": lambda session: SqlLedgerRepository(session, workers=workers)},
    )


def _current_registry(engine: Any) -> Any:
    """Returns the published configuration's registry (raises ``NoPublishedConfig``)."""
    from lowlend.persistence.engine import make_session_factory
    from lowlend.persistence.wiring import registry_provider

    return registry_provider(make_session_factory(engine)).current


def _database_errors() -> tuple[type[BaseException], ...]:
    import sqlalchemy.exc

    return (sqlalchemy.exc.SQLAlchemyError, OSError)


def _database_message(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


@click.group("ledger")
def ledger() -> None:
    """Verify the hash-chained journal and sign checkpoints of it (总账防篡改校验)."""


@ledger.command("verify")
@click.option("--checkpoints", is_flag=True, help="Also check every signed checkpoint.")
@click.option(
    "--public-key",
    envvar=PUBLIC_KEY_ENV,
    default=None,
    metavar="BASE64",
    help=f"Trusted checkpoint key (env {PUBLIC_KEY_ENV}).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes checking a large journal in chunks (default: the number of CPUs).",
)
@database_url_option
def verify_cmd(checkpoints: bool, public_key: str | None, workers: int | None,
               database_url: str | None) -> None:
    """Check that every journal entry balances and is chained to the previous one, and
    that every loan agrees with the journal (principal outstanding, overpayment held)."""
    from lowlend.services.config_store import ConfigStoreError
    from lowlend.services.ledger_checkpoints import public_key_base64, signing_key_from_base64
    from lowlend.services.ledger_verify import verify_ledger

    trusted: list[str] = []
    if checkpoints:
        if public_key:
            trusted.append(public_key.strip())
        elif (text := _signing_key_text()) is not None:
            try:
                trusted.append(public_key_base64(signing_key_from_base64(text)))
            except Exception:
                _fail(f"{SIGNING_KEY_ENV} is not a base64 raw 32-byte Ed25519 key")
        else:
            click.echo(
                "warning: no trusted public key (--public-key / "
                f"{PUBLIC_KEY_ENV}): each checkpoint is checked against the key stored "
                "with it only",
                err=True,
            )
    engine, uow = _unit_of_work(database_url, workers)
    try:
        report = verify_ledger(uow, checkpoints=checkpoints, trusted_keys=trusted,
                               current_registry=_current_registry(engine))
    except _database_errors() as exc:
        _fail(f"reading the journal failed: {_database_message(exc)}")
    except ConfigStoreError as exc:
        _fail(f"the published configuration does not load: {exc}")
    finally:
        engine.dispose()
    _print_report(report, checkpoints)


def _print_report(report: Any, checkpoints: bool) -> None:
    """The problems first (stdout: one line each; stderr: why the exit code is 1), else
    the summary lines."""
    chain = report.chain
    failed: list[str] = []
    if chain.first_bad is not None:
        bad = chain.first_bad
        click.echo(f"journal entry {bad.entry_id}: {bad.reason}: {bad.detail}")
        failed.append(f"FAILED after {chain.entries - 1} good entries")
    if report.checkpoint_problem is not None:
        cp = report.checkpoint_problem
        click.echo(f"checkpoint {cp.checkpoint_id}: {cp.reason}: {cp.detail}")
        failed.append("FAILED: the journal does not match a signed checkpoint")
    if report.loan_problem is not None:
        lp = report.loan_problem
        click.echo(f"loan {lp.loan_id}: {lp.reason}: {lp.detail}")
        failed.append(
            f"FAILED: {report.loans_differing} of {report.loans_checked} loan(s) do not agree "
            "with the journal"
        )
    if report.loans_note:
        click.echo(f"note: {report.loans_note}", err=True)
    if failed:
        for line in failed:
            click.echo(line, err=True)
        raise SystemExit(1)
    head = "empty journal" if chain.last_entry_id is None else (
        f"head entry {chain.last_entry_id} hash {chain.last_hash}"
    )
    click.echo(f"ok: {chain.entries} entries balanced and chained; {head}")
    if checkpoints:
        click.echo(f"ok: {report.checkpoints_checked} checkpoint(s) signed and matching")
    if report.loans_checked is not None:
        accounts = report.loan_accounts
        click.echo(
            f"ok: {report.loans_checked} loan(s) agree with the journal "
            f"({accounts.principal}, {accounts.overpayment})"
        )


@ledger.command("checkpoint")
@database_url_option
def checkpoint_cmd(database_url: str | None) -> None:
    """Verify the journal, then sign and store a checkpoint of its head."""
    from lowlend.services.ledger_checkpoints import CheckpointError, create_checkpoint

    key = _signing_key()
    engine, uow = _unit_of_work(database_url)
    try:
        record = create_checkpoint(uow, key, dt.datetime.now(dt.UTC))
    except CheckpointError as exc:
        _fail(exc.message)
    except _database_errors() as exc:
        _fail(f"writing the checkpoint failed: {_database_message(exc)}")
    finally:
        engine.dispose()
    click.echo(
        f"checkpoint {record.id}: {record.entry_count} entries, last entry "
        f"{record.last_entry_id}, hash {record.last_hash}"
    )
    click.echo(f"public key: {record.public_key}")


@ledger.command("export-checkpoints")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None,
    help="Write to this file (default: standard output).",
)
@database_url_option
def export_cmd(output: str | None, database_url: str | None) -> None:
    """Print every signed checkpoint as JSON for an auditor (with the public keys)."""
    from lowlend.services.ledger_checkpoints import export_checkpoints

    engine, uow = _unit_of_work(database_url)
    try:
        with uow:
            document = export_checkpoints(uow.ledger.checkpoints())
    except _database_errors() as exc:
        _fail(f"reading the checkpoints failed: {_database_message(exc)}")
    finally:
        engine.dispose()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(document['checkpoints'])} checkpoint(s) to {output}")
    else:
        click.echo(text, nl=False)


COMMANDS: list[click.Command] = [ledger]
