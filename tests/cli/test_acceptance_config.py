"""Acceptance of the configuration foundation, through ``lowlend ...`` on a fresh database.

Runs on a fresh SQLite file and on a fresh PostgreSQL schema (``database_url``):

* a copy of the shipped ``product_configs`` validates (exit 0);
* four kinds of mistakes (malformed YAML, an unknown key, a dangling fee schedule,
  a bad expression) give exit 1 and one ``FILE:LINE: key.path: message`` line each;
* publish → edit a product → publish → ``diff 1 2`` shows the changed line →
  ``rollback 1`` creates version 3 with version 1's content, ``history`` lists the
  three versions with their authors, and the current registry has version 1's rate;
* a loan pinned to version 1 keeps version-1 terms while version 2 is current;
* publishing an invalid configuration exits 1 and leaves ``history`` unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from lowlend.cli import _register, cli
from lowlend.persistence import wiring
from lowlend.persistence.engine import make_engine, make_session_factory
from lowlend.persistence.models import ConfigVersion, Customer, Loan
from lowlend.services.product_terms import terms_and_fees
from lowlend.spec import SpecRegistry
from tests.config_fixtures import PRODUCT, PRODUCT_FILE, PRODUCT_KEY, ConfigCopy, default_rate

ERROR_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?:(?P<path>[\w.\[\]]+): )?(?P<msg>.+)$")
"""``FILE:LINE: key.path: message`` (no key path for a whole-file problem)."""

V1_RATE, V2_RATE = Decimal("0.150000"), Decimal("0.160000")


def lowlend(*args: str) -> Result:
    """Run ``lowlend ARGS`` as the console script would (environment isolated)."""
    _register()
    env = {"LOWLEND_DATABASE_URL": None, "LOWLEND_CONFIG_DIR": None, "LOWLEND_TEMPLATES_DIR": None}
    result = CliRunner().invoke(cli, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result


def config(copy: ConfigCopy, *args: str, url: str | None = None) -> Result:
    """``lowlend --config-dir COPY config ARGS [--database-url URL]``."""
    extra = ["--database-url", url] if url is not None else []
    return lowlend("--config-dir", str(copy.config), "config", *args, *extra)


def history(copy: ConfigCopy, url: str) -> list[dict[str, object]]:
    result = config(copy, "history", "--json", url=url)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def break_config(copy: ConfigCopy) -> dict[str, tuple[int, str, str]]:
    """Inject one mistake of each kind; return file → (line, key path, message start)."""
    malformed = copy.replace(
        "products/installment_flat.yaml", "currency: CNY\n", "currency: CNY: x\n"
    )
    unknown = copy.replace(PRODUCT_FILE, "overpayment: credit", "overpaymnet: credit")
    dangling = copy.replace(
        "products/business_equal_principal.yaml",
        "fee_schedule: business_standard",
        "fee_schedule: business_gold",
    )
    expression = copy.replace(
        "scorecards/consumer_basic.yaml", '"customer.age < 22"', '"custmer.age < 22"'
    )
    return {
        "products/installment_flat.yaml": (malformed, "", "malformed YAML: "),
        PRODUCT_FILE: (unknown, "overpaymnet", "unknown key 'overpaymnet'"),
        "products/business_equal_principal.yaml": (
            dangling,
            "fee_schedule",
            "unknown fee schedule 'business_gold'",
        ),
        "scorecards/consumer_basic.yaml": (
            expression,
            "characteristics[0].bins[0].when",
            "invalid expression: 1:8: undeclared reference to 'custmer.age'",
        ),
    }


def test_config_foundation_end_to_end(tmp_path: Path, database_url: str) -> None:
    good = ConfigCopy.make(tmp_path / "good")
    url = database_url

    # 1. the shipped configuration validates
    ok = config(good, "validate")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith(f"OK: {good.config} is valid")

    # 2. every mistake is reported, each on its own line, with file, line and key path
    broken = ConfigCopy.make(tmp_path / "broken")
    expected = break_config(broken)
    invalid = config(broken, "validate")
    assert invalid.exit_code == 1
    lines = invalid.stdout.splitlines()
    assert len(lines) == len(expected), invalid.stdout
    for line in lines:
        match = ERROR_LINE.match(line)
        assert match is not None, line
        rel = Path(match["file"]).relative_to(broken.config).as_posix()
        number, path, message = expected.pop(rel)
        assert int(match["line"]) == number, line
        assert (match["path"] or "") == path, line
        assert match["msg"].startswith(message), line
    assert expected == {}
    assert invalid.stderr == f"4 error(s) in {broken.config}\n"

    # 3. publish an invalid configuration on a fresh database: exit 1, nothing stored
    refused = config(broken, "publish", "--author", "mallory", url=url)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == "error: configuration is invalid (4 errors)"
    assert history(good, url) == []

    # 4. publish, edit a product, publish again
    first = config(good, "publish", "--author", "alice", "-m", "initial", url=url)
    assert first.exit_code == 0 and first.stdout.startswith("published version 1 "), first.output
    rate_line = good.set_default_rate(str(V2_RATE))
    second = config(good, "publish", "--author", "bob", "-m", "raise rate", url=url)
    assert second.exit_code == 0 and second.stdout.startswith("published version 2 "), second.output

    # an invalid publish now leaves the history as it was
    before = history(good, url)
    assert config(broken, "publish", "--author", "mallory", url=url).exit_code == 1
    assert history(good, url) == before

    # 5. diff 1 2 shows exactly the changed line
    diff = config(good, "diff", "1", "2", url=url)
    assert diff.exit_code == 0, diff.output
    changed = [
        line
        for line in diff.stdout.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    text = good.read(PRODUCT_FILE).splitlines()[rate_line - 1]
    assert changed == [
        "-" + text.replace(f'default: "{V2_RATE}"', f'default: "{V1_RATE}"'),
        "+" + text,
    ]
    assert f"--- v1/{PRODUCT_KEY}" in diff.stdout and f"+++ v2/{PRODUCT_KEY}" in diff.stdout

    # 6. a loan booked under version 1 keeps version-1 terms while version 2 is current
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        provider = wiring.registry_provider(sessions)
        with sessions() as session, session.begin():
            v1_id = session.execute(
                sa.select(ConfigVersion.id).where(ConfigVersion.number == 1)
            ).scalar_one()
            session.add(
                Loan(
                    customer=Customer(name="李四", id_type="resident_id", id_number_hash="h-li"),
                    product_code=PRODUCT,
                    config_version_id=v1_id,
                    principal=Decimal("10000.00"),
                    annual_rate=V1_RATE,
                    term=12,
                )
            )
        current = provider.current(check=True)
        assert isinstance(current, SpecRegistry)
        assert default_rate(current) == V2_RATE
        with Session(engine) as session:
            loan = session.execute(sa.select(Loan)).scalar_one()
            pinned = provider.for_version(loan.config_version_id)
            assert isinstance(pinned, SpecRegistry)
            terms, _ = terms_and_fees(
                pinned,
                loan.product_code,
                amount=loan.principal,
                term=loan.term,
                start=dt.date(2026, 3, 1),
            )
            new_terms, _ = terms_and_fees(
                current, PRODUCT, amount=loan.principal, term=loan.term, start=dt.date(2026, 3, 1)
            )
        assert terms.annual_rate == V1_RATE and new_terms.annual_rate == V2_RATE

        # 7. rollback 1 → version 3 with version 1's content; history shows 3 versions
        rolled = config(good, "rollback", "1", "--author", "carol", url=url)
        assert rolled.exit_code == 0, rolled.output
        assert rolled.stdout == "published version 3 (rollback to 1)\n"
        rows = history(good, url)
        assert [(r["version"], r["author"], r["current"]) for r in rows] == [
            (1, "alice", False),
            (2, "bob", False),
            (3, "carol", True),
        ]
        assert rows[2]["content_hash"] == rows[0]["content_hash"] != rows[1]["content_hash"]
        assert rows[2]["comment"] == "rollback to 1"
        table = config(good, "history", url=url).stdout.splitlines()
        assert len(table) == 3 and table[2].startswith("*    3")
        for row, author in zip(table, ["alice", "bob", "carol"], strict=True):
            assert f"  {author}  " in row, row
        assert config(good, "diff", "1", "3", url=url).stdout == ""

        # the current registry has version 1's value again
        assert provider.check() is True
        restored = provider.current()
        assert isinstance(restored, SpecRegistry)
        assert default_rate(restored) == V1_RATE
        assert restored.content_hash == pinned.content_hash
    finally:
        engine.dispose()
