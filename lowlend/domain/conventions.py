"""Loan conventions as stable enums shared by the spec layer and the loan engine.

The enum *values* are the codes written in YAML (``product_configs``) and JSON, so
they are part of the public contract (see CONTRACTS.md): never rename a value.

>>> Amortization("equal_installment").label_zh
'等额本息'
>>> DayCount("ACT/365").days_in_year_fixed
365
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class LoanKind(str, Enum):
    """普通贷款 / 循环贷款 / 委托贷款."""

    TERM = "term"
    REVOLVING = "revolving"
    ENTRUSTED = "entrusted"


class Amortization(str, Enum):
    """How principal and interest are spread over the installments."""

    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_ONLY = "interest_only"  # 先息后本
    BULLET = "bullet"  # 利随本清
    FLAT = "flat"  # 等本等息

    @property
    def label_zh(self) -> str:
        return _AMORTIZATION_ZH[self]


_AMORTIZATION_ZH = {
    Amortization.EQUAL_INSTALLMENT: "等额本息",
    Amortization.EQUAL_PRINCIPAL: "等额本金",
    Amortization.INTEREST_ONLY: "先息后本",
    Amortization.BULLET: "利随本清",
    Amortization.FLAT: "等本等息",
}


class Frequency(str, Enum):
    """Repayment frequency; combined with ``repay every n``."""

    DAILY = "daily"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ONE_TIME = "one_time"


class DayCount(str, Enum):
    """Day-count conventions (days in month × days in year)."""

    ACT_365 = "ACT/365"
    ACT_360 = "ACT/360"
    THIRTY_360 = "30/360"
    ACT_ACT = "ACT/ACT"

    @property
    def days_in_year_fixed(self) -> int | None:
        """Fixed year length, or ``None`` when the real calendar year is used (ACT/ACT)."""
        return {"ACT/365": 365, "ACT/360": 360, "30/360": 360, "ACT/ACT": None}[self.value]


class InterestPeriod(str, Enum):
    """Whether interest is computed per day or per repayment period."""

    DAILY = "daily"
    SAME_AS_REPAYMENT = "same_as_repayment"


class RoundingMode(str, Enum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    UP = "up"
    DOWN = "down"


class FirstDueRule(str, Enum):
    """How the first due date is chosen."""

    ONE_PERIOD_AFTER = "one_period_after"  # same day next period (default)
    FIXED_DAY_OF_MONTH = "fixed_day_of_month"  # e.g. the 20th, broken first period
    DAYS_AFTER_DISBURSEMENT = "days_after_disbursement"


class AllocationComponent(str, Enum):
    PENALTY = "penalty"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class AllocationBucket(str, Enum):
    PAST_DUE = "past_due"
    DUE = "due"
    IN_ADVANCE = "in_advance"


class PrepaymentEffect(str, Enum):
    REDUCE_TERM = "reduce_term"
    REDUCE_INSTALLMENT = "reduce_installment"


class SpreadFeesOnPayoff(str, Enum):
    """What early payoff (提前结清) does to the fees scheduled on the installments not yet due
    (``prepayment.spread_fees_on_payoff``): a one-off fee collected ``spread`` and the
    ``installment`` fees collected ``on_event`` alike. See :mod:`lowlend.domain.prepayment`.
    """

    WAIVE = "waive"  # default: only the running period's fee, pro rata to the payoff date, is owed
    DUE = "due"  # every remaining installment fee falls due at payoff (手续费剩余部分一次收取)


class OverpaymentPolicy(str, Enum):
    CREDIT = "credit"
    REFUND = "refund"


class PenaltyBase(str, Enum):
    PRINCIPAL = "principal"
    PRINCIPAL_AND_INTEREST = "principal_and_interest"


class GraceMode(str, Enum):
    """What the penalty grace days (``penalty.grace_days``) mean once they are exceeded.

    Paying within the grace days costs no penalty in both modes; the late fee is
    charged once, on day ``due + grace_days + 1``, in both modes.
    """

    AFTER_GRACE = "after_grace"  # the penalty clock starts after the grace days (default)
    FROM_DUE_DATE = "from_due_date"  # 宽限期内还款免罚息，超过宽限期则从到期日起计罚息


class FeeCalculation(str, Enum):
    FIXED = "fixed"
    PERCENT_OF_PRINCIPAL = "percent_of_principal"
    PERCENT_OF_INSTALLMENT = "percent_of_installment"
    PERCENT_OF_OUTSTANDING = "percent_of_outstanding"
    PERCENT_OF_OVERDUE = "percent_of_overdue"


class FeeTrigger(str, Enum):
    APPLICATION = "application"
    DISBURSEMENT = "disbursement"
    INSTALLMENT = "installment"
    PREPAYMENT = "prepayment"
    OVERDUE = "overdue"


class FeeCollection(str, Enum):
    UPFRONT = "upfront"  # deducted from the proceeds
    SPREAD = "spread"  # spread over the installments
    ON_EVENT = "on_event"  # charged when the trigger happens


class FeeParty(str, Enum):
    """Who collects a fee; every borrower-borne fee counts in the APR whoever collects it."""

    LENDER = "lender"
    GUARANTOR = "guarantor"
    ENTRUSTING_PARTY = "entrusting_party"
    INSURER = "insurer"
    THIRD_PARTY = "third_party"


class Annualisation(str, Enum):
    NOMINAL = "nominal"  # r × k
    EFFECTIVE = "effective"  # (1 + r)^k − 1


class InterestMethod(str, Enum):
    """Declining balance (interest on the outstanding) or flat (on the original principal)."""

    DECLINING_BALANCE = "declining_balance"
    FLAT = "flat"


class DataScope(str, Enum):
    """Which records of an entity a role sees."""

    OWN = "own"
    DEPARTMENT = "department"
    DEPARTMENT_TREE = "department_tree"
    ALL = "all"


class EodStepCode(str, Enum):
    """End-of-day steps (DOMAIN.md); their order is configuration (eod.yaml)."""

    MARK_DUE = "mark_due"
    MARK_OVERDUE = "mark_overdue"
    ACCRUE_INTEREST = "accrue_interest"
    ACCRUE_PENALTY = "accrue_penalty"
    CLASSIFY = "classify"
    AUTO_DEBIT = "auto_debit"
    EARLY_WARNING = "early_warning"
    COLLECTION_ESCALATION = "collection_escalation"
    REMINDERS = "reminders"


class Classification(str, Enum):
    """Five-category loan classification (贷款五级分类), from best to worst."""

    PASS = "pass"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"


class ComplianceAction(str, Enum):
    """What a breached compliance limit does."""

    BLOCK = "block"
    WARN = "warn"
    REQUIRE_REVIEW = "require_review"


class Severity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AccountType(str, Enum):
    """Kind of a ledger account (会计科目类别): assets and expenses have debit balances,
    liabilities, equity and income credit balances."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        return self in (AccountType.ASSET, AccountType.EXPENSE)


