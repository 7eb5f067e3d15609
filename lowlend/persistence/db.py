"""The unbound Flask-SQLAlchemy extension shared by the models and the app factory.

Created unbound (no app, no engine) so importing it has no side effects;
:func:`lowlend.app.create_app` binds it with ``db.init_app(app)``.
"""

from __future__ import annotations

from flask_appbuilder import Model
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy(model_class=Model)
