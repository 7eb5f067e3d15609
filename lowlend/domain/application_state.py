"""The life of a loan application (贷款申请): its states and the moves between them.

::

    draft ──submit──► submitted ──score──► in_review ──approve──► approved
      │                   │  │                │ │
      │                   │  └─auto approve──►│ └─reject──► rejected
      │                   └─auto reject──────►│
      │                                       └─return──► returned ──submit──► submitted
      └──────────── withdraw (from draft, submitted, in_review, returned) ──► withdrawn

``submitted`` is where an application waits when its credit report or scoring could
not be done (a bureau time-out): it stays retryable. Only ``draft`` and ``returned``
applications may be edited.

>>> next_status(ApplicationStatus.DRAFT, ApplicationEvent.SUBMIT)
<ApplicationStatus.SUBMITTED: 'submitted'>
>>> next_status(ApplicationStatus.APPROVED, ApplicationEvent.WITHDRAW)
Traceback (most recent call last):
...
lowlend.domain.application_state.ApplicationStateError: application_bad_transition (event=withdraw, status=approved)
"""

from __future__ import annotations

from enum import StrEnum

from lowlend.domain.errors import DomainError

__all__ = [
    "EDITABLE",
    "ApplicationEvent",
    "ApplicationStateError",
    "ApplicationStatus",
    "next_status",
]


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class ApplicationEvent(StrEnum):
    SUBMIT = "submit"
    REFER = "refer"  # scoring sends it to manual review
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"
    WITHDRAW = "withdraw"


class ApplicationStateError(DomainError):
    """A move the application's current state does not allow (HTTP 409)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, None, **params)


S, E = ApplicationStatus, ApplicationEvent

_MOVES: dict[tuple[ApplicationStatus, ApplicationEvent], ApplicationStatus] = {
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    (S.RETURNED, E.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, E.REFER): S.IN_REVIEW,
    (S.SUBMITTED, E.APPROVE): S.APPROVED,
    (S.SUBMITTED, E.REJECT): S.REJECTED,
    (S.IN_REVIEW, E.APPROVE): S.APPROVED,
    (S.IN_REVIEW, E.REJECT): S.REJECTED,
    (S.IN_REVIEW, E.RETURN): S.RETURNED,
    (S.DRAFT, E.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, E.WITHDRAW): S.WITHDRAWN,
    (S.IN_REVIEW, E.WITHDRAW): S.WITHDRAWN,
    (S.RETURNED, E.WITHDRAW): S.WITHDRAWN,
}

EDITABLE: frozenset[ApplicationStatus] = frozenset({S.DRAFT, S.RETURNED})
"""States in which the applicant may still change the application."""


def next_status(status: ApplicationStatus | str, event: ApplicationEvent) -> ApplicationStatus:
    """The state after ``event``; :class:`ApplicationStateError` when the move is not allowed."""
    current = ApplicationStatus(status)
    try:
        return _MOVES[(current, event)]
    except KeyError:
        raise ApplicationStateError(
            "application_bad_transition", status=current.value, event=event.value
        ) from None
