"""Helpers for domain tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lowlend.domain.terms import LoanTerms


def D(x: str | int) -> Decimal:
    return Decimal(x)


def terms(amount: str = "10000.00", term: int = 12, rate: str = "0.18",
          start: date = date(2026, 1, 1), **kw: Any) -> LoanTerms:
    return LoanTerms(amount=Decimal(amount), term=term, annual_rate=Decimal(rate), start=start, **kw)


def rows(schedule: Any) -> list[tuple[str, str, str, str]]:
    """(due date, principal, interest, balance) strings of a schedule."""
    return [(str(r.due_date), str(r.principal), str(r.interest), str(r.balance))
            for r in schedule.installments]
