"""The top-level generator: customers pool, loans, open applications, the data set."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lowlend.domain.fees import FeeSchedule
from lowlend.domain.quote import build_quote
from lowlend.domain.schedule import Schedule
from lowlend.services.demo_data.common import _SH_TZ, _at, _rng
from lowlend.services.demo_data.custom_values import _custom_values
from lowlend.services.demo_data.customers import (
    ENTERPRISE_POOL,
    _enterprise,
    _individual,
    _relations,
)
from lowlend.services.demo_data.loans import (
    REVERSAL_EVERY,
    _dpd_ranges,
    add_duplicate,
    classify,
    forecast,
    plan_payments,
    plan_recovery,
    plan_write_off,
)
from lowlend.services.demo_data.organisation import (
    DEPARTMENTS,
    STAFF,
    _department_for,
    _is_enterprise_product,
    _market,
    _officers,
)
from lowlend.services.demo_data.products import (
    _choose_amount,
    _choose_rate,
    _choose_term,
    _products,
    _window,
)
from lowlend.services.demo_data.records import (
    APPLICATION_STATUSES,
    DEFAULT_BUSINESS_DATE,
    DEFAULT_LOANS,
    DEFAULT_SEED,
    DemoApplication,
    DemoCustomer,
    DemoDataSet,
    DemoLoan,
    DemoPayment,
)
from lowlend.services.demo_data.vocabulary import _CHANNELS
from lowlend.services.product_terms import snapshot_of, terms_and_fees
from lowlend.spec.model import ProductSpec


@dataclass
class _Builder:
    registry: Any
    seed: int
    business_date: date
    customers: dict[str, DemoCustomer] = field(default_factory=dict)
    by_market: dict[str, list[str]] = field(default_factory=dict)
    enterprises: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for k in range(ENTERPRISE_POOL):
            created = date(2025, 1, 2) + timedelta(days=17 * k)
            c = _enterprise(self.seed, k, created)
            self.customers[c.ref] = c
            self.enterprises.append(c.ref)

    def customer_for(self, rng: random.Random, product: ProductSpec, ref: str,
                     created: date) -> DemoCustomer:
        if _is_enterprise_product(product):
            return self.customers[rng.choice(self.enterprises)]
        market = _market(product.region)
        existing = self.by_market.setdefault(market, [])
        if existing and rng.random() < 0.18:
            return self.customers[rng.choice(existing)]
        department = _department_for(product)
        c = _individual(self.seed, ref, market, department, rng.choice(_officers(department)),
                        created)
        self.customers[c.ref] = c
        existing.append(c.ref)
        return c



@dataclass(frozen=True)
class _Plan:
    payments: tuple[DemoPayment, ...]
    behaviour: str
    write_off_on: date | None
    status: str
    dpd: int
    maturity: date


def _behaviour(roll: float) -> str:
    if roll < 0.56:
        return "on_time"
    if roll < 0.66:
        return "payoff"
    if roll < 0.80:
        return "late"
    if roll < 0.86:
        return "partial"
    return "delinquent"


def _plan(b: _Builder, i: int, product: ProductSpec, schedule: Schedule,
          fees: FeeSchedule | None) -> _Plan:
    """The money plan of loan ``i`` and the state it leads to as of the business date
    (its own random stream: the plan does not move the other draws)."""
    rng = _rng(b.seed, "money", i)
    ref = f"S{b.seed}-L{i:06d}"
    behaviour = _behaviour(rng.random())
    channel = rng.choice(_CHANNELS)
    payments, behaviour = plan_payments(
        rng, ref, schedule, fees, b.business_date, behaviour, channel,
        product.prepayment.allowed_after_periods,
    )
    if i % REVERSAL_EVERY == 5:
        payments = add_duplicate(rng, payments, b.business_date)
    write_off_on = None
    if behaviour in ("delinquent", "partial"):
        write_off_on = plan_write_off(rng, schedule, fees, payments, b.business_date,
                                      product.write_off.min_dpd)
    if write_off_on is not None:
        recovery = plan_recovery(rng, ref, schedule, fees, payments, write_off_on,
                                 b.business_date)
        dpd = forecast(schedule, payments, write_off_on, fees).days_past_due()
        state = forecast(schedule, payments, b.business_date, fees)
        if recovery is not None:
            payments = [*payments, recovery]
        status = "written_off"
    else:
        state = forecast(schedule, payments, b.business_date, fees)
        dpd = state.days_past_due()
        status = "closed" if state.is_closed else "overdue" if dpd > 0 else "active"
    maturity = state.installments[-1].due_date if state.installments else schedule.maturity
    return _Plan(tuple(payments), behaviour, write_off_on, status, dpd, maturity)


def _loan(b: _Builder, i: int, products: list[tuple[ProductSpec, float]],
          ranges: Sequence[tuple[int | None, str]]
          ) -> tuple[DemoLoan, DemoApplication, DemoCustomer]:
    rng = _rng(b.seed, "loan", i)
    product = rng.choices([p for p, _ in products], weights=[w for _, w in products])[0]
    first, last = _window(product, b.business_date)
    span = (last - first).days
    start = last - timedelta(days=int(span * rng.random() ** 1.4))
    ref = f"S{b.seed}-L{i:06d}"
    customer = b.customer_for(rng, product, f"S{b.seed}-C{i:06d}",
                              start - timedelta(days=rng.randint(2, 30)))
    amount = _choose_amount(rng, product)
    term = _choose_term(rng, product)
    rate = _choose_rate(rng, product)
    terms, fees = terms_and_fees(b.registry, product.code, amount=amount, term=term,
                                 annual_rate=rate, start=start)
    schedule = build_quote(terms, fees).schedule
    plan = _plan(b, i, product, schedule, fees)
    department = _department_for(product)
    owner = customer.owner_employee_no if customer.department_code == department else (
        rng.choice(_officers(department)))
    submitted = _at(start - timedelta(days=rng.randint(3, 12)), rng)
    decided = _at(start - timedelta(days=rng.randint(0, 2)), rng, 14, 18)
    if decided < submitted:
        decided = submitted + timedelta(hours=2)
    app = DemoApplication(
        ref=f"S{b.seed}-A{i:06d}", customer_ref=customer.ref, product_code=product.code,
        amount=amount, currency=product.currency, term=term, rate=rate, status="disbursed",
        department_code=department, owner_employee_no=owner,
        created_at=submitted - timedelta(minutes=rng.randint(5, 90)), submitted_at=submitted,
        decided_at=decided,
        custom=_custom_values(rng, b.registry, product, customer, amount, start),
    )
    loan = DemoLoan(
        ref=ref, application_ref=app.ref, customer_ref=customer.ref, product_code=product.code,
        kind=product.kind.value, principal=amount, annual_rate=rate, currency=product.currency,
        term=term, status=plan.status, approved_on=decided.astimezone(_SH_TZ).date(),
        disbursed_on=start, maturity_date=plan.maturity,
        last_closed_business_date=b.business_date - timedelta(days=1), dpd=plan.dpd,
        classification="loss" if plan.write_off_on else classify(plan.dpd, ranges),
        department_code=department, owner_employee_no=owner,
        terms_snapshot=snapshot_of(terms, fees),
        payments=plan.payments, behaviour=plan.behaviour,
        disbursement_reference=f"FK{start:%Y%m%d}{b.seed % 100:02d}{i:06d}",
        write_off_on=plan.write_off_on,
    )
    return loan, app, customer


def _open_application(b: _Builder, j: int, products: list[tuple[ProductSpec, float]]
                      ) -> tuple[DemoApplication, DemoCustomer]:
    rng = _rng(b.seed, "application", j)
    open_statuses = APPLICATION_STATUSES[:-1]
    status = open_statuses[j] if j < len(open_statuses) else rng.choices(
        open_statuses, weights=(2, 3, 4, 1, 2, 3, 1))[0]
    usable = [(p, w) for p, w in products if _window(p, b.business_date)[1] >= b.business_date
              - timedelta(days=1)] or products
    product = rng.choices([p for p, _ in usable], weights=[w for _, w in usable])[0]
    created = b.business_date - timedelta(days=rng.randint(0, 45))
    customer = b.customer_for(rng, product, f"S{b.seed}-P{j:06d}", created)
    amount = _choose_amount(rng, product)
    term = _choose_term(rng, product)
    rate = _choose_rate(rng, product)
    department = _department_for(product)
    created_at = _at(created, rng)
    submitted_at = None if status == "draft" else created_at + timedelta(minutes=rng.randint(10,
                                                                                         600))
    decided_at = None
    if status in ("returned", "approved", "rejected"):
        assert submitted_at is not None
        decided_at = submitted_at + timedelta(hours=rng.randint(2, 60))
    app = DemoApplication(
        ref=f"S{b.seed}-Q{j:06d}", customer_ref=customer.ref, product_code=product.code,
        amount=amount, currency=product.currency, term=term, rate=rate, status=status,
        department_code=department, owner_employee_no=customer.owner_employee_no
        if customer.department_code == department else rng.choice(_officers(department)),
        created_at=created_at, submitted_at=submitted_at, decided_at=decided_at,
        custom=_custom_values(rng, b.registry, product, customer, amount, created),
    )
    return app, customer


def open_application_count(loans: int) -> int:
    """How many applications without a loan the data set has for ``loans`` loans."""
    return max(2 * (len(APPLICATION_STATUSES) - 1), loans // 4)


def generate_demo_data(
    registry: Any,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
) -> DemoDataSet:
    """Generate the demo data set for ``registry`` (a :class:`~lowlend.spec.SpecRegistry`).

    :param loans: number of loans (``0`` gives the organisation, customers and
        open applications only).
    :param seed: random seed; the data set is a pure function of its arguments.
    :param business_date: the date the portfolio is "as of" (loans are disbursed
        in the two years before it; penalties and DPD are computed up to it).
    :raises ValueError: ``loans`` negative, or no product of the registry usable
        in the two years before ``business_date``.
    """
    if loans < 0:
        raise ValueError("loans must be >= 0")
    products = _products(registry, business_date)
    if not products:
        raise ValueError("no product of the configuration is valid before the business date")
    ranges = _dpd_ranges(registry)
    b = _Builder(registry, seed, business_date)
    loan_rows: list[DemoLoan] = []
    apps: list[DemoApplication] = []
    for i in range(loans):
        loan, app, _ = _loan(b, i, products, ranges)
        loan_rows.append(loan)
        apps.append(app)
    for j in range(open_application_count(loans)):
        app, _ = _open_application(b, j, products)
        apps.append(app)
    used = {a.customer_ref for a in apps} | set(b.enterprises)
    customers = tuple(c for ref, c in b.customers.items() if ref in used)
    return DemoDataSet(
        seed=seed,
        business_date=business_date,
        departments=DEPARTMENTS,
        staff=STAFF,
        customers=customers,
        applications=tuple(apps),
        loans=tuple(loan_rows),
        relations=_relations(seed, list(customers)),
    )
