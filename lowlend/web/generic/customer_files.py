"""Customer files in the generated admin: the hooks of ``customers`` and ``customer_relations``.

The rules are the use cases of :mod:`lowlend.services.lending.customers`; this module gives
them their look-ups (the database through the request session; a found customer is named
only when the user's data scope includes it) and the user's right to set the credit limit
(``can_approve`` on ``customers``), and stores the derived facts (birth date, sex).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from lowlend.services.field_values import FieldMessage
from lowlend.services.lending.customers import (
    CREDIT_LIMIT_FIELDS,
    DEFAULT_CURRENCY,
    CustomerCheckError,
    ExistingCustomer,
    check_customer,
    check_relation,
    normalise_phone,
    prepare_customer,
)
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.hooks import RecordHooks, may

__all__ = ["CustomerHooks", "RelationHooks", "SqlCustomerLookup", "SqlRelationLookup"]

CUSTOMERS = "customers"
APPROVE = "approve"


def _session() -> Any:
    from lowlend.persistence.db import db

    return db.session


class SqlCustomerLookup:
    """:class:`~lowlend.services.lending.customers.CustomerLookup` on the request session."""

    def __init__(self) -> None:
        from lowlend.persistence.models import Customer

        self.model = Customer

    def _visible(self, customer_id: int) -> bool:
        from lowlend.web.datamodel import scoped_select

        stmt = scoped_select(self.model, CUSTOMERS).where(self.model.id == customer_id)
        return _session().scalars(stmt).first() is not None

    def _existing(self, row: Any) -> ExistingCustomer | None:
        if row is None:
            return None
        return ExistingCustomer(row.id, row.name if self._visible(row.id) else None)

    def by_id_number(self, id_type: str, number: str) -> ExistingCustomer | None:
        from lowlend.web.generic.stamping import id_protector

        model = self.model
        digest = id_protector().hash(number)
        with _session().no_autoflush:
            row = (
                _session()
                .scalars(
                    sa.select(model).where(
                        model.id_type == id_type, model.id_number_hash == digest
                    )
                )
                .first()
            )
            return self._existing(row)

    def by_phone(self, phone: str, exclude_id: int | None) -> ExistingCustomer | None:
        model = self.model
        stmt = sa.select(model).where(model.phone == phone).order_by(model.id)
        if exclude_id is not None:
            stmt = stmt.where(model.id != exclude_id)
        with _session().no_autoflush:
            return self._existing(_session().scalars(stmt).first())

    def get(self, customer_id: int) -> ExistingCustomer | None:
        with _session().no_autoflush:
            row = _session().get(self.model, customer_id)
            if row is None or not self._visible(row.id):
                return None
            return ExistingCustomer(row.id, row.name)


class SqlRelationLookup:
    """:class:`~lowlend.services.lending.customers.RelationLookup` on the request session."""

    def find(
        self, customer_id: int, related_customer_id: int, kind: str, exclude_id: int | None
    ) -> int | None:
        from lowlend.persistence.models import CustomerRelation as R

        stmt = sa.select(R.id).where(
            R.customer_id == customer_id,
            R.related_customer_id == related_customer_id,
            R.kind == kind,
        )
        if exclude_id is not None:
            stmt = stmt.where(R.id != exclude_id)
        with _session().no_autoflush:
            found = _session().scalars(stmt).first()
        return int(found) if found is not None else None


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
                SqlCustomerLookup(),
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
                SqlCustomerLookup(),
                SqlRelationLookup(),
                record_id=getattr(item, "id", None),
            )
        except CustomerCheckError as exc:
            return exc.errors
        return {}
