"""The finance screens: 放款管理 ``disbursements``, 还款登记 ``repayments``, 退款
``refunds`` (requests awaiting approval: reversals, refunds, write-offs), 委托资金
``entrusted_funds`` (entrusting parties' deposits, withdrawals and funds) and 会计分录
``journal`` (entries and the trial balance).

Each screen is a view registered at boot whose ``class_permission_name`` is its
built-in view code, so the menu entries of ``menus.yaml`` lead to it
(:func:`lowlend.web.menu.view_url`) and the permissions of ``roles.yaml`` (``can_<action>``
on the code) guard its pages. The screens call the use cases of
:mod:`lowlend.services.lending` and show their answers; they hold no money rules.
"""

from __future__ import annotations

from typing import Any

from lowlend.services.permissions import actions_for, permission_name

__all__ = ["register"]


def register(appbuilder: Any, registry: Any) -> None:
    """Add the finance screens (boot only).

    Their base permissions are their own actions plus every action ``roles.yaml`` grants
    on their code, so FAB's permission update never removes a configured grant.
    """
    from lowlend.web.finance.disbursements import DisbursementsView
    from lowlend.web.finance.entrusted_funds import EntrustedFundsView
    from lowlend.web.finance.journal import JournalView
    from lowlend.web.finance.refunds import RefundsView
    from lowlend.web.finance.repayments import RepaymentsView

    for cls in (DisbursementsView, RepaymentsView, RefundsView, EntrustedFundsView, JournalView):
        view = cls()
        code = str(view.class_permission_name)
        configured = (
            {permission_name(a) for a in actions_for(registry, code)} if registry is not None else set()
        )
        view.base_permissions = sorted(set(view.base_permissions or ()) | configured)
        appbuilder.add_view_no_menu(view)
