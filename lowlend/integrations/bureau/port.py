"""The port the lending service calls, and the report assembly every adapter shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from lowlend.domain.credit_report import (
    BureauDataError,
    BureauRequest,
    CreditReport,
    facts_from_payload,
)
from lowlend.integrations.bureau.errors import BureauBadResponse

__all__ = ["CreditBureau", "build_report", "check_income"]


@runtime_checkable
class CreditBureau(Protocol):
    """A credit bureau: pulls one report for one consented request."""

    def pull(self, request: BureauRequest, monthly_income: Decimal | None) -> CreditReport:
        """Pull the subject's report and parse its facts.

        :param request: subject, purpose and consent; its ``idempotency_key`` (or one the
            adapter generates) makes retries return the same report.
        :param monthly_income: declared monthly income, the base of ``debt_to_income_bp``.
        :raises BureauUnavailable: timeout, connection or server error after the retries.
        :raises BureauRejected: the bureau refused the request.
        :raises BureauBadResponse: the answer is not a valid, authentic report.
        :raises BureauDataError: ``bureau_income_invalid`` (checked before any pull).
        """
        ...


def check_income(monthly_income: Decimal | None) -> None:
    """Refuse a negative or non-finite income before paying for a pull."""
    if monthly_income is not None and (not monthly_income.is_finite() or monthly_income < 0):
        raise BureauDataError("bureau_income_invalid", "monthly_income", value=monthly_income)


def build_report(
    bureau: str,
    request: BureauRequest,
    request_id: str,
    payload: object,
    monthly_income: Decimal | None,
    pulled_at: dt.datetime,
) -> CreditReport:
    """Check ``payload`` strictly, check it is the requested subject's, and wrap it.

    :raises BureauBadResponse: naming the key at fault.
    """
    try:
        facts = facts_from_payload(payload, monthly_income)
    except BureauDataError as exc:
        if exc.code != "bureau_bad_response":
            raise
        raise BureauBadResponse(exc.field or "$", str(exc.params.get("reason", ""))) from exc
    data: dict[str, Any] = dict(payload) if isinstance(payload, Mapping) else {}
    if "".join(str(data["subject"]["id_number"]).split()).upper() != request.id_number:
        raise BureauBadResponse("subject.id_number", "not the requested subject")
    return CreditReport(
        bureau=bureau,
        report_id=str(data["report_id"]),
        pulled_at=pulled_at,
        payload=data,
        facts=facts,
        request_id=request_id,
    )
