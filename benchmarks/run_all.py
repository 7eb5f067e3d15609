"""Run every benchmark and write docs/benchmarks.md with the machine description.

Run: ``.venv/bin/python benchmarks/run_all.py`` (or ``make benchmark``).
"""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import config_bench  # noqa: E402
import ledger_bench  # noqa: E402
import quote_bench  # noqa: E402
import vectorized_bench  # noqa: E402
from _machine import describe  # noqa: E402

DOC = HERE.parent / "docs" / "benchmarks.md"


def main() -> None:
    machine = describe()
    quotes = quote_bench.main()
    vec = vectorized_bench.main()
    mixed = vectorized_bench.main_mixed()
    config = config_bench.main()
    ledger = ledger_bench.main()
    today = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Written by `benchmarks/run_all.py` (`make benchmark`). Timings are wall clock on a",
        "shared machine; rerun to compare. Unit tests carry no timing assertions.",
        "",
        f"Run: {today}",
        "",
        "| machine | |",
        "|---|---|",
        f"| nproc | {machine['nproc']} |",
        f"| CPU | {machine['cpu']} |",
        f"| Python | {machine['python']} |",
        f"| platform | {machine['platform']} |",
        "",
        "## Quotes (`benchmarks/quote_bench.py`)",
        "",
        "100,000.00 CNY at 15 %, monthly equal instalments from a 31 Jan anchor, ACT/365 daily",
        "interest, two fee rules (spread service fee, guarantee fee on outstanding), one rate",
        "cap; each quote = schedule + fees + periodic IRR + XIRR + compliance + JSON dict.",
        "",
        "| instalments | quotes/s | ms per quote | target |",
        "|---|---|---|---|",
    ]
    targets = {12: "< 1 ms", 360: "< 10 ms"}
    for q in quotes:
        term = int(q["term"])
        lines.append(f"| {term} | {q['per_second']:,.0f} | {q['ms_per_quote']:.3f} | "
                     f"{targets.get(term, '')} |")
    lines += [
        "",
        "## Vectorized portfolio (`benchmarks/vectorized_bench.py`)",
        "",
        "Integer minor units, schedules + accrual as of a date, in chunks of 50,000 loans",
        "(arrays stay below the allocator's mmap threshold; 200,000-loan chunks cost about",
        "three times the CPU in page faults), single process; terms 3–36, amounts",
        "1,000–200,000, rates 8–24 %, ACT/365.",
        "",
        "* *EI + EP monthly*: equal-instalment and equal-principal monthly loans.",
        "* *mixed*: all five methods (equal instalment, equal principal, interest-only, bullet,",
        "  flat), chunks alternating monthly / weekly / bi-weekly / quarterly, a third of the",
        "  loans with 1–2 periods of principal, interest-payment or interest-free grace.",
        "",
        "Every schedule equals the Decimal engine's to the cent (`tests/domain/test_vectorized.py`",
        "checks about 25,000 random loans one by one).",
        "",
        "| portfolio | loans | instalment rows | seconds | loans/s | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in (("EI + EP monthly", vec), ("mixed", mixed)):
        lines.append(f"| {name} | {int(v['loans']):,} | {int(v['rows']):,} | {v['seconds']:.2f} | "
                     f"{v['loans_per_second']:,.0f} | 1,000,000 in < 10 s |")
    lines += [
        "",
        "## Configuration load (`benchmarks/config_bench.py`)",
        "",
        "The shipped `product_configs/` and `notification_templates/`: parse (libyaml, keeping",
        "the line of every key), validate every rule (schemas, references, CEL type checks,",
        "compliance caps at every date the verdict can change) and build the frozen registry —",
        "what each worker does once per published version. Median of 15 runs.",
        "",
        "| files | products | load (ms) | of which YAML parse (ms) | target |",
        "|---|---|---|---|---|",
        f"| {int(config['files'])} | {int(config['products'])} | "
        f"{config['load_seconds'] * 1000:.0f} | {config['parse_seconds'] * 1000:.0f} | < 500 ms |",
    ]
    lines += [
        "",
        "## Journal verification (`benchmarks/ledger_bench.py`)",
        "",
        f"{int(ledger['entries']):,} synthetic chained journal entries in memory (two- and",
        "three-line entries, CNY amounts 100.00–99,999.99), streamed through a generator into",
        "`lowlend.domain.ledger_chain.verify_chain`: per entry the balance rules (per currency, one",
        "side per line, two decimal places, no negatives), the link to the previous entry and",
        "the SHA-256 of the canonical form recomputed and compared. *entry_hash* is",
        "`entry_hash(entry, prev_hash)` alone. *SQLite stream* is what `lowlend ledger verify`",
        "does: the same check over entries read from a SQLite file through",
        "`SqlLedgerRepository.entries()` (`yield_per`, one join of entries and lines); there",
        "the driver and the Decimal conversion of the amounts cost more than the check.",
        "Memory stays constant while verifying (a test checks the peak allocation).",
        "",
        "| measurement | entries | entries/s | target |",
        "|---|---|---|---|",
        f"| `verify_chain`, in memory | {int(ledger['entries']):,} | "
        f"{ledger['verify_per_second']:,.0f} | ≥ 200,000/s |",
        f"| `entry_hash` alone | {min(int(ledger['entries']), 200_000):,} | "
        f"{ledger['hash_per_second']:,.0f} | |",
        f"| `verify_chain` streamed from SQLite | {int(ledger['sqlite_entries']):,} | "
        f"{ledger['sqlite_per_second']:,.0f} | |",
    ]
    lines.append("")
    DOC.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
