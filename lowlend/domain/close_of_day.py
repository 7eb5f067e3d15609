"""A loan at the close of a business date (日终): what the end-of-day steps store.

The close of business date ``D`` is the loan's state at the *end* of ``D`` — the start of
``D + 1`` — after every transaction valued on or before ``D`` (a payment valued later,
e.g. an auto-debit of ``D + 1``, is left out): :func:`close_state` is
:func:`~lowlend.domain.replay.replay` of those transactions as of ``D + 1``. It is
therefore exactly what a repayment on ``D + 1`` would replay before applying itself, and
re-computing it is idempotent: it depends only on the schedule, the transactions and ``D``.

From it:

* installment status (:func:`installment_status`): ``paid``; ``overdue`` when due before
  ``D + 1`` with principal, interest or fee unpaid; ``due`` when due on ``D + 1``;
  ``pending`` otherwise (what a repayment stores, ``loan_postings``);
* days past due with the arrears tolerance: :meth:`~lowlend.domain.loan_state.LoanState.days_past_due`;
* interest accrued to the end of ``D`` (:func:`accrued_interest_at_close`: the straight-line
  accrual of :func:`lowlend.domain.accrual.accrued_interest` over the state's rows, so a
  prepayment's rebuilt rows count);
* penalties (罚息 and late fees) per installment as :mod:`lowlend.domain.penalties` charges
  them through day ``D`` (``InstallmentState.penalty``), and their sum.

>>> from lowlend.domain.schedule import build_schedule
>>> from lowlend.domain.terms import LoanTerms
>>> s = build_schedule(LoanTerms(amount=Decimal("1200.00"), term=3, annual_rate=Decimal("0"),
...                              start=date(2026, 1, 1)))
>>> st = close_state(s, [], date(2026, 2, 1))     # the first row falls due on 1 Feb
>>> [installment_status(r, st.as_of) for r in st.installments], st.days_past_due()
(['overdue', 'pending', 'pending'], 1)
>>> st = close_state(s, [], date(2026, 1, 31))
>>> [installment_status(r, st.as_of) for r in st.installments], st.days_past_due()
(['due', 'pending', 'pending'], 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from lowlend.domain.accrual import accrued_interest
from lowlend.domain.fees import FeeSchedule
from lowlend.domain.loan_state import InstallmentState, LoanState
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Installment, Schedule
from lowlend.domain.transactions import Reversal, Transaction

__all__ = ["accrued_interest_at_close", "close_state", "installment_status", "loan_status",
           "penalty_total"]

_ZERO = Decimal(0)
_DAY = timedelta(days=1)


def close_state(schedule: Schedule, transactions: Iterable[Transaction], business_date: date,
                fees: FeeSchedule | None = None) -> LoanState:
    """The loan at the end of ``business_date`` (``as_of`` = the next day)."""
    kept = [t for t in transactions if isinstance(t, Reversal) or t.value_date <= business_date]
    as_of = max(business_date + _DAY, schedule.terms.start)
    return replay(schedule, kept, as_of, fees)


def installment_status(row: InstallmentState, as_of: date) -> str:
    """``paid`` | ``overdue`` | ``due`` | ``pending`` of a row at the start of ``as_of``."""
    if row.is_settled:
        return "paid"
    if row.due_date < as_of and row.scheduled_outstanding > 0:
        return "overdue"
    if row.due_date == as_of:
        return "due"
    return "pending"


def loan_status(state: LoanState, dpd: int) -> str:
    """``closed`` when everything is paid, ``overdue`` when ``dpd`` > 0, else ``active``."""
    if state.is_closed:
        return "closed"
    return "overdue" if dpd > 0 else "active"


def accrued_interest_at_close(schedule: Schedule, state: LoanState) -> Decimal:
    """Interest accrued from disbursement to the end of the closed day (``state.as_of``)."""
    rows = tuple(Installment(r.seq, r.start_date, r.due_date, r.principal, r.interest, r.fee,
                             _ZERO, i + 1, r.interest_charged)
                 for i, r in enumerate(state.installments))
    return accrued_interest(Schedule(schedule.terms, rows, schedule.periods_per_year), state.as_of)


def penalty_total(state: LoanState) -> Decimal:
    """Penalties charged on the loan (罚息 + late fees, capped, rounded per installment)."""
    return sum((r.penalty for r in state.installments), _ZERO)
