"""Loan life: the money plan of a demo loan (payments by behaviour, write-off, reversal).

The plan is what the borrower and the back office do; the loader posts it through the
money use cases, which compute the loan's state. The generator forecasts that state with
the same domain replay (:func:`forecast`), to plan what depends on it (a write-off needs
the days past due, the loans that need attention get collection records).

Behaviours (``DemoLoan.behaviour``):

* ``on_time``: each installment paid on its due date or a day or two before;
* ``late``: paid up to three weeks late, with the penalties due by then;
* ``partial``: part of what is due paid on the due date, the arrears caught up every few
  periods (often a few days past due as of the business date);
* ``delinquent``: pays for a while, then stops (sometimes after a last partial payment):
  overdue, long past due ones may be written off (and something recovered later);
* ``payoff``: pays on time, then settles early (``kind="payoff"``) where the product
  allows prepayment.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.domain.classification import DEFAULT_BUCKET_EDGES, bucket_edges
from lowlend.domain.conventions import EodStepCode
from lowlend.domain.errors import DomainError
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.loan_state import LoanState
from lowlend.domain.prepayment import payoff_quote
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule
from lowlend.domain.transactions import Prepayment, Repayment
from lowlend.services.demo_data.common import _money
from lowlend.services.demo_data.records import DemoPayment

DEFAULT_DPD_RANGES: tuple[tuple[int | None, str], ...] = (
    (0, "pass"),
    (90, "special_mention"),
    (180, "substandard"),
    (360, "doubtful"),
    (None, "loss"),
)

BEHAVIOURS = ("on_time", "late", "partial", "delinquent", "payoff")

# how the borrower pays: (channel of the money path, reference prefix, note)
_PAYMENT_CHANNELS: dict[str, tuple[str, str, str]] = {
    "auto_debit": ("transfer", "DK", "代扣 auto-debit"),
    "bank_transfer": ("transfer", "YH", "银行转账 bank transfer"),
    "wechat_pay": ("transfer", "WX", "微信支付 WeChat Pay"),
    "alipay": ("transfer", "ZFB", "支付宝 Alipay"),
    "counter": ("cash", "GT", "柜台现金 cash at the counter"),
}
DUPLICATE_NOTE = "重复导入的银行流水 duplicate bank import"
REVERSAL_EVERY = 40
"""Loan ``i`` with ``i % REVERSAL_EVERY == 5`` has a payment entered twice and reversed."""


def _tag(ref: str) -> int:
    """Four stable digits of a reference (for bank references)."""
    return zlib.crc32(ref.encode()) % 10000


def _dpd_ranges(registry: Any) -> tuple[tuple[int | None, str], ...]:
    eod = getattr(registry, "eod", None)
    for step in getattr(eod, "steps", ()) if eod is not None else ():
        if step.code is EodStepCode.CLASSIFY:
            ranges = step.params.get("dpd_ranges") if step.params else None
            if ranges:
                return tuple((r.get("max_dpd"), str(r["category"])) for r in ranges)
    return DEFAULT_DPD_RANGES


def _bucket_edges(registry: Any) -> tuple[int, ...]:
    """The ``bucket_edges`` of the classify step of eod.yaml (default 30, 60, 90)."""
    eod = getattr(registry, "eod", None)
    for step in getattr(eod, "steps", ()) if eod is not None else ():
        if step.code is EodStepCode.CLASSIFY and step.params:
            return bucket_edges(step.params.get("bucket_edges"))
    return DEFAULT_BUCKET_EDGES


def classify(dpd: int, ranges: Sequence[tuple[int | None, str]] = DEFAULT_DPD_RANGES) -> str:
    """Five-category classification of ``dpd`` days past due (first range it fits)."""
    for max_dpd, category in ranges:
        if max_dpd is None or dpd <= max_dpd:
            return category
    return ranges[-1][1]


def domain_transactions(payments: Sequence[DemoPayment]) -> list[Repayment | Prepayment]:
    """The payments the loan engine replays (not the reversed ones, not recoveries)."""
    out: list[Repayment | Prepayment] = []
    for p in payments:
        if p.reversed_on is not None or p.kind == "recovery":
            continue
        cls = Prepayment if p.kind == "payoff" else Repayment
        out.append(cls(p.ref, p.value_date, p.amount))
    return out


def forecast(schedule: Schedule, payments: Sequence[DemoPayment], as_of: date,
             fees: FeeSchedule | None) -> LoanState:
    """The loan's state as of ``as_of`` after ``payments`` (what the engine will compute)."""
    return replay(schedule, domain_transactions(payments), max(as_of, schedule.terms.start),
                  fees)


