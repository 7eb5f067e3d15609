"""Placeholder: commands of this module are being written."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
