"""Writing the demo records of config-declared entities into their tables.

The records come from :func:`lowlend.services.demo_data.entity_records.generate_entity_records`
in creation order (parents and reference targets first). For each record the
writer

* creates the entity tables when missing (:func:`lowlend.persistence.entity_tables.ensure_tables`
  on the loader's connection, inside its transaction — the web app may not have
  registered an entity published after it booted);
* skips it when an audit-log entry ``demo_create`` with its ``ref`` exists (a
  re-run adds nothing), else
* turns the demo references into ids (``parent_id``: the loan / customer / parent
  record; ``reference`` fields: the target record), re-validates the values with
  :func:`lowlend.services.custom_fields.validate_record` — the same check as the web
  form and the REST API — and stores the typed values;
* sets the standard columns like the web form does for the owner's user
  (:func:`lowlend.web.generic.stamping.stamp_new`): ``department_id``, ``owner_id`` =
  the owner login's ``ab_user.id`` (when known), ``created_by`` = the admin's id,
  ``config_version_id``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from lowlend.persistence.entity_tables import STANDARD_COLUMNS, build_models, ensure_tables
from lowlend.services.custom_fields import validate_record
from lowlend.services.demo_data.entity_records import CORE_TARGETS, DemoEntityRecord

log = logging.getLogger(__name__)

_SH_TZ = dt.timezone(dt.timedelta(hours=8))

Audit = Callable[[str, int, str], None]
"""``audit(entity, entity_id, ref)``: record that the demo created a row."""


def _created_at(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(11, 0), _SH_TZ).astimezone(dt.UTC)


def write_entity_records(
    session: Session,
    registry: Any,
    records: Sequence[DemoEntityRecord],
    *,
    refs: Mapping[tuple[str, str], str],
    core_ids: Mapping[str, Mapping[str, int]],
    department_ids: Mapping[str, int],
    user_ids: Mapping[str, int],
    config_version_id: int,
    audit: Audit,
) -> int:
    """Insert the records not there yet; returns how many were inserted.

    :param refs: ``{(entity, ref): id}`` of the records the demo created before.
    :param core_ids: ids of loans / customers / applications by demo reference.
    :param department_ids: ``departments.id`` by department code.
    :param audit: ``audit(entity, entity_id, ref)`` records the creation.
    """
    entities = getattr(registry, "entities", None) or {}
    wanted = {r.entity for r in records if r.entity in entities}
    if not wanted:
        return 0
    models = build_models([entities[code] for code in sorted(wanted)])
    ensure_tables(session.connection(), models.values())
    dictionaries = getattr(registry, "dictionaries", {})
    ids: dict[str, int] = {ref: int(i) for (entity, ref), i in refs.items() if entity in wanted}
    actor = user_ids.get("admin")
    created = 0

    def resolve(target: str, ref: str) -> int | None:
        if target in CORE_TARGETS:
            return core_ids.get(target, {}).get(ref)
        return ids.get(ref)

    for record in records:
        spec = entities.get(record.entity)
        if spec is None or (record.entity, record.ref) in refs:
            continue
        parent_id = None
        if spec.parent is not None:
            parent_id = resolve(spec.parent, record.parent_ref or "")
            if parent_id is None:  # e.g. its loan is not part of this load
                continue
        values = dict(record.values)
        for code, ref in record.references.items():
            f = next((f for f in spec.fields if f.code == code), None)
            target = resolve(f.reference or "", ref) if f is not None else None
            if target is not None:
                values[code] = target
        result = validate_record(spec.fields, values, dictionaries)
        if not result.ok:
            log.warning("demo data: %s %s does not validate (%s); skipped", record.entity,
                        record.ref, result.messages())
            continue
        model = models[record.entity]
        when = _created_at(record.created_on)
        row = model(
            **{
                k: v
                for k, v in result.values.items()
                if v is not None and k not in STANDARD_COLUMNS
            },
            department_id=department_ids.get(record.department_code or ""),
            owner_id=user_ids.get(record.owner_username or ""),
            parent_id=parent_id,
            created_by=actor,
            updated_by=actor,
            config_version_id=config_version_id,
        )
        if when is not None:
            row.created_at = row.updated_at = when
        session.add(row)
        session.flush()
        ids[record.ref] = row.id
        audit(record.entity, row.id, record.ref)
        created += 1
    return created
