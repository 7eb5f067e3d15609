"""Sandbox credit bureau: deterministic reports keyed on the ID number, run in process.

The same generator feeds :class:`SandboxBureau` (in process) and the local HTTP server
(:mod:`lowlend.integrations.bureau.sandbox_server`). The test IDs are valid resident ID
numbers; :data:`SANDBOX_IDS` maps each case to its ID. Every other ID number gets a clean-ish
report derived from a hash of the number (the same number always gives the same facts).

===================  ======================================================================
ID number            report (facts) / behaviour
===================  ======================================================================
110101199003070011   ``clean``: score 780, 3 accounts (1 closed), none overdue, 1 hard query
                     in 3 months, debt 289200.00, debt service 2720.00/month, no blacklist
11010119900307002X   ``overdue_45``: score 590, 1 overdue account, max DPD 45, 2 hard
                     queries, debt 23000.00, debt service 2000.00/month
110101199003070038   ``blacklisted``: score 520, 1 blacklist entry (court enforcement 失信)
110101199003070046   ``many_queries``: score 640, 9 hard queries in 3 months, 14 in 6 months
110101199003070054   ``no_file``: no credit file (白户): ``has_file`` false, score 0
110101199003079016   ``slow``: the server answers after ``slow_seconds`` (client timeout);
                     in process: :class:`BureauUnavailable`
110101199003079024   ``error_once``: the server answers 500 to the first attempt of each
                     request id, then the clean report; in process: the clean report
110101199003079032   ``error_always``: always 500; in process: :class:`BureauUnavailable`
110101199003079040   ``garbage``: a correctly signed body that is not JSON;
                     in process: :class:`BureauBadResponse` (key ``$``)
110101199003079059   ``bad_signature``: the clean report with a wrong response signature;
                     in process: :class:`BureauBadResponse` (key ``signature``)
110101199003079067   ``missing_key``: a report without ``accounts``;
                     :class:`BureauBadResponse` (key ``accounts``)
110101199003079075   ``rejected``: 422 ``subject_rejected``; :class:`BureauRejected`
===================  ======================================================================

Query dates are counted back from the report day, so the facts do not depend on the date.

>>> import datetime as dt
>>> from lowlend.domain.credit_report import BureauRequest, Consent
>>> request = BureauRequest("resident_id", SANDBOX_IDS["overdue_45"], "张三", "loan_application",
...                         Consent("C-1", dt.date(2026, 11, 1)))
>>> facts = SandboxBureau().pull(request, Decimal("10000")).facts
>>> facts.overdue_accounts, facts.max_dpd_24m, facts.debt_to_income_bp
(1, 45, 2000)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from lowlend.domain.credit_report import BureauRequest, CreditReport
from lowlend.integrations.bureau.errors import (
    BureauBadResponse,
    BureauRejected,
    BureauUnavailable,
)
from lowlend.integrations.bureau.port import build_report, check_income

__all__ = ["CST", "SANDBOX_IDS", "SandboxBureau", "sandbox_case", "sandbox_payload"]

CST: Final = dt.timezone(dt.timedelta(hours=8), "CST")
"""The bureau's local time (China Standard Time): report days are counted in it."""

SANDBOX_IDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "clean": "110101199003070011",
        "overdue_45": "11010119900307002X",
        "blacklisted": "110101199003070038",
        "many_queries": "110101199003070046",
        "no_file": "110101199003070054",
        "slow": "110101199003079016",
        "error_once": "110101199003079024",
        "error_always": "110101199003079032",
        "garbage": "110101199003079040",
        "bad_signature": "110101199003079059",
        "missing_key": "110101199003079067",
        "rejected": "110101199003079075",
    }
)
_CASES = {number: case for case, number in SANDBOX_IDS.items()}


def sandbox_case(id_number: str) -> str | None:
    """The sandbox case of an ID number, ``None`` for an ordinary (hash-derived) one."""
    return _CASES.get("".join(id_number.split()).upper())


def _account(
    account_id: str,
    kind: str,
    institution: str,
    opened_on: str,
    status: str,
    balance: str,
    payment: str,
    overdue_days: int = 0,
    overdue_amount: str = "0.00",
    max_dpd_24m: int = 0,
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "type": kind,
        "institution": institution,
        "opened_on": opened_on,
        "status": status,
        "balance": balance,
        "monthly_payment": payment,
        "overdue_days": overdue_days,
        "overdue_amount": overdue_amount,
        "max_dpd_24m": max_dpd_24m,
    }


