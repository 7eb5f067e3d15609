"""Repayment schedules: 等额本息, 等额本金, 先息后本, 利随本清, 等本等息.

Rules (DOMAIN.md "Computation rules"):

* Row interest = ``round(opening balance × annual rate × year fraction)`` with the
  row's actual dates and the day count (``interest_period: daily``), or
  ``every / k`` of a year for regular periods with ``same_as_repayment``
  (broken first periods always use actual dates).
* Equal installment: payment = annuity over the principal-bearing periods at the
  **nominal periodic rate** ``annual_rate / k`` (k = 12 monthly, 4 quarterly, 52
  weekly, 26 bi-weekly, 365/360 daily, divided by ``every``), rounded by the
  installment rule; principal = payment − interest, clamped to ``[0, balance]``.
* Equal principal: ``round(P / m)``; flat: total interest = ``P × rate × term in
  years`` spread equally, rounding delta into principal.
* The last row takes the remaining balance, so principal sums exactly to the
  amount and the balance never goes negative.
* Grace: principal (interest only), interest payment (deferred to the first row
  after the grace, or to the row that repays the balance if earlier; the row keeps the
  interest of its own period in ``interest_charged``), interest charged (free; a bullet
  loan's interest runs from the end of the free periods).

>>> from lowlend.domain.terms import LoanTerms
>>> t = LoanTerms(amount=Decimal("10000.00"), term=3, annual_rate=Decimal("0.12"),
...               start=date(2026, 1, 1), day_count=DayCount.THIRTY_360)
>>> [(r.seq, str(r.due_date), str(r.principal), str(r.interest), str(r.balance))
...  for r in build_schedule(t).installments]
[(1, '2026-02-01', '3300.22', '100.00', '6699.78'), (2, '2026-03-01', '3333.22', '67.00', '3366.56'), (3, '2026-04-01', '3366.56', '33.67', '0.00')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lowlend.domain.calendar import due_dates, period_months, periods_per_year
from lowlend.domain.conventions import (
    Amortization,
    DayCount,
    FirstDueRule,
    Frequency,
    InterestPeriod,
    RoundingMode,
)
from lowlend.domain.daycount import year_fraction
from lowlend.domain.interest import EXACT, annuity_payment, period_interest, periodic_rate
from lowlend.domain.money import Rounding, decimal_rounding
from lowlend.domain.terms import LoanTerms

__all__ = ["Installment", "Schedule", "amortize", "build_schedule", "period_fractions"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Installment:
    """One schedule row. ``balance`` is the principal outstanding after the row.

    ``period`` is the row's position in regular periods from disbursement (used by
    the periodic IRR); ``start_date`` is the first day interest runs for the row.
    ``interest`` is what the row asks to pay; ``interest_charged`` is the interest of
    the row's own period when that differs (interest-payment grace: charged in the grace
    rows, paid with the first row after them), ``None`` when it is ``interest``.
    """

    seq: int
    start_date: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    balance: Decimal
    period: int
    interest_charged: Decimal | None = None

    @property
    def own_interest(self) -> Decimal:
        """Interest of this row's own period (``interest`` minus / plus deferred interest)."""
        return self.interest if self.interest_charged is None else self.interest_charged

    @property
    def total(self) -> Decimal:
        """principal + interest + fee."""
        return self.principal + self.interest + self.fee


