"""What every lending use case starts from: the application (row-locked), the product and
approval chain of the configuration version it is pinned to, and the facts its rules see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from lowlend.services.lending.errors import LendingError
from lowlend.services.lending.ports import ApplicationRow, LendingRepository
from lowlend.services.lending.scoring import rule_facts
from lowlend.spec.model import ApprovalChainSpec

__all__ = [
    "CANCELLED",
    "DONE",
    "OPEN",
    "WAITING",
    "RegistryFor",
    "application_facts",
    "chain_of",
    "load_application",
    "pinned_product",
]

RegistryFor = Callable[[int], Any]
"""The registry of a configuration version, by its id."""

OPEN, WAITING, DONE, CANCELLED = "open", "waiting", "done", "cancelled"
"""Approval task statuses."""


def load_application(repo: LendingRepository, application_id: int) -> ApplicationRow:
    app = repo.application(application_id, for_update=True)
    if app is None:
        raise LendingError("application_not_found", status=404, value=application_id)
    return app


def pinned_product(registry_for: RegistryFor, app: ApplicationRow) -> tuple[Any, Any]:
    registry = registry_for(app.config_version_id)
    product = registry.products.get(app.product_code)
    if product is None:
        raise LendingError("unknown_product", field="product_code", value=app.product_code)
    return registry, product


def chain_of(registry: Any, product: Any) -> ApprovalChainSpec:
    chain: ApprovalChainSpec | None = registry.approval_chains.get(product.approval_chain)
    if chain is None:
        raise LendingError("unknown_approval_chain", value=product.approval_chain)
    return chain


def application_facts(
    repo: LendingRepository, app: ApplicationRow, product: Any, bureau: Mapping[str, Any],
    today: dt.date, score_value: int = 0,
) -> dict[str, Any]:
    customer = repo.customer(app.customer_id)
    if customer is None:
        raise LendingError("customer_not_found", field="customer_id", value=app.customer_id)
    return rule_facts(
        product=product, amount=app.amount, term=app.term, rate=app.rate,
        custom=app.custom or {}, customer_custom=customer.custom or {},
        birth_date=customer.birth_date, sex=customer.sex, region=customer.region,
        loan_counts=repo.customer_loan_counts(customer.id), bureau=bureau, on=today,
        score_value=score_value,
    )
