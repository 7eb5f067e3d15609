"""The ONE mapping from spec objects (``lowlend.spec``) to the loan engine's input (``lowlend.domain``).

:func:`loan_terms_for` turns a :class:`~lowlend.spec.model.ProductSpec` plus the
applicant's amount / term / rate / start date into :class:`~lowlend.domain.terms.LoanTerms`,
after checking them against the product (bounds, validity dates, revolving draw
minimum). :func:`fee_schedule_for` turns a fee schedule spec into the domain's
:class:`~lowlend.domain.fees.FeeSchedule`. The quote service, the booking path and
the demo data set all go through here, so a product behaves the same everywhere.

Errors are :class:`ProductTermsError` (a :class:`~lowlend.domain.errors.LoanInputError`):
a stable ``code`` and the offending ``field``:

==========================  =================  ===========================================
code                        field              when
==========================  =================  ===========================================
``amount_not_a_decimal``    ``amount``         not a finite Decimal
``amount_below_min``        ``amount``         below ``amount.min``
``amount_above_max``        ``amount``         above ``amount.max``
``amount_below_draw_min``   ``amount``         revolving draw below ``revolving.draw_min``
``amount_not_in_minor_units`` ``amount``       more decimal places than the currency has
``term_not_an_integer``     ``term``           not an ``int``
``term_below_min``          ``term``           below ``term.min``
``term_above_max``          ``term``           above ``term.max``
``rate_not_a_decimal``      ``annual_rate``    not a finite Decimal
``rate_required``           ``annual_rate``    no rate given and the product has no default
``rate_below_min``          ``annual_rate``    below ``interest.annual_rate.min``
``rate_above_max``          ``annual_rate``    above ``interest.annual_rate.max``
``product_not_yet_valid``   ``start``          start before ``valid_from``
``product_expired``         ``start``          start after ``valid_to``
``fee_schedule_mismatch``   ``fee_schedule``   not the product's fee schedule
``currency_mismatch``       ``fee_schedule``   fee schedule in another currency
``unknown_product``         ``product``        (:func:`terms_and_fees`) no such product code
``unknown_fee_schedule``    ``fee_schedule``   (:func:`terms_and_fees`) missing fee schedule
==========================  =================  ===========================================

Pure: only the standard library, :mod:`lowlend.spec` objects and :mod:`lowlend.domain`.

>>> from lowlend.spec.model import (DecimalRange, IntRange, InterestSpec, RepaymentSpec,
...     FirstDue, GraceSpec, RoundingSpec, PenaltySpec, AllocationSpec, PrepaymentSpec, Label)
>>> from lowlend.domain.conventions import *
>>> product = ProductSpec(code="p", kind=LoanKind.TERM, label=Label("贷", "Loan"), description=None,
...     region="CN", currency="CNY", valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31),
...     amount=DecimalRange(Decimal("1000"), Decimal("200000"), Decimal("10000")),
...     term=IntRange(3, 36, 12),
...     interest=InterestSpec(DecimalRange(Decimal("0.08"), Decimal("0.18"), Decimal("0.15")),
...                           InterestMethod.DECLINING_BALANCE, InterestPeriod.DAILY),
...     amortization=Amortization.EQUAL_INSTALLMENT,
...     repayment=RepaymentSpec(Frequency.MONTHLY, 1, FirstDue(FirstDueRule.ONE_PERIOD_AFTER)),
...     day_count=DayCount.ACT_365, grace=GraceSpec(),
...     rounding=RoundingSpec(RoundingMode.HALF_UP, 2), fee_schedule="f",
...     penalty=PenaltySpec(Decimal("0.0005"), PenaltyBase.PRINCIPAL, Decimal("20"), 3),
...     allocation=AllocationSpec(tuple(AllocationComponent), tuple(AllocationBucket)),
...     prepayment=PrepaymentSpec(1, PrepaymentEffect.REDUCE_TERM),
...     overpayment=OverpaymentPolicy.CREDIT, approval_chain="a", scorecard=None,
...     notifications=(), custom_fields=())
>>> t = loan_terms_for(product, None, amount=Decimal("10000.00"), term=12, annual_rate=None,
...                    start=date(2026, 1, 1))
>>> t.annual_rate, t.amortization.value, t.product_code
(Decimal('0.15'), 'equal_installment', 'p')
>>> loan_terms_for(product, None, amount=Decimal("500"), term=12, annual_rate=None,
...                start=date(2026, 1, 1))
Traceback (most recent call last):
...
lowlend.services.product_terms.ProductTermsError: amount: amount_below_min (max=200000, min=1000, value=500)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from lowlend.domain.calendar import FirstDue
from lowlend.domain.conventions import (
    AllocationBucket,
    AllocationComponent,
    Amortization,
    DayCount,
    FeeCalculation,
    FeeCollection,
    FeeParty,
    FeeTrigger,
    FirstDueRule,
    Frequency,
    GraceMode,
    InterestPeriod,
    LoanKind,
    OverpaymentPolicy,
    PenaltyBase,
    PrepaymentEffect,
    RoundingMode,
    SpreadFeesOnPayoff,
)
from lowlend.domain.errors import LoanInputError
from lowlend.domain.fees import FeeRule, FeeSchedule, FeeTier
from lowlend.domain.money import Rounding
from lowlend.domain.terms import AllocationRule, Grace, LoanTerms, PenaltyTerms, PrepaymentTerms
from lowlend.spec.compliance import cap_limit
from lowlend.spec.model import FeeScheduleSpec, ProductSpec, RegionSpec

__all__ = [
    "ProductTermsError",
    "fee_schedule_for",
    "fees_from_snapshot",
    "loan_terms_for",
    "snapshot_of",
    "terms_and_fees",
    "terms_from_snapshot",
]

SNAPSHOT_FORMAT = 1
"""Version of the ``terms_snapshot`` layout written by :func:`snapshot_of`."""


class ProductTermsError(LoanInputError):
    """Loan input that the product does not allow (stable ``code``, offending ``field``)."""


def _decimal(value: object, field: str, code: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise ProductTermsError(field, code, value=value)
    return value


def _rounding(product: ProductSpec) -> Rounding:
    r = product.rounding
    return Rounding(r.mode, r.minor_unit, r.installment_multiple)


def _check_amount(product: ProductSpec, amount: object) -> Decimal:
    value = _decimal(amount, "amount", "amount_not_a_decimal")
    bounds = {"min": product.amount.min, "max": product.amount.max}
    if value < product.amount.min:
        raise ProductTermsError("amount", "amount_below_min", value=value, **bounds)
    if value > product.amount.max:
        raise ProductTermsError("amount", "amount_above_max", value=value, **bounds)
    if product.revolving is not None and value < product.revolving.draw_min:
        raise ProductTermsError(
            "amount", "amount_below_draw_min", value=value, draw_min=product.revolving.draw_min
        )
    rounded = _rounding(product).round(value)
    if rounded != value:
        raise ProductTermsError(
            "amount", "amount_not_in_minor_units", value=value, minor_unit=product.rounding.minor_unit
        )
    return rounded  # 10000 → 10000.00: the currency's minor-unit places


def _check_term(product: ProductSpec, term: object) -> int:
    if isinstance(term, bool) or not isinstance(term, int):
        raise ProductTermsError("term", "term_not_an_integer", value=term)
    bounds = {"min": product.term.min, "max": product.term.max}
    if term < product.term.min:
        raise ProductTermsError("term", "term_below_min", value=term, **bounds)
    if term > product.term.max:
        raise ProductTermsError("term", "term_above_max", value=term, **bounds)
    return term


def _check_rate(product: ProductSpec, annual_rate: object) -> Decimal:
    limits = product.interest.annual_rate
    if annual_rate is None:
        if limits.default is None:
            raise ProductTermsError("annual_rate", "rate_required")
        return limits.default
    value = _decimal(annual_rate, "annual_rate", "rate_not_a_decimal")
    bounds = {"min": limits.min, "max": limits.max}
    if value < limits.min:
        raise ProductTermsError("annual_rate", "rate_below_min", value=value, **bounds)
    if value > limits.max:
        raise ProductTermsError("annual_rate", "rate_above_max", value=value, **bounds)
    return value


def _check_start(product: ProductSpec, start: date) -> date:
    if product.valid_from is not None and start < product.valid_from:
        raise ProductTermsError(
            "start", "product_not_yet_valid", value=start.isoformat(),
            valid_from=product.valid_from.isoformat(),
        )
    if product.valid_to is not None and start > product.valid_to:
        raise ProductTermsError(
            "start", "product_expired", value=start.isoformat(), valid_to=product.valid_to.isoformat()
        )
    return start


def _check_fee_schedule(product: ProductSpec, fee_schedule: FeeScheduleSpec | None) -> None:
    if fee_schedule is None:
        return
    if fee_schedule.code != product.fee_schedule:
        raise ProductTermsError(
            "fee_schedule", "fee_schedule_mismatch", value=fee_schedule.code,
            expected=product.fee_schedule,
        )
    if fee_schedule.currency != product.currency:
        raise ProductTermsError(
            "fee_schedule", "currency_mismatch", value=fee_schedule.currency,
            expected=product.currency,
        )


def penalty_terms_for(product: ProductSpec, region: RegionSpec | None, start: date) -> PenaltyTerms:
    """The product's penalty terms, tightened by its region's limits on late charges.

    * ``fee_rules.late_charges_capped_by: <rate cap id>`` (CN: every borrower-borne
      charge counts in the comprehensive-cost cap) caps the annualised penalty at
      that cap's value on ``start`` when it is lower than the product's ``cap_ratio``;
    * ``fee_rules.default_fee_max_<currency>`` (UK: £15) caps the late fee.
    """
    pen = product.penalty
    cap_ratio, late_fee = pen.cap_ratio, pen.late_fee
    if region is not None:
        capped_by = region.fee_rules.get("late_charges_capped_by")
        cap = next((c for c in region.rate_caps if c.id == capped_by), None)
        limit = cap_limit(cap, region, start) if cap is not None else None
        if limit is not None and (cap_ratio is None or limit < cap_ratio):
            cap_ratio = limit
        fee_max = region.fee_rules.get(f"default_fee_max_{product.currency.lower()}")
        if fee_max is not None and Decimal(str(fee_max)) < late_fee:
            late_fee = Decimal(str(fee_max))
    return PenaltyTerms(pen.rate_per_day, pen.base, late_fee, pen.grace_days, cap_ratio,
                        pen.grace_mode)


def product_term_errors(
    product: ProductSpec,
    *,
    amount: object,
    term: object,
    annual_rate: object,
    start: date,
) -> list[ProductTermsError]:
    """Every bound the input breaks (amount, term, rate, start), not only the first: what a
    form shows next to each field. The checks are :func:`loan_terms_for`'s own.

    >>> from lowlend.spec import load_directory
    >>> from pathlib import Path
    >>> p = load_directory(Path("product_configs")).products["consumer_emi"]
    >>> [e.code for e in product_term_errors(p, amount=Decimal("1"), term=999,
    ...                                      annual_rate=Decimal("0.5"), start=date(2026, 6, 1))]
    ['amount_below_min', 'term_above_max', 'rate_above_max']
    """
    found: list[ProductTermsError] = []
    checks: tuple[tuple[Any, object], ...] = (
        (_check_amount, amount), (_check_term, term), (_check_rate, annual_rate),
        (_check_start, start),
    )
    for check, value in checks:
        try:
            check(product, value)
        except ProductTermsError as exc:
            found.append(exc)
    return found


def loan_terms_for(
    product: ProductSpec,
    fee_schedule: FeeScheduleSpec | None,
    *,
    amount: Decimal,
    term: int,
    annual_rate: Decimal | None,
    start: date,
    region: RegionSpec | None = None,
) -> LoanTerms:
    """The loan terms of ``product`` for this amount, term, rate and start (disbursement) date.

    With the product's compliance ``region``, its limits on late charges tighten the
    product's penalty terms (:func:`penalty_terms_for`).

    :param fee_schedule: the product's fee schedule spec (checked for code and
        currency), or ``None`` to skip that check; turn it into domain fee rules
        with :func:`fee_schedule_for`.
    :param annual_rate: ``None`` takes the product's default rate.
    :raises ProductTermsError: input outside the product's bounds or validity dates
        (checked in the order amount, term, rate, start, fee schedule).
    :raises LoanInputError: the engine's own checks (e.g. grace longer than the term).
    """
    checked_amount = _check_amount(product, amount)
    checked_term = _check_term(product, term)
    rate = _check_rate(product, annual_rate)
    _check_start(product, start)
    _check_fee_schedule(product, fee_schedule)
    rep = product.repayment
    return LoanTerms(
        amount=checked_amount,
        term=checked_term,
        annual_rate=rate,
        start=start,
        amortization=product.amortization,
        frequency=rep.frequency,
        every=rep.every,
        first_due=FirstDue(rep.first_due.rule, rep.first_due.day, rep.first_due.days),
        day_count=product.day_count,
        interest_period=product.interest.period,
        grace=Grace(
            product.grace.principal_periods,
            product.grace.interest_payment_periods,
            product.grace.interest_free_periods,
        ),
        rounding=_rounding(product),
        penalty=penalty_terms_for(product, region, start),
        allocation=AllocationRule(tuple(product.allocation.order), tuple(product.allocation.buckets)),
        prepayment=PrepaymentTerms(product.prepayment.allowed_after_periods,
                                   product.prepayment.effect,
                                   product.prepayment.spread_fees_on_payoff),
        overpayment=product.overpayment,
        currency=product.currency,
        kind=product.kind,
        product_code=product.code,
    )


def fee_schedule_for(spec: FeeScheduleSpec) -> FeeSchedule:
    """The domain fee schedule (one :class:`~lowlend.domain.fees.FeeRule` per fee spec,
    with its ``min_amount`` / ``max_amount`` clamp)."""
    rules = []
    for fee in spec.fees:
        extra: dict[str, Any] = {"min_amount": fee.min_amount, "max_amount": fee.max_amount}
        rules.append(
            FeeRule(
                code=fee.code,
                trigger=fee.trigger,
                calculation=fee.calculation,
                rate=fee.rate,
                amount=fee.amount,
                collection=fee.collection,
                party=fee.party,
                tiers=tuple(
                    FeeTier(
                        rate=t.rate,
                        amount=t.amount,
                        amount_min=t.amount_min,
                        amount_max=t.amount_max,
                        term_min=t.term_min,
                        term_max=t.term_max,
                    )
                    for t in fee.tiers
                ),
                label=(("zh_CN", fee.label.zh_CN), ("en", fee.label.en)),
                **extra,
            )
        )
    return FeeSchedule(spec.code, tuple(rules), spec.currency)


def terms_and_fees(
    registry: Any,
    product_code: str,
    *,
    amount: Decimal,
    term: int,
    annual_rate: Decimal | None = None,
    start: date,
) -> tuple[LoanTerms, FeeSchedule | None]:
    """Look the product and its fee schedule up in ``registry`` and map both.

    :param registry: a :class:`~lowlend.spec.SpecRegistry` (``products``, ``fee_schedules``).
    :raises ProductTermsError: ``unknown_product``, ``unknown_fee_schedule`` or any
        :func:`loan_terms_for` error.
    """
    product = registry.products.get(product_code)
    if product is None:
        raise ProductTermsError("product", "unknown_product", value=product_code)
    fee_spec = registry.fee_schedules.get(product.fee_schedule) if product.fee_schedule else None
    if product.fee_schedule and fee_spec is None:
        raise ProductTermsError("fee_schedule", "unknown_fee_schedule", value=product.fee_schedule)
    region = registry.regions.get(product.region) if product.region else None
    terms = loan_terms_for(
        product, fee_spec, amount=amount, term=term, annual_rate=annual_rate, start=start,
        region=region,
    )
    return terms, fee_schedule_for(fee_spec) if fee_spec is not None else None


# ----------------------------------------------------------------- terms snapshot


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    raise TypeError(f"cannot snapshot {type(value).__name__}")


def snapshot_of(terms: LoanTerms, fees: FeeSchedule | None = None, **extra: Any) -> dict[str, Any]:
    """JSON-ready snapshot of the terms a loan was granted under (``Loan.terms_snapshot``).

    Money and rates are strings, dates ISO, enums their codes. ``extra`` keys
    (e.g. ``config_content_hash``) are added as they are (they must be JSON-ready).
    :func:`terms_from_snapshot` / :func:`fees_from_snapshot` read it back.
    """
    snapshot: dict[str, Any] = {"format": SNAPSHOT_FORMAT, "terms": _plain(terms)}
    snapshot["fee_schedule"] = _plain(fees) if fees is not None else None
    snapshot.update(extra)
    return snapshot


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def terms_from_snapshot(snapshot: Mapping[str, Any]) -> LoanTerms:
    """Rebuild the :class:`LoanTerms` stored by :func:`snapshot_of`."""
    t = snapshot["terms"]
    fd, g, r, p, a, pre = (
        t["first_due"], t["grace"], t["rounding"], t["penalty"], t["allocation"], t["prepayment"]
    )
    return LoanTerms(
        amount=_dec(t["amount"]),
        term=int(t["term"]),
        annual_rate=_dec(t["annual_rate"]),
        start=date.fromisoformat(t["start"]),
        amortization=Amortization(t["amortization"]),
        frequency=Frequency(t["frequency"]),
        every=int(t["every"]),
        first_due=FirstDue(FirstDueRule(fd["rule"]), fd.get("day"), fd.get("days")),
        day_count=DayCount(t["day_count"]),
        interest_period=InterestPeriod(t["interest_period"]),
        grace=Grace(g["principal_periods"], g["interest_payment_periods"], g["interest_free_periods"]),
        rounding=Rounding(RoundingMode(r["mode"]), int(r["minor_unit"]),
                          _opt_dec(r.get("installment_multiple"))),
        # snapshots taken before penalty.grace_mode existed have none: the default rule
        penalty=PenaltyTerms(_dec(p["rate_per_day"]), PenaltyBase(p["base"]), _dec(p["late_fee"]),
                             int(p["grace_days"]), _opt_dec(p.get("cap_ratio")),
                             GraceMode(p.get("grace_mode", GraceMode.AFTER_GRACE.value))),
        allocation=AllocationRule(
            tuple(AllocationComponent(c) for c in a["order"]),
            tuple(AllocationBucket(b) for b in a["buckets"]),
            bool(a.get("horizontal", False)),
        ),
        # snapshots taken before prepayment.spread_fees_on_payoff existed have none: the
        # default (waive)
        prepayment=PrepaymentTerms(int(pre["allowed_after_periods"]),
                                   PrepaymentEffect(pre["effect"]),
                                   SpreadFeesOnPayoff(pre.get("spread_fees_on_payoff",
                                                              SpreadFeesOnPayoff.WAIVE.value))),
        overpayment=OverpaymentPolicy(t["overpayment"]),
        currency=t["currency"],
        kind=LoanKind(t["kind"]),
        product_code=t.get("product_code", ""),
    )


def fees_from_snapshot(snapshot: Mapping[str, Any]) -> FeeSchedule | None:
    """Rebuild the :class:`FeeSchedule` stored by :func:`snapshot_of` (``None`` if none)."""
    f = snapshot.get("fee_schedule")
    if not f:
        return None
    rules = []
    for rule in f["fees"]:
        extra = {
            name: _opt_dec(rule.get(name))
            for name in ("min_amount", "max_amount")
            if name in rule
        }
        rules.append(
            FeeRule(
                code=rule["code"],
                trigger=FeeTrigger(rule["trigger"]),
                calculation=FeeCalculation(rule["calculation"]),
                rate=_opt_dec(rule.get("rate")),
                amount=_opt_dec(rule.get("amount")),
                collection=FeeCollection(rule["collection"]),
                party=FeeParty(rule["party"]),
                tiers=tuple(
                    FeeTier(
                        rate=_opt_dec(t.get("rate")),
                        amount=_opt_dec(t.get("amount")),
                        amount_min=_opt_dec(t.get("amount_min")),
                        amount_max=_opt_dec(t.get("amount_max")),
                        term_min=t.get("term_min"),
                        term_max=t.get("term_max"),
                    )
                    for t in rule.get("tiers", ())
                ),
                label=tuple((str(k), str(v)) for k, v in rule.get("label", ())),
                **extra,
            )
        )
    return FeeSchedule(f["code"], tuple(rules), f.get("currency", "CNY"))
