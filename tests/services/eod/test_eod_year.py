"""A year of business dates for loans of every amortization method: after every close,
DPD, status, installment statuses, accrued interest, penalties and classification equal
the figures computed here from the stored schedule rows with the product's published
rules (``product_configs``) — not through the code the end of day runs.

The loans: one per method that never pays; an equal-installment loan that pays its first
three installments on their due dates and then stops; one that pays its first installment
0.50 short on the due date and then stops (within the 1.00 arrears tolerance of
``mark_overdue``: no DPD for that shortfall until the next installment is missed, but the
installment is ``overdue`` and accrues penalty — and the late fee — on the 0.50 of
principal left).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from lowlend.persistence.models import Installment, Loan
from lowlend.services.eod.runner import run_eod
from tests.services.eod.helpers import PRODUCTS, START, disbursed_loan, pay, schedule_rows, services
from tests.services.money.world import World

CENT = Decimal("0.01")
DAY = dt.timedelta(days=1)

# the published rules of product_configs (penalty block of each product, overdue fees of
# its fee schedule): rate per day, base incl. interest, late fee, grace days, cap ratio,
# overdue fee (rate of the overdue amount, min, max) or a fixed one
RULES: dict[str, dict[str, Any]] = {
    "consumer_emi": dict(rate="0.0005", with_interest=False, late="20.00", grace=3,
                         fee=("fixed", "0.00")),
    "business_equal_principal": dict(rate="0.0005", with_interest=True, late="0.00", grace=3,
                                     fee=("percent", "0.01", "50.00", "1000.00")),
    "business_interest_only": dict(rate="0.0005", with_interest=True, late="0.00", grace=3,
                                   fee=("percent", "0.01", "50.00", "1000.00")),
    "bridge_bullet": dict(rate="0.0006", with_interest=True, late="0.00", grace=0,
                          fee=("percent", "0.005", "0.00", "5000.00")),
    "installment_flat": dict(rate="0.0005", with_interest=False, late="10.00", grace=3,
                             fee=None),
}
CAP = Decimal("0.24")
TOLERANCE = Decimal("1.00")


def _round(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _category(dpd: int) -> str:
    if dpd == 0:
        return "pass"
    if dpd <= 90:
        return "special_mention"
    if dpd <= 180:
        return "substandard"
    if dpd <= 360:
        return "doubtful"
    return "loss"


def _overdue_fee(rule: Any, overdue: Decimal) -> Decimal:
    if rule is None:
        return Decimal(0)
    if rule[0] == "fixed":
        return Decimal(rule[1])
    return min(max(_round(overdue * Decimal(rule[1])), Decimal(rule[2])), Decimal(rule[3]))


def expected(product: str, rows: list[dict[str, Any]], unpaid: dict[int, Decimal],
             day: dt.date) -> dict[str, Any]:
    """The loan at the end of ``day``. ``unpaid[seq]``: principal left unpaid of a row
    paid on its due date (rows not in it are not paid at all)."""
    r = RULES[product]
    as_of = day + DAY
    starts = [START] + [x["due_date"] for x in rows[:-1]]
    accrued = Decimal(0)
    dpd = 0
    statuses: list[str] = []
    penalties: list[Decimal] = []
    for x, start in zip(rows, starts, strict=True):
        due, principal, interest, fee = (x["due_date"], Decimal(x["principal"]),
                                         Decimal(x["interest"]), Decimal(x["fee"]))
        if due <= day:
            accrued += interest
        elif start < as_of:
            accrued += _round(interest * (as_of - start).days / (due - start).days)
        if x["seq"] in unpaid:
            base = left = unpaid[x["seq"]]  # principal only: interest and fee were paid
        else:
            left = principal + interest + fee
            base = principal + (interest if r["with_interest"] else 0)
        if left == 0:
            statuses.append("paid")
            penalties.append(Decimal("0.00"))
            continue
        if due < as_of:
            statuses.append("overdue")
            if left > TOLERANCE and dpd == 0:
                dpd = (as_of - due).days
        else:
            statuses.append("due" if due == as_of else "pending")
        grace_end = due + dt.timedelta(days=r["grace"])
        days = max(0, (as_of - grace_end).days)
        total = base * Decimal(r["rate"]) * days
        if as_of >= grace_end + DAY:  # late fee day passed with something unpaid
            total += Decimal(r["late"]) + _overdue_fee(r["fee"], left)
        if due < as_of:
            at_due = principal + (interest if r["with_interest"] else 0)
            total = min(total, _round(at_due * CAP * (as_of - due).days / 365))
        penalties.append(_round(total) if due < as_of else Decimal("0.00"))
    return {"dpd": dpd, "status": "overdue" if dpd else "active",
            "classification": _category(dpd), "accrued_interest": accrued,
            "accrued_penalty": sum(penalties, Decimal(0)), "statuses": statuses,
            "penalties": penalties}


def stored(world: World, loan_id: int) -> dict[str, Any]:
    lt, it = Loan.__table__, Installment.__table__
    with world.engine.connect() as c:
        loan = c.execute(sa.select(lt).where(lt.c.id == loan_id)).one()
        inst = c.execute(sa.select(it).where(it.c.loan_id == loan_id).order_by(it.c.seq)).all()
    return {"dpd": loan.dpd, "status": loan.status, "classification": loan.classification,
            "accrued_interest": Decimal(str(loan.accrued_interest)),
            "accrued_penalty": Decimal(str(loan.accrued_penalty)),
            "statuses": [i.status for i in inst],
            "penalties": [Decimal(str(i.penalty)) for i in inst]}


def test_a_year_of_closes_matches_the_schedule(world: World) -> None:
    loans: dict[int, tuple[str, dict[int, Decimal]]] = {}
    for product in PRODUCTS:
        loans[disbursed_loan(world, product)] = (product, {})
    payer = disbursed_loan(world, "consumer_emi", amount="8000.00")
    short = disbursed_loan(world, "consumer_emi", amount="9000.00")
    loans[payer] = ("consumer_emi", {})
    loans[short] = ("consumer_emi", {})
    rows = {loan_id: schedule_rows(world, loan_id) for loan_id in loans}
    payments = {}
    for seq in (1, 2, 3):
        x = rows[payer][seq - 1]
        payments[(payer, x["due_date"])] = (x["principal"] + x["interest"] + x["fee"], seq,
                                            Decimal(0))
    x = rows[short][0]
    payments[(short, x["due_date"])] = (x["principal"] + x["interest"] + x["fee"]
                                        - Decimal("0.50"), 1, Decimal("0.50"))
    svc = services(world)
    end = START + dt.timedelta(days=364)
    day = START
    checked = 0
    while day <= end:
        for (loan_id, on), (amount, seq, left) in payments.items():
            if on == day:
                pay(world, loan_id, amount, on)
                loans[loan_id][1][seq] = left
        [summary] = run_eod(svc, day, today=end)
        assert summary.run.status == "completed", summary
        for loan_id, (product, unpaid) in loans.items():
            want = expected(product, rows[loan_id], unpaid, day)
            got = stored(world, loan_id)
            assert got == want, (day, loan_id, product)
            checked += 1
        day += DAY
    assert checked == 365 * len(loans)
