"""``lowlend eod``: closes dates with a progress bar and a summary, runs in worker
processes, refuses bad input with exit 1, retries failed loans; killed mid-run on
PostgreSQL and started again, it ends in the state of an uninterrupted run."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from lowlend.cli import _register, cli
from lowlend.persistence.eod_models import EodRunPartition
from lowlend.persistence.models import Loan
from tests.services.eod.helpers import START, checksums, disbursed_loan, published_world
from tests.services.money.world import World

DAY = dt.timedelta(days=1)
REPO = Path(__file__).resolve().parents[2]


def _invoke(url: str, *args: str) -> object:
    _register()
    env = {"LOWLEND_DATABASE_URL": url, "LOWLEND_BUSINESS_DATE_START": START.isoformat(),
           "LOWLEND_EOD_MAX_DAYS_AHEAD": "0"}
    return CliRunner().invoke(cli, ["eod", *args], env=env, catch_exceptions=False)


def _portfolio(url: str, loans: int = 6, partition_size: int | None = None) -> World:
    world = published_world(url, partition_size)
    products = ["consumer_emi", "installment_flat", "business_equal_principal"]
    for i in range(loans):
        disbursed_loan(world, products[i % len(products)])
    return world


@pytest.fixture
def portfolio(database_url: str) -> World:
    w = _portfolio(database_url)
    yield w
    w.engine.dispose()


def test_eod_closes_dates_and_prints_a_summary(portfolio: World, database_url: str) -> None:
    result = _invoke(database_url, "--date", START.isoformat(), "--until",
                     (START + 2 * DAY).isoformat())
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert len(re.findall(r"^run \d+ 2025-06-0[234]: completed in [\d.]+ s; 6 loan\(s\) in 1 "
                          r"partition\(s\), 6 closed, 0 failed$", out, re.M)) == 3
    assert "mark_overdue" in out and "classify" in out
    assert "early_warning          not available yet" in out
    assert "closing 2025-06-02 (run 1): 1 partition(s) to run" in result.stderr
    with portfolio.engine.connect() as c:
        assert set(c.execute(sa.select(Loan.__table__.c.last_closed_business_date)).scalars()) == {
            START + 2 * DAY}
    again = _invoke(database_url, "--date", (START + 2 * DAY).isoformat())
    assert again.exit_code == 0 and "0 partition(s) to run" in again.stderr
    runs = _invoke(database_url, "runs")
    assert runs.stdout.count("completed") == 3


@pytest.mark.parametrize("args,needle", [
    (["--date", "2025-13-01"], "2025-13-01 is not a date (YYYY-MM-DD)."),
    (["--date", "2025-06-09"], "skips unclosed business days: the next day to close is 2025-06-02"),
    (["--date", "2099-01-01", "--lang", "zh_CN"], "跳过了未日终的营业日"),
    (["--date", "2025-06-02", "--until", "2025-06-01"], "--until 2025-06-01 is before --date 2025-06-02."),
    (["retry", "99"], "End-of-day run 99 does not exist."),
])
def test_bad_input_exits_1_with_a_message(portfolio: World, database_url: str,
                                          args: list[str], needle: str) -> None:
    result = _invoke(database_url, *args)
    assert result.exit_code == 1
    assert needle in result.stderr
    assert "Traceback" not in result.output


def test_a_date_in_the_future_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    _portfolio(url, 1).engine.dispose()
    _register()
    tomorrow = dt.date.today() + DAY
    result = CliRunner().invoke(cli, ["eod", "--date", tomorrow.isoformat()],
                                env={"LOWLEND_DATABASE_URL": url,
                                     "LOWLEND_BUSINESS_DATE_START": tomorrow.isoformat()})
    assert result.exit_code == 1
    assert f"{tomorrow} is in the future" in result.stderr


def test_workers_give_the_in_process_result(tmp_path: Path) -> None:
    urls = {}
    for name in ("one", "two"):
        urls[name] = f"sqlite:///{tmp_path / name}.db"
        _portfolio(urls[name], 9, partition_size=3).engine.dispose()  # 3 partitions
    end = (START + 5 * DAY).isoformat()
    assert _invoke(urls["one"], "--date", START.isoformat(), "--until", end).exit_code == 0
    r = _invoke(urls["two"], "--date", START.isoformat(), "--until", end, "--workers", "2")
    assert r.exit_code == 0, r.output
    one, two = (sa.create_engine(u) for u in urls.values())
    assert checksums(one) == checksums(two)
    one.dispose()
    two.dispose()


def _partitions_closed(engine: sa.Engine) -> int:
    t = EodRunPartition.__table__
    with engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(t)
                             .where(t.c.status != "pending")).scalar_one())


def test_killed_run_resumed_ends_as_an_uninterrupted_run(tmp_path: Path) -> None:
    """PostgreSQL: ``lowlend eod`` in a subprocess is killed (SIGKILL) once its first
    partition has committed, run again, and compared with an uninterrupted run of the
    same portfolio in another schema."""
    from tests.conftest import _fresh_pg_schema

    with _fresh_pg_schema() as killed_url, _fresh_pg_schema() as clean_url:
        worlds = {}
        for name, url in (("killed", killed_url), ("clean", clean_url)):
            # small partitions: many commits to kill between
            worlds[name] = _portfolio(url, 40, partition_size=5)
        end = (START + 3 * DAY).isoformat()
        env = {**os.environ, "LOWLEND_DATABASE_URL": killed_url,
               "LOWLEND_BUSINESS_DATE_START": START.isoformat()}
        cmd = [str(Path(sys.executable).with_name("lowlend")), "eod", "--date",
               START.isoformat(), "--until", end]
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _partitions_closed(worlds["killed"].engine) < 1:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        closed_at_kill = _partitions_closed(worlds["killed"].engine)
        assert 1 <= closed_at_kill < 4 * 8  # 4 dates of 8 partitions: killed mid-run
        resumed = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr
        clean_env = {**env, "LOWLEND_DATABASE_URL": clean_url}
        clean = subprocess.run(cmd, env=clean_env, cwd=REPO, capture_output=True, text=True)
        assert clean.returncode == 0, clean.stderr
        assert checksums(worlds["killed"].engine) == checksums(worlds["clean"].engine)
        for w in worlds.values():
            w.engine.dispose()
