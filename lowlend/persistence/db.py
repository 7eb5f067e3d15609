"""The unbound Flask-SQLAlchemy extension shared by the models and the app factory.

Created unbound (no app, no engine) so importing it has no side effects;
:func:`lowlend.app.create_app` binds it with ``db.init_app(app)``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_appbuilder import Model
from flask_sqlalchemy import SQLAlchemy

from lowlend.persistence.engine import enforce_sqlite_foreign_keys


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy whose SQLite engines enforce foreign keys, like the CLI's
    (:func:`lowlend.persistence.engine.make_engine`): without it a record still referred
    to could be deleted and a reference to a missing record stored."""

    def _make_engine(
        self, bind_key: str | None, options: dict[str, Any], app: Flask
    ) -> sa.engine.Engine:
        return enforce_sqlite_foreign_keys(super()._make_engine(bind_key, options, app))


db = _SQLAlchemy(model_class=Model)
