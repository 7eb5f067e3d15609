"""Registry provider: lazy rebuild on a new counter, pinned versions cached by id."""

from __future__ import annotations

import pytest
from spec_fakes import BUNDLE_V1, BUNDLE_V2, fake_load_bundle

from lowlend.services import registry_provider as rp
from lowlend.services.config_store import ConfigStore, UnknownVersion
from lowlend.services.unit_of_work import InMemoryConfigData, InMemoryUnitOfWork


class CountingValidator:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, files):  # type: ignore[no-untyped-def]
        self.calls += 1
        return fake_load_bundle(files)


def test_provider_rebuilds_only_when_the_counter_moves() -> None:
    data = InMemoryConfigData()
    store = ConfigStore(lambda: InMemoryUnitOfWork(data), fake_load_bundle)
    validator = CountingValidator()
    provider = rp.RegistryProvider(lambda: InMemoryUnitOfWork(data), validator)
    with pytest.raises(rp.NoPublishedConfig):
        provider.current()
    v1 = store.publish(BUNDLE_V1, "a").version
    assert provider.check() is True
    assert dict(provider.current().files) == BUNDLE_V1
    assert provider.check() is False
    provider.current()
    assert validator.calls == 1
    v2 = store.publish(BUNDLE_V2, "a").version
    assert dict(provider.current().files) == BUNDLE_V1  # not checked yet: snapshot kept
    assert provider.check() is True
    assert dict(provider.current().files) == BUNDLE_V2
    assert provider.version_id == v2.id and provider.version_counter == 2
    # pinned versions keep their own registry
    assert dict(provider.for_version(v1.id).files) == BUNDLE_V1
    assert validator.calls == 2
    with pytest.raises(UnknownVersion):
        provider.for_version(999)


def test_process_wide_default() -> None:
    data = InMemoryConfigData()
    store = ConfigStore(lambda: InMemoryUnitOfWork(data), fake_load_bundle)
    v1 = store.publish(BUNDLE_V1, "a").version
    rp.install(rp.RegistryProvider(lambda: InMemoryUnitOfWork(data), fake_load_bundle))
    try:
        assert dict(rp.current_registry(check=True).files) == BUNDLE_V1
        assert rp.registry_for_version(v1.id).content_hash == v1.content_hash
    finally:
        rp.install(None)
    with pytest.raises(RuntimeError):
        rp.default_provider()
