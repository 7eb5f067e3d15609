"""``lowlend db upgrade|current|downgrade``."""

from __future__ import annotations

from click.testing import CliRunner

from lowlend.cli.db_cmd import db_group
from lowlend.persistence import migrate


def test_upgrade_current_downgrade(database_url: str) -> None:
    runner = CliRunner()
    env = {"LOWLEND_DATABASE_URL": database_url}
    assert runner.invoke(db_group, ["current"], env=env).stdout.startswith("none")
    upgraded = runner.invoke(db_group, ["upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout == f"database at revision {migrate.head_revision()}\n"
    assert "up to date" in runner.invoke(db_group, ["current"], env=env).stdout
    assert runner.invoke(db_group, ["upgrade"], env=env).exit_code == 0  # idempotent
    down = runner.invoke(db_group, ["downgrade", "base"], env=env)
    assert down.exit_code == 0 and down.stdout == "database at revision none\n"


def test_default_url_is_the_instance_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"LOWLEND_INSTANCE_DIR": str(tmp_path / "inst"), "LOWLEND_DATABASE_URL": ""}
    result = CliRunner().invoke(db_group, ["upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inst" / "lowlend.db").is_file()


def test_unreachable_database_is_a_message() -> None:
    env = {"LOWLEND_DATABASE_URL": "postgresql+psycopg2://nobody@127.0.0.1:1/none"}
    result = CliRunner().invoke(db_group, ["upgrade"], env=env)
    assert result.exit_code == 1 and result.stderr.startswith("error: upgrade failed")
    assert "Traceback" not in result.output


def test_help() -> None:
    for args in ([], ["upgrade"], ["current"], ["downgrade"]):
        assert CliRunner().invoke(db_group, [*args, "--help"]).exit_code == 0
