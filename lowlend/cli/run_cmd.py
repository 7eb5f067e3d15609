"""``lowlend run`` (development server, what ``make run`` calls) and ``lowlend demo``."""

from __future__ import annotations

import logging
from typing import Any

import click


class _DropMessages(logging.Filter):
    """Hide FAB start-up messages that only confuse in the demo ("No user yet created")."""

    def __init__(self, *fragments: str) -> None:
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(fragment in message for fragment in self.fragments)


def quiet_fab() -> None:
    """Silence Flask-AppBuilder's start-up noise (for the CLI)."""
    # "Filter type not supported for column: roles.name" at every start (FAB's own APIs)
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)
    sm_log = logging.getLogger("flask_appbuilder.security.manager")
    if not any(isinstance(f, _DropMessages) for f in sm_log.filters):
        sm_log.addFilter(_DropMessages("No user yet created"))


def _build_app(ctx: click.Context, demo: bool) -> Any:
    from lowlend.app import ConfigurationError, create_app

    quiet_fab()
    overrides: dict[str, Any] = {}
    config_dir = (ctx.find_root().obj or {}).get("config_dir")
    if config_dir:
        from pathlib import Path

        overrides["CONFIG_DIR"] = Path(config_dir).resolve()
    if demo:
        overrides["LOWLEND_DEMO"] = True
    try:
        return create_app(overrides)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def built_before_first_publish(app: Any) -> bool:
    """Whether ``app`` registered its generated views before any config was published."""
    from lowlend.web.generic.extension import EXTENSION_KEY

    return bool(app.extensions.get(EXTENSION_KEY + "_without_registry"))


def _print_logins(rows: list[tuple[str, str, bool]]) -> None:
    from lowlend.web.bootstrap import DEMO_PASSWORD

    click.echo("Demo logins (demo mode only) / 演示账号（仅限演示模式）:")
    for username, role, created in rows:
        note = " (new)" if created else ""
        click.echo(f"  {username:<10} / {DEMO_PASSWORD}   role: {role}{note}")


def _bootstrap(app: Any, loans: int | None, seed: int | None) -> dict[str, Any]:
    from lowlend.web.bootstrap import bootstrap_demo

    return bootstrap_demo(app, loans=loans, seed=seed)


@click.command("demo")
@click.option("--loans", type=click.IntRange(min=0), default=None, help="Synthetic portfolio size.")
@click.option("--seed", type=int, default=None, help="Random seed of the synthetic portfolio.")
@click.pass_context
def demo_command(ctx: click.Context, loans: int | None, seed: int | None) -> None:
    """Create or upgrade the schema, publish the shipped configuration on first start,
    create the demo roles/users and load the demo data set (idempotent)."""
    app = _build_app(ctx, demo=True)
    result = _bootstrap(app, loans, seed)
    click.echo(f"Database: {app.config['SQLALCHEMY_DATABASE_URI']} (schema via {result['schema']})")
    click.echo(f"Configuration: {result['config']}")
    click.echo(f"Demo data set: {result['demo_data']}")
    _print_logins(result["users"])


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Demo mode: embedded SQLite, generated secrets, demo users on first start. "
    "--no-demo needs LOWLEND_SECRET_KEY and an existing schema.",
)
@click.option("--debug/--no-debug", default=False, help="Flask debug mode (reloader off).")
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int, demo: bool, debug: bool) -> None:
    """Serve the admin UI with Flask's development server (threaded)."""
    app = _build_app(ctx, demo=demo)
    if demo:
        result = _bootstrap(app, None, None)
        click.echo(f"Configuration: {result['config']}")
        click.echo(f"Demo data set: {result['demo_data']}")
        _print_logins(result["users"])
        if built_before_first_publish(app):
            # config-declared entities are registered at boot: serve from an app
            # built now that the shipped configuration is published
            app = _build_app(ctx, demo=demo)
    click.echo(f"lowlend admin: http://{host}:{port}/   (health: http://{host}:{port}/health)")
    click.echo(f"Database: {app.config['SQLALCHEMY_DATABASE_URI']}")
    from lowlend.web.security_headers import DevRequestHandler

    # the handler's Server header says "lowlend", not Werkzeug's and Python's versions
    app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=False,
            request_handler=DevRequestHandler)


COMMANDS: list[click.Command] = [run_command, demo_command]
