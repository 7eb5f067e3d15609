"""Boot-time registration of the generic views/APIs (groundwork for the generated admin).

Flask refuses new blueprints after the first request, so every view/API is
registered here, once, at boot (see ARCHITECTURE.md, "Low-code engine facts").
Each module named in :data:`VIEW_MODULES` that exists must define
``register(appbuilder, registry)``; ``registry`` is the current SpecRegistry or
``None`` when no registry provider is available yet. Missing modules are skipped,
so the shell works before the generated admin exists.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from lowlend.web import registry_hooks

log = logging.getLogger(__name__)

VIEW_MODULES: tuple[str, ...] = (
    "lowlend.web.generic",  # generic CRUD views/APIs per entity kind (to be written)
    "lowlend.web.api",  # quote, applications, loans, repayments, GPS pings (to be written)
    "lowlend.web.config_admin",  # config screens: edit/validate/diff/publish, versions, rollback
    "lowlend.web.attachments",  # file fields: GET /attachments/<id>, POST /api/v1/attachments/
    "lowlend.web.finance",  # disbursements, repayments, refunds, journal and trial balance
    "lowlend.web.reconciliation_views",  # 对账: statements, matching, daily report
)


def register_views(appbuilder: Any) -> list[str]:
    """Call ``register(appbuilder, registry)`` of each available view module."""
    registry: Any = None
    loaded = False
    done: list[str] = []
    for name in VIEW_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        register = getattr(module, "register", None)
        if callable(register):
            if not loaded:  # read the published registry only when someone needs it
                registry, loaded = registry_hooks.current_registry(), True
            register(appbuilder, registry)
            done.append(name)
    return done
