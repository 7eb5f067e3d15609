"""The lending use cases' collaborators for one app: units of work, the pinned registry,
the bureau, the contract renderer, the acting user. Built lazily per app and kept in
``app.extensions`` (no import-time state, no sharing between apps).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from lowlend.domain.approval import Actor
from lowlend.services.lending.loans import ContractRenderer
from lowlend.services.lending.ports import BureauPort
from lowlend.web import registry_hooks
from lowlend.web.backend import backend_of
from lowlend.web.user_context import current_principal

__all__ = ["LendingContext", "actor", "business_today", "lending"]

_KEY = "lowlend_lending"


@dataclass
class LendingContext:
    """What a lending view needs to call a use case."""

    uow: Callable[[], Any]
    bureau: BureauPort | None
    contract: ContractRenderer | None
    money: Callable[[], Any]
    gateway: Any = None  # lowlend.integrations.payments.PaymentGateway

    @staticmethod
    def registry_for(version_id: int) -> Any:
        """The registry of a pinned configuration version."""
        prov = registry_hooks.provider()
        if prov is None:
            raise RuntimeError("no registry provider: the configuration store is not set up")
        return prov.for_version(version_id)


def _build(app: Flask) -> LendingContext:
    from lowlend.integrations.bureau.factory import bureau_from_settings
    from lowlend.integrations.payments import gateway_from_settings
    from lowlend.services.contracts import Lender
    from lowlend.services.lending.contract_facts import contract_renderer
    from lowlend.web.generic.stamping import id_protector

    units = backend_of(app).uow
    settings = {k: str(v) for k, v in os.environ.items() if k.startswith("LOWLEND_BUREAU")}
    settings.update(
        {k: str(v) for k, v in app.config.items() if k.startswith("LOWLEND_BUREAU")}
    )
    settings.setdefault("LOWLEND_BUREAU", "sandbox")
    bureau: BureauPort = bureau_from_settings(settings)
    gateway_settings = {k: str(v) for k, v in os.environ.items() if k.startswith("LOWLEND_GATEWAY")}
    gateway_settings.update(
        {k: str(v) for k, v in app.config.items() if k.startswith("LOWLEND_GATEWAY")}
    )
    gateway = gateway_from_settings(gateway_settings)
    admin_role = str(app.config.get("AUTH_ROLE_ADMIN", "Admin"))
    with app.app_context():
        protector = id_protector()
    lender = Lender(
        name=str(app.config.get("LOWLEND_LENDER_NAME", "")),
        address=str(app.config.get("LOWLEND_LENDER_ADDRESS", "")),
        licence_no=str(app.config.get("LOWLEND_LENDER_LICENCE", "")),
    )
    renderer = contract_renderer(lender, with_pdf=bool(app.config.get("LOWLEND_CONTRACT_PDF", True)))
    return LendingContext(
        uow=units.lending(admin_role, protector.decrypt),
        bureau=bureau,
        contract=renderer,
        money=units.money(),
        gateway=gateway,
    )


def lending() -> LendingContext:
    """This app's :class:`LendingContext` (built on first use)."""
    found = current_app.extensions.get(_KEY)
    if found is None:
        found = _build(current_app._get_current_object())  # type: ignore[attr-defined]
        current_app.extensions[_KEY] = found
    return found  # type: ignore[no-any-return]


def actor() -> Actor:
    """The signed-in user as the approval engine sees them."""
    p = current_principal()
    return Actor(int(p.user_id or 0), p.username, frozenset(p.role_codes))


def step_labels(config_version_id: int, product_code: str) -> dict[str, str]:
    """The labels (in the user's language) of the approval steps of a product's chain, as
    pinned by ``config_version_id``; codes stay as they are when the version is unknown."""
    from lowlend.web.i18n import label_text

    try:
        registry = LendingContext.registry_for(config_version_id)
    except (RuntimeError, LookupError, ValueError):
        return {}
    product = registry.products.get(product_code)
    chain = registry.approval_chains.get(product.approval_chain) if product else None
    return {step.code: label_text(step.label) for step in (chain.steps if chain else ())}


def role_labels() -> dict[str, str]:
    """Role codes → labels of the current configuration, in the user's language."""
    from lowlend.web.i18n import label_text

    registry = registry_hooks.current_registry()
    roles = getattr(registry, "roles", None) or {}
    return {code: label_text(role.label) for code, role in roles.items()}


def business_today() -> dt.date:
    """The business date new work is dated with (today until end-of-day runs exist)."""
    return dt.date.today()
