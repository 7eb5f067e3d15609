"""``flask db upgrade`` (Flask-Migrate) runs the same Alembic migrations as ``lowlend db upgrade``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_flask_db_upgrade_reaches_head(make_app: Callable[..., Any], database_url: str) -> None:
    from lowlend.persistence import migrate

    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    assert migrate.current_revision(database_url) is None
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.current_revision(database_url) == migrate.head_revision()