@dataclass(frozen=True, slots=True)
class Schedule:
    """A repayment schedule (rows carry fees once :mod:`lowlend.domain.fees` applied them)."""

    terms: LoanTerms
    installments: tuple[Installment, ...]
    periods_per_year: tuple[int, int] = field(default=(12, 1))

    @property
    def total_principal(self) -> Decimal:
        return sum((r.principal for r in self.installments), _ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((r.interest for r in self.installments), _ZERO)

    @property
    def total_fee(self) -> Decimal:
        return sum((r.fee for r in self.installments), _ZERO)

    @property
    def maturity(self) -> date:
        return self.installments[-1].due_date


def period_fractions(terms: LoanTerms, starts: list[date], ends: list[date]) -> list[tuple[int, int]]:
    """Interest year fraction of each period ``[starts[i], ends[i])``."""
    months = period_months(terms.frequency, terms.every)
    k_num, k_den = periods_per_year(terms.frequency, terms.every, terms.day_count)
    broken_first = terms.first_due.rule is not FirstDueRule.ONE_PERIOD_AFTER
    out: list[tuple[int, int]] = []
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        regular = not (i == 0 and broken_first) and terms.frequency is not Frequency.ONE_TIME
        if terms.interest_period is InterestPeriod.SAME_AS_REPAYMENT and regular:
            out.append((k_den, k_num))
        else:
            out.append(year_fraction(s, e, terms.day_count, months=months if regular else None))
    return out


def _bullet(terms: LoanTerms, dates: list[date]) -> list[Installment]:
    """One row at maturity; interest runs from the end of any interest-free periods."""
    maturity = dates[-1]
    months = period_months(terms.frequency, terms.every)
    regular = terms.first_due.rule is FirstDueRule.ONE_PERIOD_AFTER
    free = min(terms.grace.interest_free_periods, terms.term)
    charged = terms.term - free
    since = terms.start if free == 0 else dates[free - 1]
    if terms.frequency is Frequency.ONE_TIME:
        frac = year_fraction(since, maturity, terms.day_count)
    elif terms.interest_period is InterestPeriod.SAME_AS_REPAYMENT and (regular or free):
        k_num, k_den = periods_per_year(terms.frequency, terms.every, terms.day_count)
        frac = (k_den * charged, k_num)
    else:
        total_months = months * charged if months is not None and (regular or free) else None
        frac = year_fraction(since, maturity, terms.day_count, months=total_months)
    interest = period_interest(terms.amount, terms.annual_rate, frac, terms.rounding)
    if charged == 0:
        interest = terms.rounding.round(_ZERO)
    zero = terms.rounding.round(_ZERO)
    return [Installment(1, terms.start, maturity, terms.amount, interest, zero, zero, terms.term)]


def _flat_split(total: Decimal, count: int, terms: LoanTerms) -> list[Decimal]:
    if count <= 0:
        return []
    each = terms.rounding.round(EXACT.divide(total, Decimal(count)))
    if each * (count - 1) > total:
        each = terms.rounding.round(_ZERO)
    return [each] * (count - 1) + [total - each * (count - 1)]


def amortize(
    terms: LoanTerms,
    level: Decimal,
    starts: list[date],
    dates: list[date],
    fracs: list[tuple[int, int]],
    flat_interest: list[Decimal],
) -> list[Installment]:
    """Rows for an explicit level payment over explicit periods (used by rescheduling).

    Principal is capped at the balance; rows after the balance reaches zero are empty.
    """
    rows: list[Installment] = []
    _walk(terms, level, _coefficients(terms, fracs), flat_interest, starts, dates, rows,
          clamp=True)
    return rows


def _coefficients(terms: LoanTerms, fracs: list[tuple[int, int]]) -> list[tuple[Decimal, Decimal]]:
    """Per row ``(annual_rate × num, den)``: interest = round(balance × coef / den)."""
    rate = terms.annual_rate
    return [(EXACT.multiply(rate, Decimal(num)), Decimal(den)) for num, den in fracs]


def _walk(
    terms: LoanTerms,
    level: Decimal,
    coefs: list[tuple[Decimal, Decimal]],
    flat_interest: list[Decimal],
    starts: list[date] | None = None,
    dates: list[date] | None = None,
    out: list[Installment] | None = None,
    clamp: bool = False,
) -> Decimal | None:
    """Run the amortisation loop.

    With ``out``, append the rows and return ``None`` — unless the level would repay the
    loan before its last row: then stop building and return the *probe* value. Without
    ``out``, just probe: the balance before the last row when principal is not capped
    at the balance (``≤ 0`` means the level closes the loan early). ``clamp=True`` builds
    every row, capping principal at the balance (rows after a zero balance are empty).
    """
    rnd = terms.rounding
    q = rnd.quantum
    mode = decimal_rounding(rnd.mode)
    mul, div = EXACT.multiply, EXACT.divide
    zero = rnd.round(_ZERO)
    method = terms.amortization
    g = terms.grace
    n = terms.term
    gp = min(g.principal_periods, n - 1)
    rate = terms.annual_rate
    flat = method is Amortization.FLAT
    level_only = method is Amortization.INTEREST_ONLY
    equal_principal = method is Amortization.EQUAL_PRINCIPAL
    balance = terms.amount
    deferred = zero
    for i in range(n):
        last = i == n - 1
        if last and out is None:
            return balance
        if flat:
            charged_interest = flat_interest[i]
        elif i < g.interest_free_periods or rate == 0:
            charged_interest = zero
        else:
            coef, den = coefs[i]
            charged_interest = (div(mul(balance, coef), den).quantize(q, rounding=mode)
                                if coef and balance else zero)
        if last:
            principal = balance
        elif i < gp or level_only:
            principal = zero
        elif equal_principal:
            principal = level
        else:  # equal installment / flat: level payment minus this row's interest
            principal = max(level - charged_interest, zero)
        if out is not None and not last and principal >= balance and principal > 0:
            if clamp:
                principal = balance
            else:
                out = None  # closes early: continue as a probe
        # deferred (interest-payment grace) interest is paid with the first row after the
        # grace, or with the row that repays the balance if that comes first (clamp)
        if i < g.interest_payment_periods and not last and principal < balance:
            deferred += charged_interest
            paid_interest = zero
        else:
            paid_interest = charged_interest + deferred
            deferred = zero
        balance -= principal
        if out is not None:
            assert starts is not None and dates is not None
            out.append(Installment(i + 1, starts[i], dates[i], principal, paid_interest, zero,
                                   balance, i + 1,
                                   None if paid_interest == charged_interest else charged_interest))
    return None


def _fit_level(
    terms: LoanTerms,
    level: Decimal,
    probe: Decimal,
    coefs: list[tuple[Decimal, Decimal]],
    flat_interest: list[Decimal],
    m: int,
    ppy: tuple[int, int],
) -> Decimal:
    """A lower level that does not repay the loan before its last row.

    Rounding up the level (tiny loans) or actual-day interest below the annuity's
    nominal rate (long ACT/365 terms) can repay the balance early. Probing the loop
    without the balance cap gives the excess (a negative balance before the last
    row); the level is lowered by that excess, plus about one level's principal for
    the last row, spread over the remaining periods, and probed again; if a few such
    steps do not get there (e.g. long interest-free grace), bisection over whole
    steps finds the largest level that fits.
    """
    rnd = terms.rounding
    down = Rounding(RoundingMode.DOWN, rnd.minor_unit, rnd.installment_multiple)
    step = rnd.installment_multiple or rnd.quantum
    i = periodic_rate(terms.annual_rate, ppy)
    if terms.amortization is not Amortization.EQUAL_INSTALLMENT:
        i = Decimal(0)
    periods = max(m - 1, 1)
    factor = Decimal(periods) if i == 0 else EXACT.divide(
        EXACT.subtract(EXACT.power(EXACT.add(Decimal(1), i), periods), Decimal(1)), i)
    zero = rnd.round(_ZERO)
    candidate = level
    end = probe
    for _ in range(4):  # analytic steps: usually one
        target = EXACT.divide(candidate, EXACT.add(Decimal(1), i))
        lowered = down.round_installment(candidate + EXACT.divide(end - target, factor))
        candidate = max(min(lowered, candidate - step), zero)
        if candidate == 0:
            return zero
        end = _walk(terms, candidate, coefs, flat_interest) or _ZERO
        if end > 0:
            return _refine(terms, candidate, end, target, factor, coefs, flat_interest, down)
    # bisection in whole steps: level 0 never closes early, ``candidate`` does
    lo, hi = 0, int(candidate / step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (_walk(terms, mid * step, coefs, flat_interest) or _ZERO) > 0:
            lo = mid
        else:
            hi = mid
    return rnd.round(lo * step)


def _refine(
    terms: LoanTerms,
    level: Decimal,
    end: Decimal,
    target: Decimal,
    factor: Decimal,
    coefs: list[tuple[Decimal, Decimal]],
    flat_interest: list[Decimal],
    down: Rounding,
) -> Decimal:
    """``level`` fits; if the last row came out much smaller than a level payment, take one
    more analytic step down (a lower level leaves more for the last row) and keep it if it
    still fits."""
    if end >= target / 2:
        return level
    better = down.round_installment(level - EXACT.divide(target - end, factor))
    if better >= level or better <= 0:
        return level
    probe = _walk(terms, better, coefs, flat_interest) or _ZERO
    return better if probe > 0 else level


def build_schedule(terms: LoanTerms) -> Schedule:
    """Build the principal/interest schedule of ``terms`` (fees zero; see ``fees.apply_fees``)."""
    ppy = periods_per_year(terms.frequency, terms.every, terms.day_count)
    dates = due_dates(terms.start, terms.frequency, terms.every, terms.term, terms.first_due)
    if terms.amortization is Amortization.BULLET:
        return Schedule(terms, tuple(_bullet(terms, dates)), ppy)
    rnd = terms.rounding
    zero = rnd.round(_ZERO)
    n = terms.term
    g = terms.grace
    gp = min(g.principal_periods, n - 1)
    m = n - gp
    starts = [terms.start, *dates[:-1]]
    fracs = period_fractions(terms, starts, dates)
    method = terms.amortization

    flat_interest: list[Decimal] = []
    exact_level = _ZERO
    if method is Amortization.EQUAL_INSTALLMENT:
        rate = periodic_rate(terms.annual_rate, ppy)
        exact_level = annuity_payment(terms.amount, rate, m)
    elif method is Amortization.EQUAL_PRINCIPAL:
        exact_level = EXACT.divide(terms.amount, Decimal(m))
    elif method is Amortization.FLAT:
        charged = [i for i in range(n) if i >= g.interest_free_periods]
        if terms.interest_period is InterestPeriod.SAME_AS_REPAYMENT or (
            terms.day_count is DayCount.THIRTY_360 and period_months(terms.frequency, terms.every)
        ):
            frac = (ppy[1] * len(charged), ppy[0])
        else:
            frac = year_fraction(starts[charged[0]] if charged else terms.start, dates[-1],
                                 terms.day_count)
        total_interest = period_interest(terms.amount, terms.annual_rate, frac, rnd) if charged else zero
        flat_interest = [zero] * (n - len(charged)) + _flat_split(total_interest, len(charged), terms)
        exact_level = EXACT.divide(terms.amount + sum(flat_interest[gp:], zero), Decimal(m))
    if method is Amortization.EQUAL_PRINCIPAL:
        level = rnd.round(exact_level)
    else:
        level = rnd.round_installment(exact_level)
    coefs = _coefficients(terms, fracs)
    rows: list[Installment] = []
    probe = _walk(terms, level, coefs, flat_interest, starts, dates, rows)
    if probe is not None:
        # the level repays the loan before its last row: lower it (see _fit_level)
        level = _fit_level(terms, level, probe, coefs, flat_interest, m, ppy)
        rows = []
        if _walk(terms, level, coefs, flat_interest, starts, dates, rows) is not None:
            rows = amortize(terms, level, starts, dates, fracs, flat_interest)  # never expected
    return Schedule(terms, tuple(rows), ppy)
