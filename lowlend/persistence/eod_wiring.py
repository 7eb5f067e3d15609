"""Build the end-of-day services over one database (CLI, worker processes, Celery tasks).

The payment gateway is passed in by the caller (the outer layers choose it from the
settings: :func:`lowlend.integrations.payments.gateway_from_settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from lowlend.persistence.engine import make_session_factory
from lowlend.persistence.eod_repository import SqlEodStore
from lowlend.persistence.money_repository import money_uow_factory
from lowlend.persistence.wiring import registry_provider
from lowlend.services.business_date import BusinessDateSettings
from lowlend.services.eod.runner import EodServices
from lowlend.services.lending.auto_debit import auto_debit

__all__ = ["eod_services"]


def eod_services(engine: sa.Engine, *, gateway: Any = None,
                 settings: Mapping[str, object] | None = None) -> EodServices:
    """The :class:`EodServices` over ``engine``: the store, the published registry (the
    ``eod`` spec), and auto-debit through ``gateway`` (none: the step is reported
    ``not_available``). ``settings``: the app config, before the environment."""
    sessions = make_session_factory(engine)
    provider = registry_provider(sessions)
    return EodServices(
        store=SqlEodStore(engine),
        current_registry=provider.current,
        money_uow=money_uow_factory(sessions),
        gateway=gateway,
        registry_for=provider.for_version,
        auto_debit=auto_debit,
        settings=BusinessDateSettings.from_mapping(*(() if settings is None else (settings,))),
        config_version_id=lambda: provider.version_id,
    )
