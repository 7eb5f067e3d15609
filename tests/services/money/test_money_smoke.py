from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lowlend.services.lending.disbursements import DisbursementRequest, disburse
from lowlend.services.lending.repayments import RepaymentRequest, repay
from tests.services.money.world import MAKER, World


def test_disburse_and_repay(world: World) -> None:
    loan_id = world.approved_loan()
    d = disburse(world.uow, loan_id, DisbursementRequest(dt.date(2026, 1, 6), reference="BK1"),
                 actor=MAKER, registry_for=world.registry_for, business_date=dt.date(2026, 1, 6))
    assert d.status == "posted"
    r = repay(world.uow, loan_id, RepaymentRequest(Decimal("1100.00"), dt.date(2026, 2, 6)),
              actor=MAKER, registry_for=world.registry_for, business_date=dt.date(2026, 2, 10),
              idempotency_key="k1")
    print(d, r)
    assert not r.replayed
