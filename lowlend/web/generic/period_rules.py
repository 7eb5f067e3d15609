"""Record rules of dated periods (approval delegations, staff absences): the end is not
before the start, and a delegation is between two different people. The messages stand
next to the fields on the form and in the REST errors, instead of a database refusal."""

from __future__ import annotations

from typing import Any

from lowlend.services.field_values import FieldMessage
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.hooks import RecordHooks

__all__ = ["PeriodHooks"]


class PeriodHooks(RecordHooks):
    """``starts_on`` ≤ ``ends_on``; ``distinct``: two fields that may not name the same record."""

    def __init__(self, distinct: tuple[str, str] | None = None) -> None:
        self.distinct = distinct

    def check(
        self, desc: EntityDescriptor, values: dict[str, Any], item: Any | None
    ) -> dict[str, list[FieldMessage]]:
        def current(name: str) -> Any:
            return values[name] if name in values else getattr(item, name, None)

        out: dict[str, list[FieldMessage]] = {}
        starts, ends = current("starts_on"), current("ends_on")
        if starts is not None and ends is not None and ends < starts:
            out["ends_on"] = [FieldMessage("period_ends_before_start", {})]
        if self.distinct is not None:
            first, second = (current(name) for name in self.distinct)
            if first is not None and first == second:
                out[self.distinct[1]] = [FieldMessage("delegation_to_self", {})]
        return out
