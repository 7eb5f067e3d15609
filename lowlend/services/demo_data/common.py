"""Small helpers shared by the generators: seeded RNGs, money, timestamps, dictionaries."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

_CENT = Decimal("0.01")
_RATE_Q = Decimal("0.000001")
_SH_TZ = dt.timezone(timedelta(hours=8))  # Asia/Shanghai (no DST)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(["lowlend-demo", str(seed), *map(str, parts)]))


def _money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(_CENT)


def _at(day: date, rng: random.Random, hour_from: int = 9, hour_to: int = 17) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(rng.randint(hour_from, hour_to - 1),
                                             rng.randint(0, 59), rng.randint(0, 59)), _SH_TZ)
    return local.astimezone(dt.UTC)


def _dict_codes(registry: Any, code: str, fallback: Sequence[str]) -> tuple[str, ...]:
    spec = getattr(registry, "dictionaries", {}).get(code)
    if spec is None:
        return tuple(fallback)
    return tuple(i.code for i in spec.items if i.active) or tuple(fallback)
