"""The Flask-WTF forms of the config screens (the CSRF token is checked on every POST)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

MAX_COMMENT = 500
"""Longest publish comment accepted."""


class EditForm(FlaskForm):
    """The YAML editor of one file: text, publish comment, version it was opened on."""

    content = TextAreaField()
    comment = StringField(validators=[Optional(), Length(max=MAX_COMMENT)])
    base = HiddenField()


class AddForm(EditForm):
    """The YAML editor of a new item: also its code (= file name)."""

    code = StringField(validators=[Optional(), Length(max=50)])


class RollbackForm(FlaskForm):
    """Confirmation of a rollback, with an optional comment."""

    comment = StringField(validators=[Optional(), Length(max=MAX_COMMENT)])
