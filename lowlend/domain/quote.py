"""Quote = schedule + fees + totals + APR + compliance verdict, and its JSON form.

>>> from lowlend.domain.terms import LoanTerms
>>> t = LoanTerms(amount=Decimal("10000.00"), term=12, annual_rate=Decimal("0.18"),
...               start=date(2026, 1, 1), product_code="consumer_emi")
>>> q = build_quote(t, caps=(RateCap("cn.hard_cap", Decimal("0.24")),), region="CN")
>>> d = quote_to_json(q)
>>> d["amount"], d["annual_rate"], d["installments"][0]["due_date"], d["apr"]["nominal"]
('10000.00', '0.180000', '2026-02-01', '0.179244')
>>> d["compliance"]
{'region': 'CN', 'ok': True, 'violations': []}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.domain.apr import Apr, annualise, irr_at_times, periodic_irr, rate_decimal, xirr
from lowlend.domain.calendar import add_months, period_days, period_months
from lowlend.domain.compliance import ComplianceVerdict, RateCap, check_rate_caps
from lowlend.domain.conventions import Frequency
from lowlend.domain.errors import LoanInputError, NoSolutionError
from lowlend.domain.fees import FeeCharge, FeeSchedule, apply_fees
from lowlend.domain.schedule import Schedule, build_schedule
from lowlend.domain.terms import LoanTerms

__all__ = ["Quote", "build_quote", "cash_flows", "quote_to_json", "unit_period_times"]

_ZERO = Decimal(0)
_RATE = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Quote:
    """A priced loan offer.

    ``upfront_fees`` are the fee lines due at disbursement (deducted from the
    proceeds); ``net_proceeds = amount − upfront_fees``. ``apr`` is ``None`` when
    the IRR has no solution (then every cap is breached).
    """

    product: str
    terms: LoanTerms
    schedule: Schedule
    charges: tuple[FeeCharge, ...]
    upfront_fees: Decimal
    net_proceeds: Decimal
    apr: Apr | None
    xirr_effective: Decimal | None
    compliance: ComplianceVerdict

    @property
    def total_principal(self) -> Decimal:
        return self.schedule.total_principal

    @property
    def total_interest(self) -> Decimal:
        return self.schedule.total_interest

    @property
    def total_fee(self) -> Decimal:
        """Fees on the installment rows (upfront fees are in ``upfront_fees``)."""
        return self.schedule.total_fee

    @property
    def total_cost(self) -> Decimal:
        """Everything the borrower pays beyond the principal: interest + all fees."""
        return self.total_interest + self.total_fee + self.upfront_fees


def cash_flows(schedule: Schedule, net_proceeds: Decimal) -> list[tuple[date, Decimal]]:
    """Dated borrower cash flows: ``-net_proceeds`` at t0, then each row total."""
    flows = [(schedule.terms.start, -net_proceeds)]
    flows += [(r.due_date, r.total) for r in schedule.installments]
    return flows


def unit_period_times(schedule: Schedule) -> tuple[list[float], float]:
    """Each row's time from disbursement in unit periods, and the unit periods a year.

    Regular rows count whole periods. A broken first period (fixed day of month,
    n days after disbursement) counts as the fraction of the regular period that
    ends on its due date, and later rows follow it by whole periods (the actuarial
    method of 12 CFR 1026 App. J). A single-payment loan's unit period is its
    whole term (App. J (b)(5)(iv)), so it has ``year_days / term_days`` a year.
    """
    terms = schedule.terms
    rows = schedule.installments
    year_days = terms.day_count.days_in_year_fixed or 365
    if terms.frequency is Frequency.ONE_TIME and len(rows) == 1:
        return [1.0], year_days / max((rows[0].due_date - terms.start).days, 1)
    k_num, k_den = schedule.periods_per_year
    first = rows[0]
    months = period_months(terms.frequency, terms.every)
    if months is not None:
        previous = add_months(first.due_date, -months)
    else:
        previous = first.due_date - timedelta(days=period_days(terms.frequency, terms.every) or 1)
    regular_days = (first.due_date - previous).days
    first_t = (first.due_date - terms.start).days / regular_days
    if previous == terms.start:
        first_t = 1.0
    return [first_t + (r.period - first.period) for r in rows], k_num / k_den


def _apr(schedule: Schedule, net_proceeds: Decimal) -> tuple[Apr | None, Decimal | None]:
    rows = schedule.installments
    times, k = unit_period_times(schedule)
    periodic_guess = float(schedule.terms.annual_rate) / k
    irr: float | None = None
    try:
        if all(t == int(t) for t in times):
            periodic = [_ZERO] * (int(times[-1]) + 1)
            periodic[0] = -net_proceeds
            for t, r in zip(times, rows, strict=True):
                periodic[int(t)] += r.total
            irr = periodic_irr(periodic, guess=periodic_guess)
        else:
            flows = [(0.0, -net_proceeds)] + [(t, r.total) for t, r in zip(times, rows, strict=True)]
            irr = irr_at_times(flows, guess=periodic_guess)
        apr: Apr | None = annualise(irr, k)
    except NoSolutionError:
        apr = None
    try:
        guess = None if irr is None else math.expm1(k * math.log1p(irr))
        x: Decimal | None = rate_decimal(xirr(cash_flows(schedule, net_proceeds), guess=guess))
    except (NoSolutionError, OverflowError):
        x = None
    return apr, x


def build_quote(
    terms: LoanTerms,
    fees: FeeSchedule | None = None,
    caps: tuple[RateCap, ...] = (),
    region: str = "",
    product: str | None = None,
) -> Quote:
    """Price ``terms``: schedule, fee lines, net proceeds, APR and the cap verdict.

    :raises LoanInputError: ``fees_exceed_amount`` when upfront fees eat the proceeds.
    """
    schedule, charges = apply_fees(build_schedule(terms), fees)
    upfront = sum((c.amount for c in charges if c.seq is None), _ZERO)
    net = terms.amount - upfront
    if net <= 0:
        raise LoanInputError("fees", "fees_exceed_amount", upfront=upfront, amount=terms.amount)
    apr, x = _apr(schedule, net)
    verdict = check_rate_caps(apr, caps, region)
    return Quote(product if product is not None else terms.product_code, terms, schedule,
                 charges, upfront, net, apr, x, verdict)


def quote_to_json(quote: Quote, locale: str = "en") -> dict[str, Any]:
    """The CONTRACTS.md quote shape (money strings with minor-unit places, rates with 6).

    ``json.dumps(quote_to_json(q), ensure_ascii=False)`` gives the wire text.
    Violation messages are rendered in ``locale`` (``zh_CN`` | ``en``).
    """
    t = quote.terms
    fmt = t.rounding.format

    def rate(x: Decimal | None) -> str | None:
        return None if x is None else f"{x.quantize(_RATE):f}"

    rows = quote.schedule.installments
    return {
        "product": quote.product,
        "amount": fmt(t.amount),
        "term": t.term,
        "annual_rate": rate(t.annual_rate),
        "terms": {
            "method": t.amortization.value,
            "frequency": t.frequency.value,
            "day_count": t.day_count.value,
            "interest_period": t.interest_period.value,
            "rounding": t.rounding.mode.value,
            "currency": t.currency,
        },
        "net_proceeds": fmt(quote.net_proceeds),
        "installments": [
            {
                "seq": r.seq,
                "due_date": r.due_date.isoformat(),
                "principal": fmt(r.principal),
                "interest": fmt(r.interest),
                "fee": fmt(r.fee),
                "total": fmt(r.principal + r.interest + r.fee),
                "balance": fmt(r.balance),
            }
            for r in rows
        ],
        "totals": {
            "principal": fmt(quote.total_principal),
            "interest": fmt(quote.total_interest),
            "fee": fmt(quote.total_fee),
            "total": fmt(quote.total_principal + quote.total_interest + quote.total_fee),
        },
        "apr": {
            "nominal": rate(quote.apr.nominal if quote.apr else None),
            "effective": rate(quote.apr.effective if quote.apr else None),
        },
        "compliance": {
            "region": quote.compliance.region,
            "ok": quote.compliance.ok,
            "violations": [
                {"rule": v.rule_id, "message": v.message(locale)} for v in quote.compliance.violations
            ],
        },
    }
