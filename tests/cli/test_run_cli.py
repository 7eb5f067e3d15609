"""`lowlend run --help` and `lowlend demo` (idempotent) through the real CLI group."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from lowlend.cli import _register, cli


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in ("LOWLEND_DATABASE_URL", "LOWLEND_SECRET_KEY", "LOWLEND_MASTER_KEY", "LOWLEND_DEMO",
                 "LOWLEND_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOWLEND_INSTANCE_DIR", str(tmp_path / "instance"))
    _register()
    return CliRunner()


def test_run_help(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["run", "--help"])
    assert result.exit_code == 0, result.output
    assert "--host" in result.output and "--port" in result.output
    assert "127.0.0.1" in result.output and "8080" in result.output


def test_demo_help(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["demo", "--help"])
    assert result.exit_code == 0
    assert "--loans" in result.output and "--seed" in result.output


def test_demo_is_idempotent(runner: CliRunner, tmp_path: Path) -> None:
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    for user in ("admin", "manager", "risk", "finance", "collector", "auditor"):
        assert f"{user}" in first.output
    assert "lowlend-demo" in first.output
    assert first.output.count("(new)") == 6

    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 0, second.output
    assert "(new)" not in second.output

    instance = tmp_path / "instance"
    assert (instance / "secret_key").is_file()
    with sqlite3.connect(instance / "lowlend.db") as conn:
        users = [row[0] for row in conn.execute("select username from ab_user order by id")]
    assert users == ["admin", "manager", "risk", "finance", "collector", "auditor"]


def test_run_without_demo_needs_the_secret_key(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["run", "--no-demo"])
    assert result.exit_code != 0
    assert "LOWLEND_SECRET_KEY" in result.output
