"""Rate-cap compliance verdicts (plain domain objects; the YAML lives in product_configs/compliance).

A :class:`RateCap` names the measure it tests (``nominal`` r×k or ``effective``
(1+r)^k−1, COMPLIANCE.md §6), its limit, its action and its rule id. A loan is
``ok`` unless a ``block`` cap is breached; ``warn`` / ``require_review`` caps are
listed as violations but do not block.

>>> from lowlend.domain.apr import annualise
>>> apr = annualise(0.0175, 12)               # ≈ 21.0 % nominal, ≈ 23.1 % effective
>>> cap = RateCap("cn.mlc.new_loan.hard_cap", Decimal("0.20"))
>>> v = check_rate_caps(apr, (cap,), region="CN")
>>> v.ok, v.violations[0].rule_id
(False, 'cn.mlc.new_loan.hard_cap')
>>> v.violations[0].message("en")
'Annualised rate 0.231439 (effective) exceeds the cap 0.200000 (cn.mlc.new_loan.hard_cap)'
>>> v.violations[0].message("zh_CN")
'年化利率 0.231439（effective）超过上限 0.200000（cn.mlc.new_loan.hard_cap）'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from lowlend.domain.apr import Apr
from lowlend.domain.conventions import Annualisation, ComplianceAction
from lowlend.domain.errors import LoanInputError

__all__ = [
    "MESSAGES",
    "ComplianceVerdict",
    "RateCap",
    "Violation",
    "check_rate_caps",
    "render_message",
]

#: message key → locale → template (``str.format`` fields: rate, cap, measure, rule).
MESSAGES: dict[str, dict[str, str]] = {
    "compliance.rate_cap_exceeded": {
        "en": "Annualised rate {rate} ({measure}) exceeds the cap {cap} ({rule})",
        "zh_CN": "年化利率 {rate}（{measure}）超过上限 {cap}（{rule}）",
    },
    "compliance.apr_unavailable": {
        "en": "The annualised rate cannot be computed for these cash flows ({rule})",
        "zh_CN": "无法计算该现金流的年化利率（{rule}）",
    },
}


def render_message(key: str, locale: str, **fields: object) -> str:
    """Localised message for ``key`` (falls back to ``en``, then to the key)."""
    table = MESSAGES.get(key)
    if table is None:
        return key
    return (table.get(locale) or table["en"]).format(**fields)


@dataclass(frozen=True, slots=True)
class RateCap:
    """A cap on an annualised rate.

    :param rule_id: stable id, e.g. ``cn.mlc.new_loan.hard_cap``.
    :param max_rate: the limit as a decimal fraction (``0.24``).
    :param measure: ``effective`` (default, the stricter IRR reading) or ``nominal``.
    :param action: ``block`` | ``warn`` | ``require_review``.
    """

    rule_id: str
    max_rate: Decimal
    measure: Annualisation = Annualisation.EFFECTIVE
    action: ComplianceAction = ComplianceAction.BLOCK
    message_key: str = "compliance.rate_cap_exceeded"

    def __post_init__(self) -> None:
        if not self.max_rate.is_finite() or self.max_rate < 0:
            raise LoanInputError("rate_caps.max", "rate_out_of_range", value=self.max_rate)


@dataclass(frozen=True, slots=True)
class Violation:
    """A breached cap: rule id, message key, action, measured value and limit."""

    rule_id: str
    message_key: str
    action: ComplianceAction
    measured: Decimal | None
    limit: Decimal
    measure: Annualisation

    def message(self, locale: str = "en") -> str:
        """The violation text in ``locale`` (``zh_CN`` or ``en``)."""
        return render_message(
            self.message_key, locale, rate=self.measured, cap=f"{self.limit:.6f}",
            measure=self.measure.value, rule=self.rule_id,
        )


@dataclass(frozen=True, slots=True)
class ComplianceVerdict:
    """``ok`` is false iff a ``block`` cap is breached."""

    region: str
    ok: bool
    violations: tuple[Violation, ...] = ()


def check_rate_caps(apr: Apr | None, caps: Iterable[RateCap], region: str = "") -> ComplianceVerdict:
    """Test ``apr`` against every cap. ``apr=None`` (no IRR solution) breaches every cap."""
    found: list[Violation] = []
    for cap in caps:
        if apr is None:
            found.append(Violation(cap.rule_id, "compliance.apr_unavailable", cap.action, None,
                                   cap.max_rate, cap.measure))
            continue
        value = apr.effective if cap.measure is Annualisation.EFFECTIVE else apr.nominal
        if value > cap.max_rate:
            found.append(Violation(cap.rule_id, cap.message_key, cap.action, value, cap.max_rate,
                                   cap.measure))
    ok = not any(v.action is ComplianceAction.BLOCK for v in found)
    return ComplianceVerdict(region, ok, tuple(found))
