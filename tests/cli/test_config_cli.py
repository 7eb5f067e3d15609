"""``lowlend config ...`` through click's CliRunner, on a copy of the shipped configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lowlend.cli.config_cmd import config_group
from tests.config_fixtures import PRODUCT_FILE, PRODUCT_KEY, SHIPPED_RATE, ConfigCopy


@pytest.fixture
def seed(tmp_path: Path) -> ConfigCopy:
    return ConfigCopy.make(tmp_path)


def run(seed: ConfigCopy, *args: str, url: str | None = None) -> Result:
    workdir = seed.config.parent
    env = {
        "LOWLEND_DATABASE_URL": url or f"sqlite:///{workdir / 'instance' / 'lowlend.db'}",
        "LOWLEND_TEMPLATES_DIR": None,
    }
    context = {"config_dir": str(seed.config)}
    return CliRunner().invoke(config_group, list(args), obj=context, env=env)


def rate_diff_lines(old: str, new: str) -> tuple[str, str]:
    """The two lines a unified diff shows for a changed default rate."""
    prefix = '  annual_rate: {min: "0.080000", max: "0.180000", default: '
    return f'-{prefix}"{old}"}}', f'+{prefix}"{new}"}}'


def test_validate_ok_and_errors(seed: ConfigCopy) -> None:
    ok = run(seed, "validate")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith(f"OK: {seed.config} is valid (") and ok.stdout.count("\n") == 1
    unknown = seed.replace(PRODUCT_FILE, "overpayment: credit", "overpaymnet: credit")
    dangling = seed.replace(
        PRODUCT_FILE, "fee_schedule: consumer_standard", "fee_schedule: consumer_gold"
    )
    result = run(seed, "validate")
    assert result.exit_code == 1
    file = seed.path(PRODUCT_FILE)
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert lines[0] == f"{file}:{dangling}: fee_schedule: unknown fee schedule 'consumer_gold'"
    assert lines[1].startswith(f"{file}:{unknown}: overpaymnet: unknown key 'overpaymnet'")
    assert result.stderr == f"2 error(s) in {seed.config}\n"
    assert "Traceback" not in result.output


def test_validate_explicit_directory_and_missing_directory(seed: ConfigCopy) -> None:
    assert run(seed, "validate", str(seed.config)).exit_code == 0
    result = run(seed, "validate", str(seed.config.parent / "nope"))
    assert result.exit_code == 1 and "configuration directory not found" in result.stderr


def test_validate_unreadable_file_is_a_message(seed: ConfigCopy) -> None:
    seed.path(PRODUCT_FILE).write_bytes(b"code: \xff\xfe\n")
    result = run(seed, "validate")
    assert result.exit_code == 1 and result.stderr.startswith(
        "error: cannot read the configuration"
    )
    assert "Traceback" not in result.output


def test_publish_history_diff_rollback(seed: ConfigCopy, database_url: str) -> None:
    first = run(seed, "publish", "-m", "first", "--author", "alice", url=database_url)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("published version 1 ")
    again = run(seed, "publish", "--author", "alice", url=database_url)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged: version 1")

    seed.set_default_rate("0.160000")
    removed, added = rate_diff_lines(SHIPPED_RATE, "0.160000")
    pending = run(seed, "diff", url=database_url)
    assert pending.exit_code == 0
    assert (
        f"--- v1/{PRODUCT_KEY}" in pending.stdout and f"+++ working/{PRODUCT_KEY}" in pending.stdout
    )
    assert pending.stdout.splitlines().count(added) == 1
    assert run(seed, "publish", "--author", "bob", url=database_url).exit_code == 0
    between = run(seed, "diff", "1", "2", url=database_url)
    assert between.stdout.splitlines().count(removed) == 1
    assert between.stdout.splitlines().count(added) == 1
    assert [line for line in between.stdout.splitlines() if line.startswith("---")] == [
        f"--- v1/{PRODUCT_KEY}"
    ]

    history = run(seed, "history", url=database_url)
    lines = history.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("*    2") and "bob" in lines[1]
    rolled = run(seed, "rollback", "1", "--author", "carol", url=database_url)
    assert rolled.exit_code == 0 and "published version 3 (rollback to 1)" in rolled.stdout
    rows = json.loads(run(seed, "history", "--json", url=database_url).stdout)
    assert [(r["version"], r["current"]) for r in rows] == [(1, False), (2, False), (3, True)]
    assert [r["author"] for r in rows] == ["alice", "bob", "carol"]
    assert rows[2]["comment"] == "rollback to 1"
    assert rows[2]["content_hash"] == rows[0]["content_hash"] != rows[1]["content_hash"]


def test_publish_invalid_stores_nothing(seed: ConfigCopy) -> None:
    line = seed.replace(PRODUCT_FILE, "amortization: equal_installment", "amortization: balloon")
    result = run(seed, "publish")
    assert result.exit_code == 1
    first, *rest = result.stderr.splitlines()
    assert first.startswith(f"{seed.path(PRODUCT_FILE)}:{line}: amortization: ")
    assert rest == ["error: configuration is invalid (1 error)"]
    assert "Traceback" not in result.output
    assert "no version published yet" in run(seed, "history").stderr


def test_errors_are_messages_not_tracebacks(seed: ConfigCopy) -> None:
    assert run(seed, "publish").exit_code == 0
    unknown = run(seed, "rollback", "42")
    assert unknown.exit_code == 1 and unknown.stderr == "error: unknown config version 42\n"
    missing = run(seed, "import", str(seed.config.parent / "missing.yaml"))
    assert missing.exit_code == 1 and missing.stderr.startswith("error: cannot read")
    garbage = seed.config.parent / "garbage.yaml"
    garbage.write_text("files: [unclosed\n", encoding="utf-8")
    broken = run(seed, "import", str(garbage))
    assert broken.exit_code == 1 and "not a valid export file" in broken.stderr
    assert run(seed, "diff", "7", "8").exit_code == 1
    bad_db = run(seed, "history", url="postgresql+psycopg2://nobody@127.0.0.1:1/none")
    assert bad_db.exit_code == 1 and bad_db.stderr.startswith("error: database ")
    for result in (unknown, missing, broken, bad_db):
        assert "Traceback" not in result.output


def test_export_import_round_trip(seed: ConfigCopy) -> None:
    assert run(seed, "publish").exit_code == 0
    target = seed.config.parent / "bundle.yaml"
    exported = run(seed, "export", str(target))
    assert exported.exit_code == 0 and "exported version 1" in exported.stdout
    assert target.read_text(encoding="utf-8").startswith("format: lowlend-config-bundle")
    seed.set_default_rate("0.160000")
    assert run(seed, "publish").stdout.startswith("published version 2")
    imported = run(seed, "import", str(target), "--author", "dave")
    assert imported.exit_code == 0 and "published version 3" in imported.stdout
    rows = json.loads(run(seed, "history", "--json").stdout)
    assert rows[2]["content_hash"] == rows[0]["content_hash"] and rows[2]["author"] == "dave"
    json_target = seed.config.parent / "v2.json"
    assert run(seed, "export", str(json_target), "--version", "2").exit_code == 0
    document = json.loads(json_target.read_text(encoding="utf-8"))
    assert document["version"] == 2 and 'default: "0.160000"' in document["files"][PRODUCT_KEY]


def test_import_of_an_invalid_bundle_stores_nothing(seed: ConfigCopy) -> None:
    assert run(seed, "publish").exit_code == 0
    target = seed.config.parent / "bundle.json"
    assert run(seed, "export", str(target)).exit_code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    document["files"][PRODUCT_KEY] = document["files"][PRODUCT_KEY].replace(
        "fee_schedule: consumer_standard", "fee_schedule: consumer_gold"
    )
    target.write_text(json.dumps(document), encoding="utf-8")
    result = run(seed, "import", str(target))
    assert result.exit_code == 1
    assert f"{PRODUCT_KEY}:" in result.stderr and "unknown fee schedule 'consumer_gold'" in (
        result.stderr
    )
    assert len(json.loads(run(seed, "history", "--json").stdout)) == 1


def test_help_everywhere() -> None:
    commands = ["validate", "publish", "diff", "history", "rollback", "export", "import"]
    for command in [[], *([c] for c in commands)]:
        result = CliRunner().invoke(config_group, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_config_dir_option_of_the_main_group(seed: ConfigCopy) -> None:
    from lowlend.cli import _register, cli

    _register()
    result = CliRunner().invoke(
        cli,
        ["--config-dir", str(seed.config), "config", "validate"],
        env={"LOWLEND_TEMPLATES_DIR": None},
    )
    assert result.exit_code == 0, result.output
    assert str(seed.config) in result.stdout


def test_diff_of_a_version_against_the_working_directory(seed: ConfigCopy) -> None:
    nothing = run(seed, "diff")  # nothing published: everything is new
    assert nothing.stdout.startswith("--- /dev/null") and f"+++ working/{PRODUCT_KEY}" in (
        nothing.stdout
    )
    assert run(seed, "publish").exit_code == 0
    same = run(seed, "diff", "1")
    assert same.exit_code == 0 and same.stdout == "" and "no differences" in same.stderr
    seed.set_default_rate("0.160000")
    changed = run(seed, "diff", "1")
    assert f"+++ working/{PRODUCT_KEY}" in changed.stdout
    removed, added = rate_diff_lines(SHIPPED_RATE, "0.160000")
    assert removed in changed.stdout.splitlines() and added in changed.stdout.splitlines()
