"""Scorecard decisions on the shipped configuration, recomputed independently from the YAML.

The test reads ``product_configs/scorecards/consumer_basic.yaml`` itself and evaluates its
bins with a small evaluator written here (comparisons, ``||``, ``&&``, ``!``, ``true`` and
bare fact names), then checks that :func:`lowlend.services.lending.scoring.score` gives the
same total, decision and reasons. Route selection is checked on the shipped chains.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from lowlend.domain.approval import Step
from lowlend.domain.credit_report import BureauFacts
from lowlend.services.lending.scoring import route_for, rule_facts, score
from lowlend.spec import SpecRegistry
from tests.config_fixtures import shipped_registry

REPO_ROOT = Path(__file__).resolve().parents[2]
CARD_FILE = REPO_ROOT / "product_configs" / "scorecards" / "consumer_basic.yaml"
ON = dt.date(2026, 6, 1)


# ------------------------------------------------------------------ independent evaluator

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
    "==": operator.eq, "!=": operator.ne,
}
_COMPARISON = re.compile(r"^(.+?)\s*(<=|>=|==|!=|<|>)\s*(.+)$")


def _value(token: str, facts: Mapping[str, Any]) -> Any:
    token = token.strip()
    if token == "true":
        return True
    if token == "false":
        return False
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    node: Any = facts
    for part in token.split("."):
        node = node[part]
    return node


def holds(expr: str, facts: Mapping[str, Any]) -> bool:
    """Evaluate one bin / knock-out condition of the scorecard file (no CEL involved)."""
    expr = expr.strip()
    if "||" in expr:
        return any(holds(part, facts) for part in expr.split("||"))
    if "&&" in expr:
        return all(holds(part, facts) for part in expr.split("&&"))
    if expr.startswith("!"):
        return not holds(expr[1:], facts)
    found = _COMPARISON.match(expr)
    if found:
        left, op, right = found.groups()
        return _COMPARE[op](_value(left, facts), _value(right, facts))
    result = _value(expr, facts)
    assert isinstance(result, bool), f"not a condition: {expr!r}"
    return result


def test_the_evaluator_itself() -> None:
    facts = {"customer": {"age": 21, "blacklisted": False}, "bureau": {"queries_3m": 7}}
    assert holds("customer.age < 22", facts) and not holds("customer.age <= 20", facts)
    assert holds("customer.age >= 21", facts) and not holds("customer.age > 21", facts)
    assert holds("customer.age > 30 || bureau.queries_3m > 6", facts)
    assert not holds("customer.age > 30 && bureau.queries_3m > 6", facts)
    assert holds("true", facts) and not holds("customer.blacklisted", facts)
    assert holds("!customer.blacklisted", facts)


@dataclass(frozen=True)
class Expected:
    total: int
    decision: str
    reasons: list[tuple[str, int, str, bool]]  # (code, points, English label, knock-out)


@cache
def card_file() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CARD_FILE.read_text(encoding="utf-8"))
    return data


def recompute(facts: Mapping[str, Any]) -> Expected:
    """The decision of consumer_basic.yaml for ``facts``, from the file alone."""
    card = card_file()
    reasons: list[tuple[str, int, str, bool]] = []
    for rule in card.get("knockouts", []):
        if holds(rule["when"], facts):
            reasons.append((rule["code"], 0, rule["label"]["en"], True))
    total = int(card["base_points"])
    for char in card["characteristics"]:
        for number, item in enumerate(char["bins"], start=1):
            if holds(item["when"], facts):
                label = (item.get("label") or char["label"])["en"]
                reasons.append((f"{char['code']}.{number}", int(item["points"]), label, False))
                total += int(item["points"])
                break
    knocked = [r for r in reasons if r[3]]
    if knocked:
        decision = next(k["decision"] for k in card["knockouts"] if k["code"] == knocked[0][0])
    elif total >= card["cutoffs"]["approve_min"]:
        decision = "approve"
    elif total >= card["cutoffs"]["refer_min"]:
        decision = "refer"
    else:
        decision = "reject"
    return Expected(total, decision, reasons)


# ------------------------------------------------------------------ applicants


@pytest.fixture(scope="module")
def registry() -> SpecRegistry:
    return shipped_registry()


def bureau(**kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "has_file": True, "score": 700, "overdue_accounts": 0, "max_dpd_24m": 0,
        "queries_3m": 1, "queries_6m": 2, "outstanding_debt": Decimal("0.00"),
        "monthly_debt_service": Decimal("0.00"), "debt_to_income_bp": 1500, "blacklist_hits": 0,
    }
    values.update(kw)
    return dict(BureauFacts(**values).as_expression_values())


def facts_for(
    registry: SpecRegistry, *, birth: dt.date, income: str | None = "8000.00",
    years: str | int | None = 5, customer: Mapping[str, Any] | None = None,
    product: str = "consumer_emi", amount: str = "80000.00", custom: Mapping[str, Any] | None = None,
    report: Mapping[str, Any] | None = None, score_value: int = 0,
) -> dict[str, Any]:
    app_custom: dict[str, Any] = {"purpose": "consumption", **(custom or {})}
    if income is not None:
        app_custom["monthly_income"] = income
    if years is not None:
        app_custom["years_employed"] = years
    return rule_facts(
        product=registry.products[product], amount=Decimal(amount), term=12,
        rate=Decimal("0.18"), custom=app_custom, customer_custom=dict(customer or {}),
        birth_date=birth, sex="male", region="CN-JX", loan_counts=(0, 0),
        bureau=bureau() if report is None else report, on=ON, score_value=score_value,
    )


def born(age: int) -> dt.date:
    """A birth date that makes the applicant ``age`` on :data:`ON` (birthday tomorrow)."""
    return dt.date(ON.year - age - 1, ON.month, ON.day + 1)


APPLICANTS: dict[str, dict[str, Any]] = {
    # the origination flow's customer: 36, 4 000 a month, no employment history, the sandbox
    # bureau's clean file (debt service 2 720 a month: 68 % of income) → refer
    "flow_customer": {"birth": dt.date(1990, 3, 7), "income": "4000.00", "years": None,
                      "report": bureau(score=780, queries_6m=1,
                                       outstanding_debt=Decimal("289200.00"),
                                       monthly_debt_service=Decimal("2720.00"),
                                       debt_to_income_bp=6800)},
    "young_low_income": {"birth": born(20), "income": "2500.00", "years": 0,
                         "report": bureau(queries_3m=8)},
    "age_22_exactly": {"birth": born(22), "income": "7999.99", "years": 1},
    "age_35_exactly": {"birth": born(35), "income": "8000.00", "years": 3},
    "age_55_high_income": {"birth": born(55), "income": "20000.00", "years": 10},
    "age_56_rich": {"birth": born(56), "income": "50000.00", "years": 30},
    "late_payer": {"birth": born(40), "income": "12000.00", "years": 6,
                   "report": bureau(max_dpd_24m=45, debt_to_income_bp=5500)},
    "defaulter": {"birth": born(40), "income": "12000.00", "years": 6,
                  "report": bureau(max_dpd_24m=120, debt_to_income_bp=7500)},
    "income_from_customer_file": {"birth": born(30), "income": None, "years": None,
                                  "customer": {"monthly_income": "9000.00", "years_employed": 2}},
    # 17 today, 18 tomorrow: still under age (knock-out) whatever the points
    "under_18": {"birth": born(17), "income": "50000.00", "years": 5},
    "blacklisted_in_file": {"birth": born(40), "income": "50000.00", "years": 20,
                            "customer": {"blacklisted": True}},
    "blacklisted_by_bureau": {"birth": born(40), "income": "50000.00", "years": 20,
                              "report": bureau(blacklist_hits=1)},
    "blacklisted_minor": {"birth": born(16), "income": "1000.00", "years": 0,
                          "customer": {"blacklisted": True}},
}


@pytest.mark.parametrize("who", sorted(APPLICANTS))
def test_score_matches_the_yaml_recomputed_independently(
    registry: SpecRegistry, who: str
) -> None:
    facts = facts_for(registry, **APPLICANTS[who])
    assert registry.products["consumer_emi"].scorecard == "consumer_basic"
    card = registry.scorecards["consumer_basic"]
    expected = recompute(facts)
    result = score(card, facts)
    assert result.scorecard == "consumer_basic"
    assert result.score == expected.total
    assert result.decision.value == expected.decision
    assert [(r.code, r.points, r.label_en, r.knockout) for r in result.reasons] == expected.reasons


def test_the_applicants_cover_every_decision_and_bin(registry: SpecRegistry) -> None:
    """The table above is not degenerate: all three decisions, both knock-outs, every bin."""
    seen_decisions: set[str] = set()
    seen_codes: set[str] = set()
    for spec in APPLICANTS.values():
        expected = recompute(facts_for(registry, **spec))
        seen_decisions.add(expected.decision)
        seen_codes.update(code for code, *_ in expected.reasons)
    card = card_file()
    every_bin = {
        f"{c['code']}.{n}" for c in card["characteristics"] for n in range(1, len(c["bins"]) + 1)
    }
    assert seen_decisions == {"approve", "refer", "reject"}
    assert {k["code"] for k in card["knockouts"]} <= seen_codes
    assert every_bin <= seen_codes, sorted(every_bin - seen_codes)


def test_flow_customer_is_referred(registry: SpecRegistry) -> None:
    facts = facts_for(registry, **APPLICANTS["flow_customer"])
    assert facts["customer"]["age"] == 36 and facts["customer"]["monthly_income"] == 400000
    result = score(registry.scorecards["consumer_basic"], facts)
    assert result.decision.value == "refer" and 560 <= result.score < 650


@pytest.mark.parametrize("who", ["under_18", "blacklisted_in_file", "blacklisted_by_bureau"])
def test_knockouts_reject_whatever_the_points(registry: SpecRegistry, who: str) -> None:
    facts = facts_for(registry, **APPLICANTS[who])
    card = registry.scorecards["consumer_basic"]
    result = score(card, facts)
    points = card.base_points + sum(r.points for r in result.reasons)
    assert points >= card.approve_min  # the points alone would approve
    assert result.decision.value == "reject"
    assert [r.code for r in result.reasons if r.knockout] == [
        "underage" if who == "under_18" else "blacklisted"
    ]


def test_age_18_today_is_not_knocked_out(registry: SpecRegistry) -> None:
    facts = facts_for(registry, birth=dt.date(ON.year - 18, ON.month, ON.day), income="50000.00")
    assert facts["customer"]["age"] == 18
    result = score(registry.scorecards["consumer_basic"], facts)
    assert not any(r.knockout for r in result.reasons)


def test_application_income_wins_over_the_customer_file(registry: SpecRegistry) -> None:
    facts = facts_for(registry, birth=born(30), income="3000.00",
                      customer={"monthly_income": "50000.00"})
    assert facts["customer"]["monthly_income"] == 300000
    assert recompute(facts) == recompute(facts_for(registry, birth=born(30), income="3000.00"))


# ------------------------------------------------------------------ routes


def steps(route: tuple[Step, ...]) -> list[tuple[str, str, int, int]]:
    return [(s.code, s.role, s.stage, s.required) for s in route]


@pytest.mark.parametrize(
    ("amount", "score_value", "report", "expected"),
    [
        ("50000.00", 620, None, [("manager_approval_small", "business_manager", 0, 1)]),
        ("50000.01", 620, None, [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
        ]),
        ("50000.00", 599, None, [
            ("manager_approval_small", "business_manager", 0, 1),
            ("second_risk_review", "risk_officer", 1, 1),
        ]),
        ("80000.00", 640, bureau(overdue_accounts=1), [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
            ("second_risk_review", "risk_officer", 2, 1),
        ]),
        ("80000.00", 600, None, [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
        ]),
    ],
)
def test_consumer_standard_route(
    registry: SpecRegistry, amount: str, score_value: int, report: dict[str, Any] | None,
    expected: list[tuple[str, str, int, int]],
) -> None:
    facts = facts_for(registry, birth=born(36), amount=amount, report=report,
                      score_value=score_value)
    route = route_for(registry.approval_chains["consumer_standard"], facts)
    assert steps(route) == expected
    assert route[0].sla_hours == (8 if amount == "50000.00" else 24)


@pytest.mark.parametrize(
    ("amount", "collateral", "expected"),
    [
        ("150000.00", "", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
        ]),
        ("200000.00", "", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
        ]),
        ("250000.00", "", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
            ("finance_check", "finance", 1, 1),
        ]),
        ("350000.00", "", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
            ("finance_check", "finance", 1, 1), ("unsecured_extra_review", "risk_officer", 2, 2),
        ]),
        ("350000.00", "vehicle", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
            ("finance_check", "finance", 1, 1),
        ]),
        ("1000000.01", "property", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
            ("finance_check", "finance", 1, 1), ("general_manager_approval", "admin", 2, 1),
        ]),
        ("1000000.01", "", [
            ("risk_review", "risk_officer", 0, 1), ("manager_approval", "business_manager", 1, 1),
            ("finance_check", "finance", 1, 1), ("general_manager_approval", "admin", 2, 1),
            ("unsecured_extra_review", "risk_officer", 3, 2),
        ]),
    ],
)
def test_business_standard_route(
    registry: SpecRegistry, amount: str, collateral: str,
    expected: list[tuple[str, str, int, int]],
) -> None:
    facts = facts_for(registry, birth=born(45), amount=amount, product="business_equal_principal",
                      custom={"collateral_type": collateral}, score_value=700)
    assert facts["application"]["secured"] is (collateral != "")
    route = route_for(registry.approval_chains["business_standard"], facts)
    assert steps(route) == expected
    # manager_approval and finance_check share the stage "final_review": they run in parallel
    by_code = {s.code: s for s in route}
    if "finance_check" in by_code:
        assert by_code["finance_check"].stage == by_code["manager_approval"].stage
    assert by_code["risk_review"].stage < by_code["manager_approval"].stage
