"""``lowlend config ...`` through click's CliRunner (spec layer replaced by fakes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from spec_fakes import fake_load_bundle, fake_read_bundle

from lowlend.cli.config_cmd import config_group


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    config = tmp_path / "product_configs"
    (config / "products").mkdir(parents=True)
    (config / "products" / "cash.yaml").write_text("code: cash\nrate: 0.18\n", encoding="utf-8")
    templates = tmp_path / "notification_templates" / "due"
    templates.mkdir(parents=True)
    (templates / "sms.zh_CN.j2").write_text("还款日 {{ due_date }}\n", encoding="utf-8")
    return tmp_path


def run(workdir: Path, *args: str, url: str | None = None, **obj: Any) -> Result:
    context = {
        "config_dir": str(workdir / "product_configs"),
        "spec_read_bundle": fake_read_bundle,
        "spec_load_bundle": fake_load_bundle,
        **obj,
    }
    env = {"LOWLEND_DATABASE_URL": url or f"sqlite:///{workdir / 'instance' / 'lowlend.db'}"}
    return CliRunner().invoke(config_group, list(args), obj=context, env=env)


def test_validate_ok_and_errors(workdir: Path) -> None:
    ok = run(workdir, "validate")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("OK: ") and ok.stdout.count("\n") == 1
    bad = workdir / "product_configs" / "products" / "bad.yaml"
    bad.write_text("code: bad\nrate: INVALID\nterm: INVALID\n", encoding="utf-8")
    result = run(workdir, "validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "config/products/bad.yaml:2: products.x: invalid value",
        "config/products/bad.yaml:3: products.x: invalid value",
    ]
    assert "Traceback" not in result.output


def test_validate_explicit_directory_and_missing_directory(workdir: Path) -> None:
    assert run(workdir, "validate", str(workdir / "product_configs")).exit_code == 0
    result = run(workdir, "validate", str(workdir / "nope"))
    assert result.exit_code == 1 and "configuration directory not found" in result.stderr


def test_publish_history_diff_rollback(workdir: Path, database_url: str) -> None:
    first = run(workdir, "publish", "-m", "first", "--author", "alice", url=database_url)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("published version 1 ")
    again = run(workdir, "publish", "--author", "alice", url=database_url)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged: version 1")

    cash = workdir / "product_configs" / "products" / "cash.yaml"
    cash.write_text("code: cash\nrate: 0.24\n", encoding="utf-8")
    pending = run(workdir, "diff", url=database_url)
    assert pending.exit_code == 0
    assert "--- v1/config/products/cash.yaml" in pending.stdout and "+rate: 0.24" in pending.stdout
    assert run(workdir, "publish", "--author", "bob", url=database_url).exit_code == 0
    between = run(workdir, "diff", "1", "2", url=database_url)
    assert "-rate: 0.18" in between.stdout and "+rate: 0.24" in between.stdout

    history = run(workdir, "history", url=database_url)
    lines = history.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("*    2") and "bob" in lines[1]
    rolled = run(workdir, "rollback", "1", "--author", "carol", url=database_url)
    assert rolled.exit_code == 0 and "published version 3 (rollback to 1)" in rolled.stdout
    rows = json.loads(run(workdir, "history", "--json", url=database_url).stdout)
    assert [(r["version"], r["current"]) for r in rows] == [(1, False), (2, False), (3, True)]
    assert rows[2]["comment"] == "rollback to 1" and rows[2]["author"] == "carol"


def test_publish_invalid_stores_nothing(workdir: Path) -> None:
    bad = workdir / "product_configs" / "products" / "bad.yaml"
    bad.write_text("rate: INVALID\n", encoding="utf-8")
    result = run(workdir, "publish")
    assert result.exit_code == 1
    assert "config/products/bad.yaml:1: products.x: invalid value" in result.stderr
    assert "Traceback" not in result.output
    assert "no version published yet" in run(workdir, "history").stderr


def test_errors_are_messages_not_tracebacks(workdir: Path) -> None:
    assert run(workdir, "publish").exit_code == 0
    unknown = run(workdir, "rollback", "42")
    assert unknown.exit_code == 1 and unknown.stderr == "error: unknown config version 42\n"
    missing = run(workdir, "import", str(workdir / "missing.yaml"))
    assert missing.exit_code == 1 and missing.stderr.startswith("error: cannot read")
    garbage = workdir / "garbage.yaml"
    garbage.write_text("files: [unclosed\n", encoding="utf-8")
    broken = run(workdir, "import", str(garbage))
    assert broken.exit_code == 1 and "not a valid export file" in broken.stderr
    assert run(workdir, "diff", "7", "8").exit_code == 1
    bad_db = run(workdir, "history", url="postgresql+psycopg2://nobody@127.0.0.1:1/none")
    assert bad_db.exit_code == 1 and bad_db.stderr.startswith("error: database ")
    for result in (unknown, missing, broken, bad_db):
        assert "Traceback" not in result.output


def test_export_import_round_trip(workdir: Path) -> None:
    assert run(workdir, "publish").exit_code == 0
    target = workdir / "bundle.yaml"
    exported = run(workdir, "export", str(target))
    assert exported.exit_code == 0 and "exported version 1" in exported.stdout
    assert target.read_text(encoding="utf-8").startswith("format: lowlend-config-bundle")
    (workdir / "product_configs" / "products" / "cash.yaml").write_text("code: cash\n")
    assert run(workdir, "publish").stdout.startswith("published version 2")
    imported = run(workdir, "import", str(target), "--author", "dave")
    assert imported.exit_code == 0 and "published version 3" in imported.stdout
    json_target = workdir / "v2.json"
    assert run(workdir, "export", str(json_target), "--version", "2").exit_code == 0
    assert json.loads(json_target.read_text(encoding="utf-8"))["version"] == 2


def test_help_everywhere(workdir: Path) -> None:
    commands = ["validate", "publish", "diff", "history", "rollback", "export", "import"]
    for command in [[], *([c] for c in commands)]:
        result = CliRunner().invoke(config_group, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_config_dir_option_of_the_main_group(workdir: Path) -> None:
    from lowlend.cli import _register, cli

    _register()
    result = CliRunner().invoke(
        cli,
        ["--config-dir", str(workdir / "product_configs"), "config", "validate"],
        obj={"spec_read_bundle": fake_read_bundle, "spec_load_bundle": fake_load_bundle},
    )
    assert result.exit_code == 0, result.output
    assert str(workdir / "product_configs") in result.stdout


def test_diff_of_a_version_against_the_working_directory(workdir: Path) -> None:
    assert run(workdir, "diff").stdout.startswith("--- /dev/null")  # nothing published
    assert run(workdir, "publish").exit_code == 0
    same = run(workdir, "diff", "1")
    assert same.exit_code == 0 and same.stdout == "" and "no differences" in same.stderr
    (workdir / "product_configs" / "products" / "cash.yaml").write_text("code: cash\n")
    changed = run(workdir, "diff", "1")
    assert "+++ working/config/products/cash.yaml" in changed.stdout
    assert "-rate: 0.18" in changed.stdout
