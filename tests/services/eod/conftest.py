from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.money.world import World, make_world


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    w = make_world(database_url)
    yield w
    w.engine.dispose()
