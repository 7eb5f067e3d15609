"""``lowlend config ...``: validate the configuration and manage its published versions.

Thin commands: read the bundle (:func:`lowlend.spec.read_bundle`), validate it with
:func:`lowlend.spec.load_bundle` or call one use case of
:class:`lowlend.services.config_store.ConfigStore`, print the outcome. Errors are a
message on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from lowlend.persistence import settings
from lowlend.services.config_store import ConfigStore
from lowlend.spec import ConfigErrors, SpecRegistry, load_bundle, read_bundle

_HELP_DB = "SQLAlchemy database URL (env LOWLEND_DATABASE_URL; default: the instance SQLite file)."


def _default_author() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:
        return "unknown"


database_url_option = click.option(
    "--database-url",
    envvar="LOWLEND_DATABASE_URL",
    default=None,
    metavar="URL",
    help=_HELP_DB,
)
author_option = click.option(
    "--author",
    default=_default_author,
    show_default="$USER",
    help="Who publishes (recorded with the version).",
)
templates_option = click.option(
    "--templates-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Notification templates folder (default: notification_templates/ next to the "
    "config directory; env LOWLEND_TEMPLATES_DIR).",
)


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


def _config_dir(ctx: click.Context, directory: str | None = None) -> Path:
    chosen = directory or (ctx.obj or {}).get("config_dir")
    path = Path(chosen).resolve() if chosen else settings.config_dir()
    if not path.is_dir():
        _fail(f"{path}: configuration directory not found")
    return path


def _templates_dir(config_dir: Path, templates_dir: str | None) -> Path:
    return Path(templates_dir).resolve() if templates_dir else settings.templates_dir(config_dir)


def _read_bundle(config_dir: Path, templates_dir: Path) -> dict[str, str]:
    try:
        return read_bundle(config_dir, templates_dir)
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read the configuration: {exc}")


def _display_names(
    files: Mapping[str, str], config_dir: Path, templates_dir: Path
) -> dict[str, str]:
    """Bundle key -> the file path shown in error messages (relative to the cwd if possible)."""
    names: dict[str, str] = {}
    for key in files:
        prefix, _, rel = key.partition("/")
        path = (config_dir if prefix == "config" else templates_dir) / rel
        try:
            names[key] = str(path.relative_to(Path.cwd()))
        except ValueError:
            names[key] = str(path)
    return names


def _bundle(
    ctx: click.Context, templates_dir: str | None, directory: str | None = None
) -> tuple[Path, dict[str, str], dict[str, str]]:
    """The config directory, its bundle, and the file names to show in error messages."""
    config_dir = _config_dir(ctx, directory)
    templates = _templates_dir(config_dir, templates_dir)
    files = _read_bundle(config_dir, templates)
    return config_dir, files, _display_names(files, config_dir, templates)


@contextmanager
def _store(
    database_url: str | None,
    validator: Callable[[Mapping[str, str]], SpecRegistry] | None = None,
) -> Iterator[ConfigStore]:
    """Yield a ConfigStore on the database (schema created or upgraded first)."""
    import sqlalchemy.exc

    from lowlend.persistence.wiring import open_config_store
    from lowlend.services.config_store import ConfigStoreError, InvalidConfig

    url = database_url or settings.database_url()
    try:
        with open_config_store(url, validator) as store:
            yield store
    except InvalidConfig as exc:
        for line in exc.errors:
            click.echo(line, err=True)
        _fail(str(exc))
    except ConfigStoreError as exc:
        _fail(str(exc))
    except sqlalchemy.exc.SQLAlchemyError as exc:
        _fail(f"database {_safe_url(url)}: {exc.__class__.__name__}: {_first_line(exc)}")
    except OSError as exc:
        _fail(str(exc))


def _safe_url(url: str) -> str:
    try:
        from sqlalchemy import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _short(content_hash: str) -> str:
    return content_hash[:12]


@click.group("config")
def config_group() -> None:
    """Validate the configuration and manage its published versions.

    Published versions are immutable and numbered 1, 2, 3...; one of them is
    current. Commands other than ``validate`` use LOWLEND_DATABASE_URL (default:
    the SQLite file in LOWLEND_INSTANCE_DIR) and create the schema if needed.
    """


@config_group.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@templates_option
@click.pass_context
def validate_cmd(ctx: click.Context, directory: str | None, templates_dir: str | None) -> None:
    """Validate all configuration in DIRECTORY (default: --config-dir / product_configs/).

    Prints every error on its own line as FILE:LINE: key.path: message and exits
    with 1; prints a one-line summary and exits with 0 when all is valid.
    """
    config_dir, files, names = _bundle(ctx, templates_dir, directory)
    try:
        registry = load_bundle(files, display_names=names)
    except ConfigErrors as exc:
        for error in exc.errors:
            click.echo(str(error))
        click.echo(f"{len(exc.errors)} error(s) in {config_dir}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"OK: {config_dir} is valid ({len(files)} files, hash {_short(registry.content_hash)})"
    )


@config_group.command("publish")
@click.option("-m", "--comment", default="", help="Why this version is published.")
@author_option
@templates_option
@database_url_option
@click.pass_context
def publish_cmd(
    ctx: click.Context,
    comment: str,
    author: str,
    templates_dir: str | None,
    database_url: str | None,
) -> None:
    """Validate the config directory and publish it as the new current version, then
    sync the roles' permissions to it (once, here: see :func:`_sync_permissions`).

    Nothing is stored when the configuration is invalid (exit 1) and nothing
    changes when it equals the current version.
    """
    config_dir, files, names = _bundle(ctx, templates_dir)
    with _store(database_url, functools.partial(load_bundle, display_names=names)) as store:
        result = store.publish(files, author, comment)
    version = result.version
    if result.created:
        click.echo(f"published version {version.number} (hash {_short(version.content_hash)})")
        _sync_permissions(database_url or settings.database_url(), config_dir)
    else:
        click.echo(f"unchanged: version {version.number} is current and has the same content")


def _sync_permissions(url: str, config_dir: Path) -> None:
    """Give the roles the permissions of the version just published (products' ``can_apply``,
    roles.yaml's grants), once, by the publishing process (ARCHITECTURE.md: web workers
    do not update permissions themselves; each still catches up on its next request).

    Needs the admin's tables (created when the admin first starts) and the app's secrets
    (``LOWLEND_SECRET_KEY`` / ``LOWLEND_MASTER_KEY``); without them it says so on stderr
    and leaves the sync to the admin.
    """
    import sqlalchemy as sa

    from lowlend.app import ConfigurationError, create_app
    from lowlend.cli.run_cmd import quiet_fab
    from lowlend.web.permission_sync import after_publish

    engine = sa.create_engine(url)
    try:
        has_admin = sa.inspect(engine).has_table("ab_permission_view")
    finally:
        engine.dispose()
    if not has_admin:
        click.echo("permissions: this database has no admin tables yet; they are synced "
                   "when the admin first starts", err=True)
        return
    quiet_fab()
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CONFIG_DIR": config_dir})
    except ConfigurationError as exc:
        click.echo(f"permissions not synced here ({exc}); each admin process syncs them on "
                   "its next request", err=True)
        return
    report = after_publish(app, None)
    click.echo(f"permissions synced: {len(report.added)} grant(s) added, "
               f"{len(report.removed)} removed, {len(report.roles_created)} role(s) created")


@config_group.command("diff")
@click.argument("version_a", required=False, type=int)
@click.argument("version_b", required=False, type=int)
@templates_option
@database_url_option
@click.pass_context
def diff_cmd(
    ctx: click.Context,
    version_a: int | None,
    version_b: int | None,
    templates_dir: str | None,
    database_url: str | None,
) -> None:
    """Show a unified diff, file by file.

    \b
    lowlend config diff          current version -> config directory
    lowlend config diff A        version A       -> config directory
    lowlend config diff A B      version A       -> version B
    """
    files = _bundle(ctx, templates_dir)[1] if version_b is None else None
    with _store(database_url) as store:
        if files is not None:
            text = store.diff_against(files, version_a)
        else:
            assert version_a is not None
            text = store.diff(version_a, version_b)
    if text:
        click.echo(text, nl=False)
    else:
        click.echo("no differences", err=True)


@config_group.command("history")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@database_url_option
def history_cmd(as_json: bool, database_url: str | None) -> None:
    """List the published versions, oldest first (* marks the current one)."""
    with _store(database_url) as store:
        versions = store.history()
        current = store.current()
    current_number = current.number if current is not None else None
    if as_json:
        rows = [
            {
                "version": v.number,
                "current": v.number == current_number,
                "status": v.status,
                "created_at": v.created_at.isoformat(),
                "author": v.author,
                "content_hash": v.content_hash,
                "comment": v.comment,
            }
            for v in versions
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not versions:
        click.echo("no version published yet", err=True)
        return
    for v in versions:
        marker = "*" if v.number == current_number else " "
        when = v.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{marker} {v.number:>4}  {when}  {v.author:<12}  {_short(v.content_hash)}  {v.comment}"
        )


@config_group.command("rollback")
@click.argument("version", type=int)
@author_option
@database_url_option
def rollback_cmd(version: int, author: str, database_url: str | None) -> None:
    """Make VERSION's content current again, as a new version ("rollback to VERSION")."""
    with _store(database_url) as store:
        result = store.rollback(version, author)
    if result.created:
        click.echo(f"published version {result.version.number} (rollback to {version})")
    else:
        click.echo(f"unchanged: version {result.version.number} already has that content")


@config_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--version", "number", type=int, default=None, help="Version (default: current).")
@database_url_option
def export_cmd(file: str, number: int | None, database_url: str | None) -> None:
    """Write a version (default: the current one) to FILE (.yaml/.yml: YAML, else JSON)."""
    with _store(database_url) as store:
        record = store.export(file, number)
    click.echo(f"exported version {record.number} to {file}")


@config_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-m", "--comment", default=None, help="Comment (default: 'import from FILE').")
@author_option
@database_url_option
def import_cmd(file: str, comment: str | None, author: str, database_url: str | None) -> None:
    """Validate the bundle in FILE (written by ``export``) and publish it."""
    with _store(database_url) as store:
        result = store.import_(file, author, comment)
    if result.created:
        click.echo(f"published version {result.version.number} from {file}")
    else:
        click.echo(f"unchanged: version {result.version.number} already has that content")


COMMANDS: list[click.Command] = [config_group]
