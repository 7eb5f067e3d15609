"""Demo records of the config-declared entities (pure, no database)."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from lowlend.services.custom_fields import validate_record
from lowlend.services.demo_data import DemoDataSet, generate_demo_data
from lowlend.services.demo_data.entity_records import (
    CORE_TARGETS,
    DemoEntityRecord,
    generate_entity_records,
)
from lowlend.services.demo_data.patterns import UnsupportedPattern, sample
from lowlend.spec import SpecRegistry, load_directory
from lowlend.spec.model import EntitySpec, FieldKind, FieldSpec, Label

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry() -> SpecRegistry:
    return load_directory(REPO / "product_configs", REPO / "notification_templates")


@pytest.fixture(scope="module")
def data(registry: SpecRegistry) -> DemoDataSet:
    return generate_demo_data(registry)


@pytest.fixture(scope="module")
def records(registry: SpecRegistry, data: DemoDataSet) -> tuple[DemoEntityRecord, ...]:
    return generate_entity_records(registry, data)


def _probe(spec: EntitySpec, record: DemoEntityRecord, ids: dict[str, int]) -> dict[str, object]:
    """The record's values with its references as ids (what the loader validates)."""
    return {**record.values, **{code: ids[ref] for code, ref in record.references.items()}}


def test_every_entity_gets_records(registry: SpecRegistry, records: tuple) -> None:
    counts = Counter(r.entity for r in records)
    assert set(counts) == set(registry.entities)
    assert all(n >= 3 for n in counts.values()), counts
    refs = [r.ref for r in records]
    assert len(refs) == len(set(refs))


def test_every_record_passes_the_server_validator(registry: SpecRegistry, records: tuple) -> None:
    ids = {r.ref: i for i, r in enumerate(records, start=1)}
    for record in records:
        spec = registry.entities[record.entity]
        result = validate_record(
            spec.fields, _probe(spec, record, ids), registry.dictionaries, reject_unknown=True
        )
        assert result.ok, (record.ref, result.messages())
        assert not set(record.values) & result.hidden  # nothing hidden is filled in
        for f in spec.fields:
            if f.kind is FieldKind.FILE:
                assert f.code not in record.values
            value = record.values.get(f.code)
            if f.pattern and value is not None:
                assert re.search(f.pattern, value), (f.code, value)
            if f.kind is FieldKind.CHILD_TABLE and value is not None:
                assert 1 <= len(value) <= 2


def test_patterned_fields_look_right(records: tuple) -> None:
    by_entity: dict[str, list[DemoEntityRecord]] = {}
    for r in records:
        by_entity.setdefault(r.entity, []).append(r)
    for r in by_entity["vehicle_collateral"]:
        assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", r.values["vin"])
        assert re.fullmatch(r"[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}", r.values["plate_no"])
    for r in by_entity["gps_devices"]:
        assert re.fullmatch(r"\d{15}", r.values["device_no"])
    for r in by_entity["guarantor"]:
        assert re.fullmatch(r"1[3-9]\d{9}", r.values["phone"])


def test_references_and_parents_point_at_earlier_records(
    registry: SpecRegistry, data: DemoDataSet, records: tuple
) -> None:
    core = {
        "loans": {x.ref for x in data.loans},
        "customers": {c.ref for c in data.customers},
        "applications": {a.ref for a in data.applications},
    }
    earlier: dict[str, str] = {}  # ref -> entity
    referenced = 0
    for record in records:
        spec = registry.entities[record.entity]
        if spec.parent in CORE_TARGETS:
            assert record.parent_ref in core[spec.parent]
        elif spec.parent is not None:
            assert earlier.get(record.parent_ref or "") == spec.parent
        else:
            assert record.parent_ref is None
        fields = {f.code: f for f in spec.fields}
        for code, ref in record.references.items():
            target = fields[code].reference
            assert fields[code].kind is FieldKind.REFERENCE
            if target in CORE_TARGETS:
                assert ref in core[target]
            else:
                assert earlier[ref] == target  # created before the record pointing at it
                referenced += 1
        earlier[record.ref] = record.entity
    assert referenced >= 3  # vehicles carry their GPS trackers


def test_which_loans_get_records(registry: SpecRegistry, data: DemoDataSet, records: tuple) -> None:
    loans = {x.ref: x for x in data.loans}
    secured = {
        p.code
        for p in registry.products.values()
        for f in p.custom_fields
        if f.kind is FieldKind.REFERENCE and f.reference == "vehicle_collateral"
    }
    vehicles = [r for r in records if r.entity == "vehicle_collateral"]
    assert {loans[r.parent_ref or ""].product_code for r in vehicles} <= secured
    assert len(vehicles) == sum(1 for x in data.loans if x.product_code in secured)
    visits = [r for r in records if r.entity == "visit_record"]
    overdue = {x.ref for x in data.loans if x.status == "overdue"}
    assert {r.parent_ref for r in visits} == overdue  # no product references visits
    for r in visits:
        assert r.values["visitor"] == r.owner_username == "collector"


def test_owner_and_department_for_the_data_scope(
    registry: SpecRegistry, data: DemoDataSet, records: tuple
) -> None:
    logins = {s.username for s in data.staff if s.username}
    departments = {d.code for d in data.departments}
    loans = {x.ref: x for x in data.loans}
    for record in records:
        spec = registry.entities[record.entity]
        assert record.department_code in departments
        assert record.owner_username in logins
        if spec.owner_field:
            assert record.values[spec.owner_field] == record.owner_username
        if spec.parent == "loans":
            assert record.department_code == loans[record.parent_ref or ""].department_code


