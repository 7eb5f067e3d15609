"""Boot-time registration of the finance screens (see :mod:`lowlend.web.finance`)."""

from __future__ import annotations

from typing import Any

from lowlend.services.permissions import actions_for, permission_name
from lowlend.web.backend import WebBackend
from lowlend.web.finance.disbursements import DisbursementsView
from lowlend.web.finance.entrusted_funds import EntrustedFundsView
from lowlend.web.finance.journal import JournalView
from lowlend.web.finance.refunds import RefundsView
from lowlend.web.finance.repayments import RepaymentsView

__all__ = ["register"]


def register(appbuilder: Any, registry: Any, backend: WebBackend) -> None:
    """Add the finance screens (boot only).

    Their base permissions are their own actions plus every action ``roles.yaml`` grants
    on their code, so FAB's permission update never removes a configured grant.
    """
    for cls in (DisbursementsView, RepaymentsView, RefundsView, EntrustedFundsView, JournalView):
        view = cls()
        code = str(view.class_permission_name)
        configured = (
            {permission_name(a) for a in actions_for(registry, code)} if registry is not None else set()
        )
        # per instance: FAB reads the view's own list when it registers it
        view.base_permissions = sorted(  # type: ignore[misc]
            set(view.base_permissions or ()) | configured
        )
        appbuilder.add_view_no_menu(view)