def _queries(day: dt.date, *entries: tuple[int, str]) -> list[dict[str, Any]]:
    institutions = ("某银行信用卡中心", "某消费金融公司", "某小额贷款公司", "某商业银行")
    return [
        {
            "date": (day - dt.timedelta(days=days_ago)).isoformat(),
            "institution": institutions[i % len(institutions)],
            "reason": reason,
        }
        for i, (days_ago, reason) in enumerate(entries)
    ]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _generic(id_number: str, day: dt.date) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """A clean-ish file drawn from a hash of the ID number (stable across versions)."""

    def draw(i: int, modulus: int) -> int:
        digest = hashlib.sha256(f"{id_number}:{i}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % modulus

    accounts = []
    for k in range(1 + draw(1, 4)):
        kind = ("loan", "credit_card", "quasi_credit_card")[draw(10 + k, 3)]
        balance = draw(20 + k, 50_000_00)
        accounts.append(
            _account(
                f"A{k + 1}", kind, "某商业银行", f"{2015 + draw(40 + k, 10)}-0{1 + draw(50 + k, 9)}-15",
                "normal", _money(balance), _money(balance // (10 if kind == "loan" else 12)),
                max_dpd_24m=(0, 0, 0, 0, 5, 12, 30)[draw(30 + k, 7)],
            )
        )
    reasons = ("loan_application", "credit_card_application", "post_loan_management", "self_query")
    queries = _queries(day, *((5 + 17 * j, reasons[draw(60 + j, 4)]) for j in range(draw(2, 6))))
    return 560 + draw(0, 300), accounts, queries


def sandbox_payload(request: BureauRequest, request_id: str, now: dt.datetime) -> dict[str, Any]:
    """The report payload the sandbox answers ``request`` with at ``now`` (aware)."""
    stamp = now.astimezone(CST)
    day = stamp.date()
    case = sandbox_case(request.id_number)
    blacklist: list[dict[str, Any]] = []
    found = True
    if case == "overdue_45":
        score = 590
        accounts = [
            _account("A1", "loan", "某小额贷款公司", "2025-02-01", "overdue", "18000.00",
                     "1500.00", overdue_days=45, overdue_amount="3000.00", max_dpd_24m=45),
            _account("A2", "credit_card", "某银行信用卡中心", "2020-06-01", "normal", "5000.00", "500.00"),
        ]
        queries = _queries(day, (15, "loan_application"), (60, "loan_application"))
    elif case == "blacklisted":
        score = 520
        accounts = [_account("A1", "credit_card", "某银行信用卡中心", "2018-03-01", "normal", "1200.00", "120.00")]
        queries = _queries(day, (30, "loan_application"))
        blacklist = [{"source": "court_enforcement", "listed_on": "2025-06-01",
                      "reference": "(2025)京0101执1234号"}]
    elif case == "many_queries":
        score = 640
        accounts = [_account("A1", "credit_card", "某银行信用卡中心", "2019-09-01", "normal", "8000.00", "800.00")]
        hard = (3, 8, 12, 19, 27, 33, 41, 55, 70, 100, 115, 130, 150, 170)
        kinds = ("loan_application", "credit_card_application")
        queries = _queries(
            day,
            *((days, kinds[i % 2]) for i, days in enumerate(hard)),
            (20, "post_loan_management"),
            (90, "self_query"),
        )
    elif case == "no_file":
        found, score, accounts, queries = False, 0, [], []
    elif case is None:
        score, accounts, queries = _generic(request.id_number, day)
    else:  # clean, and the behaviour cases when they answer at all
        score = 780
        accounts = [
            _account("A1", "credit_card", "某银行信用卡中心", "2019-05-12", "normal", "3200.00", "320.00"),
            _account("A2", "loan", "某商业银行", "2021-08-20", "normal", "286000.00", "2400.00"),
            _account("A3", "loan", "某消费金融公司", "2022-01-10", "closed", "0.00", "0.00"),
        ]
        queries = _queries(day, (20, "loan_application"), (45, "post_loan_management"), (10, "self_query"))
    digest = hashlib.sha256(f"{request.id_number}|{request_id}".encode()).hexdigest()
    payload: dict[str, Any] = {
        "report_id": f"SBX{day:%Y%m%d}{digest[:10].upper()}",
        "generated_at": stamp.isoformat(timespec="seconds"),
        "subject": {"id_type": request.id_type, "id_number": request.id_number, "name": request.name},
        "file_found": found,
        "score": score if found else None,
        "accounts": accounts,
        "queries": queries,
        "public_records": {"blacklist": blacklist},
    }
    if case == "missing_key":
        del payload["accounts"]
    return payload


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SandboxBureau:
    """The sandbox bureau in process (implements :class:`~.port.CreditBureau`).

    :param clock: returns the current aware date-time (the report's ``pulled_at``).
    :param name: the bureau name written on the reports.
    """

    def __init__(self, clock: Callable[[], dt.datetime] = _utc_now, name: str = "sandbox") -> None:
        self.clock = clock
        self.name = name

    def pull(self, request: BureauRequest, monthly_income: Decimal | None) -> CreditReport:
        """Answer like the sandbox server would, without the network (see the table above)."""
        check_income(monthly_income)
        case = sandbox_case(request.id_number)
        if case in ("slow", "error_always"):
            raise BureauUnavailable("timeout" if case == "slow" else "http_500")
        if case == "rejected":
            raise BureauRejected(0, "subject_rejected")
        if case == "garbage":
            raise BureauBadResponse("$", "not JSON")
        if case == "bad_signature":
            raise BureauBadResponse("signature", "response signature invalid")
        now = self.clock()
        request_id = request.idempotency_key or uuid.uuid4().hex
        payload = json.loads(json.dumps(sandbox_payload(request, request_id, now), ensure_ascii=False))
        return build_report(self.name, request, request_id, payload, monthly_income, now)
