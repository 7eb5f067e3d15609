"""The business date (营业日): the day new work is dated with.

The current business date is the day after the last closed end-of-day date (the newest
``eod_runs`` row that finished); before any end of day has run it is the configured
start date (``LOWLEND_BUSINESS_DATE_START``, ``YYYY-MM-DD``), else today's date.
Interest, overdue, penalties and classification are computed as of it, never as of the
wall clock (ARCHITECTURE.md, rule 8). The CLI, the Celery tasks and the web app all ask
:func:`current_business_date` through a :class:`BusinessDatePort`
(:class:`lowlend.persistence.eod_repository.SqlBusinessDates`).

Which dates an end-of-day run may close (:func:`check_eod_dates`): the next day to close
(or, re-run, the last closed one: a no-op), and through ``--until`` the days after it in
order, never a day after ``today + max_days_ahead`` (``LOWLEND_EOD_MAX_DAYS_AHEAD``,
default 0: a day is closed on or after itself).

>>> class Closed:
...     def __init__(self, d): self.d = d
...     def last_closed_date(self): return self.d
>>> current_business_date(Closed(date(2026, 3, 1)))
datetime.date(2026, 3, 2)
>>> current_business_date(Closed(None), start=date(2026, 1, 5))
datetime.date(2026, 1, 5)
>>> check_eod_dates(Closed(date(2026, 3, 1)), date(2026, 3, 5), today=date(2026, 3, 9))
Traceback (most recent call last):
...
lowlend.services.business_date.BusinessDateError: eod_date_skips_days (expected=2026-03-02, value=2026-03-05)
>>> check_eod_dates(Closed(date(2026, 3, 1)), date(2026, 3, 2), date(2026, 3, 4),
...                 today=date(2026, 3, 9))
[datetime.date(2026, 3, 2), datetime.date(2026, 3, 3), datetime.date(2026, 3, 4)]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from lowlend.domain.errors import DomainError

__all__ = [
    "MAX_DAYS_AHEAD_SETTING",
    "START_SETTING",
    "BusinessDateError",
    "BusinessDatePort",
    "BusinessDateSettings",
    "check_eod_dates",
    "current_business_date",
]

START_SETTING = "LOWLEND_BUSINESS_DATE_START"
MAX_DAYS_AHEAD_SETTING = "LOWLEND_EOD_MAX_DAYS_AHEAD"
_DAY = timedelta(days=1)


class BusinessDateError(DomainError):
    """A business date that cannot be used (message table ``eod``)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, None, **params)


class BusinessDatePort(Protocol):
    def last_closed_date(self) -> date | None:
        """The newest business date whose end-of-day run finished (``None``: none yet)."""
        ...


@dataclass(frozen=True, slots=True)
class BusinessDateSettings:
    """``start``: the first business date when no end of day has run (``None``: today);
    ``max_days_ahead``: how far after today a day may be closed."""

    start: date | None = None
    max_days_ahead: int = 0

    @classmethod
    def from_mapping(cls, *sources: Mapping[str, object]) -> BusinessDateSettings:
        """Read the settings from the first mapping that has each key (app config, then
        the environment by default).

        :raises BusinessDateError: ``business_date_start_invalid``.
        """
        chain = (*sources, os.environ) if sources else (os.environ,)

        def get(key: str) -> str | None:
            for src in chain:
                value = src.get(key)
                if value not in (None, ""):
                    return str(value).strip()
            return None

        raw = get(START_SETTING)
        try:
            start = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise BusinessDateError("business_date_start_invalid", value=raw) from None
        ahead = get(MAX_DAYS_AHEAD_SETTING)
        try:
            days = max(int(ahead), 0) if ahead else 0
        except ValueError:
            days = 0
        return cls(start, days)


def current_business_date(port: BusinessDatePort, start: date | None = None,
                          today: date | None = None) -> date:
    """The day after the last closed date; before any close, ``start`` or ``today``."""
    last = port.last_closed_date()
    if last is not None:
        return last + _DAY
    return start or today or date.today()


def check_eod_dates(port: BusinessDatePort, first: date, until: date | None = None, *,
                    start: date | None = None, today: date | None = None,
                    max_days_ahead: int = 0) -> list[date]:
    """The business dates an end-of-day run of ``first`` (through ``until``) closes, in order.

    ``first`` may be the current business date, or the last closed date (re-running it
    changes nothing: every loan is already closed for it, and a run killed before its end
    is resumed). Before any end of day, without a configured ``start``, the first close
    may be of any day up to the latest allowed one: the operator chooses where the books'
    end-of-day history begins.

    :raises BusinessDateError: ``eod_until_before_date``, ``eod_date_before_last_closed``,
        ``eod_date_skips_days``, ``eod_date_in_future``.
    """
    today = today or date.today()
    last = until or first
    if last < first:
        raise BusinessDateError("eod_until_before_date", value=last, date=first)
    closed = port.last_closed_date()
    if closed is not None or start is not None:
        expected = current_business_date(port, start, today)
        if closed is not None and first < closed:
            raise BusinessDateError("eod_date_before_last_closed", value=first,
                                    last_closed=closed)
        if first > expected:
            raise BusinessDateError("eod_date_skips_days", value=first, expected=expected)
        if closed is None and first < expected:
            raise BusinessDateError("eod_date_before_last_closed", value=first,
                                    last_closed=expected - _DAY)
    latest = today + timedelta(days=max_days_ahead)
    if last > latest:
        raise BusinessDateError("eod_date_in_future", value=last, latest=latest)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
