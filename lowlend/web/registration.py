"""Boot-time registration of every view and REST API of the admin.

Flask refuses new blueprints after the first request, so every view/API is
registered here, once, at boot (see ARCHITECTURE.md, "Low-code engine facts").
:data:`REGISTRARS` lists, in order, the ``register(appbuilder, registry, backend)`` of
each part of the admin; ``registry`` is the published SpecRegistry, or ``None`` before
the first publish; ``backend`` the app's :class:`~lowlend.web.backend.WebBackend` (the
persistence side as interfaces, mapped classes included), from the composition root.
Every part is imported explicitly: a missing or broken module fails the boot instead of
silently dropping its screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from lowlend.web import registry_hooks
from lowlend.web.api.registration import register as register_apis
from lowlend.web.attachments.registration import register as register_attachments
from lowlend.web.backend import WebBackend
from lowlend.web.config_admin.registration import register as register_config_admin
from lowlend.web.finance.registration import register as register_finance
from lowlend.web.generic.registration import register as register_generic
from lowlend.web.reconciliation_views import register as register_reconciliation

log = logging.getLogger(__name__)

__all__ = ["REGISTRARS", "register_views"]

Registrar = Callable[[Any, Any, WebBackend], None]

#: (name, register) in registration order
REGISTRARS: tuple[tuple[str, Registrar], ...] = (
    ("generic", register_generic),  # generated CRUD views/APIs per view code
    ("api", register_apis),  # quote, OCR, lending and money use-case APIs and screens
    ("config_admin", register_config_admin),  # config screens: edit/validate/diff/publish
    ("attachments", register_attachments),  # GET /attachments/<id>, POST /api/v1/attachments/
    ("finance", register_finance),  # disbursements, repayments, refunds, journal, trial balance
    ("reconciliation", register_reconciliation),  # 对账: statements, matching, daily report
)


def register_views(appbuilder: Any, backend: WebBackend) -> list[str]:
    """Call every registrar of :data:`REGISTRARS` with the published registry and the
    app's backend; return their names."""
    registry = registry_hooks.current_registry()
    for _name, register in REGISTRARS:
        register(appbuilder, registry, backend)
    return [name for name, _register in REGISTRARS]
