"""Whether the signed-in user may see one record of a view (its data scope): a core entity
or a config-declared entity.

``scope_view`` names the view whose data scope applies when another screen shows the
records (the finance screen 委托资金 ``entrusted_funds`` shows entrusting parties under the
scope its roles have on ``entrusted_funds``)."""

from __future__ import annotations

from typing import Any

from lowlend.services.data_scope import scope_for
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.generic.extension import descriptors_of
from lowlend.web.user_context import current_principal

__all__ = ["record_visible", "view_model", "visible_condition"]

#: view code → mapped class name of the core entities checked here
_MODELS = {
    "applications": "Application",
    "customers": "Customer",
    "loans": "Loan",
    "credit_lines": "CreditLine",
}


def view_model(view: str) -> Any:
    """The mapped class of ``view``: a core entity's, the generated view's, else the
    published registry's entity of that code (an app built before its first publish).

    :raises KeyError: no such view or entity.
    """
    if view in _MODELS:
        return backend().model(_MODELS[view])
    desc = descriptors_of().get(view)
    if desc is not None:
        return desc.model
    registry = registry_hooks.current_registry()
    spec = (registry.entities if registry is not None else {}).get(view)
    if spec is None:
        raise KeyError(view)
    return backend().entities.model_for(spec)


def visible_condition(view: str, scope_view: str | None = None) -> Any:
    """The condition on ``view``'s rows of the user's data scope (of ``scope_view``, default
    ``view``): false without any scope."""
    principal = current_principal()
    scope = scope_for(registry_hooks.current_registry(), principal, scope_view or view)
    queries = backend().scope
    if scope is None:
        return queries.nothing()
    condition = queries.condition(view_model(view), scope, principal)
    return queries.everything() if condition is None else condition


def record_visible(view: str, pk: int, scope_view: str | None = None) -> bool:
    """``True`` when record ``pk`` of ``view`` exists within the user's data scope (of
    ``scope_view``, default ``view``)."""
    model = view_model(view)
    principal = current_principal()
    scope = scope_for(registry_hooks.current_registry(), principal, scope_view or view)
    return backend().scope.visible(model, pk, scope, principal)
