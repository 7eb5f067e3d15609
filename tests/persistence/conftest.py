"""Fixtures of the persistence tests (fakes of the spec layer: ``tests/services/spec_fakes``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
