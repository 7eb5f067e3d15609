"""Customer files in the generated admin: the hooks of ``customers`` and ``customer_relations``.

The rules are the use cases of :mod:`lowlend.services.lending.customers`; this module gives
them their look-ups (the database through the request session; a found customer is named
only when the user's data scope includes it) and the user's right to set the credit limit
(``can_approve`` on ``customers``), and stores the derived facts (birth date, sex).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lowlend.services.field_values import FieldMessage
from lowlend.services.lending.customers import (
    CREDIT_LIMIT_FIELDS,
    DEFAULT_CURRENCY,
    CustomerCheckError,
    CustomerLookup,
    RelationLookup,
    check_customer,
    check_relation,
    normalise_phone,
    prepare_customer,
)
from lowlend.web.backend import backend
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.hooks import RecordHooks, may

__all__ = ["CustomerHooks", "RelationHooks", "customer_lookup", "relation_lookup"]

CUSTOMERS = "customers"
APPROVE = "approve"


def customer_lookup() -> CustomerLookup:
    """The customer look-up on the request session: a found customer is named only when
    the user's data scope includes it; identity numbers are hashed with the app's key."""
    from lowlend.web.generic.scope_check import record_visible
    from lowlend.web.generic.stamping import id_protector

    return backend().customer_lookup(
        lambda customer_id: record_visible(CUSTOMERS, customer_id),
        lambda number: str(id_protector().hash(number)),
    )


def relation_lookup() -> RelationLookup:
    """The look-up of stored relations on the request session."""
    return backend().relation_lookup()


class CustomerHooks(RecordHooks):
    """``customers``: identity, duplicates and credit limit (:func:`check_customer`)."""

    def check(
        self, desc: EntityDescriptor, values: dict[str, Any], item: Any | None
    ) -> dict[str, list[FieldMessage]]:
        given = dict(values)
        if item is not None:  # the type is fixed once created; the kind must still suit it
            given.setdefault("id_type", item.id_type)
            given.setdefault("kind", item.kind)
        current = (
            {code: getattr(item, code, None) for code in CREDIT_LIMIT_FIELDS}
            if item is not None
            else None
        )
        try:
            prepared = check_customer(
                given,
                customer_lookup(),
                record_id=getattr(item, "id", None),
                current=current,
                may_approve=may(desc.code, APPROVE),
            )
        except CustomerCheckError as exc:
            return exc.errors
        if prepared.id_number is not None and "id_number" in values:
            values["id_number"] = prepared.id_number
        for code, value in prepared.columns().items():
            if code in values:
                values[code] = value
        return {}

    def before_save(
        self, desc: EntityDescriptor, item: Any, extra: Mapping[str, Any], creating: bool
    ) -> None:
        if item.phone:
            item.phone = normalise_phone(item.phone)
        if item.credit_limit is None:
            item.credit_limit_currency = None
        elif not item.credit_limit_currency:
            item.credit_limit_currency = DEFAULT_CURRENCY
        number = extra.get("id_number") if creating else None
        if not number:
            return
        try:
            prepared = prepare_customer({"id_type": item.id_type, "id_number": str(number)})
        except CustomerCheckError:  # checked by `check` already; nothing to derive
            return
        item.birth_date, item.sex = prepared.birth_date, prepared.sex


class RelationHooks(RecordHooks):
    """``customer_relations``: not with itself, known customers, not twice."""

    def check(
        self, desc: EntityDescriptor, values: dict[str, Any], item: Any | None
    ) -> dict[str, list[FieldMessage]]:
        merged: dict[str, Any] = {}
        if item is not None:
            merged = {
                code: getattr(item, code, None)
                for code in ("customer_id", "related_customer_id", "kind")
            }
        merged.update(values)
        try:
            check_relation(
                merged,
                customer_lookup(),
                relation_lookup(),
                record_id=getattr(item, "id", None),
            )
        except CustomerCheckError as exc:
            return exc.errors
        return {}
