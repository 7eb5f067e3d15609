"""The dashboard's counts (:class:`~lowlend.services.admin_ports.DashboardQueries`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from lowlend.domain.conventions import DataScope
from lowlend.persistence.models import Application, Installment, Loan
from lowlend.persistence.scope import count_in_scope
from lowlend.services import dashboard
from lowlend.services.data_scope import Principal

__all__ = ["SqlDashboardQueries"]

log = logging.getLogger(__name__)


class SqlDashboardQueries:
    """Counts of the to-do tiles on ``session``; ``mapped`` lists the mapped classes and
    ``engine`` gives the engine (optional tiles count only where their table exists)."""

    def __init__(
        self,
        session: Session | scoped_session[Any],
        mapped: Callable[[], Sequence[Any]],
        engine: Callable[[], sa.Engine],
    ) -> None:
        self.session = session
        self._mapped = mapped
        self._engine = engine

    def last_closed_business_date(self) -> dt.date | None:
        """``max(loans.last_closed_business_date)``."""
        value = self.session.execute(sa.select(sa.func.max(Loan.last_closed_business_date))).scalar()
        return value  # type: ignore[no-any-return]

    def tile_model(self, code: str, tables: Sequence[str]) -> Any | None:
        """A mapped class on one of ``tables`` whose table exists in the database."""
        if code == "applications_pending":
            return Application
        if code in ("loans_to_disburse", "loans_overdue"):
            return Loan
        if code in ("installments_due_soon", "installments_overdue"):
            return Installment
        for model in self._mapped():
            table = getattr(getattr(model, "__table__", None), "name", None)
            if isinstance(table, str) and table in tables:
                try:
                    if sa.inspect(self._engine()).has_table(table):
                        return model
                except SQLAlchemyError:
                    log.warning("lowlend: cannot tell whether table %s exists", table,
                                exc_info=True)
                    return None
        return None

    def count_tile(
        self,
        code: str,
        model: Any,
        scope: DataScope | None,
        principal: Principal,
        *,
        owner_field: str | None,
        today: dt.date,
        window: tuple[dt.date, dt.date],
    ) -> int:
        """The count of tile ``code`` (conditions of :mod:`lowlend.services.dashboard`)."""
        first, last = window
        unpaid = Installment.status.not_in(dashboard.PAID_STATUSES)
        where: list[Any]
        if code == "applications_pending":
            where = [Application.status.in_(dashboard.APPROVAL_STATUSES)]
        elif code == "loans_to_disburse":
            where = [Loan.status == "approved"]
        elif code == "loans_overdue":
            where = [Loan.status == "overdue"]
        elif code == "installments_due_soon":
            where = [Installment.due_date >= first, Installment.due_date <= last, unpaid]
        elif code == "installments_overdue":
            where = [sa.or_(Installment.status == "overdue",
                            sa.and_(Installment.due_date < today, unpaid))]
        else:  # optional tiles (collection cases, warnings): the open ones
            status = getattr(model, "status", None)
            where = [status.not_in(dashboard.CLOSED_CASE_STATUSES)] if status is not None else []
        return count_in_scope(
            self.session, model, scope, principal, where=where, owner_field=owner_field
        )
