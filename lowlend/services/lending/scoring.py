"""Scorecards and route selection, evaluated with the configuration's CEL rules.

:func:`rule_facts` builds the plain values the rules see (``application``, ``customer``,
``bureau``: money in minor units, rates in basis points — see :mod:`lowlend.spec.envs`);
:func:`score` runs a scorecard over them: knock-out rules first, then each characteristic's
first matching bin, then the cut-offs. The result keeps every reason (code, points,
label), so a decision can be explained and recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lowlend.domain.approval import Step
from lowlend.spec.envs import APPROVAL_ENV, BUREAU, SCORECARD_ENV
from lowlend.spec.expressions import (
    ExpressionEnv,
    ExpressionError,
    compile_expression,
    to_basis_points,
    to_minor_units,
)
from lowlend.spec.model import ApprovalChainSpec, Decision, ProductSpec, ScorecardSpec

__all__ = ["Reason", "ScoreResult", "route_for", "rule_facts", "score"]

_UNSECURED = {"", "unsecured", "credit", "none"}


@dataclass(frozen=True, slots=True)
class Reason:
    """One contribution to a decision: a characteristic bin or a knock-out rule."""

    code: str
    points: int
    label_en: str
    label_zh: str
    knockout: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "points": self.points,
            "label": {"en": self.label_en, "zh_CN": self.label_zh},
            "knockout": self.knockout,
        }


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A scorecard's verdict with its score and reasons."""

    scorecard: str
    score: int
    decision: Decision
    reasons: tuple[Reason, ...]


def _money(value: object) -> int:
    if value is None or value == "":
        return 0
    try:
        return to_minor_units(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return 0


def _int(value: object) -> int:
    try:
        return int(str(value)) if value not in (None, "") else 0
    except ValueError:
        return 0


def _age(birth: dt.date | None, on: dt.date) -> int:
    if birth is None:
        return 0
    years = on.year - birth.year
    return years - 1 if (on.month, on.day) < (birth.month, birth.day) else years


def rule_facts(
    *,
    product: ProductSpec,
    amount: Decimal,
    term: int,
    rate: Decimal,
    custom: Mapping[str, Any],
    customer_custom: Mapping[str, Any],
    birth_date: dt.date | None,
    sex: str | None,
    region: str | None,
    loan_counts: tuple[int, int],
    bureau: Mapping[str, Any],
    on: dt.date,
    score_value: int = 0,
) -> dict[str, Any]:
    """The ``application`` / ``customer`` / ``bureau`` values of the rule environments.

    Income and years employed come from the application's own fields when it declares
    them, else from the customer file; a customer is blacklisted when their file says so
    or the bureau reports a blacklist hit.
    """
    income = custom.get("monthly_income", customer_custom.get("monthly_income"))
    years = custom.get("years_employed", customer_custom.get("years_employed"))
    open_loans, closed_loans = loan_counts
    collateral = str(custom.get("collateral_type") or "")
    application = {
        "amount": to_minor_units(amount),
        "term": term,
        "annual_rate": to_basis_points(rate),
        "product": product.code,
        "kind": product.kind.value,
        "region": region or product.region or "",
        "currency": product.currency,
        "score": score_value,
        "secured": collateral not in _UNSECURED,
        "custom": dict(custom),
    }
    customer = {
        "age": _age(birth_date, on),
        "gender": sex or "",
        "city": str(customer_custom.get("city") or ""),
        "monthly_income": _money(income),
        "years_employed": _int(years),
        "existing_loans": open_loans,
        "is_repeat": closed_loans > 0,
        "blacklisted": bool(customer_custom.get("blacklisted")) or bool(bureau.get("blacklist_hits")),
        "custom": dict(customer_custom),
    }
    facts_bureau = {name: 0 for name in _BUREAU_FIELDS}  # no report: zeros, has_file false
    facts_bureau["has_file"] = False
    facts_bureau.update(bureau)
    return {"application": application, "customer": customer, "bureau": facts_bureau}


_BUREAU_FIELDS = tuple(name for name, _ in BUREAU.fields)


def _holds(source: str, env: ExpressionEnv, facts: Mapping[str, Any], failed: list[str]) -> bool:
    """Whether a rule holds; a rule that cannot be evaluated (a missing custom value)
    does not hold, and is reported in ``failed``."""
    try:
        return compile_expression(source, env).evaluate(facts) is True
    except ExpressionError:
        failed.append(source)
        return False


def _label(value: Any, fallback: str) -> tuple[str, str]:
    if value is None:
        return fallback, fallback
    return str(value.en), str(value.zh_CN)


def score(card: ScorecardSpec, facts: Mapping[str, Any]) -> ScoreResult:
    """Run ``card`` over ``facts``; a knock-out decides alone (its decision, score 0 kept)."""
    reasons: list[Reason] = []
    failed: list[str] = []
    for rule in card.knockouts:
        if _holds(rule.when, SCORECARD_ENV, facts, failed):
            en, zh = _label(rule.label, rule.code)
            reasons.append(Reason(rule.code, 0, en, zh, knockout=True))
    total = card.base_points
    for char in card.characteristics:
        for number, item in enumerate(char.bins):
            if _holds(item.when, SCORECARD_ENV, facts, failed):
                en, zh = _label(item.label or char.label, char.code)
                reasons.append(Reason(f"{char.code}.{number + 1}", item.points, en, zh))
                total += item.points
                break
    reasons += [
        Reason("rule_not_evaluated", 0, f"Not evaluated: {f}", f"无法计算：{f}") for f in failed
    ]
    knocked = [r for r in reasons if r.knockout]
    if knocked:
        verdict = next(
            (k.decision for k in card.knockouts if k.code == knocked[0].code), Decision.REJECT
        )
        return ScoreResult(card.code, total, verdict, tuple(reasons))
    return ScoreResult(card.code, total, card.decide(total), tuple(reasons))


def route_for(chain: ApprovalChainSpec, facts: Mapping[str, Any]) -> tuple[Step, ...]:
    """The steps of ``chain`` that apply (amount bounds and condition), grouped in stages."""
    amount = Decimal(facts["application"]["amount"]) / 100
    stages: dict[str, int] = {}
    route: list[Step] = []
    for step in chain.steps:
        if step.amount_min is not None and amount < step.amount_min:
            continue
        if step.amount_max is not None and amount > step.amount_max:
            continue
        # a condition that cannot be evaluated keeps the step: review rather than skip it
        failed: list[str] = []
        if step.condition and not _holds(step.condition, APPROVAL_ENV, facts, failed) and not failed:
            continue
        key = step.stage or f"step:{step.code}"
        stage = stages.setdefault(key, len(stages))
        users = tuple(step.users)
        route.append(Step(step.code, step.role, stage, step.approvers, users, step.sla_hours))
    return tuple(route)


def explain(reasons: Sequence[Reason]) -> list[dict[str, Any]]:
    """JSON of the reasons, for storing with the decision."""
    return [r.to_json() for r in reasons]
