"""Whether the signed-in user may see one record of a core entity (its data scope)."""

from __future__ import annotations

import sqlalchemy as sa

from lowlend.persistence.db import db
from lowlend.persistence.lending_models import CreditLine
from lowlend.persistence.models import Application, Customer, Loan
from lowlend.persistence.scope import count_in_scope
from lowlend.services.data_scope import scope_for
from lowlend.web import registry_hooks
from lowlend.web.user_context import current_principal

__all__ = ["record_visible"]

_MODELS = {
    "applications": Application,
    "customers": Customer,
    "loans": Loan,
    "credit_lines": CreditLine,
}


def record_visible(view: str, pk: int) -> bool:
    """``True`` when record ``pk`` of ``view`` exists within the user's data scope."""
    model = _MODELS[view]
    principal = current_principal()
    scope = scope_for(registry_hooks.current_registry(), principal, view)
    if scope is None:
        return False
    pk_column = sa.inspect(model).primary_key[0]
    return count_in_scope(db.session, model, scope, principal, where=[pk_column == pk]) > 0
