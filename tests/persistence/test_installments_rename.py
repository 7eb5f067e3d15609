"""Migration 0011 renames ``instalments`` to ``installments`` and keeps every row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lowlend.persistence import migrate
from lowlend.persistence.engine import make_engine

_SAMPLES: dict[type, Any] = {
    str: "x", int: 1, float: 1, bool: False, Decimal: 1,
    dt.date: dt.date(2026, 1, 1), dt.datetime: dt.datetime(2026, 1, 1),
    object: "{}",  # JSON columns
}


def _insert(c: sa.Connection, table: str, **given: Any) -> None:
    """Insert a row giving the columns in ``given`` and a plain value to every other
    column that must have one."""
    values = dict(given)
    for col in sa.inspect(c).get_columns(table):
        if col["name"] in values or col["nullable"] or col.get("default") is not None:
            continue
        if col["name"] == "id":
            continue
        values[col["name"]] = _SAMPLES[col["type"].python_type]
    names = ", ".join(values)
    params = ", ".join(f":{n}" for n in values)
    c.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({params})"), values)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_rows_survive_the_rename_both_ways(database_url: str) -> None:
    migrate.upgrade(database_url, "0010")
    engine = make_engine(database_url)
    try:
        with engine.begin() as c:
            _insert(c, "config_versions", id=1)
            _insert(c, "customers", id=3)
            _insert(c, "loans", id=7, customer_id=3)
            _insert(c, "instalments", id=11, loan_id=7, seq=1, principal="500.00")
    finally:
        engine.dispose()

    migrate.upgrade(database_url)
    assert migrate.schema_diff(database_url) == []
    assert "instalments" not in _tables(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as c:
            row = c.execute(sa.text("SELECT id, loan_id, seq, principal FROM installments")).one()
    finally:
        engine.dispose()
    assert (row[0], row[1], row[2], Decimal(row[3])) == (11, 7, 1, Decimal("500.00"))

    migrate.downgrade(database_url, "0010")
    assert "instalments" in _tables(database_url)
    assert "installments" not in _tables(database_url)
