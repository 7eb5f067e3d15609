"""Manual classification override (五级分类人工调整): request, decide, history.

A user asks for a loan's category to be set by hand, with a reason and optionally the
last business date it should hold (``valid_until``); another user approves or rejects
it. Approving sets the loan's ``classification`` and adds a history row (source
``manual``, the reason, the approver) in the same transaction; the end of day then keeps
that category while the override is in force
(:func:`lowlend.domain.classification_override.in_force`) and records the lapse when it
ends. A newer approved override of the same loan supersedes the previous one. At most
one request per loan waits for a decision.

Inputs are plain values (ids, codes, text, dates) so a screen or a REST endpoint can
call these functions as they are; each runs in ONE transaction of the store
(:class:`OverrideStore`). Errors are :class:`ClassificationError` with a stable code and
the field at fault (message table ``eod``).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from lowlend.domain.classification import CATEGORIES
from lowlend.domain.errors import DomainError
from lowlend.services.business_date import (
    BusinessDatePort,
    BusinessDateSettings,
    current_business_date,
)

__all__ = [
    "OPEN_LOAN_STATUSES",
    "ClassificationError",
    "HistoryRow",
    "LoanFacts",
    "OverrideInfo",
    "OverrideStore",
    "OverrideTx",
    "classification_history",
    "decide_override",
    "request_override",
]

OPEN_LOAN_STATUSES = frozenset({"active", "overdue"})
"""Loans whose classification may be set by hand (the ones the end of day classifies)."""

MAX_TEXT = 500


class ClassificationError(DomainError):
    """A manual classification that cannot be requested or decided (message table ``eod``)."""

    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        super().__init__(code, field, **params)


@dataclass(frozen=True, slots=True)
class LoanFacts:
    id: int
    status: str
    dpd: int
    classification: str | None


@dataclass(frozen=True, slots=True)
class OverrideInfo:
    id: int
    loan_id: int
    category: str
    reason: str
    status: str
    requested_by: int
    requested_on: dt.date
    valid_until: dt.date | None = None
    decided_by: int | None = None
    decided_on: dt.date | None = None
    decision_note: str = ""
    base_category: str | None = None
    base_dpd: int | None = None
    ended_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    business_date: dt.date
    from_category: str | None
    to_category: str
    dpd: int
    source: str  # eod | manual
    reason: str
    created_by: int | None


class OverrideTx(Protocol):
    """The reads and writes of one use case, inside its transaction."""

    def loan(self, loan_id: int) -> LoanFacts | None:
        """The loan, locked for the rest of the transaction."""
        ...

    def override(self, override_id: int) -> OverrideInfo | None:
        """The override, locked for the rest of the transaction."""
        ...

    def pending_for(self, loan_id: int) -> OverrideInfo | None: ...

    def add_request(self, loan_id: int, category: str, reason: str, user_id: int,
                    valid_until: dt.date | None, business_date: dt.date) -> int: ...

    def decide(self, override_id: int, status: str, user_id: int, note: str,
               business_date: dt.date, base: LoanFacts | None) -> None:
        """Store the decision (with the loan's category and DPD now when approved)."""
        ...

    def supersede(self, loan_id: int, keep_id: int, business_date: dt.date) -> None:
        """End the loan's other approved overrides (``superseded``)."""
        ...

    def set_classification(self, loan_id: int, category: str) -> None: ...

    def add_history(self, loan_id: int, business_date: dt.date, from_category: str | None,
                    to_category: str, dpd: int, reason: str, user_id: int) -> None:
        """A history row with source ``manual``."""
        ...


class OverrideStore(BusinessDatePort, Protocol):
    """Where overrides live (:mod:`lowlend.persistence.eod_overrides`)."""

    def transaction(self) -> AbstractContextManager[OverrideTx]:
        """One transaction: committed when the block ends normally, else rolled back."""
        ...

    def get(self, override_id: int) -> OverrideInfo | None: ...

    def for_loan(self, loan_id: int) -> list[OverrideInfo]: ...

    def history(self, loan_id: int) -> list[HistoryRow]: ...


def _text(value: str | None, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ClassificationError("classification_reason_required", field)
    if len(text) > MAX_TEXT:
        raise ClassificationError("classification_text_too_long", field, max=MAX_TEXT)
    return text


def _open_loan(tx: OverrideTx, loan_id: int) -> LoanFacts:
    loan = tx.loan(loan_id)
    if loan is None:
        raise ClassificationError("classification_loan_not_found", "loan_id", value=loan_id)
    if loan.status not in OPEN_LOAN_STATUSES:
        raise ClassificationError("classification_loan_not_open", "loan_id", value=loan_id,
                                  status=loan.status)
    return loan


def request_override(store: OverrideStore, loan_id: int, category: str, reason: str,
                     user_id: int, *, valid_until: dt.date | None = None,
                     settings: BusinessDateSettings | None = None) -> OverrideInfo:
    """Ask for loan ``loan_id`` to be classified ``category`` by hand.

    :param reason: why (required, at most 500 characters).
    :param valid_until: the last business date the category should hold (optional; not
        before the current business date).
    :raises ClassificationError: ``classification_category_unknown``,
        ``classification_reason_required``, ``classification_text_too_long``,
        ``classification_until_past``, ``classification_loan_not_found``,
        ``classification_loan_not_open``, ``classification_override_pending``.
    """
    if category not in CATEGORIES:
        raise ClassificationError("classification_category_unknown", "category", value=category)
    text = _text(reason, "reason", required=True)
    today = current_business_date(store, (settings or BusinessDateSettings()).start)
    if valid_until is not None and valid_until < today:
        raise ClassificationError("classification_until_past", "valid_until",
                                  value=valid_until, business_date=today)
    with store.transaction() as tx:
        _open_loan(tx, loan_id)
        pending = tx.pending_for(loan_id)
        if pending is not None:
            raise ClassificationError("classification_override_pending", "loan_id",
                                      value=loan_id, request=pending.id)
        override_id = tx.add_request(loan_id, category, text, user_id, valid_until, today)
    found = store.get(override_id)
    assert found is not None
    return found


def decide_override(store: OverrideStore, override_id: int, approve: bool, user_id: int, *,
                    note: str = "", settings: BusinessDateSettings | None = None,
                    ) -> OverrideInfo:
    """Approve (``approve=True``) or reject a pending request, as a user other than the one
    who asked. Approving sets the loan's category, records the history row (source
    ``manual``) and supersedes the loan's previous override, in one transaction.

    :raises ClassificationError: ``classification_override_not_found``,
        ``classification_override_decided``, ``classification_self_approval``,
        ``classification_text_too_long``, ``classification_loan_not_open``.
    """
    text = _text(note, "note", required=False)
    today = current_business_date(store, (settings or BusinessDateSettings()).start)
    with store.transaction() as tx:
        found = tx.override(override_id)
        if found is None:
            raise ClassificationError("classification_override_not_found", "override_id",
                                      value=override_id)
        if found.status != "pending":
            raise ClassificationError("classification_override_decided", "override_id",
                                      value=override_id, status=found.status)
        if found.requested_by == user_id:
            raise ClassificationError("classification_self_approval", "user_id",
                                      value=override_id)
        if not approve:
            tx.decide(override_id, "rejected", user_id, text, today, None)
        else:
            loan = _open_loan(tx, found.loan_id)
            tx.decide(override_id, "approved", user_id, text, today, loan)
            tx.supersede(loan.id, override_id, today)
            tx.set_classification(loan.id, found.category)
            tx.add_history(loan.id, today, loan.classification, found.category, loan.dpd,
                           found.reason, user_id)
    decided = store.get(override_id)
    assert decided is not None
    return decided


def classification_history(store: OverrideStore, loan_id: int) -> list[HistoryRow]:
    """The loan's classification changes, oldest first (end of day and manual)."""
    return store.history(loan_id)
