"""Sign-in state per user: ``user_auth_state`` (session/JWT version, account lockout).

``auth_version`` is raised on logout and password change (older sessions and JWTs are
refused); ``locked_until`` holds an account lockout after too many consecutive failed
sign-ins. ``user_id`` is ``ab_user.id`` without a database-level foreign key (see 0001).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_auth_state",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("auth_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_auth_state")
