"""Credit-bureau (征信) pulls: the request with its consent, the report and its parsed facts.

A pull needs the customer's written consent (授权书): :class:`BureauRequest` cannot be built
without a :class:`Consent` (``bureau_consent_required``). The bureau answers with a report
summary (a simplified PBOC second-generation 二代征信 summary), which
:func:`facts_from_payload` checks strictly — anything missing, mistyped or inconsistent raises
:class:`BureauDataError` with the code ``bureau_bad_response`` and the key path at fault — and
reduces to the indicators of :class:`BureauFacts`, the ``bureau`` object of the scorecard,
approval and early-warning rules (:meth:`BureauFacts.as_expression_values`).

Payload format (JSON; money is a decimal string with at most 2 places, CNY; dates
``YYYY-MM-DD``; unknown keys are ignored, every key shown is required)::

    {"report_id": "R2026112800001",
     "generated_at": "2026-11-28T10:00:00+08:00",  # with UTC offset; its day is the as-of day
     "subject": {"id_type": "resident_id", "id_number": "110101199003070011", "name": "张三"},
     "file_found": true,     # false: no credit file (白户); score null, accounts/queries empty
     "score": 712,           # 0..1000 (数字解读); null only without a file
     "accounts": [           # 信贷交易明细. type: loan | credit_card | quasi_credit_card;
                             # status: normal | overdue | closed | written_off (呆账)
       {"account_id": "A1", "type": "loan", "institution": "某银行", "opened_on": "2024-03-01",
        "status": "overdue", "balance": "12000.00", "monthly_payment": "1050.00",
        "overdue_days": 45,  # current days past due: > 0 iff overdue (any when written off)
        "overdue_amount": "2100.00", "max_dpd_24m": 45}],  # worst DPD of the last 24 months
     "queries": [            # 查询记录. reason: loan_application | credit_card_application |
                             # guarantee_check | post_loan_management | self_query
       {"date": "2026-10-02", "institution": "某消费金融公司", "reason": "loan_application"}],
     "public_records": {"blacklist": [   # 公共记录: e.g. 失信被执行人
       {"source": "court_enforcement", "listed_on": "2025-06-01", "reference": "(2025)京0101执123号"}]}}

Facts: ``overdue_accounts`` counts accounts overdue or written off now; ``max_dpd_24m`` is the
worst of every account's ``max_dpd_24m`` and current ``overdue_days``; ``queries_3m`` /
``queries_6m`` count hard inquiries (loan, card and guarantee reasons) dated within 3 / 6
calendar months up to the report day; ``outstanding_debt`` and ``monthly_debt_service`` sum
the balances and monthly payments of accounts not closed; ``debt_to_income_bp`` is the debt
service over the declared monthly income in basis points, capped at :data:`DTI_CAP_BP` (also its
value when there is debt service but no income declared); ``blacklist_hits`` counts blacklist
entries. Without a file, ``score`` and the account and query facts are 0 (rules use ``has_file``).

>>> payload = {"report_id": "R1", "generated_at": "2026-11-28T10:00:00+08:00",
...     "subject": {"id_type": "resident_id", "id_number": "110101199003070011", "name": "张三"},
...     "file_found": True, "score": 712, "public_records": {"blacklist": []},
...     "queries": [{"date": "2026-10-02", "institution": "X", "reason": "loan_application"}],
...     "accounts": [{"account_id": "A1", "type": "loan", "institution": "B",
...         "opened_on": "2024-03-01", "status": "normal", "balance": "12000.00",
...         "monthly_payment": "1050.00", "overdue_days": 0, "overdue_amount": "0.00",
...         "max_dpd_24m": 12}]}
>>> facts = facts_from_payload(payload, Decimal("7000"))
>>> facts.debt_to_income_bp, facts.queries_3m, facts.outstanding_debt
(1500, 1, Decimal('12000.00'))
>>> facts.as_expression_values()["monthly_debt_service"]
105000
>>> facts_from_payload({**payload, "score": "712"}, None)
Traceback (most recent call last):
...
lowlend.domain.credit_report.BureauDataError: score: bureau_bad_response (key=score, reason=not an integer)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lowlend.domain.calendar import add_months
from lowlend.domain.errors import DomainError

__all__ = [
    "ACCOUNT_STATUSES", "ACCOUNT_TYPES", "DTI_CAP_BP", "HARD_QUERY_REASONS", "PURPOSES",
    "QUERY_REASONS", "BureauDataError", "BureauFacts", "BureauRequest", "Consent",
    "CreditReport", "facts_from_payload", "is_reusable",
]

PURPOSES = frozenset({"loan_application", "post_loan_management", "guarantee_check"})
"""Purposes a lender may pull a report for (the bureau records it as the query reason)."""
QUERY_REASONS = PURPOSES | {"credit_card_application", "self_query"}
HARD_QUERY_REASONS = frozenset({"loan_application", "credit_card_application", "guarantee_check"})
ACCOUNT_TYPES = frozenset({"loan", "credit_card", "quasi_credit_card"})
ACCOUNT_STATUSES = frozenset({"normal", "overdue", "closed", "written_off"})
DTI_CAP_BP = 100_000
"""Largest debt-to-income ratio reported (1000 %), also used when no income is declared."""
SCORE_MAX = 1000

_MONEY_RE = re.compile(r"\d{1,13}(\.\d{1,2})?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CENT = Decimal("0.01")


class BureauDataError(DomainError, ValueError):
    """A bureau request that may not be sent, or a bureau answer that is not valid.

    ``code`` is ``bureau_consent_required``, ``bureau_purpose_invalid``,
    ``bureau_subject_required``, ``bureau_income_invalid`` or ``bureau_bad_response``;
    ``field`` names the request field or the payload key path (``accounts[1].balance``).
    """

    def __init__(self, code: str, field: str, **params: object) -> None:
        super().__init__(code, field, **params)


def _bad(key: str, reason: str) -> BureauDataError:
    return BureauDataError("bureau_bad_response", key, key=key, reason=reason)


@dataclass(frozen=True, slots=True)
class Consent:
    """The customer's authorisation to pull their report: its reference and signing day."""

    consent_id: str
    consent_date: dt.date

    def __post_init__(self) -> None:
        consent_id: object = self.consent_id
        if not isinstance(consent_id, str) or not consent_id.strip():
            raise BureauDataError("bureau_consent_required", "consent")
        if not isinstance(self.consent_date, dt.date):
            raise BureauDataError("bureau_consent_required", "consent")


