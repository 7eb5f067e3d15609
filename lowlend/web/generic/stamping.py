"""Ownership and version stamps of records created or changed through the generated admin.

A new record gets its creator, owner (the user's staff record), department and the
current config version; an update gets its editor and time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.admin_ports import IdentityKeys
from lowlend.web import registry_hooks
from lowlend.web.backend import backend
from lowlend.web.generic.entities import EntityDescriptor
from lowlend.web.generic.interface import current_user_info

__all__ = [
    "current_version_id",
    "empty_lists",
    "id_protector",
    "keep_not_null",
    "stamp_new",
    "stamp_update",
]

log = logging.getLogger(__name__)


def current_version_id() -> int | None:
    """Database id of the current published config version (``None`` if none)."""
    prov = registry_hooks.provider()
    if prov is None or registry_hooks.current_registry() is None:  # loads the current one
        return None
    version_id: int | None = prov.version_id
    return version_id


def _staff_of(user_id: int | None) -> tuple[int | None, int | None]:
    """(staff id, department id) of a FAB user's staff record."""
    if user_id is None:
        return None, None
    try:
        staff = backend().org.staff_of(user_id)
    except SQLAlchemyError:
        log.warning("lowlend: staff record of user %s unreadable; record not stamped with it",
                    user_id, exc_info=True)
        return None, None
    if staff is None:
        return None, None
    return staff


def stamp_new(desc: EntityDescriptor, item: Any, extra: Mapping[str, Any] | None = None) -> None:
    """Fill standard columns of a new record (owner, department, version, virtual fields)."""
    user_id, username = current_user_info()
    columns = set(item.__table__.columns.keys())
    if "created_by" in columns and getattr(item, "created_by", None) is None:
        item.created_by = user_id
    if "owner_id" in columns and getattr(item, "owner_id", None) is None:
        item.owner_id = user_id
    staff_id, department_id = _staff_of(user_id)
    if "department_id" in columns and getattr(item, "department_id", None) is None:
        item.department_id = department_id
    if (
        desc.code != "staff"
        and "owner_staff_id" in columns
        and getattr(item, "owner_staff_id", None) is None
    ):
        item.owner_staff_id = staff_id
    if "config_version_id" in columns and getattr(item, "config_version_id", None) is None:
        item.config_version_id = current_version_id()
    if (
        desc.owner_field
        and desc.owner_field in columns
        and not getattr(item, desc.owner_field, None)
    ):
        setattr(item, desc.owner_field, username or None)
    if desc.code == "customers":
        number = (extra or {}).get("id_number")
        if number:
            protector = id_protector()
            item.id_number_hash = protector.hash(str(number))
            item.id_number_enc = protector.encrypt(str(number))
        if not getattr(item, "custom", None):
            item.custom = {}
    if desc.hooks is not None:  # derived columns (e.g. a customer's birth date and sex)
        desc.hooks.before_save(desc, item, extra or {}, True)
    empty_lists(item)


def empty_lists(item: Any) -> None:
    """A blank list field (``enum_list``, e.g. staff skills) of a NOT NULL JSON column is
    stored as ``[]``: cleared, not "unchanged"."""
    import sqlalchemy as sa

    for column in item.__table__.columns:
        if column.nullable or not isinstance(column.type, sa.JSON):
            continue
        if getattr(item, column.key, None) is None and _defaults_to_list(column):
            setattr(item, column.key, [])


def _defaults_to_list(column: Any) -> bool:
    default = getattr(column, "default", None)
    if default is None or not getattr(default, "is_callable", False):
        return False
    try:
        return default.arg(None) == []
    except TypeError:
        return False


def keep_not_null(item: Any) -> None:
    """A blank value of a NOT NULL column keeps the stored value (e.g. ``currency``);
    a blank list field is emptied (:func:`empty_lists`)."""
    import sqlalchemy as sa

    empty_lists(item)
    state = sa.inspect(item)
    for column in item.__table__.columns:
        if column.nullable or column.primary_key or getattr(item, column.key, None) is not None:
            continue
        history = state.attrs[column.key].history
        if history.deleted and history.deleted[0] is not None:
            setattr(item, column.key, history.deleted[0])


def stamp_update(item: Any, desc: EntityDescriptor | None = None) -> None:
    """Fill the editor stamp and (with ``desc``) the derived columns of a changed record."""
    keep_not_null(item)
    user_id, _ = current_user_info()
    if "updated_by" in item.__table__.columns.keys():
        item.updated_by = user_id
    if desc is not None and desc.hooks is not None:
        desc.hooks.before_save(desc, item, {}, False)

def id_pepper(config: Any, keys: IdentityKeys | None = None) -> bytes:
    """The key of identity-number hashes: ``LOWLEND_ID_PEPPER`` when set; in demo mode the
    demo data set's public pepper; otherwise one derived from the master key (never the
    public demo pepper, which would let anyone recompute ID numbers from their hashes)."""
    keys = keys if keys is not None else backend().keys
    configured = config.get("LOWLEND_ID_PEPPER")
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
    if config.get("LOWLEND_DEMO"):
        return keys.demo_pepper
    master = config.get("MASTER_KEY")
    if not master:
        raise RuntimeError(
            "identity numbers need LOWLEND_ID_PEPPER or LOWLEND_MASTER_KEY outside demo mode"
        )
    return keys.derived_secret(master, keys.pepper_info)


def id_protector() -> Any:
    """The identity-number hasher/encrypter (:func:`id_pepper`, ``MASTER_KEY``)."""
    return backend().keys.protector(
        id_pepper(current_app.config), current_app.config.get("MASTER_KEY")
    )
