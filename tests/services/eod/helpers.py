"""A portfolio for end-of-day tests: the money tests' world (shipped configuration,
approved loans) with loans of every amortization method disbursed, EOD services over it,
and table checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lowlend.persistence.eod_repository import SqlEodStore
from lowlend.persistence.models import Installment
from lowlend.services.business_date import BusinessDateSettings
from lowlend.services.eod.runner import EodServices
from lowlend.services.lending.auto_debit import auto_debit
from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import MAKER, ROOT, World

START = dt.date(2025, 6, 2)
"""Disbursement date of the portfolio (a business date in the past of any test run)."""

PRODUCTS = {
    # product: (amount, term, rate) — one product per amortization method
    "consumer_emi": ("12000.00", 12, None),            # equal_installment, monthly
    "business_equal_principal": ("60000.00", 12, None),  # equal_principal, fixed day 20
    "business_interest_only": ("120000.00", 6, None),    # interest_only, ACT/360
    "bridge_bullet": ("200000.00", 1, None),             # bullet, one_time after 90 days
    "installment_flat": ("6000.00", 12, None),           # flat, 30/360
}


def published_world(database_url: str, partition_size: int | None = None) -> World:
    """A world whose configuration is really published (what the CLI and the Celery tasks
    read through the registry provider), with a customer and no loans; ``partition_size``
    replaces the one of the shipped ``eod.yaml``."""
    from lowlend.persistence.engine import make_engine, make_session_factory
    from lowlend.persistence.migrate import upgrade
    from lowlend.persistence.models import Customer
    from lowlend.persistence.money_repository import money_uow_factory
    from lowlend.persistence.wiring import open_config_store, registry_provider
    from lowlend.spec.loader import read_bundle

    upgrade(database_url)
    files = dict(read_bundle(ROOT / "product_configs", ROOT / "notification_templates"))
    if partition_size is not None:
        key = next(k for k in files if str(k).endswith("eod.yaml"))
        files[key] = re.sub(r"(?m)^partition_size: \d+", f"partition_size: {partition_size}",
                            str(files[key]))
    with open_config_store(database_url, create_schema=False) as store:
        version = store.publish(files, "tester", "shipped")
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        customer = Customer(kind="individual", name="王小明", id_type="resident_id",
                            id_number_hash="h", region="CN-JX", custom={})
        session.add(customer)
        session.commit()
        customer_id = int(customer.id)
    provider = registry_provider(sessions)
    registry = provider.current()
    return World(engine, money_uow_factory(sessions), registry, int(version.version.id),
                 customer_id)


def services(world: World, *, gateway: Any = None, start: dt.date = START) -> EodServices:
    """EOD services over the world's database with its registry (the shipped ``eod.yaml``)."""
    return EodServices(
        store=SqlEodStore(world.engine), current_registry=lambda: world.registry,
        money_uow=world.uow, gateway=gateway, registry_for=world.registry_for,
        auto_debit=auto_debit if gateway is not None else None,
        settings=BusinessDateSettings(start=start, max_days_ahead=0),
    )


def disbursed_loan(world: World, product: str, *, amount: str | None = None,
                   term: int | None = None, on: dt.date = START,
                   custom: dict[str, Any] | None = None) -> int:
    default_amount, default_term, rate = PRODUCTS[product]
    loan_id = world.approved_loan(product, amount or default_amount, term or default_term, rate,
                                  start=on, custom=custom)
    disburse(world.uow, loan_id, DisbursementRequest(on, reference=f"BK{loan_id}"),
             actor=MAKER, registry_for=world.registry_for, business_date=on)
    return loan_id


def pay(world: World, loan_id: int, amount: Decimal, on: dt.date) -> None:
    repay(world.uow, loan_id, RepaymentRequest(amount, on, reference=f"R{loan_id}-{on}"),
          actor=MAKER, registry_for=world.registry_for, business_date=on,
          idempotency_key=f"pay-{loan_id}-{on}")


def schedule_rows(world: World, loan_id: int) -> list[dict[str, Any]]:
    t = Installment.__table__
    with world.engine.connect() as c:
        return [dict(r) for r in c.execute(
            sa.select(t.c.seq, t.c.due_date, t.c.principal, t.c.interest, t.c.fee)
            .where(t.c.loan_id == loan_id).order_by(t.c.seq)).mappings()]


CHECKED_TABLES = {
    "loans": ("id", "status", "dpd", "classification", "delinquency_bucket", "accrued_interest",
              "accrued_penalty", "last_closed_business_date"),
    "installments": ("loan_id", "seq", "status", "penalty", "principal_paid", "interest_paid",
                     "fee_paid", "penalty_paid"),
    "loan_classification_changes": ("loan_id", "business_date", "from_category",
                                    "to_category", "dpd", "source", "reason"),
    "loan_classification_overrides": ("loan_id", "category", "status", "ended_on"),
    "transactions": ("loan_id", "type", "status", "value_date", "business_date", "amount",
                     "channel", "idempotency_key"),
    "eod_failures": ("loan_id", "step", "error_code", "retried"),
}
"""The tables the end of day writes, without ids of its own rows and timestamps."""


def checksums(engine: sa.Engine) -> dict[str, str]:
    out = {}
    with engine.connect() as c:
        for table, cols in CHECKED_TABLES.items():
            rows = c.execute(sa.text(f"SELECT {', '.join(cols)} FROM {table}")).all()
            text = "\n".join(sorted("|".join(_norm(v) for v in r) for r in rows))
            out[table] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _norm(value: Any) -> str:
    if isinstance(value, Decimal | float):
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return value  # SQLite dates
    return str(value)
