"""What the web layer gets from the persistence layer, as interfaces: :class:`WebBackend`.

The composition root (:mod:`lowlend.web.composition`, called by
:func:`lowlend.app.create_app`) builds one per app from the SQLAlchemy adapters and keeps
it in ``app.extensions``; views, APIs and hooks ask :func:`backend` for it. No module of
``lowlend.web`` other than the composition root imports ``lowlend.persistence`` (the
architecture test checks it): they depend on the ports of
:mod:`lowlend.services.admin_ports` and receive the implementations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from lowlend.services.admin_ports import (
    AttachmentStorage,
    AuditTrail,
    AuthStateStore,
    DashboardQueries,
    EntityTables,
    FinanceQueries,
    IdentityKeys,
    LendingQueries,
    OrgQueries,
    RecordQueries,
    ScopeQueries,
    UnitsOfWork,
)
from lowlend.services.config_store import ConfigStore
from lowlend.services.lending.customers import CustomerLookup, RelationLookup

__all__ = ["EXTENSION_KEY", "WebBackend", "backend", "backend_of", "install"]

EXTENSION_KEY = "lowlend_backend"


@dataclass(frozen=True)
class WebBackend:
    """The persistence side of one app, seen through its ports.

    :ivar session: the request's ORM session (Flask-SQLAlchemy's scoped session, which
        Flask-AppBuilder uses too): for FAB and for functions that take a session.
    :ivar engine: the app's engine (call inside the app context or not: it enters it).
    :ivar models: mapped classes by class name (``"Loan"``, ``"Customer"`` …): what the
        generated views hand to FAB's ``SQLAInterface``.
    :ivar config_store: a :class:`ConfigStore` (with the YAML codecs) over a unit-of-work
        factory.
    :ivar upgrade_schema: create or upgrade the schema of a database URL (Alembic).
    :ivar load_demo: load the demo data set for the published configuration
        (``lowlend.persistence.demo_loader.load_demo_for_current_config``).
    :ivar customer_lookup: the customer look-up of the customer rules, given whether the
        user may see a customer and how identity numbers are hashed.
    :ivar relation_lookup: the look-up of stored relations between customers.
    """

    session: Any
    engine: Callable[[], Any]
    models: Mapping[str, type]
    scope: ScopeQueries
    records: RecordQueries
    org: OrgQueries
    dashboard: DashboardQueries
    finance: FinanceQueries
    lending: LendingQueries
    audit: AuditTrail
    auth: AuthStateStore
    attachments: AttachmentStorage
    entities: EntityTables
    keys: IdentityKeys
    uow: UnitsOfWork
    config_store: Callable[[Callable[[], Any]], ConfigStore]
    upgrade_schema: Callable[[str], Any]
    load_demo: Callable[..., Any]
    customer_lookup: Callable[[Callable[[int], bool], Callable[[str], str]], CustomerLookup]
    relation_lookup: Callable[[], RelationLookup]

    def model(self, name: str) -> Any:
        """The mapped class ``name`` (``Any``: attribute access builds SQL in adapters and
        FAB).

        :raises KeyError: no mapped class of that name.
        """
        return self.models[name]


def install(app: Flask, found: WebBackend) -> WebBackend:
    """Keep ``found`` as ``app``'s backend."""
    app.extensions[EXTENSION_KEY] = found
    return found


def backend_of(app: Flask) -> WebBackend:
    """``app``'s backend.

    :raises RuntimeError: the app was not built by :func:`lowlend.app.create_app`.
    """
    found = app.extensions.get(EXTENSION_KEY)
    if not isinstance(found, WebBackend):
        raise RuntimeError("lowlend: this app has no backend (it was not built by create_app)")
    return found


def backend() -> WebBackend:
    """The current app's backend (needs an app context)."""
    return backend_of(current_app._get_current_object())  # type: ignore[attr-defined]
