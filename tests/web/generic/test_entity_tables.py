"""Config-entity tables: created at boot, missing columns added, idempotent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from lowlend.persistence.entity_tables import column_type, ensure_tables, entity_model
from lowlend.spec.model import EntitySpec, FieldKind, FieldSpec, Label


def _spec(*fields: FieldSpec) -> EntitySpec:
    return EntitySpec(
        code="t_evolving",
        label=Label("测试", "Test"),
        table="x_t_evolving",
        fields=fields,
        list_columns=(),
        search_columns=(),
        sections=(),
        owner_field=None,
        menu_category=None,
    )


def _field(code: str, kind: str, **kw: object) -> FieldSpec:
    return FieldSpec(code=code, kind=FieldKind(kind), label=Label(code, code), **kw)  # type: ignore[arg-type]


def test_column_types_follow_field_kinds() -> None:
    assert isinstance(column_type(_field("a", "money")), sa.Numeric)
    assert column_type(_field("a", "money")).scale == 2
    assert column_type(_field("a", "rate")).scale == 6
    assert isinstance(column_type(_field("a", "text", max_length=40)), sa.String)
    assert isinstance(column_type(_field("a", "text")), sa.Text)
    assert isinstance(column_type(_field("a", "enum", dictionary="d")), sa.String)
    assert isinstance(column_type(_field("a", "reference", reference="loans")), sa.Integer)
    for kind in ("child_table", "file", "json"):
        assert isinstance(column_type(_field("a", kind)), sa.JSON)


def test_new_field_adds_a_column_and_keeps_data(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'e.db'}")
    first = entity_model(_spec(_field("name", "text", max_length=20)))
    assert entity_model(_spec(_field("name", "text", max_length=20))) is first  # cached
    assert ensure_tables(engine, [first]) == ["create table x_t_evolving"]
    assert ensure_tables(engine, [first]) == []
    with engine.begin() as conn:
        conn.execute(first.__table__.insert().values(name="a"))
    second = entity_model(
        _spec(_field("name", "text", max_length=20), _field("amount", "money", min=Decimal("0")))
    )
    assert second is not first
    assert ensure_tables(engine, [second]) == ["add column x_t_evolving.amount"]
    with engine.begin() as conn:
        rows = conn.execute(sa.select(second.__table__)).mappings().all()
    assert rows[0]["name"] == "a" and rows[0]["amount"] is None
    assert {"id", "owner_id", "department_id", "parent_id", "config_version_id"} <= set(rows[0])
    engine.dispose()
