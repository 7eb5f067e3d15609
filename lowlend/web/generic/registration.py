"""Boot-time registration of the generated admin (see the package text,
:mod:`lowlend.web.generic`): one FAB ``ModelView`` and one ``ModelRestApi`` per view code.
"""


from __future__ import annotations

import logging
from typing import Any

from lowlend.web.backend import WebBackend
from lowlend.web.fab import current_flask_app
from lowlend.web.generic.extension import EXTENSION_KEY

log = logging.getLogger(__name__)

__all__ = ["RELATED_VIEWS", "descriptors", "register"]

#: parent code → codes shown as tabs on its show page (need an ORM relationship)
RELATED_VIEWS: dict[str, tuple[str, ...]] = {"loans": ("installments",)}


def descriptors(registry: Any, backend: WebBackend) -> list[Any]:
    """Descriptors of the core entities (mapped classes of ``backend.models``) and of the
    registry's config entities (tables of ``backend.entities``)."""
    from lowlend.web import registry_hooks
    from lowlend.web.generic.core_entities import core_descriptors
    from lowlend.web.generic.entities import config_descriptor

    out = core_descriptors(backend.models)
    taken = {d.code for d in out}
    entities = getattr(registry, "entities", None) or {}
    for code in sorted(entities):
        spec = entities[code]
        if code in taken:
            log.warning("lowlend: config entity %r clashes with a built-in view; skipped", code)
            continue
        try:
            model = backend.entities.model_for(spec)
        except Exception:
            log.exception("lowlend: cannot build the table of entity %r; skipped", code)
            continue
        out.append(config_descriptor(spec, model, registry_hooks.current_registry))
        taken.add(code)
    return out


def _ensure_tables(app: Any, backend: WebBackend, models: list[type]) -> bool:
    try:
        with app.app_context():
            backend.entities.ensure(models)
        return True
    except Exception as exc:
        log.warning("lowlend: entity tables not ensured yet (%s); retrying on first request", exc)
        return False


def register(appbuilder: Any, registry: Any, backend: WebBackend) -> None:
    """Register the generated views and APIs (boot only)."""

    from lowlend.web.generic.api import GenericModelApi, make_api
    from lowlend.web.generic.applications import ApplicationsView
    from lowlend.web.generic.applications_api import ApplicationsApi
    from lowlend.web.generic.approval_tasks import ApprovalTasksView
    from lowlend.web.generic.lending_records import CreditLinesView, LoansView
    from lowlend.web.generic.views import GenericModelView, make_view

    special_views: dict[str, type[GenericModelView]] = {
        "applications": ApplicationsView,  # the form is the product's
        "approval_tasks": ApprovalTasksView,  # bulk approve
        "loans": LoansView,  # contract documents
        "credit_lines": CreditLinesView,  # draws
    }

    app = current_flask_app()
    descs = descriptors(registry, backend)
    config_models = [d.model for d in descs if d.config_entity]
    state: dict[str, Any] = {
        "tables_ok": _ensure_tables(app, backend, config_models) if config_models else True
    }

    view_classes = {}
    for desc in descs:
        view_base = special_views.get(desc.code, GenericModelView)
        view_classes[desc.code] = make_view(desc, base=view_base)
    # tabs on the show page: records that belong to the shown one (FAB related views)
    for parent, children in RELATED_VIEWS.items():
        if parent in view_classes:
            view_classes[parent].related_views = [
                view_classes[c] for c in children if c in view_classes
            ]
    for desc in descs:
        api_base = ApplicationsApi if desc.code == "applications" else GenericModelApi
        appbuilder.add_view_no_menu(view_classes[desc.code])
        appbuilder.add_api(make_api(desc, base=api_base))

    app.extensions[EXTENSION_KEY] = {d.code: d for d in descs}
    # Config entities come from the registry read at boot: an app built before the first
    # publish (fresh `lowlend run`) must be rebuilt after publishing to show them.
    app.extensions[EXTENSION_KEY + "_without_registry"] = registry is None

    if not state["tables_ok"]:

        @app.before_request
        def _lowlend_entity_tables() -> None:
            if not state["tables_ok"]:
                state["tables_ok"] = _ensure_tables(app, backend, config_models)
