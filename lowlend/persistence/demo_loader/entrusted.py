"""The demo's entrusted loans get their entrusting party, and each party deposits what its
loans lent (委托资金), through the deposit use case.

The demo's money is posted before the records of config-declared entities exist (the
entrusting parties are such records), so this runs after both: each entrusted loan of the
demo without a party is given one of the demo's entrusting parties (in turn), and each
party deposits the principal of its loans (value date: its first loan's disbursement,
booked on the demo's business date). Afterwards every party's available funds are what
its loans repaid and collected for it, never below zero, and the journal still verifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.domain.approval import Actor
from lowlend.domain.conventions import LoanKind
from lowlend.persistence.demo_loader.money import SavepointMoneyUow
from lowlend.persistence.models import Loan
from lowlend.services.lending.entrusted_funds import ENTITY, FundsRequest, deposit

__all__ = ["fund_entrusted_loans"]


def fund_entrusted_loans(session: Session, registry: Any, *, business_date: dt.date,
                         user_ids: Mapping[str, int]) -> int:
    """Link the demo's entrusted loans without a party to the demo's entrusting parties
    and post each party's deposit (module text). Returns the number of deposits.

    Does nothing without an ``entrusting_parties`` entity, its records or entrusted loans.
    """
    entity = registry.entities.get(ENTITY)
    entrusted = [code for code, p in registry.products.items() if p.kind is LoanKind.ENTRUSTED]
    if entity is None or not entrusted:
        return 0
    table = sa.table(entity.table, sa.column("id", sa.Integer))
    session.flush()
    parties = list(session.execute(sa.select(table.c.id).order_by(table.c.id)).scalars())
    loans = list(session.scalars(
        sa.select(Loan).where(Loan.product_code.in_(entrusted), Loan.entrusting_party_id.is_(None),
                              Loan.disbursed_on.is_not(None)).order_by(Loan.id)))
    if not parties or not loans:
        return 0
    lent: dict[int, tuple[Decimal, dt.date, str]] = {}
    for i, loan in enumerate(loans):
        party = int(parties[i % len(parties)])
        loan.entrusting_party_id = party
        loan.custom = {**(loan.custom or {}), "entrusting_party": party}
        disbursed_on = loan.disbursed_on
        assert disbursed_on is not None  # the demo's entrusted loans are all disbursed
        total, first, currency = lent.get(party, (Decimal("0.00"), disbursed_on, loan.currency))
        lent[party] = (total + loan.disbursed_principal, min(first, disbursed_on), currency)
    session.flush()
    connection = session.connection()
    maker = Actor(user_ids.get("finance") or 0, "finance", frozenset({"finance"}))
    for party, (total, first, currency) in sorted(lent.items()):
        deposit(lambda: SavepointMoneyUow(connection), party,
                FundsRequest(total, min(first, business_date), f"WT-DEMO-{party}",
                             "委托资金存入 entrusted funds (demo)", currency),
                actor=maker, registry=registry, business_date=business_date)
    session.expire_all()
    return len(lent)
