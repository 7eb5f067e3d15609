"""Organisation tree helpers: materialised department paths ("/1/4/") and subtree scoping.

A new department gets its ``path`` right after its INSERT (mapper event in
:mod:`lowlend.persistence.models`). Moving
a department rewrites the paths of its whole subtree in one UPDATE
(:func:`move_department`). Data scoping ("my department and below") is one indexed
prefix query: :func:`in_subtree`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.attributes import set_committed_value

from lowlend.persistence.models import Department

_departments = Department.__table__


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subtree_paths_condition(path_column: Any, department_path: str) -> sa.ColumnElement[bool]:
    """SQL condition: ``path_column`` lies in the subtree rooted at ``department_path``."""
    condition: sa.ColumnElement[bool] = path_column.like(
        _escape_like(department_path) + "%", escape="\\"
    )
    return condition


def in_subtree(
    department_id_column: InstrumentedAttribute[Any] | sa.ColumnElement[Any], department_path: str
) -> sa.ColumnElement[bool]:
    """SQL condition: the record's department is in the subtree at ``department_path``.

    ``select(Loan).where(in_subtree(Loan.department_id, user_department.path))``
    """
    subtree = sa.select(_departments.c.id).where(
        subtree_paths_condition(_departments.c.path, department_path)
    )
    return department_id_column.in_(subtree)


def move_department(
    session: Session, department: Department, new_parent: Department | None
) -> None:
    """Re-parent ``department`` and rewrite the paths of its subtree (no commit).

    :raises ValueError: when ``new_parent`` lies inside ``department``'s subtree.
    """
    session.flush()
    old_path = department.path
    if new_parent is not None and new_parent.path.startswith(old_path):
        raise ValueError("a department cannot move below itself")
    new_path = f"{new_parent.path if new_parent is not None else '/'}{department.id}/"
    department.parent = new_parent
    session.flush()
    session.execute(
        sa.update(_departments)
        .where(subtree_paths_condition(_departments.c.path, old_path))
        .values(path=sa.literal(new_path) + sa.func.substr(_departments.c.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    for obj in session.identity_map.values():
        if isinstance(obj, Department) and obj.path.startswith(old_path):
            set_committed_value(obj, "path", new_path + obj.path[len(old_path) :])
