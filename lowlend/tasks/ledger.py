"""Nightly journal verification: a Celery beat entry runs :func:`verify_ledger_nightly`
once a day (``LOWLEND_LEDGER_VERIFY_AT``, ``HH:MM`` in the Celery timezone — the app's
``BABEL_DEFAULT_TIMEZONE``, Asia/Shanghai by default —, default ``02:30``; ``off``
disables it).

The task runs the use case of ``lowlend ledger verify --checkpoints``
(:func:`lowlend.services.ledger_verify.verify_ledger`: balance and hash chain of every
entry, every signed checkpoint, every loan against the journal with the accounts of the
published configuration). When something does not hold it logs at ERROR level naming the
first bad entry, checkpoint or loan and records an alert: an ``audit_log`` row (entity
``ledger``, action ``verify_failed``, ``after`` = the report summary) that shows in the
audit-log screen. It returns the summary (:func:`lowlend.services.ledger_verify.report_summary`).

Checkpoints are checked against ``LOWLEND_LEDGER_PUBLIC_KEY`` (app config or environment)
when set, else against the key stored with each checkpoint.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy.orm import Session

__all__ = [
    "DEFAULT_VERIFY_AT",
    "NIGHTLY_VERIFY_TASK",
    "VERIFY_AT_SETTING",
    "nightly_schedule",
    "run_verification",
    "verify_ledger_nightly",
]

log = logging.getLogger(__name__)

NIGHTLY_VERIFY_TASK = "lowlend.ledger.verify_nightly"
VERIFY_AT_SETTING = "LOWLEND_LEDGER_VERIFY_AT"
DEFAULT_VERIFY_AT = "02:30"
AUDIT_ENTITY = "ledger"
AUDIT_ACTION = "verify_failed"
AUDIT_USER = "celery:ledger-verify"

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_OFF = frozenset({"off", "none", "disabled", "0", "false", "no"})


def nightly_schedule(config: Mapping[str, Any]) -> crontab | None:
    """The beat schedule of the verification: ``LOWLEND_LEDGER_VERIFY_AT`` from ``config``
    (the app config), else the environment, else :data:`DEFAULT_VERIFY_AT`; ``None`` when
    switched off.

    :raises ValueError: the setting is neither ``HH:MM`` nor ``off``.
    """
    raw = config.get(VERIFY_AT_SETTING)
    if raw is None:
        raw = os.environ.get(VERIFY_AT_SETTING)
    text = str(raw if raw is not None else DEFAULT_VERIFY_AT).strip()
    if text.lower() in _OFF:
        return None
    match = _TIME.match(text)
    if match is None:
        raise ValueError(
            f"{VERIFY_AT_SETTING}={text!r}: expected HH:MM (e.g. 02:30) or 'off'"
        )
    return crontab(hour=int(match.group(1)), minute=int(match.group(2)))


def _alert_subject(summary: Mapping[str, Any]) -> tuple[str, str]:
    """(audit entity id, one-line description) of the first problem of ``summary``."""
    if summary.get("error"):
        return "journal", f"verification did not run to the end: {summary['error']}"
    bad = summary.get("first_bad_entry")
    if bad:
        return str(bad["entry_id"]), (
            f"journal entry {bad['entry_id']}: {bad['reason']}: {bad['detail']}"
        )
    cp = summary.get("checkpoint_problem")
    if cp:
        return f"checkpoint {cp['checkpoint_id']}", (
            f"checkpoint {cp['checkpoint_id']}: {cp['reason']}: {cp['detail']}"
        )
    loan = summary.get("first_bad_loan")
    if loan:
        return f"loan {loan['loan_id']}", (
            f"loan {loan['loan_id']}: {loan['reason']}: {loan['detail']} "
            f"({summary.get('loans_differing')} of {summary.get('loans_checked')} loans differ)"
        )
    return "journal", "verification failed"


def _record_alert(session_factory: Callable[[], Session], entity_id: str,
                  summary: Mapping[str, Any]) -> int:
    from lowlend.persistence.audit import add_audit

    with session_factory() as session:
        row = add_audit(session, entity=AUDIT_ENTITY, entity_id=entity_id, action=AUDIT_ACTION,
                        before=None, after=dict(summary), username=AUDIT_USER)
        session.commit()
        return int(row.id)


def run_verification(
    session_factory: Callable[[], Session],
    current_registry: Callable[[], Any],
    *,
    trusted_keys: Collection[str] = (),
) -> dict[str, Any]:
    """Verify the journal (with checkpoints and loans), log, and record an alert on failure.

    :param current_registry: the published configuration's registry (raises
        ``NoPublishedConfig`` when there is none: the loans are then skipped with a note).
    :returns: the report summary, plus ``alert_id`` (the audit row) when it failed; a
        verification that could not run (database error, unloadable configuration) is a
        failure with ``error`` set.
    """
    from lowlend.persistence.ledger_repository import SqlLedgerRepository
    from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
    from lowlend.services.ledger_verify import report_summary, verify_ledger

    uow: Any = SqlAlchemyUnitOfWork(session_factory, {"ledger": SqlLedgerRepository})
    try:
        summary = report_summary(verify_ledger(
            uow, checkpoints=True, trusted_keys=trusted_keys, current_registry=current_registry
        ))
    except Exception as exc:  # the alert must be written whatever went wrong
        log.exception("ledger verification could not run")
        summary = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if summary.get("loans_note"):
        log.warning("ledger verification: %s", summary["loans_note"])
    if summary["ok"]:
        log.info(
            "ledger verification ok: %s entries, %s checkpoint(s), %s loan(s)",
            summary["entries"], summary["checkpoints_checked"], summary["loans_checked"],
        )
        return summary
    entity_id, message = _alert_subject(summary)
    log.error("ledger verification FAILED: %s", message)
    summary["message"] = message
    try:
        summary["alert_id"] = _record_alert(session_factory, entity_id, summary)
    except Exception:
        log.exception("ledger verification: the alert could not be recorded in the audit log")
        summary["alert_id"] = None
    return summary


@shared_task(name=NIGHTLY_VERIFY_TASK)  # type: ignore[untyped-decorator]
def verify_ledger_nightly() -> dict[str, Any]:
    """Verify the journal, checkpoints and loans of the app's database; returns the summary."""
    from flask import current_app
    from sqlalchemy.orm import sessionmaker

    from lowlend.persistence.db import db
    from lowlend.persistence.wiring import registry_provider
    from lowlend.web import registry_hooks

    sessions = sessionmaker(bind=db.engine, expire_on_commit=False)
    provider = registry_hooks.provider() or registry_provider(sessions)
    key = current_app.config.get("LOWLEND_LEDGER_PUBLIC_KEY") or os.environ.get(
        "LOWLEND_LEDGER_PUBLIC_KEY", ""
    )
    trusted = [key.strip()] if key and key.strip() else []
    return run_verification(sessions, provider.current, trusted_keys=trusted)
