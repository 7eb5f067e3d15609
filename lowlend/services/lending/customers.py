"""Customer files (客户管理): the rules every customer record passes, on every path.

The web form, the REST API and the demo/import loader call these use cases; they hold
no Flask or SQLAlchemy — look-ups come in through the small protocols below, which the
web layer (data-scope aware) and the loader implement.

* :func:`prepare_customer` — checks the identity number by its type (resident ID check
  digit and birth date, unified social credit code check character; other documents are
  trimmed), that the type suits the customer kind, and derives what a resident ID says
  (birth date, sex); normalises the phone number (:func:`normalise_phone`) and the
  credit-limit currency;
* :func:`check_duplicates` — the same identity number or the same (normalised) phone
  number as another customer; the message names that customer when the user may see it;
* :func:`check_credit_limit` — the credit limit (授信额度) changes only with the right
  to approve;
* :func:`check_customer` — all of the above in one call (what the hooks call);
* :func:`check_relation` — a relation between two customers: not with itself, both
  customers known, not twice (``household`` and ``related_party`` are symmetric).

Errors are :class:`~lowlend.services.field_values.FieldMessage` objects by field code
(message codes of :mod:`lowlend.services.message_tables.identity`), raised together in
a :class:`CustomerCheckError` so a form shows each next to its field.

>>> prepared = prepare_customer({"kind": "individual", "id_type": "resident_id",
...                              "id_number": "36042619910101007 1", "phone": "+86 138-0013-8000"})
>>> prepared.id_number, prepared.birth_date, prepared.sex, prepared.phone
('360426199101010071', datetime.date(1991, 1, 1), 'male', '13800138000')
>>> try:
...     prepare_customer({"kind": "individual", "id_type": "resident_id",
...                       "id_number": "360426199101010072"})
... except CustomerCheckError as exc:
...     {field: [m.code for m in messages] for field, messages in exc.errors.items()}
{'id_number': ['resident_id_checksum']}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from lowlend.domain.identity import IdentityError, check_id_number, parse_resident_id
from lowlend.services.field_values import FieldMessage

__all__ = [
    "CREDIT_LIMIT_FIELDS",
    "DEFAULT_CURRENCY",
    "ENTERPRISE_ID_TYPE",
    "RESIDENT_ID",
    "SYMMETRIC_RELATION_KINDS",
    "CustomerCheckError",
    "CustomerLookup",
    "ExistingCustomer",
    "PreparedCustomer",
    "RelationLookup",
    "check_credit_limit",
    "check_customer",
    "check_duplicates",
    "check_relation",
    "normalise_phone",
    "prepare_customer",
]

RESIDENT_ID = "resident_id"
"""``id_type`` of a PRC resident ID card (居民身份证)."""

ENTERPRISE_ID_TYPE = "unified_credit_code"
"""``id_type`` of an enterprise: its unified social credit code (统一社会信用代码)."""

DEFAULT_CURRENCY = "CNY"
"""Currency of a credit limit given without one."""

CREDIT_LIMIT_FIELDS = ("credit_limit", "credit_limit_currency")
"""Fields that only a user who may approve credit may change."""

SYMMETRIC_RELATION_KINDS = frozenset({"household", "related_party"})
"""Relation kinds where A–B and B–A are the same relation (``guarantor_of`` is directed)."""

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CustomerCheckError(Exception):
    """A customer record (or a relation) that breaks the rules; ``errors`` by field code."""

    def __init__(self, errors: Mapping[str, Sequence[FieldMessage]]) -> None:
        self.errors: dict[str, list[FieldMessage]] = {k: list(v) for k, v in errors.items()}
        super().__init__(
            "; ".join(f"{k}: {', '.join(m.code for m in v)}" for k, v in self.errors.items())
        )


@dataclass(frozen=True, slots=True)
class ExistingCustomer:
    """A stored customer found by a look-up.

    ``name`` is ``None`` when the user may not see the customer (outside the data scope):
    messages then say that one exists without naming it.
    """

    id: int
    name: str | None

    @property
    def visible(self) -> bool:
        return self.name is not None

    def label(self) -> str:
        """How a message names the customer.

        >>> ExistingCustomer(12, "张三").label()
        '张三 (#12)'
        """
        return f"{self.name} (#{self.id})"


class CustomerLookup(Protocol):
    """Look-ups of stored customers (the adapter applies the user's data scope to names)."""

    def by_id_number(self, id_type: str, number: str) -> ExistingCustomer | None:
        """The customer with this identity number (canonical form), if any."""
        ...

    def by_phone(self, phone: str, exclude_id: int | None) -> ExistingCustomer | None:
        """A customer other than ``exclude_id`` with this (normalised) phone, if any."""
        ...

    def get(self, customer_id: int) -> ExistingCustomer | None:
        """The customer with this id if it exists and the user may see it."""
        ...


class RelationLookup(Protocol):
    """Look-up of stored relations between customers."""

    def find(
        self, customer_id: int, related_customer_id: int, kind: str, exclude_id: int | None
    ) -> int | None:
        """The id of a relation (other than ``exclude_id``) with exactly these values."""
        ...


@dataclass(frozen=True, slots=True)
class PreparedCustomer:
    """The checked, canonical values of a customer record and the facts derived from them.

    ``id_type``/``id_number`` are ``None`` when the input has none (an update: the
    identity number is fixed once created). ``birth_date``/``sex`` come from a
    resident ID only. ``given``: the input's field codes (what :meth:`columns` sets).
    """

    id_type: str | None
    id_number: str | None
    phone: str | None
    birth_date: dt.date | None = None
    sex: str | None = None
    credit_limit: Decimal | None = None
    credit_limit_currency: str | None = None
    given: frozenset[str] = frozenset()

    def columns(self) -> dict[str, Any]:
        """Column values to store: the given fields' canonical values, and the facts of
        the identity number when one was given.

        >>> prepare_customer({"id_type": "resident_id", "id_number": "360426199101010071",
        ...                   "credit_limit": Decimal("8000")}).columns()
        {'credit_limit': Decimal('8000'), 'credit_limit_currency': 'CNY', 'birth_date': datetime.date(1991, 1, 1), 'sex': 'male'}
        """
        out: dict[str, Any] = {}
        if "phone" in self.given:
            out["phone"] = self.phone
        if "credit_limit" in self.given:
            out["credit_limit"] = self.credit_limit
            out["credit_limit_currency"] = self.credit_limit_currency
        if self.id_number is not None:
            out.update(birth_date=self.birth_date, sex=self.sex)
        return out


def normalise_phone(phone: str) -> str:
    """The stored form of a phone number: digits only; mainland numbers without ``+86``
    or ``0086``; other country codes kept as ``+<digits>``.

    >>> normalise_phone("+86 138-0013-8000"), normalise_phone("0086 13800138000")
    ('13800138000', '13800138000')
    >>> normalise_phone("+852 5123 4567"), normalise_phone("00852-51234567")
    ('+85251234567', '+85251234567')
    >>> normalise_phone("0791-8123456")
    '07918123456'
    """
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return text
    international = text.startswith("+")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if international and digits.startswith("86"):
        return digits[2:]
    return ("+" if international else "") + digits


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def prepare_customer(values: Mapping[str, Any]) -> PreparedCustomer:
    """Check a customer's values and derive the stored facts.

    :param values: typed field values (``kind``, ``id_type``, ``id_number``, ``phone``,
        ``credit_limit``, ``credit_limit_currency``); missing keys are not checked.
    :raises CustomerCheckError: every problem found, by field.

    >>> prepare_customer({"kind": "enterprise", "id_type": "unified_credit_code",
    ...                   "id_number": "91110000600037341l"}).id_number
    '91110000600037341L'
    >>> try:
    ...     prepare_customer({"kind": "enterprise", "id_type": "resident_id",
    ...                       "id_number": "360426199101010071"})
    ... except CustomerCheckError as exc:
    ...     sorted(exc.errors)
    ['id_type']
    """
    errors: dict[str, list[FieldMessage]] = {}
    kind = _text(values.get("kind"))
    id_type = _text(values.get("id_type"))
    number = _text(values.get("id_number"))
    canonical: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    if id_type is not None and kind is not None and (
        (kind == "enterprise") != (id_type == ENTERPRISE_ID_TYPE)
    ):  # on create the type is chosen with the number; on update the kind is what changed
        at = "id_type" if "id_number" in values else "kind"
        errors[at] = [FieldMessage("id_type_kind_mismatch")]
    if id_type is not None and "id_number" in values:
        try:
            canonical = check_id_number(id_type, number or "")
            if id_type == RESIDENT_ID:
                facts = parse_resident_id(canonical)
                birth_date, sex = facts.birth_date, facts.sex
        except IdentityError as exc:
            errors["id_number"] = [FieldMessage(exc.code)]
    phone = _text(values.get("phone"))
    limit = values.get("credit_limit")
    if limit is not None and not isinstance(limit, Decimal):
        limit = Decimal(str(limit))
    if limit is not None and limit < 0:
        errors["credit_limit"] = [FieldMessage("credit_limit_negative")]
    currency = _text(values.get("credit_limit_currency"))
    currency = currency.upper() if currency else None
    if currency is not None and not _CURRENCY.match(currency):
        errors["credit_limit_currency"] = [FieldMessage("credit_limit_currency_invalid")]
    if limit is None:
        currency = None
    elif currency is None:
        currency = DEFAULT_CURRENCY
    if errors:
        raise CustomerCheckError(errors)
    return PreparedCustomer(
        id_type=id_type if canonical is not None else None,
        id_number=canonical,
        phone=normalise_phone(phone) if phone else None,
        birth_date=birth_date,
        sex=sex,
        credit_limit=limit,
        credit_limit_currency=currency,
        given=frozenset(values),
    )


def check_duplicates(
    prepared: PreparedCustomer, lookup: CustomerLookup, exclude_id: int | None = None
) -> dict[str, list[FieldMessage]]:
    """Messages for an identity number or phone number that another customer already has.

    :param exclude_id: the customer being changed (it does not clash with itself).
    """
    errors: dict[str, list[FieldMessage]] = {}
    if prepared.id_type is not None and prepared.id_number is not None:
        found = lookup.by_id_number(prepared.id_type, prepared.id_number)
        if found is not None and found.id != exclude_id:
            errors["id_number"] = [_duplicate("duplicate_id_number", found)]
    if prepared.phone:
        found = lookup.by_phone(prepared.phone, exclude_id)
        if found is not None and found.id != exclude_id:
            errors["phone"] = [_duplicate("duplicate_phone", found)]
    return errors


def _duplicate(code: str, found: ExistingCustomer) -> FieldMessage:
    if found.visible:
        return FieldMessage(code, {"customer": found.label()})
    return FieldMessage(code + "_hidden")


def check_credit_limit(
    values: Mapping[str, Any], current: Mapping[str, Any] | None, may_approve: bool
) -> dict[str, list[FieldMessage]]:
    """A credit-limit field given with a value other than the stored one, by a user who
    may not approve credit, is refused.

    >>> check_credit_limit({"credit_limit": Decimal("5000")}, None, False)["credit_limit"][0].code
    'credit_limit_not_permitted'
    >>> check_credit_limit({"credit_limit": Decimal("5000.00")},
    ...                    {"credit_limit": Decimal("5000")}, False)
    {}
    """
    if may_approve:
        return {}
    errors: dict[str, list[FieldMessage]] = {}
    for code in CREDIT_LIMIT_FIELDS:
        if code not in values:
            continue
        new, old = values[code], (current or {}).get(code)
        if new in ("", None) and old in ("", None):
            continue
        if new != old:
            errors[code] = [FieldMessage("credit_limit_not_permitted")]
    return errors


def check_customer(
    values: Mapping[str, Any],
    lookup: CustomerLookup,
    *,
    record_id: int | None = None,
    current: Mapping[str, Any] | None = None,
    may_approve: bool = True,
) -> PreparedCustomer:
    """The whole check of a customer being created (``record_id`` ``None``) or changed.

    :param current: the stored values of a changed customer (credit-limit check).
    :param may_approve: whether the user may approve credit (set the credit limit).
    :raises CustomerCheckError: every problem found, by field.
    """
    errors = check_credit_limit(values, current, may_approve)
    try:
        prepared = prepare_customer(values)
    except CustomerCheckError as exc:
        for code, messages in exc.errors.items():
            errors.setdefault(code, []).extend(messages)
        raise CustomerCheckError(errors) from None
    for code, messages in check_duplicates(prepared, lookup, record_id).items():
        errors.setdefault(code, []).extend(messages)
    if errors:
        raise CustomerCheckError(errors)
    return prepared


def check_relation(
    values: Mapping[str, Any],
    customers: CustomerLookup,
    relations: RelationLookup,
    *,
    record_id: int | None = None,
) -> None:
    """Check a relation between two customers (``customer_id``, ``related_customer_id``,
    ``kind``): both customers exist and may be seen, they differ, and the same relation
    (either direction for symmetric kinds) is not stored yet.

    :raises CustomerCheckError: every problem found, by field.
    """
    errors: dict[str, list[FieldMessage]] = {}
    ids: dict[str, int] = {}
    for code in ("customer_id", "related_customer_id"):
        value = values.get(code)
        if value is None:
            continue
        if customers.get(int(value)) is None:
            errors[code] = [FieldMessage("customer_relation_unknown_customer")]
        else:
            ids[code] = int(value)
    kind = _text(values.get("kind"))
    if len(ids) == 2 and ids["customer_id"] == ids["related_customer_id"]:
        errors["related_customer_id"] = [FieldMessage("customer_relation_self")]
    elif len(ids) == 2 and kind is not None:
        pairs = [(ids["customer_id"], ids["related_customer_id"])]
        if kind in SYMMETRIC_RELATION_KINDS:
            pairs.append((ids["related_customer_id"], ids["customer_id"]))
        if any(relations.find(a, b, kind, record_id) is not None for a, b in pairs):
            errors["related_customer_id"] = [FieldMessage("customer_relation_duplicate")]
    if errors:
        raise CustomerCheckError(errors)
