"""Tables and mapped classes of config-declared entities (``product_configs/entities/*.yaml``).

At boot (:func:`lowlend.web.generic.registration.register`) every :class:`~lowlend.spec.model.EntitySpec`
of the published registry gets

* one SQLAlchemy mapped class on ``db.Model`` (:func:`entity_model`), table
  ``spec.table``, with one column per field (see :func:`column_type`) plus the
  standard columns :data:`STANDARD_COLUMNS`;
* its table created when missing and its missing columns added
  (:func:`ensure_tables`) — idempotent, never drops or alters an existing column.

Column types by field kind: ``text`` → ``String(max_length)`` (``Text`` without a
``max_length`` or above 1000), ``int`` → ``Integer``, ``money`` → ``Numeric(18, 2)``,
``rate`` → ``Numeric(9, 6)``, ``date``/``datetime``, ``bool``, ``enum`` → ``String(50)``
(the dictionary code, validated by :mod:`lowlend.services.custom_fields`),
``reference`` → ``Integer`` id (no database foreign key: the target may be a
built-in view or another entity), ``child_table`` → ``JSON`` list of rows,
``enum_list`` → ``JSON`` list of codes, ``file`` → ``JSON`` (attachment metadata),
``json`` → ``JSON``.

**Restart needed**: Flask cannot register views after the first request, so a new
entity kind *or a new field of an entity* takes effect after the web workers are
restarted (the admin screens say so). Removing a field keeps its column (data is
never dropped). Changing a field's kind does not alter the existing column.

Classes are cached per process by ``(code, table, column signature)``, so many apps
built in one process (tests) share one class; a changed signature builds a new
class and replaces the table in the shared metadata.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from lowlend.persistence.db import db

log = logging.getLogger(__name__)

__all__ = [
    "STANDARD_COLUMNS",
    "build_models",
    "column_type",
    "ensure_tables",
    "entity_model",
]

STANDARD_COLUMNS: tuple[str, ...] = (
    "id",
    "department_id",
    "owner_id",
    "parent_id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "config_version_id",
)
"""Columns every entity table has besides its fields (``owner_id``/``*_by``: ``ab_user.id``)."""

_CACHE: dict[str, tuple[str, type]] = {}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def column_type(field: Any) -> sa.types.TypeEngine[Any]:
    """SQLAlchemy column type of a field spec (by ``field.kind``)."""
    kind = str(getattr(field.kind, "value", field.kind))
    if kind == "text":
        length = getattr(field, "max_length", None)
        return sa.String(length) if length and length <= 1000 else sa.Text()
    if kind in ("int", "reference"):
        return sa.Integer()
    if kind == "money":
        return sa.Numeric(18, 2)
    if kind == "rate":
        return sa.Numeric(9, 6)
    if kind == "date":
        return sa.Date()
    if kind == "datetime":
        return sa.DateTime(timezone=True)
    if kind == "bool":
        return sa.Boolean()
    if kind == "enum":
        return sa.String(50)
    return sa.JSON()  # enum_list, child_table, file, json


def _standard_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("department_id", sa.Integer, index=True),
        sa.Column("owner_id", sa.Integer, index=True),
        sa.Column("parent_id", sa.Integer, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), default=_utcnow),
        sa.Column("created_by", sa.Integer),
        sa.Column("updated_at", sa.DateTime(timezone=True), default=_utcnow, onupdate=_utcnow),
        sa.Column("updated_by", sa.Integer),
        sa.Column("config_version_id", sa.Integer),
    ]


def _field_columns(spec: Any) -> list[sa.Column[Any]]:
    cols = []
    for field in spec.fields:
        if field.code in STANDARD_COLUMNS:
            log.warning(
                "entity %s: field %s shadows a standard column; skipped", spec.code, field.code
            )
            continue
        cols.append(sa.Column(field.code, column_type(field), nullable=True))
    return cols


def _signature(spec: Any) -> str:
    parts = [spec.table] + [f"{c.name}:{c.type!r}" for c in _field_columns(spec)]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:10]


def entity_model(spec: Any) -> type:
    """The mapped class of an entity spec (built once per signature, then cached)."""
    signature = _signature(spec)
    cached = _CACHE.get(spec.code)
    if cached is not None and cached[0] == signature:
        return cached[1]
    metadata = db.Model.metadata
    if spec.table in metadata.tables:
        metadata.remove(metadata.tables[spec.table])
    table = sa.Table(spec.table, metadata, *_standard_columns(), *_field_columns(spec))
    name = "".join(p.capitalize() for p in spec.code.split("_")) + f"Entity_{signature}"
    model = type(
        name,
        (db.Model,),
        {
            "__table__": table,
            "__tablename__": spec.table,
            "__module__": __name__,
            "__doc__": f"Config-declared entity {spec.code!r} (table {spec.table}).",
            "__entity_code__": spec.code,
        },
    )
    _CACHE[spec.code] = (signature, model)
    return model


def build_models(entities: Mapping[str, Any] | Iterable[Any] | None) -> dict[str, type]:
    """Mapped classes of every entity spec, by entity code."""
    if not entities:
        return {}
    values: Iterable[Any] = entities.values() if isinstance(entities, Mapping) else entities
    return {spec.code: entity_model(spec) for spec in values}


def ensure_tables(bind: sa.Engine | sa.Connection, models: Iterable[type]) -> list[str]:
    """Create missing entity tables and add missing columns; returns what was done.

    Idempotent. Existing columns are never changed or dropped.
    """
    done: list[str] = []
    models = list(models)
    if not models:
        return done

    def run(conn: sa.Connection) -> None:
        inspector = sa.inspect(conn)
        for model in models:
            table: sa.Table = model.__table__  # type: ignore[attr-defined]
            if not inspector.has_table(table.name):
                table.create(conn, checkfirst=True)
                done.append(f"create table {table.name}")
                continue
            existing = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in existing:
                    continue
                ddl = column.type.compile(dialect=conn.dialect)
                preparer = conn.dialect.identifier_preparer
                conn.execute(
                    sa.text(
                        f"ALTER TABLE {preparer.quote(table.name)} "
                        f"ADD COLUMN {preparer.quote(column.name)} {ddl}"
                    )
                )
                done.append(f"add column {table.name}.{column.name}")

    if isinstance(bind, sa.Connection):
        run(bind)
    else:
        with bind.begin() as conn:
            run(conn)
    for line in done:
        log.info("lowlend entity tables: %s", line)
    return done
