"""Look-ups of stored customers and relations on the request's session: the
:class:`~lowlend.services.lending.customers.CustomerLookup` and
:class:`~lowlend.services.lending.customers.RelationLookup` of the customer screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session

from lowlend.persistence.models import Customer, CustomerRelation
from lowlend.services.lending.customers import ExistingCustomer

__all__ = ["SqlCustomerLookup", "SqlRelationLookup"]


class SqlCustomerLookup:
    """Customers by identity number, phone or id; ``visible(customer_id)`` says whether the
    user may see a customer (its name is withheld otherwise) and ``hash_id`` keys identity
    numbers as stored."""

    model = Customer

    def __init__(
        self,
        session: Session | scoped_session[Any],
        visible: Callable[[int], bool],
        hash_id: Callable[[str], str],
    ) -> None:
        self.session = session
        self._visible = visible
        self._hash_id = hash_id

    def _existing(self, row: Any) -> ExistingCustomer | None:
        if row is None:
            return None
        return ExistingCustomer(row.id, row.name if self._visible(row.id) else None)

    def by_id_number(self, id_type: str, number: str) -> ExistingCustomer | None:
        """The customer with this identity number."""
        model = self.model
        digest = self._hash_id(number)
        with self.session.no_autoflush:
            row = self.session.scalars(
                sa.select(model).where(model.id_type == id_type, model.id_number_hash == digest)
            ).first()
            return self._existing(row)

    def by_phone(self, phone: str, exclude_id: int | None) -> ExistingCustomer | None:
        """The first other customer with this phone number."""
        model = self.model
        stmt = sa.select(model).where(model.phone == phone).order_by(model.id)
        if exclude_id is not None:
            stmt = stmt.where(model.id != exclude_id)
        with self.session.no_autoflush:
            return self._existing(self.session.scalars(stmt).first())

    def get(self, customer_id: int) -> ExistingCustomer | None:
        """Customer ``customer_id`` if the user may see it."""
        with self.session.no_autoflush:
            row = self.session.get(self.model, customer_id)
            if row is None or not self._visible(row.id):
                return None
            return ExistingCustomer(row.id, row.name)


class SqlRelationLookup:
    """Stored relations between customers."""

    def __init__(self, session: Session | scoped_session[Any]) -> None:
        self.session = session

    def find(
        self, customer_id: int, related_customer_id: int, kind: str, exclude_id: int | None
    ) -> int | None:
        """The id of the same relation stored already (other than ``exclude_id``)."""
        r = CustomerRelation
        stmt = sa.select(r.id).where(
            r.customer_id == customer_id,
            r.related_customer_id == related_customer_id,
            r.kind == kind,
        )
        if exclude_id is not None:
            stmt = stmt.where(r.id != exclude_id)
        with self.session.no_autoflush:
            found = self.session.scalars(stmt).first()
        return int(found) if found is not None else None
