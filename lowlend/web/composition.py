"""The web layer's composition root: the only module of ``lowlend.web`` that imports
``lowlend.persistence``.

:func:`lowlend.app.create_app` binds the unbound ``db`` extension to the app and calls
:func:`install`, which builds the app's :class:`~lowlend.web.backend.WebBackend` from the
SQLAlchemy adapters (:mod:`lowlend.persistence.queries`) and keeps it in
``app.extensions``. Everything else in ``lowlend.web`` depends on the ports of
:mod:`lowlend.services.admin_ports` and gets the implementations from
:func:`lowlend.web.backend.backend`. Keeping the wiring here, next to the app factory
rather than in it, leaves ``create_app`` about Flask and lets the architecture test name
exactly two modules that may reach the persistence layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from lowlend.persistence import lending_models as lending_orm
from lowlend.persistence import models as orm
from lowlend.persistence.db import db
from lowlend.persistence.demo_loader import load_demo_for_current_config
from lowlend.persistence.migrate import upgrade
from lowlend.persistence.queries.adapters import (
    SqlAttachmentStorage,
    SqlAuditTrail,
    SqlAuthStateStore,
    SqlEntityTables,
    SqlIdentityKeys,
    SqlUnitsOfWork,
)
from lowlend.persistence.queries.customers import SqlCustomerLookup, SqlRelationLookup
from lowlend.persistence.queries.dashboard import SqlDashboardQueries
from lowlend.persistence.queries.finance import SqlFinanceQueries
from lowlend.persistence.queries.lending import SqlLendingQueries
from lowlend.persistence.queries.org import SqlOrgQueries
from lowlend.persistence.queries.scope import SqlRecordQueries, SqlScopeQueries
from lowlend.persistence.wiring import config_store_over
from lowlend.web import backend as web_backend
from lowlend.web.backend import WebBackend

__all__ = ["build_backend", "install"]


def _mapped_classes() -> list[Any]:
    """Every mapped class of the shared metadata (core, lending, config entities …)."""
    return [m.class_ for m in db.Model.registry.mappers]  # type: ignore[attr-defined]


def _core_models() -> dict[str, type]:
    """The mapped classes of :mod:`lowlend.persistence.models` (lending records included) by
    class name."""
    return {
        name: obj
        for module in (orm, lending_orm)
        for name, obj in vars(module).items()
        if isinstance(obj, type) and hasattr(obj, "__mapper__") and not name.startswith("_")
    }


def _engine_of(app: Flask) -> Callable[[], Any]:
    def engine() -> Any:
        with app.app_context():
            return db.engine

    return engine


def build_backend(app: Flask) -> WebBackend:
    """The persistence side of ``app`` (no database access)."""
    engine = _engine_of(app)
    session = db.session
    return WebBackend(
        session=session,
        engine=engine,
        models=_core_models(),
        scope=SqlScopeQueries(session),
        records=SqlRecordQueries(session),
        org=SqlOrgQueries(session),
        dashboard=SqlDashboardQueries(session, _mapped_classes, engine),
        finance=SqlFinanceQueries(session),
        lending=SqlLendingQueries(session),
        audit=SqlAuditTrail(),
        auth=SqlAuthStateStore(),
        attachments=SqlAttachmentStorage(session),
        entities=SqlEntityTables(engine),
        keys=SqlIdentityKeys(),
        uow=SqlUnitsOfWork(engine),
        config_store=config_store_over,
        upgrade_schema=upgrade,
        load_demo=load_demo_for_current_config,
        customer_lookup=lambda visible, hash_id: SqlCustomerLookup(session, visible, hash_id),
        relation_lookup=lambda: SqlRelationLookup(session),
    )


def install(app: Flask) -> WebBackend:
    """Build ``app``'s backend and keep it in ``app.extensions``."""
    return web_backend.install(app, build_backend(app))
