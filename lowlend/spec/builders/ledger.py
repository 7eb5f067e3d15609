"""``ledger.yaml`` → :class:`~lowlend.spec.model.LedgerSpec`.

Checked: account codes unique, every account a rule or ``loan_accounts`` names declared,
amount names known for the rule's event, one rule per (event, loan kind), a kind-less rule
for every event, and every rule balanced for any amounts (its debit and credit lines add
up to the same parts of the event's identity, :data:`~lowlend.domain.conventions.POSTING_COMPONENTS`).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from lowlend.domain.conventions import (
    POSTING_COMPONENTS,
    AccountType,
    LoanKind,
    PostingEvent,
    posting_imbalance,
)

from ..context import Ctx, Doc
from ..model import AccountSpec, LedgerSpec, PostingLineSpec, PostingRuleSpec
from .values import label, opt_label

__all__ = ["build_ledger"]


def _rule(
    ctx: Ctx, doc: Doc, index: int, raw: dict[str, Any], accounts: dict[str, AccountSpec]
) -> PostingRuleSpec:
    event = PostingEvent(raw["event"])
    known = POSTING_COMPONENTS[event]
    lines = []
    for j, ln in enumerate(raw["lines"]):
        where: list[str | int] = ["rules", index, "lines", j]
        if ln["account"] not in accounts:
            ctx.error(doc, [*where, "account"], f"unknown account {ln['account']!r} (declare it under accounts)")
        if ln["amount"] not in known:
            ctx.error(
                doc, [*where, "amount"],
                f"{event.value} has no amount {ln['amount']!r} (one of: {', '.join(known)})",
            )
        lines.append(PostingLineSpec(ln["side"], ln["account"], ln["amount"]))
    rule = PostingRuleSpec(
        event, LoanKind(raw["loan_kind"]) if raw.get("loan_kind") else None,
        opt_label(raw.get("label")), tuple(lines),
    )
    off = posting_imbalance(event, ((ln.side, ln.amount) for ln in rule.lines))
    if off:
        what = "; ".join(
            f"{part} debited {n} time(s) more than credited" if n > 0
            else f"{part} credited {-n} time(s) more than debited"
            for part, n in sorted(off.items())
        )
        ctx.error(doc, ["rules", index, "lines"], f"the {event.value} rule does not balance: {what}")
    return rule


def build_ledger(ctx: Ctx, doc: Doc) -> LedgerSpec:
    data = doc.data
    ctx.unique(doc, data["accounts"], ["accounts"])
    accounts = {
        a["code"]: AccountSpec(a["code"], AccountType(a["type"]), label(a["label"]))
        for a in data["accounts"]
    }
    rules: list[PostingRuleSpec] = []
    seen: dict[tuple[PostingEvent, LoanKind | None], int] = {}
    for i, raw in enumerate(data["rules"]):
        rule = _rule(ctx, doc, i, raw, accounts)
        key = (rule.event, rule.loan_kind)
        if key in seen:
            kind = f" for {rule.loan_kind.value} loans" if rule.loan_kind else ""
            ctx.error(doc, ["rules", i, "event"],
                      f"a second {rule.event.value} rule{kind} (the first is rules[{seen[key]}])")
        seen.setdefault(key, i)
        rules.append(rule)
    for event in PostingEvent:
        if (event, None) not in seen:
            ctx.error(doc, ["rules"], f"no {event.value} rule without loan_kind (every loan must be able to post it)")
    loan_accounts = data["loan_accounts"]
    for name in ("principal", "overpayment"):
        if loan_accounts[name] not in accounts:
            ctx.error(doc, ["loan_accounts", name], f"unknown account {loan_accounts[name]!r}")
    principal = accounts.get(loan_accounts["principal"])
    if principal is not None and principal.type is not AccountType.ASSET:
        ctx.error(doc, ["loan_accounts", "principal"], "the principal account must be an asset account")
    return LedgerSpec(
        MappingProxyType(accounts), tuple(rules), loan_accounts["principal"],
        loan_accounts["overpayment"],
    )
