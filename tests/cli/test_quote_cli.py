"""``lowlend quote`` on the shipped configuration."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from lowlend.cli import _register, cli
from lowlend.spec import load_directory

_register()


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["quote", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_quote_has_the_contract_shape() -> None:
    code, out, _ = _run("--product", "consumer_emi", "--amount", "10000", "--term", "12",
                        "--start", "2026-12-01", "--format", "json")
    assert code == 0
    q = json.loads(out)
    assert set(q) == {"product", "amount", "term", "annual_rate", "terms", "net_proceeds",
                      "installments", "totals", "apr", "compliance"}
    assert q["annual_rate"] == "0.150000"  # the product default
    assert sum(Decimal(r["principal"]) for r in q["installments"]) == Decimal("10000.00")
    assert q["totals"]["principal"] == "10000.00"


def test_every_seed_product_quotes_at_its_defaults(config_dir: Path) -> None:
    registry = load_directory(config_dir)
    assert len(registry.products) >= 5
    for code, product in registry.products.items():
        amount = product.amount.default or product.amount.min
        term = product.term.default or product.term.min
        out_code, out, err = _run("--product", code, "--amount", str(amount), "--term", str(term),
                                  "--start", "2026-12-01", "--format", "json")
        assert out_code == 0, (code, err)
        q = json.loads(out)
        assert Decimal(q["totals"]["principal"]) == amount, code
        assert q["apr"]["nominal"] is not None, code


def test_table_in_chinese() -> None:
    code, out, _ = _run("--product", "consumer_emi", "--amount", "10000", "--term", "12",
                        "--lang", "zh_CN")
    assert code == 0
    assert "还款日" in out and "合规检查 CN" in out


def test_bad_input_is_exit_1_with_messages_naming_the_options() -> None:
    code, out, err = _run("--product", "consumer_emi", "--amount", "ten", "--term", "0")
    assert code == 1 and out == ""
    assert "--amount" in err and "--term" in err and "Traceback" not in err
    code, _, err = _run("--product", "consumer_emi", "--amount", "10000", "--term", "12",
                        "--rate", "0.99")
    assert code == 1 and "--rate" in err and "0.180000" in err
    code, _, err = _run("--product", "nope", "--amount", "10000", "--term", "12")
    assert code == 1 and "nope" in err
    code, _, err = _run("--product", "consumer_emi", "--amount", "10000", "--term", "12",
                        "--start", "2020-01-01")
    assert code == 1 and "--start" in err
    code, _, err = _run("--product", "consumer_emi", "--amount", "1e400", "--term", "12")
    assert code == 1 and "--amount" in err
