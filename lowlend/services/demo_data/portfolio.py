"""The top-level generator: customers pool, loans, open applications, the data set."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.domain.fees import FeeSchedule
from lowlend.domain.quote import build_quote
from lowlend.domain.schedule import Schedule
from lowlend.services.demo_data.common import _SH_TZ, _at, _rng
from lowlend.services.demo_data.custom_values import _custom_values
from lowlend.services.demo_data.customers import (
    ENTERPRISE_POOL,
    RELATION_POOL,
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
    DemoChunk,
    DemoCustomer,
    DemoDataSet,
    DemoLoan,
    DemoPayment,
    DemoRelation,
)
from lowlend.services.demo_data.vocabulary import _CHANNELS
from lowlend.services.product_terms import snapshot_of, terms_and_fees
from lowlend.spec.model import ProductSpec


@dataclass
class _Builder:
    """The generator's running state. Only the enterprise pool and the customers made since
    the last :meth:`take` are kept whole; an individual met again is made again from its
    reference and the few arguments stored for it (the same customer: a pure function of
    them), so memory stays small however many loans are drawn."""

    registry: Any
    seed: int
    business_date: date
    customers: dict[str, DemoCustomer] = field(default_factory=dict)
    by_market: dict[str, list[str]] = field(default_factory=dict)
    enterprises: list[str] = field(default_factory=list)
    made: dict[str, tuple[str, str, str | None, date]] = field(default_factory=dict)
    fresh: list[DemoCustomer] = field(default_factory=list)
    people: list[DemoCustomer] = field(default_factory=list)

    def __post_init__(self) -> None:
        for k in range(ENTERPRISE_POOL):
            created = date(2025, 1, 2) + timedelta(days=17 * k)
            c = _enterprise(self.seed, k, created)
            self.customers[c.ref] = c
            self.enterprises.append(c.ref)
            self.fresh.append(c)

    def take(self) -> tuple[DemoCustomer, ...]:
        """The customers made since the last call, in creation order."""
        out, self.fresh = tuple(self.fresh), []
        return out

    def _again(self, ref: str) -> DemoCustomer:
        market, department, owner, created = self.made[ref]
        return _individual(self.seed, ref, market, department, owner, created)

    def customer_for(self, rng: random.Random, product: ProductSpec, ref: str,
                     created: date) -> DemoCustomer:
        if _is_enterprise_product(product):
            return self.customers[rng.choice(self.enterprises)]
        market = _market(product.region)
        existing = self.by_market.setdefault(market, [])
        if existing and rng.random() < 0.18:
            return self._again(rng.choice(existing))
        department = _department_for(product)
        owner = rng.choice(_officers(department))
        c = _individual(self.seed, ref, market, department, owner, created)
        self.made[c.ref] = (market, department, owner, created)
        self.fresh.append(c)
        if len(self.people) < RELATION_POOL:
            self.people.append(c)
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
        payments = add_duplicate(rng, payments, b.business_date, schedule, fees)
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


def _pipeline_loan(b: _Builder, k: int, product: ProductSpec,
                   ranges: Sequence[tuple[int | None, str]],
                   tranche: bool) -> tuple[DemoApplication, DemoLoan]:
    """An approved loan awaiting disbursement (``tranche`` false) or paid out in part (its
    first tranche, a few days ago; nothing due yet)."""
    rng = _rng(b.seed, "pipeline", k)
    start = b.business_date - timedelta(days=rng.randint(3, 12))
    ref = f"S{b.seed}-W{k:06d}"
    customer = b.customer_for(rng, product, f"S{b.seed}-KC{k:06d}",
                              start - timedelta(days=rng.randint(5, 30)))
    amount = _choose_amount(rng, product)
    first: Decimal | None = None
    spec = product.disbursement.tranches
    if tranche and spec is not None:
        amount = min(max(amount, spec.min_amount * 3), product.amount.max)
        first = max(spec.min_amount, (amount / 2 / 1000).quantize(Decimal(1)) * 1000)
    term = _choose_term(rng, product)
    rate = _choose_rate(rng, product)
    terms, fees = terms_and_fees(b.registry, product.code, amount=amount, term=term,
                                 annual_rate=rate, start=start)
    schedule = build_quote(terms, fees).schedule
    department = _department_for(product)
    owner = customer.owner_employee_no if customer.department_code == department else (
        rng.choice(_officers(department)))
    submitted = _at(start - timedelta(days=rng.randint(4, 10)), rng)
    decided = _at(start - timedelta(days=rng.randint(1, 3)), rng, 14, 18)
    app = DemoApplication(
        ref=f"S{b.seed}-K{k:06d}", customer_ref=customer.ref, product_code=product.code,
        amount=amount, currency=product.currency, term=term, rate=rate,
        status="disbursed" if first is not None else "approved",
        department_code=department, owner_employee_no=owner,
        created_at=submitted - timedelta(minutes=rng.randint(5, 90)), submitted_at=submitted,
        decided_at=decided,
        custom=_custom_values(rng, b.registry, product, customer, amount, start),
    )
    loan = DemoLoan(
        ref=ref, application_ref=app.ref, customer_ref=customer.ref, product_code=product.code,
        kind=product.kind.value, principal=amount, annual_rate=rate, currency=product.currency,
        term=term, status="active" if first is not None else "approved",
        approved_on=decided.astimezone(_SH_TZ).date(), disbursed_on=start,
        maturity_date=schedule.maturity,
        last_closed_business_date=b.business_date - timedelta(days=1), dpd=0,
        classification=classify(0, ranges), department_code=department,
        owner_employee_no=owner, terms_snapshot=snapshot_of(terms, fees), payments=(),
        behaviour="on_time", disbursement_reference=f"FK{start:%Y%m%d}{b.seed % 100:02d}W{k:05d}",
        awaiting=first is None, first_tranche=first,
    )
    return app, loan


def pipeline_loans(b: _Builder, products: Sequence[tuple[ProductSpec, float]],
                   ranges: Sequence[tuple[int | None, str]]
                   ) -> tuple[tuple[DemoApplication, DemoLoan], ...]:
    """The loans the disbursement screen shows: one approved and awaiting disbursement (of
    the first usable individual product), one partly disbursed (of the first usable
    product with ``disbursement.tranches`` that is not entrusted), each with its
    application; fewer when the configuration has no such product."""
    usable = [p for p, _ in products
              if _window(p, b.business_date)[1] >= b.business_date - timedelta(days=1)]
    out = []
    single = next((p for p in usable if p.disbursement.tranches is None
                   and p.revolving is None and p.kind.value != "entrusted"), None)
    if single is not None:
        out.append(_pipeline_loan(b, 1, single, ranges, tranche=False))
    split = next((p for p in usable if p.disbursement.tranches is not None
                  and p.revolving is None and p.kind.value != "entrusted"), None)
    if split is not None:
        out.append(_pipeline_loan(b, 2, split, ranges, tranche=True))
    return tuple(out)


def open_application_count(loans: int) -> int:
    """How many applications without a loan the data set has for ``loans`` loans."""
    return max(2 * (len(APPLICATION_STATUSES) - 1), loans // 4)


def _check(registry: Any, loans: int, business_date: date
           ) -> list[tuple[ProductSpec, float]]:
    if loans < 0:
        raise ValueError("loans must be >= 0")
    products = _products(registry, business_date)
    if not products:
        raise ValueError("no product of the configuration is valid before the business date")
    return products


def iter_demo_chunks(
    registry: Any,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
    chunk_size: int = 2000,
) -> Iterator[DemoChunk]:
    """The portfolio of :func:`generate_demo_data`, ``chunk_size`` loans (then open
    applications) at a time, in creation order: concatenated, the slices are exactly that
    data set's customers, applications, loans and relations. Memory does not grow with
    ``loans`` beyond a few small values per customer.

    :raises ValueError: as :func:`generate_demo_data`, or ``chunk_size`` < 1.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    products = _check(registry, loans, business_date)
    ranges = _dpd_ranges(registry)
    b = _Builder(registry, seed, business_date)
    relations_due = True

    def chunk(apps: list[DemoApplication], rows: list[DemoLoan], last: bool) -> DemoChunk:
        nonlocal relations_due
        customers = b.take()
        relations: tuple[DemoRelation, ...] = ()
        if relations_due and (len(b.people) >= RELATION_POOL or last):
            relations_due = False
            firms = [b.customers[ref] for ref in b.enterprises]
            relations = _relations(seed, [*firms, *b.people])
        return DemoChunk(customers, tuple(apps), tuple(rows), relations)

    opened = open_application_count(loans)
    for start in range(0, loans, chunk_size):
        rows: list[DemoLoan] = []
        apps: list[DemoApplication] = []
        for i in range(start, min(start + chunk_size, loans)):
            loan, app, _ = _loan(b, i, products, ranges)
            rows.append(loan)
            apps.append(app)
        yield chunk(apps, rows, last=False)
    for start in range(0, opened, chunk_size):
        apps = [_open_application(b, j, products)[0]
                for j in range(start, min(start + chunk_size, opened))]
        last = start + chunk_size >= opened
        pipeline = pipeline_loans(b, products, ranges) if last and loans else ()
        yield replace(chunk(apps, [], last=last), pipeline=pipeline)


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
    _check(registry, loans, business_date)
    customers: list[DemoCustomer] = []
    apps: list[DemoApplication] = []
    loan_rows: list[DemoLoan] = []
    relations: list[DemoRelation] = []
    pipeline: list[tuple[DemoApplication, DemoLoan]] = []
    size = max(loans, open_application_count(loans), 1)
    for c in iter_demo_chunks(registry, loans=loans, seed=seed, business_date=business_date,
                              chunk_size=size):
        customers.extend(c.customers)
        apps.extend(c.applications)
        loan_rows.extend(c.loans)
        relations.extend(c.relations)
        pipeline.extend(c.pipeline)
    return DemoDataSet(
        seed=seed,
        business_date=business_date,
        departments=DEPARTMENTS,
        staff=STAFF,
        customers=tuple(customers),
        applications=tuple(apps),
        loans=tuple(loan_rows),
        relations=tuple(relations),
        pipeline=tuple(pipeline),
    )
