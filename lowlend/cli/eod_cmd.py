"""``lowlend eod``: close business dates (日终批处理), retry failed loans, list runs.

* ``lowlend eod --date D [--until D2] [--workers N | --celery]`` closes ``D`` (through
  ``D2``, in order) with a progress bar per date and prints each run's summary: per step
  the loans processed, changed, failed and the time taken; steps without a module yet
  are listed as ``not available``. ``--date`` defaults to the current business date.
  ``--workers N`` closes the partitions in N processes on this machine; ``--celery``
  sends them to the Celery workers (``LOWLEND_BROKER_URL``) and follows the run in the
  database.
* ``lowlend eod retry RUN_ID`` runs the failed loans of a run again.
* ``lowlend eod runs`` lists the latest runs.

Exit 1 with a message (``--lang``) on a date that may not be closed, an unknown run, no
published configuration or a database error; exit 2 when failed loans are left.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, NoReturn

import click

from lowlend.cli.db_cmd import database_url_option
from lowlend.persistence import settings

_worker_services: Any = None


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


def _services(database_url: str | None) -> Any:
    from lowlend.tasks.eod import services_for

    return services_for(database_url or settings.database_url())


def _init_worker(database_url: str) -> None:
    global _worker_services
    _worker_services = _services(database_url)


def _close_in_worker(partition_id: int) -> Any:
    from lowlend.services.eod.runner import close_partition

    return close_partition(_worker_services, partition_id)


def _pool(database_url: str, workers: int) -> Any:
    def run(_run: Any, ids: Sequence[int]) -> Iterable[Any]:
        if not ids:
            return
        import multiprocessing

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker, initargs=(database_url,)) as pool:
            for future in as_completed([pool.submit(_close_in_worker, pid) for pid in ids]):
                yield future.result()
    return run


def _celery(services: Any) -> Any:
    """Send the partitions to the Celery workers and follow them in the database."""
    import os

    from celery import Celery

    from lowlend.services.eod.runner import PartitionResult

    broker = os.environ.get("LOWLEND_BROKER_URL")
    if not broker:
        _fail("--celery needs LOWLEND_BROKER_URL (the Celery workers' broker)")
    client = Celery("lowlend-eod-cli", broker=broker, set_as_current=False)

    def run(eod_run: Any, ids: Sequence[int]) -> Iterable[Any]:
        from lowlend.tasks.eod import CLOSE_PARTITION_TASK

        if not ids:
            return
        run_id = eod_run.id
        for pid in ids:
            client.send_task(CLOSE_PARTITION_TASK, args=(run_id, pid, None))
        seen: set[int] = set()
        while len(seen) < len(ids):
            for p in services.store.partitions(run_id):
                if p.id in ids and p.id not in seen and p.status == "done":
                    seen.add(p.id)
                    yield PartitionResult(p.id, p.loans, p.closed, p.failed)
            time.sleep(0.5)
    return run


def _date(text: str, lang: str) -> dt.date:
    from lowlend.services.messages import message

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        _fail(message("eod_date_invalid", lang, value=text))


def _message(exc: Exception, lang: str) -> str:
    from lowlend.services.messages import message

    code = getattr(exc, "code", None)
    params = getattr(exc, "params", {})
    return message(code, lang, **params) if code else str(exc)


def _print_summary(summary: Any, lang: str) -> None:
    run = summary.run
    took = ""
    if run.started_at and run.finished_at:
        took = f" in {(run.finished_at - run.started_at).total_seconds():.1f} s"
    click.echo(f"run {run.id} {run.business_date}: {run.status}{took}; "
               f"{run.loans_total} loan(s) in {run.partitions} partition(s), "
               f"{summary.loans_closed} closed, {summary.open_failures} failed")
    for s in summary.steps:
        if s.status == "not_available":
            click.echo(f"  {s.step:<22} not available yet (no module): {s.loans} loan(s) not processed")
        elif s.status == "disabled":
            click.echo(f"  {s.step:<22} disabled")
        else:
            click.echo(f"  {s.step:<22} {s.loans:>8} loan(s) {s.changed:>8} changed "
                       f"{s.failures:>5} failed {s.duration_ms / 1000:>8.2f} s")
    if summary.open_failures:
        click.echo(f"  retry the failed loans with: lowlend eod retry {run.id}")


def _execute(action: Any, lang: str) -> list[Any]:
    import sqlalchemy.exc

    from lowlend.domain.errors import DomainError
    from lowlend.services.config_store import ConfigStoreError

    try:
        return list(action())
    except DomainError as exc:
        _fail(_message(exc, lang))
    except ConfigStoreError as exc:
        _fail(f"the published configuration does not load: {exc}")
    except (sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        _fail(f"database error: {text[0] if text else type(exc).__name__}")


class _Progress:
    """One click progress bar per run."""

    def __init__(self) -> None:
        self.bar: Any = None

    def plan(self, run: Any, todo: int) -> None:
        self.done()
        click.echo(f"closing {run.business_date} (run {run.id}): {todo} partition(s) to run",
                   err=True)
        self.bar = click.progressbar(length=max(todo, 1), label=str(run.business_date),
                                     file=sys.stderr)
        self.bar.__enter__()
        if todo == 0:
            self.bar.update(1)

    def partition(self, _result: Any) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


_LANG = click.option("--lang", type=click.Choice(["en", "zh_CN"]), default="en",
                     show_default=True, help="Language of the messages.")


@click.group("eod", invoke_without_command=True)
@click.option("--date", "first", metavar="YYYY-MM-DD", default=None,
              help="Business date to close (default: the current business date).")
@click.option("--until", metavar="YYYY-MM-DD", default=None,
              help="Close every date from --date through this one, in order.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Close the partitions in N processes on this machine.")
@click.option("--celery", "use_celery", is_flag=True,
              help="Send the partitions to the Celery workers (LOWLEND_BROKER_URL).")
@_LANG
@database_url_option
@click.pass_context
def eod(ctx: click.Context, first: str | None, until: str | None,
        workers: int | None, use_celery: bool, lang: str, database_url: str | None) -> None:
    """Close business dates: the ordered steps of eod.yaml over every open loan
    (日终批处理). Re-running a closed date changes nothing; a killed run is resumed."""
    if ctx.invoked_subcommand is not None:
        return
    if workers and use_celery:
        _fail("choose --workers or --celery, not both")
    from lowlend.services.business_date import current_business_date
    from lowlend.services.eod.runner import run_eod

    url = database_url or settings.database_url()
    services = _services(url)
    start = _date(first, lang) if first else _execute(
        lambda: [current_business_date(services.store, services.settings.start)], lang)[0]
    end = _date(until, lang) if until else None
    executor = (_pool(url, workers) if workers else
                _celery(services) if use_celery else None)
    progress = _Progress()
    try:
        summaries = _execute(lambda: run_eod(
            services, start, end, executor=executor,
            mode="celery" if use_celery else ("workers" if workers else "in_process"),
            started_by="cli", on_plan=progress.plan, on_partition=progress.partition), lang)
    finally:
        progress.done()
    for summary in summaries:
        _print_summary(summary, lang)
    if any(s.open_failures for s in summaries):
        raise SystemExit(2)


@eod.command("retry")
@click.argument("run_id", type=int)
@_LANG
@database_url_option
def retry_cmd(run_id: int, lang: str, database_url: str | None) -> None:
    """Run the failed loans of run RUN_ID again."""
    from lowlend.services.eod.runner import retry_run

    services = _services(database_url)
    progress = _Progress()
    try:
        [summary] = _execute(lambda: [retry_run(services, run_id, on_plan=progress.plan,
                                                on_partition=progress.partition)], lang)
    finally:
        progress.done()
    _print_summary(summary, lang)
    if summary.open_failures:
        raise SystemExit(2)


@eod.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@database_url_option
def runs_cmd(limit: int, database_url: str | None) -> None:
    """List the latest runs (business date, status, loans, partitions)."""
    services = _services(database_url)
    for run in _execute(lambda: services.store.runs(limit), "en"):
        click.echo(f"{run.id:>6} {run.business_date} {run.status:<24} {run.loans_total:>9} loan(s) "
                   f"{run.partitions:>6} partition(s) {run.mode}")


COMMANDS: list[click.Command] = [eod]
