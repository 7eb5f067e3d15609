"""ledger.yaml: chart of accounts and posting rules, checked at publish."""

from __future__ import annotations

from spec_seed_helpers import SeedCopy

from lowlend.domain.conventions import LoanKind, PostingEvent

LEDGER = "ledger.yaml"
PENALTY_LINE = "      - {side: credit, account: penalty_income, amount: penalty}\n"


def test_shipped_rules_load_and_pick_the_loan_kind(seed: SeedCopy) -> None:
    ledger = seed.load().ledger
    assert ledger.principal_account == "loan_principal"
    entrusted = ledger.rule_for(PostingEvent.REPAYMENT, LoanKind.ENTRUSTED)
    general = ledger.rule_for(PostingEvent.REPAYMENT, LoanKind.TERM)
    assert entrusted is not None and entrusted.loan_kind is LoanKind.ENTRUSTED
    assert general is not None and general.loan_kind is None
    assert ledger.accounts["bank"].label.zh_CN == "银行存款"


def test_an_unbalanced_rule_is_refused_naming_the_part(seed: SeedCopy) -> None:
    seed.replace(LEDGER, PENALTY_LINE, "")  # from the general repayment rule (the first one)
    error = seed.only_error()
    assert error.path.startswith("rules[") and error.path.endswith("lines")
    assert error.message == (
        "the repayment rule does not balance: penalty debited 1 time(s) more than credited"
    )


def test_unknown_account_and_amount(seed: SeedCopy) -> None:
    seed.replace(LEDGER, "{side: credit, account: fee_income, amount: upfront_fees}",
                 "{side: credit, account: fee_incme, amount: upfront_fee}")
    messages = sorted(e.message for e in seed.errors())
    assert any("unknown account 'fee_incme'" in m for m in messages)
    assert any("disbursement has no amount 'upfront_fee'" in m for m in messages)
    assert any("does not balance: upfront_fees credited" in m or "upfront_fees debited" in m
               for m in messages)


def test_every_event_needs_a_general_rule(seed: SeedCopy) -> None:
    text = seed.read(LEDGER)
    start = text.index("  - event: recovery")
    seed.write(LEDGER, text[:start])
    error = seed.only_error()
    assert "no recovery rule without loan_kind" in error.message
