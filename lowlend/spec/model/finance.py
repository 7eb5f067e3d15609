"""The chart of accounts and the posting rules (``ledger.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lowlend.domain.conventions import AccountType, LoanKind, PostingEvent

from .common import Label


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """A ledger account (会计科目)."""

    code: str
    type: AccountType
    label: Label


@dataclass(frozen=True, slots=True)
class PostingLineSpec:
    side: str  # "debit" | "credit"
    account: str
    amount: str


@dataclass(frozen=True, slots=True)
class PostingRuleSpec:
    """How ``event`` posts for loans of ``loan_kind`` (every kind when ``None``)."""

    event: PostingEvent
    loan_kind: LoanKind | None
    label: Label | None
    lines: tuple[PostingLineSpec, ...]


@dataclass(frozen=True, slots=True)
class LedgerSpec:
    """``accounts`` by code; ``rules`` in file order; ``principal_account`` and
    ``overpayment_account`` hold, per loan, the principal outstanding and the overpayment
    kept for the borrower (what ``lowlend ledger verify`` compares with the loans)."""

    accounts: Mapping[str, AccountSpec]
    rules: tuple[PostingRuleSpec, ...]
    principal_account: str
    overpayment_account: str

    def rule_for(self, event: PostingEvent, loan_kind: LoanKind | None) -> PostingRuleSpec | None:
        """The rule of ``event`` for ``loan_kind`` (its own, else the kind-less one)."""
        general = None
        for rule in self.rules:
            if rule.event is event:
                if rule.loan_kind is not None and rule.loan_kind is loan_kind:
                    return rule
                if rule.loan_kind is None and general is None:
                    general = rule
        return general
