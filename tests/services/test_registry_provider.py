"""Registry provider: lazy rebuild on a new counter, pinned versions cached by id.

Real registries: version 1 is the shipped configuration, version 2 raises
``consumer_emi``'s default rate from 0.15 to 0.16.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from lowlend.services import registry_provider as rp
from lowlend.services.config_store import ConfigStore, UnknownVersion
from lowlend.services.unit_of_work import InMemoryConfigData, InMemoryUnitOfWork
from lowlend.spec import SpecRegistry, load_bundle
from tests.config_fixtures import bundle_with_rate, cached_load_bundle, default_rate, shipped_bundle

V1 = shipped_bundle()
V2 = bundle_with_rate("0.160000")


class CountingLoader:
    """:func:`lowlend.spec.load_bundle`, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, files: Mapping[str, str]) -> SpecRegistry:
        self.calls += 1
        return load_bundle(files)


def test_provider_rebuilds_only_when_the_counter_moves() -> None:
    data = InMemoryConfigData()
    store = ConfigStore(lambda: InMemoryUnitOfWork(data), cached_load_bundle)
    loader = CountingLoader()
    provider = rp.RegistryProvider(lambda: InMemoryUnitOfWork(data), loader)
    with pytest.raises(rp.NoPublishedConfig):
        provider.current()
    v1 = store.publish(V1, "a").version
    assert provider.check() is True
    first = provider.current()
    assert isinstance(first, SpecRegistry) and dict(first.files) == V1
    assert default_rate(first) == Decimal("0.150000")
    assert provider.check() is False
    assert provider.current() is first
    assert loader.calls == 1
    v2 = store.publish(V2, "a").version
    assert provider.current() is first  # not checked yet: snapshot kept
    assert provider.check() is True
    second = provider.current()
    assert default_rate(second) == Decimal("0.160000")
    assert second.content_hash == v2.content_hash
    assert provider.version_id == v2.id and provider.version_counter == 2
    # pinned versions keep their own registry (cached: no reload)
    assert provider.for_version(v1.id) is first
    assert default_rate(provider.for_version(v1.id)) == Decimal("0.150000")
    assert loader.calls == 2
    with pytest.raises(UnknownVersion):
        provider.for_version(999)
