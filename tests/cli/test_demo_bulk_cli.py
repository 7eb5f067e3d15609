"""`lowlend demo --loans N` through the real CLI group takes the bulk path for a large N."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from lowlend.cli import _register, cli
from lowlend.persistence.demo_loader import loading


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in ("LOWLEND_DATABASE_URL", "LOWLEND_SECRET_KEY", "LOWLEND_MASTER_KEY", "LOWLEND_DEMO",
                 "LOWLEND_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOWLEND_INSTANCE_DIR", str(tmp_path / "instance"))
    _register()
    return CliRunner()


def test_demo_with_many_loans_loads_in_bulk_and_verifies(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "BULK_MIN_LOANS", 50)  # "many" for a quick test
    calls: list[int] = []
    bulk = loading.write_demo_in_bulk

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(int(kwargs["loans"]))  # type: ignore[call-overload]
        return bulk(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "write_demo_in_bulk", counting)
    first = runner.invoke(cli, ["demo", "--loans", "60"])
    assert first.exit_code == 0, first.output
    assert calls == [60]
    created = re.search(r"(\d+) loans \((\d+) installments, (\d+) transactions", first.output)
    assert created is not None and int(created.group(1)) >= 60, first.output
    with sqlite3.connect(tmp_path / "instance" / "lowlend.db") as conn:
        loans = conn.execute("select count(*) from loans").fetchone()[0]
        entries = conn.execute("select count(*) from journal_entries").fetchone()[0]
    assert loans == int(created.group(1)) and entries >= loans - 1

    verified = runner.invoke(cli, ["ledger", "verify"], env={
        "LOWLEND_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'lowlend.db'}",
        "LOWLEND_LEDGER_SIGNING_KEY": "", "LOWLEND_LEDGER_PUBLIC_KEY": "", "LOWLEND_DEMO": ""})
    assert verified.exit_code == 0, verified.output

    again = runner.invoke(cli, ["demo", "--loans", "60"])
    assert again.exit_code == 0, again.output
    assert "demo data set already loaded (seed 7, 60 loans)" in again.output
    with sqlite3.connect(tmp_path / "instance" / "lowlend.db") as conn:
        assert conn.execute("select count(*) from loans").fetchone()[0] == loans


def test_demo_refuses_a_negative_number_of_loans(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["demo", "--loans", "-3"])
    assert result.exit_code != 0
    assert "--loans" in result.output and "-3" in result.output