def _due_by(state: LoanState, day: date) -> Decimal:
    return sum((s.total_outstanding for s in state.installments if s.due_date <= day),
               Decimal(0))


@dataclass
class _Planner:
    rng: random.Random
    ref: str
    schedule: Schedule
    fees: FeeSchedule | None
    business_date: date
    channel: str
    payments: list[DemoPayment]

    @property
    def last_day(self) -> date | None:
        return self.payments[-1].value_date if self.payments else None

    def free(self, day: date) -> bool:
        """``day`` is after the last payment and before the business date."""
        last = self.last_day
        return day < self.business_date and (last is None or day > last)

    def pay(self, day: date, amount: Decimal, kind: str = "repayment") -> None:
        if amount <= 0:
            return
        channel, prefix, note = _PAYMENT_CHANNELS.get(self.channel, _PAYMENT_CHANNELS["bank_transfer"])
        n = len(self.payments) + 1
        self.payments.append(DemoPayment(
            f"{self.ref}-R{n:03d}", day, _money(amount), kind, channel,
            f"{prefix}{day:%Y%m%d}{_tag(self.ref):04d}{n:03d}", note,
        ))

    def state(self, day: date) -> LoanState:
        return forecast(self.schedule, self.payments, day, self.fees)

    def arrears_on(self, day: date) -> Decimal:
        return _due_by(self.state(day), day)


def _late_day(p: _Planner, due: date, delay: int) -> date | None:
    day = min(due + timedelta(days=delay), p.business_date - timedelta(days=1))
    last = p.last_day
    if last is not None and day <= last:
        day = last + timedelta(days=1)
    return day if day < p.business_date else None


def _pay_rows(p: _Planner, rows: Sequence[Any], behaviour: str) -> None:
    rng = p.rng
    for k, r in enumerate(rows):
        if behaviour == "on_time":
            early = rng.choice((0, 0, 0, 0, 1, 2))
            day = max(p.schedule.terms.start + timedelta(days=1), r.due_date - timedelta(days=early))
            if p.free(day):  # every earlier payment cleared its dues: nothing in arrears
                p.pay(day, r.total)
                continue
        delay = rng.choice((0, 0, 1, 2, 4, 7, 12, 20)) if behaviour == "late" else 0
        if behaviour == "partial":
            delay = rng.choice((0, 0, 1, 3))
        day = _late_day(p, r.due_date, delay)
        if day is None:
            return
        owed = p.arrears_on(day)
        if behaviour == "partial" and k % 3 != 2 and rng.random() < 0.7:
            owed = _money(owed * Decimal(rng.randint(40, 90)) / 100)
        p.pay(day, owed)


def _payoff(p: _Planner, rows: Sequence[Any], allowed_after: int) -> str | None:
    """Pay on time for a while, then settle early; ``None`` when it does not fit (too few
    installments due yet); ``on_time`` when the settling day is not there yet."""
    n = len(p.schedule.installments)
    first = max(allowed_after, 1)
    last = min(n - 1, len(rows))
    if last < first:
        return None
    k = p.rng.randint(first, last)  # installments paid before settling
    _pay_rows(p, rows[:k], "on_time")
    day = p.schedule.installments[k - 1].due_date + timedelta(days=p.rng.randint(3, 20))
    settles = p.free(day) and day < p.schedule.installments[k].due_date
    total = Decimal(0)
    if settles:
        try:
            total = payoff_quote(p.schedule, domain_transactions(p.payments), day, p.fees).total
        except DomainError:
            total = Decimal(0)
    if total <= 0:
        _pay_rows(p, rows[k:], "on_time")
        return "on_time"
    p.pay(day, total, "payoff")
    return "payoff"


