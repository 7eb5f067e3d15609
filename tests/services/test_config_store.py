"""Config store use cases on the in-memory unit of work."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from spec_fakes import BUNDLE_V1, BUNDLE_V2, fake_load_bundle

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


@pytest.fixture
def store() -> ConfigStore:
    data = InMemoryConfigData()
    clock = iter(
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i) for i in range(99)
    )
    return ConfigStore(
        lambda: InMemoryUnitOfWork(data), fake_load_bundle, clock=lambda: next(clock)
    )


def test_publish_numbers_versions_and_moves_pointer(store: ConfigStore) -> None:
    assert store.current() is None
    first = store.publish(BUNDLE_V1, "alice", "first")
    assert first.created and first.version.number == 1 and first.version_counter == 1
    second = store.publish(BUNDLE_V2, "bob", "raise rate")
    assert second.created and second.version.number == 2 and second.version_counter == 2
    current = store.current()
    assert current is not None and current.number == 2 and current.author == "bob"
    assert "-rate: 0.18" in current.diff_from_previous
    assert "+rate: 0.24" in current.diff_from_previous
    assert [(v.number, v.status) for v in store.history()] == [(1, "superseded"), (2, "published")]


def test_publishing_the_current_content_is_a_no_op(store: ConfigStore) -> None:
    store.publish(BUNDLE_V1, "alice")
    again = store.publish(dict(BUNDLE_V1), "alice")
    assert not again.created and again.version.number == 1 and again.version_counter == 1
    assert len(store.history()) == 1


def test_invalid_bundle_stores_nothing(store: ConfigStore) -> None:
    store.publish(BUNDLE_V1, "alice")
    bad = {**BUNDLE_V2, "config/products/bad.yaml": "code: bad\nrate: INVALID\n"}
    with pytest.raises(InvalidConfig) as info:
        store.publish(bad, "alice")
    assert info.value.errors == ["config/products/bad.yaml:2: products.x: invalid value"]
    current = store.current()
    assert current is not None and current.number == 1
    assert store.version_counter() == 1


def test_rollback_republishes_an_old_bundle(store: ConfigStore) -> None:
    store.publish(BUNDLE_V1, "alice")
    store.publish(BUNDLE_V2, "alice")
    result = store.rollback(1, "carol")
    assert result.created and result.version.number == 3
    assert result.version.comment == "rollback to 1"
    current = store.current()
    assert current is not None and dict(current.files) == BUNDLE_V1
    with pytest.raises(UnknownVersion, match="unknown config version 9"):
        store.rollback(9, "carol")


def test_diff_between_versions(store: ConfigStore) -> None:
    store.publish(BUNDLE_V1, "alice")
    store.publish(BUNDLE_V2, "alice")
    text = store.diff(1, 2)
    assert "--- v1/config/products/cash.yaml" in text and "+++ v2/config/products/cash.yaml" in text
    assert store.diff(2) == ""
    assert store.diff_against(BUNDLE_V2) == ""
    with pytest.raises(UnknownVersion):
        store.diff(1, 7)


def test_bundle_diff_added_and_removed_files() -> None:
    text = bundle_diff({"config/a.yaml": "x\n"}, {"config/b.yaml": "y"})
    assert "--- a/config/a.yaml\n+++ /dev/null" in text
    assert "--- /dev/null\n+++ b/config/b.yaml" in text
    assert "\\ No newline at end of file" in text


def test_export_and_import_round_trip(store: ConfigStore, tmp_path: Path) -> None:
    store.publish(BUNDLE_V1, "alice")
    store.publish(BUNDLE_V2, "alice")
    target = tmp_path / "v1.json"
    store.export(target, 1)
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["format"] == "lowlend-config-bundle" and document["version"] == 1
    assert document["files"] == BUNDLE_V1
    result = store.import_(target, "dave")
    assert result.created and result.version.number == 3
    assert result.version.comment == "import from v1.json"


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
    invalid.write_text(
        json.dumps(
            {
                "format": "lowlend-config-bundle",
                "format_version": 1,
                "files": {"config/a.yaml": "INVALID"},
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidConfig):
        store.import_(invalid, "x")
    assert store.history() == []


def test_export_without_versions_fails(store: ConfigStore, tmp_path: Path) -> None:
    with pytest.raises(NoPublishedConfig, match="no configuration has been published"):
        store.export(tmp_path / "x.json")


def test_concurrent_publishes_get_distinct_consecutive_numbers(store: ConfigStore) -> None:
    bundles = [{"config/p.yaml": f"n: {i}\n"} for i in range(8)]
    results = []
    threads = [
        threading.Thread(target=lambda b=b: results.append(store.publish(b, "t"))) for b in bundles
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.version.number for r in results) == list(range(1, 9))
    assert store.version_counter() == 8


def test_validator_errors_without_errors_attribute_propagate() -> None:
    def broken(files: object) -> object:
        raise RuntimeError("bug")

    store = ConfigStore(lambda: InMemoryUnitOfWork(InMemoryConfigData()), broken)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        store.publish(BUNDLE_V1, "x")


def test_product_snapshots_are_stored_per_version(store: ConfigStore) -> None:
    v1 = store.publish(BUNDLE_V1, "alice").version
    v2 = store.publish(BUNDLE_V2, "alice").version
    assert store.product_snapshot("cash", v1.id) == {"code": "cash", "rate": "0.18"}
    assert store.product_snapshot("cash", v2.id) == {"code": "cash", "rate": "0.24"}
    assert store.product_snapshot("nope", v2.id) is None


def test_with_the_real_spec_layer_errors_are_file_line_messages() -> None:
    store = ConfigStore(lambda: InMemoryUnitOfWork(InMemoryConfigData()))
    with pytest.raises(InvalidConfig) as info:
        store.publish({"config/products/x.yaml": "code: [oops"}, "alice")
    assert any(line.startswith("config/products/x.yaml:1: ") for line in info.value.errors)
    assert store.history() == []


def test_shipped_config_round_trips_through_the_store() -> None:
    from lowlend.spec import ConfigErrors, load_bundle, read_bundle

    root = Path(__file__).resolve().parents[2]
    files = read_bundle(root / "product_configs", root / "notification_templates")
    try:
        registry = load_bundle(files)
    except ConfigErrors:
        pytest.skip("the shipped configuration does not validate yet")
    data = InMemoryConfigData()
    store = ConfigStore(lambda: InMemoryUnitOfWork(data))
    version = store.publish(files, "alice").version
    assert version.content_hash == registry.content_hash
    provider = RegistryProvider(lambda: InMemoryUnitOfWork(data))
    assert provider.current() == registry
    for code in registry.products:
        assert store.product_snapshot(code, version.id) is not None
