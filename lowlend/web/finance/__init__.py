"""The finance screens: 放款管理 ``disbursements``, 还款登记 ``repayments``, 退款
``refunds`` (requests awaiting approval: reversals, refunds, write-offs), 委托资金
``entrusted_funds`` (entrusting parties' deposits, withdrawals and funds) and 会计分录
``journal`` (entries and the trial balance).

Each screen is a view registered at boot whose ``class_permission_name`` is its
built-in view code, so the menu entries of ``menus.yaml`` lead to it
(:func:`lowlend.web.menu.view_url`) and the permissions of ``roles.yaml`` (``can_<action>``
on the code) guard its pages. The screens call the use cases of
:mod:`lowlend.services.lending` and show their answers; they hold no money rules.
Registered at boot by :mod:`lowlend.web.finance.registration`; this ``__init__``
imports nothing.
"""
