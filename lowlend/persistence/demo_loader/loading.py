"""Entry points: generate the demo data set and write it in one transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lowlend.persistence.demo_loader.bulk import write_demo_in_bulk
from lowlend.persistence.demo_loader.business import _Writer
from lowlend.persistence.demo_loader.entity_records import write_entity_records
from lowlend.persistence.demo_loader.entrusted import fund_entrusted_loans
from lowlend.persistence.demo_loader.money import MONEY_CHUNK
from lowlend.persistence.demo_loader.summary import DEMO_ACTION, DEMO_PEPPER, DemoSummary
from lowlend.persistence.models import ConfigState, ConfigVersion
from lowlend.persistence.repositories import CORE_REPOSITORIES, IdNumberProtector
from lowlend.persistence.unit_of_work import SqlAlchemyUnitOfWork
from lowlend.services.demo_data import (
    DEFAULT_BUSINESS_DATE,
    DEFAULT_LOANS,
    DEFAULT_SEED,
    DemoDataSet,
    generate_demo_data,
)
from lowlend.services.demo_data.entity_records import DemoEntityRecord, entity_records_by_slice

log = logging.getLogger(__name__)

BULK_MIN_LOANS = 1000
"""From this many loans on, :func:`load_demo_data` writes in bulk (the same state)."""

SessionSource = Session | Callable[[], Session]
"""A session, or a session factory / ``scoped_session`` (e.g. Flask-SQLAlchemy's ``db.session``)."""


def _factory(session: SessionSource) -> Callable[[], Session]:
    if isinstance(session, Session):
        return lambda: session
    return session



def load_demo_data(
    session: SessionSource,
    registry: Any,
    config_version_id: int,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
    user_ids: Mapping[str, int] | None = None,
    master_key: str | bytes | None = None,
    pepper: str | bytes = DEMO_PEPPER,
    chunk_size: int = MONEY_CHUNK,
    bulk: bool | None = None,
) -> DemoSummary:
    """Generate the demo data set for ``registry`` and write it (one transaction, idempotent).

    :param session: a session or a session factory (the unit of work commits once
        and closes the session at the end).
    :param registry: the :class:`~lowlend.spec.SpecRegistry` of ``config_version_id``.
    :param config_version_id: ``config_versions.id`` the applications and loans pin.
    :param user_ids: FAB user ids by demo username (``{"admin": 1, ...}``) to link
        staff to their accounts; may be given later (a re-run links them).
    :param master_key: ``LOWLEND_MASTER_KEY``; encrypts the identity numbers.
    :param pepper: key of the identity-number hashes (``LOWLEND_ID_PEPPER``).
    :param chunk_size: loans per slice: their money is posted together (in date order), their
        entity records are drawn together; the bulk path writes slice by slice.
    :param bulk: write in bulk (:func:`~lowlend.persistence.demo_loader.bulk.
        write_demo_in_bulk`: the same state, memory flat, rows copied in chunks); default:
        from :data:`BULK_MIN_LOANS` loans on.
    :raises ValueError: unknown config version, or a registry of another version, or
        ``chunk_size`` < 1.

    Besides the portfolio it writes demo records of the registry's config-declared
    entities (:func:`~lowlend.services.demo_data.entity_records.generate_entity_records`).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    if bulk or (bulk is None and loans >= BULK_MIN_LOANS):
        protector = IdNumberProtector(pepper, master_key)
        if not protector.can_encrypt:
            log.warning("demo data: no master key given, identity numbers are stored hashed only")
        return write_demo_in_bulk(
            _factory(session), registry, config_version_id, loans=loans, seed=seed,
            business_date=business_date, user_ids=dict(user_ids or {}), protector=protector,
            chunk_size=chunk_size,
        )
    data = generate_demo_data(registry, loans=loans, seed=seed, business_date=business_date)
    return write_demo_data(
        session,
        data,
        config_version_id,
        registry_hash=getattr(registry, "content_hash", None),
        user_ids=user_ids,
        master_key=master_key,
        pepper=pepper,
        registry=registry,
        entity_records=entity_records_by_slice(registry, data, chunk_size),
        chunk_size=chunk_size,
    )


def load_demo_for_current_config(
    session: SessionSource,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
    user_ids: Mapping[str, int] | None = None,
    master_key: str | bytes | None = None,
    pepper: str | bytes | None = None,
    chunk_size: int = MONEY_CHUNK,
    bulk: bool | None = None,
) -> DemoSummary:
    """:func:`load_demo_data` against the currently published configuration version.

    ``pepper`` defaults to :data:`DEMO_PEPPER` (pass ``LOWLEND_ID_PEPPER`` when set,
    so look-ups in the admin find the customers).

    :raises LookupError: nothing is published yet.
    """
    from lowlend.spec import load_bundle

    s = _factory(session)()
    state = s.get(ConfigState, 1)
    if state is None or state.current_version_id is None:
        raise LookupError("no configuration is published: publish one before loading demo data")
    version = s.get(ConfigVersion, state.current_version_id)
    assert version is not None
    registry = load_bundle(json.loads(version.bundle))
    return load_demo_data(
        s,
        registry,
        version.id,
        loans=loans,
        seed=seed,
        business_date=business_date,
        user_ids=user_ids,
        master_key=master_key,
        pepper=pepper or DEMO_PEPPER,
        chunk_size=chunk_size,
        bulk=bulk,
    )


def write_demo_data(
    session: SessionSource,
    data: DemoDataSet,
    config_version_id: int,
    *,
    registry_hash: str | None = None,
    user_ids: Mapping[str, int] | None = None,
    master_key: str | bytes | None = None,
    pepper: str | bytes = DEMO_PEPPER,
    registry: Any = None,
    entity_records: Sequence[DemoEntityRecord] = (),
    chunk_size: int = MONEY_CHUNK,
) -> DemoSummary:
    """Write a generated :class:`DemoDataSet` (see :func:`load_demo_data`).

    :param registry: the registry of ``config_version_id``: its posting rules post the
        loans' money, its entity specs are what ``entity_records`` follow (required when
        the data set has loans).
    :param entity_records: demo records of config-declared entities, in creation
        order (:mod:`lowlend.persistence.demo_loader.entity_records`).
    :param chunk_size: loans whose money is posted together (:func:`.money.post_money`).
    """
    user_ids = dict(user_ids or {})
    protector = IdNumberProtector(pepper, master_key)
    if not protector.can_encrypt:
        log.warning("demo data: no master key given, identity numbers are stored hashed only")
    uow = SqlAlchemyUnitOfWork(_factory(session), repositories=CORE_REPOSITORIES)
    with uow:
        # Serialise concurrent loaders (and publishers): the second one waits here and
        # then finds everything already there. (SELECT ... FOR UPDATE on PostgreSQL,
        # the database write lock on SQLite.)
        uow.config_versions.lock_state()
        writer = _Writer(uow, data, config_version_id, user_ids, protector, registry,
                         chunk_size)
        writer.check_version(registry_hash)
        writer.organisation()
        writer.portfolio()
        created = 0
        if entity_records and registry is not None:
            created = write_entity_records(
                uow.session,
                registry,
                entity_records,
                refs=writer.uow.audit.refs(DEMO_ACTION),
                core_ids=writer.ids,
                department_ids={code: d.id for code, d in writer.departments.items()},
                user_ids=user_ids,
                config_version_id=config_version_id,
                audit=writer.audit,
            )
        deposits = 0
        if entity_records and registry is not None:
            deposits = fund_entrusted_loans(uow.session, registry,
                                            business_date=data.business_date, user_ids=user_ids)
        uow.commit()
        summary = writer.summary()
        return replace(summary, entity_records_created=created,
                       journal_entries_created=summary.journal_entries_created + deposits)

