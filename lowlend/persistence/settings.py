"""Where lowlend's data lives, read from the environment (mirrors ``config.py``).

One small helper so the CLI, the migration helper and tests agree on defaults:

* ``LOWLEND_DATABASE_URL`` — SQLAlchemy URL; default ``sqlite:///<instance>/lowlend.db``;
* ``LOWLEND_INSTANCE_DIR`` — instance folder; default ``instance/`` in the project folder
  (the folder holding ``config.py``), exactly as ``config.py`` and ``create_app`` do, so
  the command line and the web app share one embedded database;
* ``LOWLEND_CONFIG_DIR`` — configuration directory; default ``product_configs/`` in the
  project folder;
* ``LOWLEND_TEMPLATES_DIR`` — notification templates; default the
  ``notification_templates`` folder next to the configuration directory, else the
  project's.

Relative paths in the variables are taken from the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
"""The folder holding ``config.py``, ``product_configs/`` and ``notification_templates/``."""


def instance_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return the instance folder (``LOWLEND_INSTANCE_DIR`` or ``<project>/instance``)."""
    env = os.environ if environ is None else environ
    return Path(env.get("LOWLEND_INSTANCE_DIR") or PROJECT_DIR / "instance").resolve()


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """Return ``LOWLEND_DATABASE_URL`` or the embedded SQLite file in the instance folder.

    >>> database_url({"LOWLEND_DATABASE_URL": "postgresql://db/x"})
    'postgresql://db/x'
    >>> database_url({"LOWLEND_INSTANCE_DIR": "/srv/ll"})
    'sqlite:////srv/ll/lowlend.db'
    """
    env = os.environ if environ is None else environ
    url = env.get("LOWLEND_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{instance_dir(env) / 'lowlend.db'}"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return ``LOWLEND_CONFIG_DIR`` or ``<project>/product_configs``."""
    env = os.environ if environ is None else environ
    return Path(env.get("LOWLEND_CONFIG_DIR") or PROJECT_DIR / "product_configs").resolve()


def templates_dir(
    config_directory: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Return ``LOWLEND_TEMPLATES_DIR``, ``notification_templates`` next to the config dir,
    or the project's ``notification_templates``."""
    env = os.environ if environ is None else environ
    explicit = env.get("LOWLEND_TEMPLATES_DIR")
    if explicit:
        return Path(explicit).resolve()
    base = Path(config_directory) if config_directory is not None else config_dir(env)
    sibling = base.resolve().parent / "notification_templates"
    return sibling if sibling.is_dir() else PROJECT_DIR / "notification_templates"
