"""Messages of the lending use cases: applications, decisions, approvals, dispatch, loans."""

from __future__ import annotations

TABLE: dict[str, tuple[str, str]] = {
    # code: (en, zh_CN)
}
