"""Run every benchmark and write docs/benchmarks.md with the machine description.

Run: ``.venv/bin/python benchmarks/run_all.py`` (or ``make benchmark``).
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import config_bench  # noqa: E402
import demo_bench  # noqa: E402
import eod_bench  # noqa: E402
import ledger_bench  # noqa: E402
import quote_bench  # noqa: E402
import vectorized_bench  # noqa: E402
from _machine import describe  # noqa: E402

DOC = HERE.parent / "docs" / "benchmarks.md"


_DB_NAMES = {"sqlite": "SQLite file", "postgresql": "PostgreSQL"}


def ledger_section(ledger: dict[str, Any]) -> list[str]:
    """The journal sections of docs/benchmarks.md from :func:`ledger_bench.main`."""
    n = int(ledger["entries"])
    dbs: dict[str, Any] = ledger["databases"]
    lines = [
        "",
        "## Journal verification (`benchmarks/ledger_bench.py`)",
        "",
        f"*In memory*: {n:,} synthetic chained journal entries (two- and three-line entries,",
        "CNY amounts 100.00–99,999.99), streamed through a generator into",
        "`lowlend.domain.ledger_chain.verify_chain`: per entry the balance rules (per currency, one",
        "side per line, two decimal places, no negatives), the link to the previous entry and",
        "the SHA-256 of the canonical form recomputed and compared. *entry_hash* is",
        "`entry_hash(entry, prev_hash)` alone.",
        "",
        "*`lowlend ledger verify`*: what the command runs",
        "(`lowlend.services.ledger_verify.verify_ledger` with checkpoints and the loan comparison)",
        "over realistic loan entries (3–6 lines: disbursements, repayments with interest, fees,",
        "penalties, overpayments; 2,000 loans whose installments agree with the journal) stored in",
        "the database. The chain is read through `SqlLedgerRepository.scan_chain`: chunks of",
        "100,000 ids, each read with two ordered queries on a raw DB-API cursor (only the hashed",
        "columns; amounts as the text the database prints, `booked_at` as UTC text) and checked",
        "by `lowlend.domain.ledger_scan.scan_chunk` (canonical form built from the texts, balance",
        "in integer cents; an entry it cannot pass goes through the exact reader and",
        "`verify_chain`'s own check), in this process (*1 process*) or in worker processes, one",
        "per CPU (on PostgreSQL all in one exported snapshot). The rows are bulk-loaded",
        "beforehand (on PostgreSQL without the journal triggers).",
        "",
        "*CPU s* is the CPU time of the benchmark process and its worker processes, not the",
        "database server's; *load* is the 1-minute load average just before the run (other",
        "sessions share the machine: wall-clock seconds well above CPU seconds are time spent",
        "waiting for a CPU or for the server).",
        "",
        "| measurement | entries | processes | load | seconds | CPU s | entries/s | target |",
        "|---|---|---|---|---|---|---|---|",
        f"| `verify_chain`, in memory | {n:,} | 1 | | {ledger['verify_seconds']:.2f} | | "
        f"{ledger['verify_per_second']:,.0f} | ≥ 200,000/s |",
        f"| `entry_hash` alone | {int(ledger['hash_entries']):,} | 1 | | "
        f"{ledger['hash_seconds']:.2f} | | {ledger['hash_per_second']:,.0f} | |",
    ]
    notes = []
    best = 0.0
    for kind, found in dbs.items():
        v = found.get("verify")
        if v:
            for run in v["runs"]:
                best = max(best, run["per_second"])
                lines.append(
                    f"| `lowlend ledger verify`, {_DB_NAMES[kind]} | {int(v['entries']):,} | "
                    f"{int(run['workers'])} | {run['load']:.2f} | {run['seconds']:.1f} | "
                    f"{run['cpu_seconds']:.1f} | {run['per_second']:,.0f} | ≥ 200,000/s |")
            notes.append(f"{_DB_NAMES[kind]} {v['loans_seconds']:.2f} s for "
                         f"{int(v['loans']):,} loans")
    if notes:
        lines += ["", "Of which the loan comparison (one statement, both sides grouped): "
                  + "; ".join(notes) + "."]
    if dbs:
        met = "met" if best >= 200_000 else "**not met**"
        per_entry = "; ".join(
            f"{_DB_NAMES[kind]} {found['verify']['runs'][0]['cpu_seconds'] * 1e6 / n_db:.0f} µs"
            for kind, found in dbs.items() if found.get("verify")
            for n_db in [found["verify"]["entries"]])
        lines += [
            "",
            f"Target ≥ 200,000 entries/s end to end: {met} on this machine",
            f"(best {best:,.0f}/s, with the load above). CPU time per entry in the verifying",
            f"process(es), loan comparison included: {per_entry}. Of that, the check itself",
            "(canonical text, SHA-256, balance in cents) is about 6 µs; the rest is reading the",
            "rows — the SQLite engine runs in the process, while PostgreSQL's server process",
            "spends about as much again sending the rows (not in the figure). 200,000 entries/s",
            "therefore needs roughly three to four free cores; this machine has two, shared by",
            "the workers, the database server and other sessions, so the worker processes pay",
            "off only as far as a core is free (compare 1 and 2 processes above; Linux schedules",
            "this machine by session — `sched_autogroup` — so while other sessions are busy,",
            "more processes in one session share that session's CPU time instead of adding to",
            "it; PostgreSQL gains because its server processes run outside the session). The",
            "in-memory `verify_chain` row measures one core's worth of unchanged code: compared",
            "across runs it shows how much of a core a run got.",
        ]
    postings = [(kind, found["postings"]) for kind, found in dbs.items() if found.get("postings")]
    if postings:
        lines += [
            "",
            "## Journal batch posting (`benchmarks/ledger_bench.py`)",
            "",
            "Realistic loan entries (3–6 lines, each of one of 2,000 loans) posted on an empty",
            "journal through `SqlLedgerRepository.append_many` (one advisory lock, one head read,",
            "one block of ids, one insert per table) in batches, one commit per batch — on PostgreSQL",
            "with every database guard on (foreign keys, unique `prev_hash`, and the balance check",
            "of migration 0010: statement-level triggers record the entries each insert touched,",
            "one deferred check per transaction verifies them all at commit, set-based; migration",
            "0005 ran three queries per inserted row instead). On PostgreSQL the entries and",
            "lines of a batch go in with one `COPY … FROM STDIN` each (a multi-row `INSERT` of",
            "1,000 entries and ~4,500 lines spent most of the batch being parsed); SQLite keeps",
            "the multi-row `INSERT`. *CPU s* is the posting process's (for SQLite the database",
            "work included, for PostgreSQL not).",
            "",
            "| database | postings | lines | batch | load | seconds | CPU s | postings/s | target |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for kind, p in postings:
            lines.append(
                f"| {_DB_NAMES[kind]} | {int(p['postings']):,} | {int(p['lines']):,} | "
                f"{int(p['batch']):,} | {p.get('load', 0.0):.2f} | {p['seconds']:.1f} | "
                f"{p['cpu_seconds']:.1f} | {p['per_second']:,.0f} | ≥ 5,000/s |")
        short = [_DB_NAMES[kind] for kind, p in postings if p["per_second"] < 5_000]
        lines += ["", "Target ≥ 5,000 postings/s: " + (
            "met on both databases." if not short else
            f"**not met** on {' and '.join(short)} in this run (see the load: the posting "
            "process waits for a CPU or for the server well beyond its own CPU time).")]
    return lines


def main() -> None:
    machine = describe()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    quotes = quote_bench.main()
    vec = vectorized_bench.main()
    mixed = vectorized_bench.main_mixed()
    config = config_bench.main()
    ledger = ledger_bench.main()
    demo = demo_bench.main()
    eod = eod_bench.main()
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
        f"| load average at start (1, 5, 15 min) | {load} |",
        "",
        "## Quotes (`benchmarks/quote_bench.py`)",
        "",
        "100,000.00 CNY at 15 %, monthly equal installments from a 31 Jan anchor, ACT/365 daily",
        "interest, two fee rules (spread service fee, guarantee fee on outstanding), one rate",
        "cap; each quote = schedule + fees + periodic IRR + XIRR + compliance + JSON dict.",
        "",
        "| installments | quotes/s | ms per quote | target |",
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
        "* *EI + EP monthly*: equal-installment and equal-principal monthly loans.",
        "* *mixed*: all five methods (equal installment, equal principal, interest-only, bullet,",
        "  flat), chunks alternating monthly / weekly / bi-weekly / quarterly, a third of the",
        "  loans with 1–2 periods of principal, interest-payment or interest-free grace.",
        "",
        "Every schedule equals the Decimal engine's to the cent (`tests/domain/test_vectorized.py`",
        "checks about 25,000 random loans one by one).",
        "",
        "| portfolio | loans | installment rows | seconds | loans/s | target |",
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
    lines += ledger_section(ledger)
    lines += demo_bench.section(demo)
    lines += eod_bench.section(eod)
    lines.append("")
    DOC.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
