"""The composition root hands each app its own persistence side (``WebBackend``).

``create_app`` builds the app's backend once (:mod:`lowlend.web.composition`); the
registrars receive it, so the generated views work on the mapped classes it carries, and
the rest of the web layer reaches the database only through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lowlend.web.backend import WebBackend, backend, backend_of


def test_an_app_not_built_by_create_app_has_no_backend() -> None:
    with pytest.raises(RuntimeError, match="no backend"):
        backend_of(Flask("elsewhere"))


def test_each_app_has_its_own_backend_and_its_views_use_its_classes(
    make_app: Callable[..., Any],
) -> None:
    from lowlend.web.generic.extension import descriptors_of

    first, second = make_app(), make_app()
    assert isinstance(backend_of(first), WebBackend)
    assert backend_of(first) is not backend_of(second)
    with first.app_context():
        found = backend()
        assert found is backend_of(first)
        views = descriptors_of()
        # the generated views got their mapped classes from the backend's models
        assert views["loans"].model is found.model("Loan")
        assert views["customers"].model is found.model("Customer")
        assert views["installments"].model is found.model("Installment")
    with pytest.raises(KeyError):
        backend_of(first).model("NoSuchModel")


def test_the_ports_answer_on_the_apps_database(make_app: Callable[..., Any]) -> None:
    """The adapters behind the ports really run: a database round trip, and an empty
    journal has no currencies and no loan to find."""
    from lowlend.domain.conventions import DataScope
    from lowlend.persistence.db import db
    from lowlend.services.data_scope import Principal
    from lowlend.services.ledger_balances import LoanScope

    app = make_app()
    with app.app_context():
        db.create_all()
        found = backend()
        found.records.ping()
        admin = Principal(user_id=1, username="admin", staff_id=None, department_id=None,
                          department_path=None, role_codes=frozenset({"admin"}), is_admin=True)
        everything = LoanScope(DataScope.ALL, admin)
        assert found.finance.currencies() == []
        assert found.finance.find_loan("1", everything) is None
        assert found.finance.loan_visible(1, everything) is False
        assert found.dashboard.last_closed_business_date() is None
