"""Messages of customer files: identity, registration and card numbers, duplicates, relations."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
}
