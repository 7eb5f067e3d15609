"""Fixtures of the spec tests: a writable copy of the shipped configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from spec_seed_helpers import SEED_CONFIG, SEED_TEMPLATES, SeedCopy

from lowlend.spec import SpecRegistry, load_directory


@pytest.fixture
def seed(tmp_path: Path) -> SeedCopy:
    config = tmp_path / "product_configs"
    templates = tmp_path / "notification_templates"
    shutil.copytree(SEED_CONFIG, config)
    shutil.copytree(SEED_TEMPLATES, templates)
    return SeedCopy(config, templates)


@pytest.fixture(scope="session")
def registry() -> SpecRegistry:
    return load_directory(SEED_CONFIG, SEED_TEMPLATES)
