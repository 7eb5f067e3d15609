"""Config store use cases on the in-memory unit of work, with the real spec layer.

Version 1 is the shipped configuration; version 2 is the same with
``interest.annual_rate.default`` of ``consumer_emi`` raised from 0.15 to 0.16.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from lowlend.services.config_store import (
    BundleFileError,
    ConfigStore,
    InvalidConfig,
    NoPublishedConfig,
    UnknownVersion,
    bundle_diff,
)
from lowlend.services.registry_provider import RegistryProvider
from lowlend.services.unit_of_work import InMemoryConfigData, InMemoryUnitOfWork
from lowlend.spec import load_bundle
from tests.config_fixtures import (
    PRODUCT,
    PRODUCT_KEY,
    bundle_with_rate,
    cached_load_bundle,
    default_rate,
    rate_line,
    shipped_bundle,
    shipped_registry,
)

V1 = shipped_bundle()
V2 = bundle_with_rate("0.160000")
RATE_LINE = rate_line(V1[PRODUCT_KEY])


def _rate_text(rate: str) -> str:
    return f'  annual_rate: {{min: "0.080000", max: "0.180000", default: "{rate}"}}'


@pytest.fixture
def data() -> InMemoryConfigData:
    return InMemoryConfigData()


@pytest.fixture
def store(data: InMemoryConfigData) -> ConfigStore:
    clock = iter(
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i) for i in range(99)
    )
    return ConfigStore(
        lambda: InMemoryUnitOfWork(data), cached_load_bundle, clock=lambda: next(clock)
    )


def test_publish_numbers_versions_and_moves_pointer(store: ConfigStore) -> None:
    assert store.current() is None and store.current_number() is None
    first = store.publish(V1, "alice", "first")
    assert first.created and first.version.number == 1 and first.version_counter == 1
    assert first.version.content_hash == shipped_registry().content_hash
    second = store.publish(V2, "bob", "raise rate")
    assert second.created and second.version.number == 2 and second.version_counter == 2
    current = store.current()
    assert current is not None and current.number == 2 and current.author == "bob"
    assert store.current_number() == 2
    diff_lines = current.diff_from_previous.splitlines()
    assert "-" + _rate_text("0.150000") in diff_lines
    assert "+" + _rate_text("0.160000") in diff_lines
    assert f"--- v1/{PRODUCT_KEY}" in diff_lines
    assert [(v.number, v.status) for v in store.history()] == [(1, "superseded"), (2, "published")]
    assert default_rate(store.validate(current.files)) == Decimal("0.160000")


def test_first_version_diff_is_against_empty(store: ConfigStore) -> None:
    store.publish(V1, "alice")
    current = store.current()
    assert current is not None and dict(current.files) == V1
    assert f"--- /dev/null\n+++ v1/{PRODUCT_KEY}" in current.diff_from_previous


def test_publishing_the_current_content_is_a_no_op(store: ConfigStore) -> None:
    store.publish(V1, "alice")
    again = store.publish(shipped_bundle(), "alice")
    assert not again.created and again.version.number == 1 and again.version_counter == 1
    assert len(store.history()) == 1


def test_invalid_bundle_stores_nothing(store: ConfigStore) -> None:
    store.publish(V1, "alice")
    bad = dict(V2)
    bad[PRODUCT_KEY] = bad[PRODUCT_KEY].replace(
        "fee_schedule: consumer_standard", "fee_schedule: consumer_gold"
    )
    line = V2[PRODUCT_KEY].splitlines().index("fee_schedule: consumer_standard") + 1
    with pytest.raises(InvalidConfig) as info:
        store.publish(bad, "alice")
    assert info.value.errors == [
        f"{PRODUCT_KEY}:{line}: fee_schedule: unknown fee schedule 'consumer_gold'"
    ]
    assert str(info.value) == "configuration is invalid (1 error)"
    current = store.current()
    assert current is not None and current.number == 1
    assert store.version_counter() == 1


def test_errors_are_file_line_messages(data: InMemoryConfigData) -> None:
    store = ConfigStore(lambda: InMemoryUnitOfWork(data))  # lowlend.spec.load_bundle
    broken = {**V1, PRODUCT_KEY: V1[PRODUCT_KEY].replace("currency: CNY\n", "currency: CNY: x\n")}
    line = V1[PRODUCT_KEY].splitlines().index("currency: CNY") + 1
    with pytest.raises(InvalidConfig) as info:
        store.publish(broken, "alice")
    assert [e for e in info.value.errors if e.startswith(f"{PRODUCT_KEY}:")] == [
        f"{PRODUCT_KEY}:{line}: malformed YAML: mapping values are not allowed here"
    ]
    assert store.history() == []


def test_rollback_republishes_an_old_bundle(store: ConfigStore) -> None:
    store.publish(V1, "alice")
    store.publish(V2, "alice")
    result = store.rollback(1, "carol")
    assert result.created and result.version.number == 3
    assert result.version.comment == "rollback to 1" and result.version.author == "carol"
    current = store.current()
    assert current is not None and dict(current.files) == V1
    assert current.content_hash == store.get(1).content_hash
    assert default_rate(store.validate(current.files)) == Decimal("0.150000")
    with pytest.raises(UnknownVersion, match="unknown config version 9"):
        store.rollback(9, "carol")


def test_diff_between_versions(store: ConfigStore) -> None:
    store.publish(V1, "alice")
    store.publish(V2, "alice")
    text = store.diff(1, 2)
    assert f"--- v1/{PRODUCT_KEY}\n+++ v2/{PRODUCT_KEY}\n" in text
    assert f"@@ -{RATE_LINE - 3},7 +{RATE_LINE - 3},7 @@" in text  # only the rate line changed
    assert text.count("\n-") == 1 and text.count("\n+") == 2  # "+++" header + one line
    assert store.diff(2) == ""
    assert store.diff_against(V2) == ""
    assert store.diff_against(V1, 1) == ""
    with pytest.raises(UnknownVersion):
        store.diff(1, 7)


def test_bundle_diff_added_and_removed_files() -> None:
    text = bundle_diff({"config/a.yaml": "x\n"}, {"config/b.yaml": "y"})
    assert "--- a/config/a.yaml\n+++ /dev/null" in text
    assert "--- /dev/null\n+++ b/config/b.yaml" in text
    assert "\\ No newline at end of file" in text


def test_export_and_import_round_trip(store: ConfigStore, tmp_path: Path) -> None:
    store.publish(V1, "alice")
    store.publish(V2, "alice")
    target = tmp_path / "v1.json"
    store.export(target, 1)
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["format"] == "lowlend-config-bundle" and document["version"] == 1
    assert document["files"] == V1
    assert document["content_hash"] == shipped_registry().content_hash
    result = store.import_(target, "dave")
    assert result.created and result.version.number == 3
    assert result.version.comment == "import from v1.json"
    assert result.version.content_hash == shipped_registry().content_hash


def test_import_rejects_bad_files(store: ConfigStore, tmp_path: Path) -> None:
    with pytest.raises(BundleFileError, match="cannot read"):
        store.import_(tmp_path / "missing.json", "x")
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    with pytest.raises(BundleFileError, match="not a valid export file"):
        store.import_(garbage, "x")
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"files": {}}', encoding="utf-8")
    with pytest.raises(BundleFileError, match="format marker"):
        store.import_(foreign, "x")
    invalid = tmp_path / "invalid.json"
    files = {**V1, PRODUCT_KEY: V1[PRODUCT_KEY].replace("overpayment:", "overpaymnet:")}
    invalid.write_text(
        json.dumps({"format": "lowlend-config-bundle", "format_version": 1, "files": files}),
        encoding="utf-8",
    )
    with pytest.raises(InvalidConfig) as info:
        store.import_(invalid, "x")
    assert len(info.value.errors) == 1
    assert info.value.errors[0].startswith(f"{PRODUCT_KEY}:")
    assert "unknown key 'overpaymnet'" in info.value.errors[0]
    assert store.history() == []


def test_export_without_versions_fails(store: ConfigStore, tmp_path: Path) -> None:
    with pytest.raises(NoPublishedConfig, match="no configuration has been published"):
        store.export(tmp_path / "x.json")


def test_concurrent_publishes_get_distinct_consecutive_numbers(store: ConfigStore) -> None:
    bundles = [bundle_with_rate(f"0.1{i}0000") for i in range(4)]
    results = []
    threads = [
        threading.Thread(target=lambda b=b: results.append(store.publish(b, "t"))) for b in bundles
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.version.number for r in results) == [1, 2, 3, 4]
    assert store.version_counter() == 4
    assert len({r.version.content_hash for r in results}) == 4


def test_validator_errors_without_errors_attribute_propagate() -> None:
    def broken(files: object) -> object:
        raise RuntimeError("bug")

    store = ConfigStore(lambda: InMemoryUnitOfWork(InMemoryConfigData()), broken)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        store.publish(V1, "x")


def test_product_snapshots_are_stored_per_version(store: ConfigStore) -> None:
    v1 = store.publish(V1, "alice").version
    v2 = store.publish(V2, "alice").version
    first = store.product_snapshot(PRODUCT, v1.id)
    second = store.product_snapshot(PRODUCT, v2.id)
    assert first is not None and second is not None
    assert first["code"] == PRODUCT and first["fee_schedule"] == "consumer_standard"
    assert first["interest"]["annual_rate"]["default"] == "0.150000"  # type: ignore[index]
    assert second["interest"]["annual_rate"]["default"] == "0.160000"  # type: ignore[index]
    assert store.product_snapshot("nope", v2.id) is None
    for code in shipped_registry().products:
        assert store.product_snapshot(code, v1.id) is not None


def test_shipped_config_round_trips_through_the_store(data: InMemoryConfigData) -> None:
    registry = shipped_registry()
    store = ConfigStore(lambda: InMemoryUnitOfWork(data))
    version = store.publish(shipped_bundle(), "alice").version
    assert version.content_hash == registry.content_hash
    provider = RegistryProvider(lambda: InMemoryUnitOfWork(data))
    assert provider.current() == registry
    assert provider.current() == load_bundle(shipped_bundle())
