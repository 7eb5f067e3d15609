"""SQLAlchemy adapter of :class:`lowlend.services.ports.ConfigVersionRepository`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lowlend.persistence.models import ConfigState, ConfigVersion, PublishedProduct
from lowlend.services.ports import (
    ConfigStateRecord,
    ConfigVersionInfo,
    ConfigVersionRecord,
    NewConfigVersion,
)

STATE_ROW_ID = 1


def _info_fields(row: ConfigVersion) -> dict[str, Any]:
    """The :class:`ConfigVersionInfo` fields of ``row`` (shared by info and record)."""
    return {
        "id": row.id,
        "number": row.number,
        "content_hash": row.content_hash,
        "author": row.author,
        "created_at": _aware(row.created_at),
        "comment": row.comment,
        "status": row.status,
    }


def _info(row: ConfigVersion) -> ConfigVersionInfo:
    return ConfigVersionInfo(**_info_fields(row))


def _record(row: ConfigVersion) -> ConfigVersionRecord:
    return ConfigVersionRecord(
        **_info_fields(row),
        files=json.loads(row.bundle),
        diff_from_previous=row.diff_from_previous,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite drops the time zone: stored times are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class SqlConfigVersionRepository:
    """Config versions and the state row, in the unit of work's session (never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def read_state(self) -> ConfigStateRecord:
        row = self.session.execute(
            sa.select(ConfigState.current_version_id, ConfigState.version_counter).where(
                ConfigState.id == STATE_ROW_ID
            )
        ).first()
        if row is None:
            return ConfigStateRecord(None, 0)
        return ConfigStateRecord(row.current_version_id, row.version_counter)

    def lock_state(self) -> ConfigStateRecord:
        if self.session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: a (no-op) write takes the database write lock
            # now, so a concurrent publisher waits here rather than failing later.
            self.session.execute(
                sa.update(ConfigState)
                .where(ConfigState.id == STATE_ROW_ID)
                .values(version_counter=ConfigState.version_counter)
                .execution_options(synchronize_session=False)
            )
        state = self._select_for_update()
        if state is None:
            try:
                with self.session.begin_nested():
                    self.session.add(ConfigState(id=STATE_ROW_ID, version_counter=0))
            except IntegrityError:
                pass  # created concurrently
            state = self._select_for_update()
            assert state is not None
        return ConfigStateRecord(state.current_version_id, state.version_counter)

    def _select_for_update(self) -> ConfigState | None:
        return self.session.execute(
            sa.select(ConfigState)
            .where(ConfigState.id == STATE_ROW_ID)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def get(self, version_id: int) -> ConfigVersionRecord | None:
        row = self.session.get(ConfigVersion, version_id)
        return _record(row) if row is not None else None

    def number_of(self, version_id: int) -> int | None:
        return self.session.scalar(
            sa.select(ConfigVersion.number).where(ConfigVersion.id == version_id)
        )

    def get_by_number(self, number: int) -> ConfigVersionRecord | None:
        row = self.session.execute(
            sa.select(ConfigVersion).where(ConfigVersion.number == number)
        ).scalar_one_or_none()
        return _record(row) if row is not None else None

    def max_number(self) -> int:
        value = self.session.execute(sa.select(sa.func.max(ConfigVersion.number))).scalar()
        return int(value or 0)

    def add(self, version: NewConfigVersion) -> ConfigVersionInfo:
        row = ConfigVersion(
            number=version.number,
            content_hash=version.content_hash,
            bundle=json.dumps(dict(version.files), ensure_ascii=False, sort_keys=True),
            author=version.author,
            created_at=version.created_at,
            comment=version.comment,
            diff_from_previous=version.diff_from_previous,
            status="published",
        )
        self.session.add(row)
        self.session.flush()
        return _info(row)

    def set_current(self, version_id: int, version_counter: int, at: dt.datetime) -> None:
        state = self.session.get(ConfigState, STATE_ROW_ID)
        assert state is not None, "lock_state() first"
        previous = state.current_version_id
        if previous is not None and previous != version_id:
            self.session.execute(
                sa.update(ConfigVersion)
                .where(ConfigVersion.id == previous)
                .values(status="superseded")
                .execution_options(synchronize_session=False)
            )
        state.current_version_id = version_id
        state.version_counter = version_counter
        state.updated_at = at
        self.session.flush()

    def list_versions(self) -> Sequence[ConfigVersionInfo]:
        rows = self.session.execute(
            sa.select(ConfigVersion).order_by(ConfigVersion.number)
        ).scalars()
        return [_info(row) for row in rows]


class SqlPublishedProductRepository:
    """Product spec snapshots per config version, in the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_snapshots(self, version_id: int, snapshots: Mapping[str, Mapping[str, object]]) -> None:
        for code, snapshot in sorted(snapshots.items()):
            self.session.add(
                PublishedProduct(code=code, config_version_id=version_id, spec=dict(snapshot))
            )
        self.session.flush()

    def snapshot(self, code: str, version_id: int) -> Mapping[str, object] | None:
        spec = self.session.execute(
            sa.select(PublishedProduct.spec).where(
                PublishedProduct.code == code, PublishedProduct.config_version_id == version_id
            )
        ).scalar_one_or_none()
        return dict(spec) if spec is not None else None
