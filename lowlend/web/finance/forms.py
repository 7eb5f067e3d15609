"""The forms of the finance screens (Flask-WTF: CSRF token, errors per field).

The forms only carry and show the input; the use cases check it (amounts, dates, the
loan's state) and their errors are placed next to the fields
(:func:`lowlend.web.finance.common.place_error`).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from lowlend.web.finance.common import CHANNEL_LABELS, KIND_LABELS, TXN_TYPE_LABELS

__all__ = [
    "DisburseForm",
    "FundsForm",
    "ReasonForm",
    "RefundForm",
    "RepaymentForm",
    "new_key",
]


def _choices(labels: Any, codes: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(code, labels[code]) for code in codes]


def new_key() -> str:
    """A fresh idempotency key for one rendering of a form."""
    return f"web-{uuid.uuid4().hex}"


class DisburseForm(FlaskForm):
    value_date = StringField(_l("Value date"), render_kw={"type": "date"})
    amount = StringField(_l("Amount of this tranche"),
                         render_kw={"inputmode": "decimal", "maxlength": 20})
    channel = SelectField(_l("Channel"), choices=_choices(CHANNEL_LABELS, ("transfer", "cash", "gateway")),
                          validate_choice=False)
    reference = StringField(_l("Bank reference"), render_kw={"maxlength": 100})
    note = TextAreaField(_l("Note"), render_kw={"maxlength": 500, "rows": 2})
    card_number = StringField(_l("Bank card number"), render_kw={"maxlength": 30, "autocomplete": "off"})
    bank_code = StringField(_l("Bank code"), render_kw={"maxlength": 16})
    holder_name = StringField(_l("Account holder"), render_kw={"maxlength": 100})


class RepaymentForm(FlaskForm):
    loan = StringField(_l("Loan (number or contract number)"), render_kw={"maxlength": 50})
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal", "maxlength": 20})
    value_date = StringField(_l("Value date"), render_kw={"type": "date"})
    channel = SelectField(_l("Channel"), choices=_choices(CHANNEL_LABELS, ("transfer", "cash")),
                          validate_choice=False)
    kind = SelectField(
        _l("Kind"),
        choices=[*_choices(KIND_LABELS, ("repayment", "prepayment", "payoff")),
                 ("recovery", TXN_TYPE_LABELS["recovery"])],
        validate_choice=False,
    )
    reference = StringField(_l("Bank or receipt reference"), render_kw={"maxlength": 100})
    note = TextAreaField(_l("Note"), render_kw={"maxlength": 500, "rows": 2})
    key = HiddenField()


class RefundForm(FlaskForm):
    loan = StringField(_l("Loan (number or contract number)"), render_kw={"maxlength": 50})
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal", "maxlength": 20})
    reference = StringField(_l("Bank reference"), render_kw={"maxlength": 100})
    note = TextAreaField(_l("Note"), render_kw={"maxlength": 500, "rows": 2})


class FundsForm(FlaskForm):
    kind = SelectField(_l("Movement"), choices=[("deposit", _l("Deposit")),
                                                ("withdrawal", _l("Withdrawal"))],
                       validate_choice=False)
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal", "maxlength": 20})
    value_date = StringField(_l("Value date"), render_kw={"type": "date"})
    reference = StringField(_l("Bank reference"), render_kw={"maxlength": 100})
    note = TextAreaField(_l("Note"), render_kw={"maxlength": 500, "rows": 2})


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"maxlength": 500, "rows": 3})
