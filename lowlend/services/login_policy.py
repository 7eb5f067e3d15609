"""Sign-in rules: account lockout and the throttling keys (pure: standard library only).

Two controls protect the password check (``/login/`` and ``POST /api/v1/security/login``):

* **Throttling** (Flask-Limiter, :mod:`lowlend.web.login_security`): failed attempts are
  counted per user name and client address (and per address alone); past the limit the
  answer is 429 with ``Retry-After``, whatever the password. :func:`throttle_key` and
  :func:`address_key` name the counters.
* **Lockout** (this module's rules, state in the database): after
  ``threshold`` consecutive failures of one account — from any number of addresses —
  the account is locked for ``duration``; while locked even the right password is
  refused. The lock ends by itself (the next attempt after it starts a fresh count) or
  when an administrator unlocks the account.

>>> policy = LockoutPolicy(threshold=10, duration=dt.timedelta(minutes=15))
>>> t0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
>>> policy.lock_after(9, t0) is None, policy.lock_after(10, t0)
(True, datetime.datetime(2026, 1, 1, 9, 15, tzinfo=datetime.timezone.utc))
>>> lock_status(t0 + dt.timedelta(minutes=15), t0 + dt.timedelta(minutes=14))
'locked'
>>> lock_status(t0 + dt.timedelta(minutes=15), t0 + dt.timedelta(minutes=15))
'expired'
>>> lock_status(None, t0)
'open'
>>> LockoutPolicy(threshold=0, duration=dt.timedelta(minutes=15)).lock_after(99, t0) is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "LockoutPolicy",
    "address_key",
    "aware",
    "lock_status",
    "minutes_until",
    "normalise_username",
    "throttle_key",
]

LockStatus = Literal["open", "locked", "expired"]


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """``moment`` with a time zone (a naive value is UTC, as SQLite hands them back).

    >>> aware(dt.datetime(2026, 1, 1, 9, 0))
    datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
    """
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class LockoutPolicy:
    """Lock an account for ``duration`` after ``threshold`` consecutive failures
    (``threshold`` 0: never lock)."""

    threshold: int
    duration: dt.timedelta

    def lock_after(self, consecutive_failures: int, now: dt.datetime) -> dt.datetime | None:
        """Until when the account is locked after this many consecutive failures
        (``None``: not locked)."""
        if self.threshold <= 0 or consecutive_failures < self.threshold:
            return None
        return now + self.duration


def lock_status(locked_until: dt.datetime | None, now: dt.datetime) -> LockStatus:
    """``open`` (no lock), ``locked`` (until a later moment) or ``expired``."""
    until = aware(locked_until)
    if until is None:
        return "open"
    return "locked" if now < until else "expired"


def minutes_until(moment: float, now: float) -> int:
    """Whole minutes (at least 1) from ``now`` to ``moment`` (both POSIX seconds).

    >>> minutes_until(1000.0, 1000.0), minutes_until(1061.0, 1000.0), minutes_until(1900.0, 1000.0)
    (1, 2, 15)
    """
    return max(1, math.ceil((moment - now) / 60))


def normalise_username(username: object) -> str:
    """The user name as the throttle counts it (trimmed, case-folded; FAB compares user
    names case-insensitively).

    >>> normalise_username("  Admin "), normalise_username(None)
    ('admin', '')
    """
    return str(username or "").strip().casefold()


def throttle_key(username: object, address: str) -> str:
    """Counter name of failures of one user name from one client address. The user name
    is hashed: any text may arrive there, the key stays short and printable.

    >>> throttle_key("Admin", "10.0.0.1") == throttle_key(" admin", "10.0.0.1")
    True
    >>> throttle_key("admin", "10.0.0.1") != throttle_key("admin", "10.0.0.2")
    True
    >>> throttle_key("admin", "10.0.0.1")
    'user:10.0.0.1:...'
    """
    digest = hashlib.sha256(normalise_username(username).encode("utf-8")).hexdigest()[:32]
    return f"user:{address}:{digest}"


def address_key(address: str) -> str:
    """Counter name of failures of any user name from one client address.

    >>> address_key("10.0.0.1")
    'addr:10.0.0.1'
    """
    return f"addr:{address}"