def test_deterministic_and_seeded(registry: SpecRegistry, data: DemoDataSet, records: tuple) -> None:
    assert generate_entity_records(registry, data) == records
    other = generate_entity_records(registry, generate_demo_data(registry, loans=40, seed=8))
    assert {r.ref for r in other}.isdisjoint({r.ref for r in records})
    small = generate_entity_records(registry, generate_demo_data(registry, loans=0))
    assert small and all(registry.entities[r.entity].parent is None for r in small)


@pytest.mark.parametrize("parent", ["loans", "customers", "vehicle_collateral", None])
def test_a_new_entity_gets_records_without_code(
    registry: SpecRegistry, data: DemoDataSet, parent: str | None
) -> None:
    """Spec-driven: an entity the generator never saw, with conditions and limits."""

    def f(code: str, kind: FieldKind, **kw: object) -> FieldSpec:
        return FieldSpec(code, kind, Label(code, code), **kw)  # type: ignore[arg-type]

    spec = EntitySpec(
        code="insurance_policies",
        label=Label("保单", "Policy"),
        table="x_insurance_policies",
        fields=(
            f("policy_no", FieldKind.TEXT, required=True, pattern=r"^PL-(CN|HK)\d{6}$", order=1),
            f("insurer", FieldKind.TEXT, required=True, max_length=4, order=2),
            f("premium", FieldKind.MONEY, required=True, min=Decimal(1), max=Decimal(500), order=3),
            f("rate", FieldKind.RATE, min=Decimal(0), max=Decimal(1), order=4),
            f("years", FieldKind.INT, min=Decimal(1), max=Decimal(5), order=5),
            f("lapsed", FieldKind.BOOL, required=True, order=6),
            f("lapsed_on", FieldKind.DATE, visible_if="record.lapsed",
              required_if="record.lapsed", order=7),
            f("note", FieldKind.TEXT, visible_if="!record.lapsed", order=8),
            f("beneficiaries", FieldKind.CHILD_TABLE, required=True, order=9,
              columns=(f("share", FieldKind.INT, required=True, min=Decimal(1), max=Decimal(100)),)),
            f("vehicle", FieldKind.REFERENCE, reference="vehicle_collateral", order=10),
            f("owner", FieldKind.TEXT, order=11),
        ),
        list_columns=("policy_no",),
        search_columns=(),
        sections=(),
        owner_field="owner",
        menu_category=None,
        parent=parent,
    )
    custom = replace(registry, entities={**registry.entities, spec.code: spec})
    records = generate_entity_records(custom, data)
    mine = [r for r in records if r.entity == spec.code]
    assert len(mine) >= 3
    order = {r.ref: i for i, r in enumerate(records)}
    ids = {r.ref: i for i, r in enumerate(records, start=1)}
    for r in mine:
        result = validate_record(spec.fields, _probe(spec, r, ids), custom.dictionaries)
        assert result.ok, result.messages()
        assert ("lapsed_on" in r.values) == r.values["lapsed"]
        assert "note" not in r.values or not r.values["lapsed"]
        assert r.values["owner"] == r.owner_username
        for ref in r.references.values():
            assert order[ref] < order[r.ref]
        if parent == "loans":
            assert r.parent_ref in {x.ref for x in data.loans}
        elif parent == "customers":
            assert r.parent_ref in {c.ref for c in data.customers}
        elif parent is not None:
            assert records[order[r.parent_ref or ""]].entity == parent
            assert order[r.parent_ref or ""] < order[r.ref]
        else:
            assert r.parent_ref is None
    assert {r.values["lapsed"] for r in mine} == {True, False}


def test_pattern_sampler() -> None:
    rng = random.Random(11)
    for pattern in (
        r"^1[3-9][0-9]{9}$",
        r"^[A-HJ-NPR-Z0-9]{17}$",
        "^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$",
        r"^[0-9]{15}$",
        r"^[0-9]{8,30}$",
        r"^(?:ab|c)+\.x?[^0-9]\d*$",
        r"^\u8d63[A-Z]$",
    ):
        for _ in range(30):
            value = sample(pattern, rng)
            assert re.fullmatch(pattern, value), (pattern, value)
    for bad in (r"(?<=a)b", r"a$b", r"a{2,1}", "[b-a]", "a**"):
        with pytest.raises(UnsupportedPattern):
            sample(bad, rng)


def test_cyclic_references_terminate_and_point_backwards(
    registry: SpecRegistry, data: DemoDataSet
) -> None:
    def entity(code: str, *targets: str) -> EntitySpec:
        fields = (
            FieldSpec("title", FieldKind.TEXT, Label("名称", "Title"), required=True),
            *(
                FieldSpec(f"to_{t}", FieldKind.REFERENCE, Label(t, t), reference=t)
                for t in targets
            ),
        )
        return EntitySpec(code, Label(code, code), f"x_{code}", fields, ("title",), (), (),
                          None, None)

    custom = replace(
        registry,
        entities={"a_things": entity("a_things", "a_things", "b_things"),
                  "b_things": entity("b_things", "a_things")},
    )
    records = generate_entity_records(custom, data)
    order = {r.ref: i for i, r in enumerate(records)}
    assert {r.entity for r in records} == {"a_things", "b_things"}
    linked = 0
    for r in records:
        for code, ref in r.references.items():
            assert order[ref] < order[r.ref]
            assert records[order[ref]].entity == code[3:]
            linked += 1
    assert linked > 0
