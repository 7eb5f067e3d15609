"""Column types and defaults shared by every model module of lowlend's schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

__all__ = ["JSONType", "Money", "Rate", "utcnow", "zero"]

Money = sa.Numeric(18, 2)
"""Column type of money amounts (currency minor unit: two places)."""

Rate = sa.Numeric(9, 6)
"""Column type of rates as decimal fractions (``0.240000`` = 24 %)."""

JSONType = sa.JSON()
"""Portable JSON column type (``json`` on PostgreSQL, text on SQLite)."""


def utcnow() -> dt.datetime:
    """Now, in UTC (column default)."""
    return dt.datetime.now(dt.UTC)


def zero() -> Decimal:
    """``0.00`` (default of money columns)."""
    return Decimal("0.00")
