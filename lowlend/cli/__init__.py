"""The ``lowlend`` command line (console script ``lowlend = lowlend.cli:main``).

Every command is thin: parse input, call one service, map errors to a message and
an exit code. Sub-commands live in one module each.
"""

from __future__ import annotations

import click

from lowlend import __version__
from lowlend.cli.options import config_dir_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lowlend")
@config_dir_option
@click.pass_context
def cli(ctx: click.Context, config_dir: str | None) -> None:
    """lowlend — low-code micro-loan management platform (小额贷款管理平台).

    Environment: LOWLEND_DATABASE_URL, LOWLEND_BROKER_URL, LOWLEND_CONFIG_DIR,
    LOWLEND_SECRET_KEY, LOWLEND_MASTER_KEY, LOWLEND_INSTANCE_DIR (see README).
    """
    ctx.ensure_object(dict)
    ctx.obj["config_dir"] = config_dir


def _register() -> None:
    from lowlend.cli import (
        config_cmd,
        db_cmd,
        eod_cmd,
        ledger_cmd,
        ocr_cmd,
        quote_cmd,
        run_cmd,
    )

    for module in (config_cmd, db_cmd, quote_cmd, run_cmd, ocr_cmd, ledger_cmd, eod_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    _register()
    cli.main(args=argv, prog_name="lowlend")
