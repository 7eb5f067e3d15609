"""``lowlend quote``: repayment schedule, fees, APR and compliance verdict of a product.

The quote uses the configuration directory (``--config-dir`` / LOWLEND_CONFIG_DIR),
validated exactly as a publish would validate it, so an admin can try a product
before publishing it. ``POST /api/v1/quote/`` quotes with the published version.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click

from lowlend.persistence import settings
from lowlend.services.quote import QuoteInputError, parse_quote_request, quote_json
from lowlend.spec import ConfigErrors, load_directory

_HEAD = {
    "en": ("#", "due date", "principal", "interest", "fee", "total", "balance"),
    "zh_CN": ("期数", "还款日", "本金", "利息", "费用", "应还合计", "剩余本金"),
}
_WORDS = {
    "en": {"total": "total", "net": "net proceeds", "apr": "APR nominal / effective",
           "ok": "compliance {region}: ok", "bad": "compliance {region}: REFUSED",
           "warn": "compliance {region}: ok with warnings"},
    "zh_CN": {"total": "合计", "net": "实际到手金额", "apr": "年化利率 单利 / 复利(IRR)",
              "ok": "合规检查 {region}：通过", "bad": "合规检查 {region}：不通过",
              "warn": "合规检查 {region}：通过（有提示）"},
}


def _locale(lang: str | None) -> str:
    chosen = lang or os.environ.get("LANG", "")
    return "zh_CN" if chosen.lower().startswith("zh") else "en"


def _table(q: dict[str, Any], locale: str) -> str:
    words = _WORDS[locale]
    rows = [_HEAD[locale]]
    rows += [(str(r["seq"]), r["due_date"], r["principal"], r["interest"], r["fee"], r["total"],
              r["balance"]) for r in q["installments"]]
    t = q["totals"]
    rows.append((words["total"], "", t["principal"], t["interest"], t["fee"], t["total"], ""))
    widths = [max(len(str(row[i])) for row in rows) for i in range(7)]
    lines = [f"{q['product']}  {q['amount']} {q['terms']['currency']}  × {q['term']}  "
             f"@ {q['annual_rate']}  ({q['terms']['method']}, {q['terms']['frequency']}, "
             f"{q['terms']['day_count']})"]
    for row in rows:
        lines.append("  ".join(str(c).rjust(w) if i != 1 else str(c).ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    lines.append(f"{words['net']}: {q['net_proceeds']}")
    if q["apr"] is not None:
        lines.append(f"{words['apr']}: {q['apr']['nominal']} / {q['apr']['effective']}")
    c = q["compliance"]
    key = "bad" if not c["ok"] else ("warn" if c["violations"] else "ok")
    lines.append(words[key].format(region=c["region"]))
    lines += [f"  - {v['rule']}: {v['message']}" for v in c["violations"]]
    return "\n".join(lines)


@click.command("quote")
@click.option("--product", required=True, help="Product code, e.g. consumer_emi.")
@click.option("--amount", required=True, help="Loan amount, e.g. 10000 or 10000.00.")
@click.option("--term", required=True, help="Number of installments.")
@click.option("--rate", default=None, help="Annual rate, e.g. 0.18 (default: the product's).")
@click.option("--start", default=None, help="Disbursement date YYYY-MM-DD (default: today).")
@click.option("--region", default=None, help="Compliance region (default: the product's).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default=None,
              help="Language of messages (default: from LANG).")
@click.pass_context
def quote_command(ctx: click.Context, product: str, amount: str, term: str, rate: str | None,
                  start: str | None, region: str | None, fmt: str, lang: str | None) -> None:
    """Quote a loan: schedule, fees, net proceeds, APR and the region's compliance verdict.

    Exit status 0 with the quote, 1 with a message naming the bad input.
    """
    locale = _locale(lang)
    config_dir = Path(ctx.obj.get("config_dir") or settings.config_dir()).resolve()
    try:
        registry = load_directory(config_dir, settings.templates_dir(config_dir))
    except ConfigErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.exceptions.Exit(1) from None
    except OSError as exc:
        click.echo(f"error: cannot read the configuration: {exc}", err=True)
        raise click.exceptions.Exit(1) from None
    raw = {"product": product, "amount": amount, "term": term, "annual_rate": rate,
           "start": start, "region": region}
    try:
        request = parse_quote_request(raw, today=dt.date.today(), locale=locale)
        result = quote_json(registry, request)
    except QuoteInputError as exc:
        for field_name, messages in exc.errors.items():
            for text in messages:
                click.echo(f"error: --{'rate' if field_name == 'annual_rate' else field_name}: "
                           f"{text}", err=True)
        raise click.exceptions.Exit(1) from None
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(result, locale))


COMMANDS: list[click.Command] = [quote_command]