def plan_payments(rng: random.Random, ref: str, schedule: Schedule, fees: FeeSchedule | None,
                  business_date: date, behaviour: str, channel: str,
                  allowed_after: int) -> tuple[list[DemoPayment], str]:
    """The payments of a loan up to the business date, and the behaviour they follow
    (``payoff`` falls back to ``on_time`` where settling early does not fit)."""
    rows = [r for r in schedule.installments if r.due_date < business_date]
    p = _Planner(rng, ref, schedule, fees, business_date, channel, [])
    if behaviour == "payoff":
        done = _payoff(p, rows, allowed_after)
        if done is not None:
            return p.payments, done
        behaviour = "on_time"
    stop = len(rows)
    if behaviour == "delinquent" and rows:
        stop = rng.randrange(len(rows))
    _pay_rows(p, rows[:stop], "on_time" if behaviour == "delinquent" else behaviour)
    if behaviour == "delinquent" and stop < len(rows) and rng.random() < 0.4:
        r = rows[stop]
        day = _late_day(p, r.due_date, rng.randint(3, 25))
        if day is not None:
            p.pay(day, _money(r.total * Decimal(rng.randint(20, 70)) / 100))
    return p.payments, behaviour


def add_duplicate(rng: random.Random, payments: list[DemoPayment], business_date: date,
                  schedule: Schedule | None = None,
                  fees: FeeSchedule | None = None) -> list[DemoPayment]:
    """The first repayment imported twice (the next day) and the duplicate reversed a few
    days later; unchanged when no repayment leaves room for it. With the ``schedule``, a
    repayment that settles the loan is not doubled (a closed loan takes no payment)."""
    for k, original in enumerate(payments):
        if original.kind != "repayment":
            continue
        day = original.value_date + timedelta(days=1)
        reversed_on = day + timedelta(days=rng.randint(1, 4))
        following = payments[k + 1].value_date if k + 1 < len(payments) else business_date
        if reversed_on >= min(following, business_date):
            continue
        if schedule is not None and forecast(schedule, payments[:k + 1], day, fees).is_closed:
            continue
        dup = replace(original, ref=f"{original.ref}D", value_date=day,
                      reference=f"{original.reference}D", note=DUPLICATE_NOTE,
                      reversed_on=reversed_on)
        return [*payments[:k + 1], dup, *payments[k + 1:]]
    return payments


def plan_write_off(rng: random.Random, schedule: Schedule, fees: FeeSchedule | None,
                   payments: Sequence[DemoPayment], business_date: date,
                   min_dpd: int) -> date | None:
    """The day a long past-due loan is written off (its days past due reached ``min_dpd``
    after its last payment), or ``None`` (most loans; half of those that qualify)."""
    dpd = forecast(schedule, payments, business_date, fees).days_past_due()
    if dpd < min_dpd + 30 or rng.random() >= 0.5:
        return None
    oldest = business_date - timedelta(days=dpd)
    day = oldest + timedelta(days=min_dpd + rng.randint(0, 20))
    last = max((p.value_date for p in payments), default=schedule.terms.start)
    day = max(day, last + timedelta(days=1))
    if day >= business_date:
        return None
    if forecast(schedule, payments, day, fees).days_past_due() < min_dpd:
        return None
    return day


def plan_recovery(rng: random.Random, ref: str, schedule: Schedule, fees: FeeSchedule | None,
                  payments: Sequence[DemoPayment], written_off: date,
                  business_date: date) -> DemoPayment | None:
    """Sometimes part of a written-off loan is recovered (collection agency, court)."""
    if rng.random() >= 0.5:
        return None
    day = written_off + timedelta(days=rng.randint(20, 90))
    if day >= business_date:
        return None
    principal = forecast(schedule, payments, written_off, fees).principal_outstanding
    amount = _money((principal * Decimal(rng.randint(5, 25)) / 100 / 100).to_integral_value()
                    * 100)
    if amount <= 0:
        return None
    return DemoPayment(f"{ref}-V001", day, amount, "recovery", "transfer",
                       f"HS{day:%Y%m%d}{_tag(ref):04d}", "核销后收回 recovery")