@dataclass(frozen=True, slots=True)
class BureauRequest:
    """One report pull: subject, purpose and consent.

    ``idempotency_key`` (optional) makes retries of the same pull — even from another process —
    return the same report instead of pulling (and paying) twice; adapters generate one if blank.

    >>> BureauRequest("resident_id", " 110101199003070011 ", "张三", "loan_application",
    ...               Consent("C-1", dt.date(2026, 11, 1))).id_number
    '110101199003070011'
    >>> BureauRequest("resident_id", "110101199003070011", "张三", "loan_application", None)
    Traceback (most recent call last):
    ...
    lowlend.domain.credit_report.BureauDataError: consent: bureau_consent_required
    """

    id_type: str
    id_number: str
    name: str
    purpose: str
    consent: Consent
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        consent: object = self.consent
        if not isinstance(consent, Consent):  # None, or a look-alike that skipped the checks
            raise BureauDataError("bureau_consent_required", "consent")
        for name in ("id_type", "id_number", "name"):
            value: object = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise BureauDataError("bureau_subject_required", name, key=name)
        if self.purpose not in PURPOSES:
            raise BureauDataError("bureau_purpose_invalid", "purpose", value=self.purpose)
        object.__setattr__(self, "id_number", "".join(self.id_number.split()).upper())
        object.__setattr__(self, "name", self.name.strip())


@dataclass(frozen=True, slots=True)
class BureauFacts:
    """The indicators of one report that rules and scorecards use (see the module docstring)."""

    has_file: bool
    score: int
    overdue_accounts: int
    max_dpd_24m: int
    queries_3m: int
    queries_6m: int
    outstanding_debt: Decimal
    monthly_debt_service: Decimal
    debt_to_income_bp: int
    blacklist_hits: int
    monthly_income: Decimal | None = None

    def as_expression_values(self) -> dict[str, int | bool]:
        """The ``bureau`` object of the rule environments: money as int minor units (分)."""
        values: dict[str, Any] = {item.name: getattr(self, item.name) for item in fields(self)}
        del values["monthly_income"]  # the input of debt_to_income_bp, not a bureau fact
        for key in ("outstanding_debt", "monthly_debt_service"):
            values[key] = int((values[key] * 100).quantize(Decimal(1), ROUND_HALF_UP))
        return values

    def to_json(self) -> dict[str, Any]:
        """JSON-able copy (money as decimal strings) to store with the application."""
        values: dict[str, Any] = dict(self.as_expression_values())
        values["outstanding_debt"] = str(self.outstanding_debt)
        values["monthly_debt_service"] = str(self.monthly_debt_service)
        values["monthly_income"] = None if self.monthly_income is None else str(self.monthly_income)
        return values


