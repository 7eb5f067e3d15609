"""``lowlend db ...``: create or upgrade lowlend's database schema (Alembic, no Flask app)."""

from __future__ import annotations

from typing import NoReturn

import click

from lowlend.persistence import settings


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


database_url_option = click.option(
    "--database-url",
    envvar="LOWLEND_DATABASE_URL",
    default=None,
    metavar="URL",
    help="SQLAlchemy database URL (env LOWLEND_DATABASE_URL; default: the instance SQLite file).",
)


def _run(action: str, function: object, *args: object) -> object:
    import sqlalchemy.exc
    from alembic.util import CommandError

    try:
        return function(*args)  # type: ignore[operator]
    except (sqlalchemy.exc.SQLAlchemyError, CommandError, OSError) as exc:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        _fail(f"{action} failed: {text[0] if text else exc.__class__.__name__}")


@click.group("db")
def db_group() -> None:
    """Create or upgrade lowlend's database schema.

    Covers lowlend's own tables; Flask-AppBuilder creates its security tables
    itself when the web app starts.
    """


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@database_url_option
def upgrade_cmd(revision: str, database_url: str | None) -> None:
    """Create the schema on an empty database or upgrade it to REVISION."""
    from lowlend.persistence import migrate

    url = database_url or settings.database_url()
    _run("upgrade", migrate.upgrade, url, revision)
    click.echo(
        f"database at revision {_run('reading the revision', migrate.current_revision, url)}"
    )


@db_group.command("current")
@database_url_option
def current_cmd(database_url: str | None) -> None:
    """Print the schema revision of the database ("none" when never migrated)."""
    from lowlend.persistence import migrate

    url = database_url or settings.database_url()
    current = _run("reading the revision", migrate.current_revision, url)
    head = migrate.head_revision()
    state = "up to date" if current == head else f"head is {head}"
    click.echo(f"{current or 'none'} ({state})")


@db_group.command("downgrade")
@click.argument("revision")
@database_url_option
def downgrade_cmd(revision: str, database_url: str | None) -> None:
    """Downgrade the schema to REVISION ("base" drops lowlend's tables: data is lost)."""
    from lowlend.persistence import migrate

    url = database_url or settings.database_url()
    _run("downgrade", migrate.downgrade, url, revision)
    click.echo(
        f"database at revision {_run('reading the revision', migrate.current_revision, url) or 'none'}"
    )


COMMANDS: list[click.Command] = [db_group]
