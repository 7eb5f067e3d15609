"""Helpers of the spec tests (imported by conftest and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lowlend.spec import ConfigError, ConfigErrors, SpecRegistry, load_directory

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_CONFIG = REPO_ROOT / "product_configs"
SEED_TEMPLATES = REPO_ROOT / "notification_templates"


@dataclass
class SeedCopy:
    """A copy of the seed in tmp_path that tests edit before loading."""

    config: Path
    templates: Path

    def path(self, rel: str) -> Path:
        if rel.startswith("templates/"):
            return self.templates / rel[len("templates/") :]
        return self.config / rel

    def read(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> int:
        """Replace the first ``old`` by ``new`` in ``rel``; return the 1-based line of ``old``."""
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        line = text[: text.index(old)].count("\n") + 1
        self.write(rel, text.replace(old, new, 1))
        return line

    def line_of(self, rel: str, needle: str, start: int = 1) -> int:
        """1-based line of the first line (from ``start``) containing ``needle``."""
        for number, line in enumerate(self.read(rel).splitlines(), start=1):
            if number >= start and needle in line:
                return number
        raise AssertionError(f"{needle!r} not in {rel}")

    def load(self) -> SpecRegistry:
        return load_directory(self.config, self.templates)

    def errors(self) -> tuple[ConfigError, ...]:
        with pytest.raises(ConfigErrors) as info:
            self.load()
        return info.value.errors

    @staticmethod
    def check(error: ConfigError, file_suffix: str, line: int, path: str) -> None:
        """Assert an error's file (suffix), line and key path."""
        assert error.file.endswith(file_suffix), str(error)
        assert (error.line, error.path) == (line, path), str(error)

    def only_error(self) -> ConfigError:
        errors = self.errors()
        assert len(errors) == 1, "\n".join(map(str, errors))
        return errors[0]