@dataclass(frozen=True, slots=True)
class CreditReport:
    """A pulled report: who answered, when, the raw payload (JSON-able, read-only) and its facts."""

    bureau: str
    report_id: str
    pulled_at: dt.datetime
    payload: dict[str, Any]
    facts: BureauFacts
    request_id: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-able copy to store; :meth:`from_json` reads it back."""
        return {
            "bureau": self.bureau,
            "report_id": self.report_id,
            "request_id": self.request_id,
            "pulled_at": self.pulled_at.isoformat(),
            "payload": self.payload,
            "facts": self.facts.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CreditReport:
        """Rebuild a stored report; the facts are parsed again from the payload."""
        income = data["facts"]["monthly_income"]
        payload = dict(data["payload"])
        return cls(
            bureau=str(data["bureau"]),
            report_id=str(data["report_id"]),
            pulled_at=dt.datetime.fromisoformat(str(data["pulled_at"])),
            payload=payload,
            facts=facts_from_payload(payload, None if income is None else Decimal(str(income))),
            request_id=str(data.get("request_id", "")),
        )


def _get(obj: Mapping[str, object], key: str, path: str) -> object:
    if key not in obj:
        raise _bad(path, "missing")
    return obj[key]


def _mapping(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _bad(path, "not an object")
    return value


def _list(obj: Mapping[str, object], key: str, path: str) -> list[object]:
    value = _get(obj, key, path)
    if not isinstance(value, list):
        raise _bad(path, "not a list")
    return value


def _int(obj: Mapping[str, object], key: str, path: str, maximum: int = 100_000) -> int:
    value = _get(obj, key, path)
    if type(value) is not int:
        raise _bad(path, "not an integer")
    if not 0 <= value <= maximum:
        raise _bad(path, "out of range")
    return value


def _text(obj: Mapping[str, object], key: str, path: str) -> str:
    value = _get(obj, key, path)
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, "not a non-empty string")
    return value


def _choice(obj: Mapping[str, object], key: str, path: str, allowed: frozenset[str]) -> str:
    value = _get(obj, key, path)
    if not isinstance(value, str) or value not in allowed:
        raise _bad(path, "not one of " + "|".join(sorted(allowed)))
    return value


def _money(obj: Mapping[str, object], key: str, path: str) -> Decimal:
    value = _get(obj, key, path)
    if not isinstance(value, str) or not _MONEY_RE.fullmatch(value):
        raise _bad(path, "not a money string")
    return Decimal(value).quantize(_CENT)


def _date(obj: Mapping[str, object], key: str, path: str) -> dt.date:
    value = _get(obj, key, path)
    try:
        return dt.date.fromisoformat(value if isinstance(value, str) and _DATE_RE.fullmatch(value) else "")
    except ValueError:
        raise _bad(path, "not a date YYYY-MM-DD") from None


def _timestamp(obj: Mapping[str, object], key: str, path: str) -> dt.datetime:
    value = _get(obj, key, path)
    try:
        stamp = dt.datetime.fromisoformat(value if isinstance(value, str) else "")
    except ValueError:
        raise _bad(path, "not a date-time with UTC offset") from None
    if stamp.utcoffset() is None:
        raise _bad(path, "not a date-time with UTC offset")
    return stamp


def _dti(service: Decimal, income: Decimal | None) -> int:
    if service == 0:
        return 0
    if income is None or income == 0:
        return DTI_CAP_BP
    ratio = (service * 10_000 / income).quantize(Decimal(1), ROUND_HALF_UP)
    return min(int(ratio), DTI_CAP_BP)


def facts_from_payload(payload: object, monthly_income: Decimal | None) -> BureauFacts:
    """Check a report payload strictly and compute its facts.

    :param payload: the decoded JSON answer (format in the module docstring).
    :param monthly_income: the customer's declared monthly income, the base of
        ``debt_to_income_bp``; ``None`` when not declared.
    :raises BureauDataError: ``bureau_bad_response`` naming the key, or
        ``bureau_income_invalid`` for a negative or non-finite income.
    """
    if monthly_income is not None and (not monthly_income.is_finite() or monthly_income < 0):
        raise BureauDataError("bureau_income_invalid", "monthly_income", value=monthly_income)
    root = _mapping(payload, "$")
    _text(root, "report_id", "report_id")
    day = _timestamp(root, "generated_at", "generated_at").date()
    subject = _mapping(_get(root, "subject", "subject"), "subject")
    for key in ("id_type", "id_number", "name"):
        _text(subject, key, f"subject.{key}")
    has_file = _get(root, "file_found", "file_found")
    if not isinstance(has_file, bool):
        raise _bad("file_found", "not a boolean")
    accounts, queries = _list(root, "accounts", "accounts"), _list(root, "queries", "queries")
    records = _mapping(_get(root, "public_records", "public_records"), "public_records")
    blacklist = _list(records, "blacklist", "public_records.blacklist")
    if has_file:
        score = _int(root, "score", "score", SCORE_MAX)
    elif _get(root, "score", "score") is not None:
        raise _bad("score", "not null without a file")
    else:
        score = 0
        for key, items in (("accounts", accounts), ("queries", queries)):
            if items:
                raise _bad(key, "not empty without a file")

    overdue = max_dpd = 0
    debt = service = Decimal("0.00")
    for i, item in enumerate(accounts):
        at = f"accounts[{i}]"
        account = _mapping(item, at)
        for key in ("account_id", "institution"):
            _text(account, key, f"{at}.{key}")
        _choice(account, "type", f"{at}.type", ACCOUNT_TYPES)
        _date(account, "opened_on", f"{at}.opened_on")
        status = _choice(account, "status", f"{at}.status", ACCOUNT_STATUSES)
        balance = _money(account, "balance", f"{at}.balance")
        payment = _money(account, "monthly_payment", f"{at}.monthly_payment")
        _money(account, "overdue_amount", f"{at}.overdue_amount")
        days = _int(account, "overdue_days", f"{at}.overdue_days")
        worst = _int(account, "max_dpd_24m", f"{at}.max_dpd_24m")
        if (status == "overdue") != (days > 0) and status != "written_off":
            raise _bad(f"{at}.overdue_days", f"inconsistent with status {status}")
        overdue += status in ("overdue", "written_off")
        max_dpd = max(max_dpd, worst, days)
        if status != "closed":
            debt += balance
            service += payment

    since_3m, since_6m = add_months(day, -3), add_months(day, -6)
    queries_3m = queries_6m = 0
    for i, item in enumerate(queries):
        at = f"queries[{i}]"
        query = _mapping(item, at)
        _text(query, "institution", f"{at}.institution")
        reason = _choice(query, "reason", f"{at}.reason", QUERY_REASONS)
        when = _date(query, "date", f"{at}.date")
        if when > day:
            raise _bad(f"{at}.date", "after the report")
        if reason in HARD_QUERY_REASONS:
            queries_3m += when > since_3m
            queries_6m += when > since_6m

    for i, item in enumerate(blacklist):
        at = f"public_records.blacklist[{i}]"
        entry = _mapping(item, at)
        for key in ("source", "reference"):
            _text(entry, key, f"{at}.{key}")
        _date(entry, "listed_on", f"{at}.listed_on")

    return BureauFacts(
        has_file=has_file,
        score=score,
        overdue_accounts=overdue,
        max_dpd_24m=max_dpd,
        queries_3m=queries_3m,
        queries_6m=queries_6m,
        outstanding_debt=debt,
        monthly_debt_service=service,
        debt_to_income_bp=_dti(service, monthly_income),
        blacklist_hits=len(blacklist),
        monthly_income=monthly_income,
    )


def is_reusable(report_pulled_at: dt.datetime, now: dt.datetime, reuse_days: int) -> bool:
    """Whether a report pulled at ``report_pulled_at`` may still serve at ``now``.

    A product reuses a report for ``reuse_days`` days (``0`` = always pull afresh); a report
    stamped after ``now`` (clock skew) is not trusted. Both times must be timezone-aware.

    >>> pulled = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    >>> is_reusable(pulled, pulled + dt.timedelta(days=30), 30)
    True
    >>> is_reusable(pulled, pulled + dt.timedelta(days=30, seconds=1), 30)
    False
    """
    if report_pulled_at.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("is_reusable needs timezone-aware date-times")
    if reuse_days <= 0 or report_pulled_at > now:
        return False
    return now - report_pulled_at <= dt.timedelta(days=reuse_days)
