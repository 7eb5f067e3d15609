"""The message tables of each area, merged into one by :func:`merged_tables`.

Each module holds ``TABLE: {code: (en, zh_CN)}`` for its area, so areas grow without
editing one shared file. A code defined twice is a programming error.
"""

from __future__ import annotations

from lowlend.services.message_tables import (
    bureau,
    core,
    eod,
    identity,
    lending,
    money,
    ocr,
    payments,
)

_AREAS = (core, identity, ocr, bureau, lending, payments, money, eod)


def merged_tables() -> dict[str, tuple[str, str]]:
    """One table of every area's codes; raises :class:`ValueError` on a code defined twice.

    >>> "amount_below_min" in merged_tables()
    True
    """
    merged: dict[str, tuple[str, str]] = {}
    for area in _AREAS:
        twice = merged.keys() & area.TABLE.keys()
        if twice:
            raise ValueError(f"message codes defined twice: {sorted(twice)}")
        merged.update(area.TABLE)
    return merged
