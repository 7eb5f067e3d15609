"""Schema of ``ledger.yaml``: the chart of accounts and the posting rules."""

from __future__ import annotations

from lowlend.domain import conventions as cv

from .vocabulary import Schema, arr, enum, enum_str, obj, ref


def ledger() -> Schema:
    account = obj(
        ["code", "type", "label"],
        {"code": ref("code"), "type": enum(cv.AccountType), "label": ref("label")},
    )
    line = obj(
        ["side", "account", "amount"],
        {"side": enum_str("debit", "credit"), "account": ref("code"), "amount": ref("code")},
    )
    rule = obj(
        ["event", "lines"],
        {
            "event": enum(cv.PostingEvent),
            "loan_kind": enum(cv.LoanKind),
            "label": ref("label"),
            "lines": arr(line, minItems=2),
        },
    )
    return obj(
        ["accounts", "loan_accounts", "rules"],
        {
            "accounts": arr(account, minItems=2),
            "loan_accounts": obj(
                ["principal", "overpayment"],
                {"principal": ref("code"), "overpayment": ref("code")},
            ),
            "rules": arr(rule, minItems=1),
        },
    )
