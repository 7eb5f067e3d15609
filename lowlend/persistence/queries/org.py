"""Staff records and departments (:class:`~lowlend.services.admin_ports.OrgQueries`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from lowlend.persistence.models import Department, Staff
from lowlend.persistence.scope import scope_condition
from lowlend.services.ledger_balances import LoanScope

__all__ = ["SqlOrgQueries"]


class SqlOrgQueries:
    """:class:`~lowlend.services.admin_ports.OrgQueries` on ``session``."""

    def __init__(self, session: Session | scoped_session[Any]) -> None:
        self.session = session

    def staff_of(self, user_id: int) -> tuple[int, int | None] | None:
        """(staff id, department id) of a FAB user's staff record."""
        with self.session.no_autoflush:
            staff = self.session.query(Staff).filter(Staff.user_id == user_id).first()
        return None if staff is None else (staff.id, staff.department_id)

    def principal_row(
        self, session: Any, user_id: int
    ) -> tuple[int | None, int | None, str | None] | None:
        """(staff id, department id, department path) of a FAB user."""
        row = session.execute(
            sa.select(Staff.id, Staff.department_id, Department.path)
            .select_from(Staff)
            .outerjoin(Department, Department.id == Staff.department_id)
            .where(Staff.user_id == user_id)
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    def departments(self, scope: LoanScope) -> list[tuple[int, str, str]]:
        """(id, name, path) of the departments in the scope, by path."""
        stmt = sa.select(Department.id, Department.name, Department.path).order_by(Department.path)
        visible = scope_condition(Department, scope.scope, scope.principal)
        if visible is not None:
            stmt = stmt.where(visible)
        return [(int(i), str(n), str(p)) for i, n, p in self.session.execute(stmt)]

    def staff_names(self, ids: Iterable[int]) -> dict[int, str]:
        """Staff id → name."""
        wanted = list(ids)
        rows = self.session.execute(sa.select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))
        return {int(i): str(n) for i, n in rows.all()}
