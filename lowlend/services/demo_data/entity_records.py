"""Demo records of the config-declared entities (``product_configs/entities/*.yaml``).

:func:`generate_entity_records` walks every :class:`~lowlend.spec.model.EntitySpec`
of the registry and draws records from its field specs alone — there is no
per-entity code, so an entity an admin adds gets demo records too:

* **which records** — an entity with ``parent: loans`` gets one record on each loan
  whose product has a custom field referencing the entity (collateral of secured
  products, guarantors of guaranteed ones); an entity no product references gets
  records on the loans that need attention: the overdue ones (at least
  :data:`MIN_ATTENTION_LOANS` loans, topped up with the first open loans).
  ``parent: customers`` works alike on the customers of those loans, ``parent: <an
  entity>`` gives one record per record of the parent entity. An entity without a
  parent gets :data:`POOL_SIZE` records of its own;
* **references** — a ``reference`` field to an entity without a parent gets a record
  of that entity made for it, just before it (a vehicle and its GPS tracker); to an
  entity with a parent, an earlier record (of the same parent if there is one); to
  ``loans`` / ``customers`` / ``applications``, the record's loan / customer /
  application. :attr:`DemoEntityRecord.references` holds the target's demo ``ref``
  (the loader turns it into an id); targets always come earlier in the output;
* **values** — :mod:`~lowlend.services.demo_data.entity_values`: by kind,
  dictionary, ``pattern``, ``min`` / ``max`` / ``max_length``, realistic values for
  a few well-known field codes; optional fields are filled four times out of five
  (the owner field always); ``visible_if`` / ``required_if`` are evaluated by the
  server-side validator itself, and a record that does not validate is left out
  (and logged). ``file`` fields stay empty;
* **owner** — the entity's ``data_scope.owner_field`` holds a FAB username, which is
  what the data scope compares it with (:mod:`lowlend.persistence.scope`): the loan
  officer's login, else a login of the department or the nearest parent department;
  records on loans needing attention belong to the collections department's login.
  ``department_code`` is the loan's department.

Deterministic: a record depends on the seed, the entity, and its loan / pool index.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from lowlend.services.demo_data.common import _rng
from lowlend.services.demo_data.entity_values import EntityContext, record_values
from lowlend.services.demo_data.organisation import COLLECTIONS_DEPARTMENT
from lowlend.services.demo_data.records import DemoDataSet, DemoLoan
from lowlend.spec.model import EntitySpec, FieldKind, FieldSpec

__all__ = [
    "CORE_TARGETS",
    "DemoEntityRecord",
    "entity_records_by_slice",
    "entity_records_of_slice",
    "generate_entity_records",
]

log = logging.getLogger(__name__)

POOL_SIZE = 8
"""Records of an entity without a parent (besides those made for references)."""

MIN_ATTENTION_LOANS = 3
"""Loans an entity no product references is attached to, at least."""

CORE_TARGETS = ("loans", "customers", "applications")
"""Built-in record kinds a ``reference`` or ``parent`` may name."""


@dataclass(frozen=True)
class DemoEntityRecord:
    """One record of a config-declared entity (plain values, as a form would post them)."""

    entity: str
    ref: str
    values: Mapping[str, Any]
    references: Mapping[str, str] = field(default_factory=dict)
    parent_ref: str | None = None
    department_code: str | None = None
    owner_username: str | None = None
    created_on: date | None = None


def _creation_order(entities: Mapping[str, EntitySpec]) -> list[EntitySpec]:
    """Parents and reference targets first (cycles: by code)."""
    done: list[EntitySpec] = []
    seen: set[str] = set()

    def visit(code: str, path: tuple[str, ...]) -> None:
        if code in seen or code in path or code not in entities:
            return
        spec = entities[code]
        deps = [f.reference for f in spec.fields if f.kind is FieldKind.REFERENCE and f.reference]
        for dep in ([spec.parent] if spec.parent else []) + sorted(d for d in deps if d):
            visit(dep, (*path, code))
        seen.add(code)
        done.append(spec)

    for code in sorted(entities):
        visit(code, ())
    return done


def _logins(data: DemoDataSet) -> Mapping[str, str | None]:
    """The login responsible for each department (own staff, else the nearest parent's)."""
    parents = {d.code: d.parent_code for d in data.departments}
    own: dict[str, str] = {}
    for s in sorted(data.staff, key=lambda s: ("loan_officer" not in s.skills, s.employee_no)):
        if s.username and s.department_code not in own:
            own[s.department_code] = s.username
    out: dict[str, str | None] = {}
    for code in parents:
        walk: str | None = code
        while walk is not None and walk not in own:
            walk = parents.get(walk)
        out[code] = own[walk] if walk is not None else None
    return out


@dataclass
class _Generator:
    registry: Any
    data: DemoDataSet
    out: list[DemoEntityRecord] = field(default_factory=list)
    by_entity: dict[str, list[DemoEntityRecord]] = field(default_factory=dict)
    logins: Mapping[str, str | None] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    loans: dict[str, DemoLoan] = field(default_factory=dict)
    making: set[str] = field(default_factory=set)  # entities whose record is being made
    pool: bool = True  # the records of the entities without a parent

    def __post_init__(self) -> None:
        self.logins = _logins(self.data)
        self.usernames = {s.employee_no: s.username for s in self.data.staff if s.username}
        self.loans = {x.ref: x for x in self.data.loans}

    # -- who ----------------------------------------------------------------------

    def owner_of(self, loan: DemoLoan) -> str | None:
        found = self.usernames.get(loan.owner_employee_no or "")
        return found or self.logins.get(loan.department_code)

    # -- which records -------------------------------------------------------------

    def referencing_products(self, code: str) -> set[str]:
        return {
            p.code
            for p in self.registry.products.values()
            for f in p.custom_fields
            if f.kind is FieldKind.REFERENCE and f.reference == code
        }

    def loans_for(self, code: str) -> list[tuple[DemoLoan, bool]]:
        """``(loan, needs_attention)`` the records of entity ``code`` go to."""
        products = self.referencing_products(code)
        if products:
            return [(x, False) for x in self.data.loans if x.product_code in products]
        chosen = [x for x in self.data.loans if x.status == "overdue"]
        for x in self.data.loans:
            if len(chosen) >= MIN_ATTENTION_LOANS:
                break
            if x.status != "closed" and x not in chosen:
                chosen.append(x)
        return [(x, True) for x in chosen]

    def contexts(self, spec: EntitySpec) -> list[EntityContext]:
        seed, today = self.data.seed, self.data.business_date
        if spec.parent is None:
            if not self.pool:
                return []
            deps = sorted({x.department_code for x in self.data.loans} or {"HQ"})
            out = []
            for k in range(POOL_SIZE):
                rng = _rng(seed, "entity-pool", spec.code, k)
                dep = deps[k % len(deps)]
                day = today - timedelta(days=rng.randint(30, 400))
                out.append(EntityContext(seed, f"S{seed}-{spec.code}-{k:03d}", day, today, dep,
                                         self.logins.get(dep)))
            return out
        if spec.parent in ("loans", "customers"):
            out, seen = [], set()
            for loan, attention in self.loans_for(spec.code):
                parent = loan.ref if spec.parent == "loans" else loan.customer_ref
                if parent in seen:
                    continue
                seen.add(parent)
                rng = _rng(seed, "entity-day", spec.code, loan.ref)
                if attention:
                    day = max(loan.disbursed_on, today - timedelta(days=rng.randint(1, 20)))
                    owner = self.logins.get(COLLECTIONS_DEPARTMENT) or self.owner_of(loan)
                else:
                    day = loan.disbursed_on - timedelta(days=rng.randint(1, 20))
                    owner = self.owner_of(loan)
                out.append(EntityContext(seed, f"{loan.ref}-{spec.code}", day, today,
                                         loan.department_code, owner, loan, parent))
            return out
        parents = self.by_entity.get(spec.parent, [])
        return [
            EntityContext(seed, f"{p.ref}-{spec.code}", p.created_on or today, today,
                          p.department_code, p.owner_username,
                          self.loans.get(p.parent_ref or ""), p.ref)
            for p in parents
        ]

    # -- one record ------------------------------------------------------------------

    def run(self) -> tuple[DemoEntityRecord, ...]:
        entities = getattr(self.registry, "entities", None) or {}
        for spec in _creation_order(entities):
            if spec.parent is not None and spec.parent not in (*CORE_TARGETS, *entities):
                log.warning("demo data: entity %s: unknown parent %s; skipped", spec.code,
                            spec.parent)
                continue
            for ctx in self.contexts(spec):
                self.record(spec, ctx)
        return tuple(self.out)

    def record(self, spec: EntitySpec, ctx: EntityContext) -> DemoEntityRecord | None:
        rng = _rng(ctx.seed, "entity", spec.code, ctx.ref)
        entities = self.registry.entities
        references: dict[str, str] = {}
        self.making.add(spec.code)
        try:
            for f in spec.fields:
                if f.kind is not FieldKind.REFERENCE or not f.reference:
                    continue
                if not f.required and rng.random() >= 0.9:
                    continue
                target = self.reference_target(rng, f, ctx, entities)
                if target is not None:
                    references[f.code] = target
        finally:
            self.making.discard(spec.code)
        values = record_values(rng, self.registry, spec, ctx, references)
        if values is None:
            return None
        row = DemoEntityRecord(
            entity=spec.code, ref=ctx.ref, values=values, references=references,
            parent_ref=ctx.parent_ref, department_code=ctx.department_code,
            owner_username=ctx.owner_username, created_on=ctx.day,
        )
        self.out.append(row)
        self.by_entity.setdefault(spec.code, []).append(row)
        return row

    def reference_target(self, rng: random.Random, f: FieldSpec, ctx: EntityContext,
                         entities: Mapping[str, EntitySpec]) -> str | None:
        target = f.reference or ""
        loan = ctx.loan
        if target == "loans":
            return loan.ref if loan else None
        if target == "customers":
            return loan.customer_ref if loan else None
        if target == "applications":
            return loan.application_ref if loan else None
        spec = entities.get(target)
        if spec is None:
            return None
        if spec.parent is None and target not in self.making:
            # a record of its own, made just before this one (not for a cycle of references)
            made = self.record(spec, EntityContext(ctx.seed, f"{ctx.ref}-{f.code}", ctx.day,
                                                   ctx.business_date, ctx.department_code,
                                                   ctx.owner_username, loan, None))
            return made.ref if made else None
        existing = self.by_entity.get(target, [])
        same = [r for r in existing if r.parent_ref == ctx.parent_ref] or existing
        return rng.choice(same).ref if same else None


def generate_entity_records(registry: Any, data: DemoDataSet, *,
                            pool: bool = True) -> tuple[DemoEntityRecord, ...]:
    """Records of every config-declared entity of ``registry`` for the demo data set ``data``.

    Records come in creation order: a record's parent and reference targets come
    before it. Pure and deterministic (a function of ``registry`` and ``data``).

    :param pool: with the :data:`POOL_SIZE` records of each entity without a parent
        (``False`` for the later slices of :func:`entity_records_by_slice`).
    """
    return _Generator(registry, data, pool=pool).run()


def entity_records_of_slice(registry: Any, data: DemoDataSet, loans: Sequence[DemoLoan],
                            first: bool) -> tuple[DemoEntityRecord, ...]:
    """The records of one slice of ``loans`` of ``data`` (the pool with the first slice)."""
    return generate_entity_records(registry, replace(data, loans=tuple(loans)), pool=first)


def entity_records_by_slice(registry: Any, data: DemoDataSet,
                            slice_size: int) -> tuple[DemoEntityRecord, ...]:
    """The records of the data set's loans ``slice_size`` at a time (as the bulk loader
    makes them, slice by slice): the loans needing attention are chosen within a slice,
    the pool comes with the first one. One slice: :func:`generate_entity_records`."""
    if slice_size < 1:
        raise ValueError("slice_size must be >= 1")
    out: list[DemoEntityRecord] = []
    loans = data.loans
    for start in range(0, max(len(loans), 1), slice_size):
        out.extend(entity_records_of_slice(registry, data, loans[start:start + slice_size],
                                           start == 0))
    return tuple(out)