class PostingEvent(str, Enum):
    """Money events that post a journal entry through a posting rule (ledger.yaml): those of
    a loan, and an entrusting party's deposits and withdrawals of entrusted funds.

    A repayment event also carries reversals (negative amounts), back-dated re-allocations
    and early settlement: its components are the *changes* of what the loan has paid.
    """

    DISBURSEMENT = "disbursement"  # 放款
    REPAYMENT = "repayment"  # 还款 / 冲正 / 提前结清
    REFUND = "refund"  # 退款 (overpayment paid back)
    WRITE_OFF = "write_off"  # 核销
    RECOVERY = "recovery"  # 核销后收回
    ENTRUSTED_DEPOSIT = "entrusted_deposit"  # 委托资金存入 (no loan: an entrusting party's money)
    ENTRUSTED_WITHDRAWAL = "entrusted_withdrawal"  # 委托资金退还 / 支取


POSTING_COMPONENTS: dict[PostingEvent, dict[str, tuple[str, ...]]] = {
    PostingEvent.DISBURSEMENT: {
        "principal": ("net_proceeds", "upfront_fees"),
        "net_proceeds": ("net_proceeds",),
        "upfront_fees": ("upfront_fees",),
    },
    PostingEvent.REPAYMENT: {
        "received": ("principal", "interest", "fee", "penalty", "overpayment"),
        "principal": ("principal",),
        "interest": ("interest",),
        "fee": ("fee",),
        "penalty": ("penalty",),
        "overpayment": ("overpayment",),
    },
    PostingEvent.REFUND: {"amount": ("amount",)},
    PostingEvent.WRITE_OFF: {"principal": ("principal",)},
    PostingEvent.RECOVERY: {"received": ("received",)},
    PostingEvent.ENTRUSTED_DEPOSIT: {"amount": ("amount",)},
    PostingEvent.ENTRUSTED_WITHDRAWAL: {"amount": ("amount",)},
}
"""Per event: each amount a posting rule line may name → the basic parts it sums.

An event's identity (e.g. a disbursement's ``principal = net_proceeds + upfront_fees``) is
what lets configuration be checked at publish: a rule balances for every amount exactly
when its debit lines and its credit lines add up to the same basic parts."""


def posting_imbalance(
    event: PostingEvent, lines: Iterable[tuple[str, str]]
) -> dict[str, int]:
    """Basic parts a rule's ``(side, amount name)`` lines do not balance: part → debits −
    credits (``{}`` when balanced for any amounts). Unknown names are not counted.

    >>> posting_imbalance(PostingEvent.WRITE_OFF, [("debit", "principal"), ("credit", "principal")])
    {}
    >>> posting_imbalance(PostingEvent.DISBURSEMENT, [("debit", "principal"), ("credit", "net_proceeds")])
    {'upfront_fees': 1}
    """
    parts = POSTING_COMPONENTS[event]
    net: dict[str, int] = {}
    for side, amount in lines:
        for part in parts.get(amount, ()):
            net[part] = net.get(part, 0) + (1 if side == "debit" else -1)
    return {part: n for part, n in net.items() if n}


@dataclass(frozen=True, slots=True)
class DispatchRules:
    """How work is handed out (smart dispatch, 智能分单); see :mod:`lowlend.domain.dispatch`."""

    strategy: str = "least_loaded"  # least_loaded | round_robin
    same_region: str = "preferred"  # required | preferred | ignore
    require_skill: bool = False
    department: str = "any"  # same | tree | any
    max_open: int | None = None


DEFAULT_RULES = DispatchRules()
