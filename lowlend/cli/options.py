"""Options shared by several commands."""

from __future__ import annotations

import click

config_dir_option = click.option(
    "--config-dir",
    envvar="LOWLEND_CONFIG_DIR",
    type=click.Path(file_okay=False),
    default=None,
    help="Configuration directory (default: product_configs/; env LOWLEND_CONFIG_DIR).",
)
