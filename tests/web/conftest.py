"""Fixtures of the web-shell tests: isolated environment, app builders, demo apps."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = REPO_ROOT / "translations"

_ENV = (
    "LOWLEND_DATABASE_URL",
    "LOWLEND_SECRET_KEY",
    "LOWLEND_MASTER_KEY",
    "LOWLEND_DEMO",
    "LOWLEND_BROKER_URL",
    "LOWLEND_CONFIG_DIR",
)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No lowlend environment leaks in; the instance dir is a fresh tmp dir."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("LOWLEND_INSTANCE_DIR", str(instance))
    return instance


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """Compile the .po catalogues when a .mo is missing or older (what `make test` does)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pybabel = Path(sys.executable).with_name("pybabel")
            subprocess.run(
                [str(pybabel), "compile", "-d", str(TRANSLATIONS)], check=True, capture_output=True
            )
            return


_FAST_HASH = "pbkdf2:sha256:1000"
TEST_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LW9mLWxvd2xlbmQtdGVzdHMhIQ=="
"""Master key of test apps outside demo mode (required there, like in production)."""


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Any]:
    """Build an app on a fresh SQLite file (override any key with keyword arguments)."""
    from lowlend.app import create_app

    def build(**overrides: Any) -> Any:
        config: dict[str, Any] = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "MASTER_KEY": TEST_MASTER_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'web.db'}",
            # cheap hashes: the demo bootstrap hashes six passwords per test
            "FAB_PASSWORD_HASH_METHOD": _FAST_HASH,
        }
        config.update(overrides)
        return create_app(config)

    return build



@pytest.fixture(scope="session")
def _demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bootstrapped SQLite demo database per session; tests get copies."""
    from lowlend.app import create_app
    from lowlend.web.bootstrap import bootstrap_demo

    base = tmp_path_factory.mktemp("demo-template")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "LOWLEND_DEMO": True,
            "INSTANCE_DIR": base / "instance",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'demo.db'}",
            "FAB_PASSWORD_HASH_METHOD": _FAST_HASH,
        }
    )
    bootstrap_demo(app)
    with app.app_context():
        from lowlend.persistence.db import db

        db.session.remove()
        db.engine.dispose()
    return base / "demo.db"


@pytest.fixture
def make_demo_app(
    make_app: Callable[..., Any], _demo_db_template: Path, tmp_path: Path
) -> Callable[..., Any]:
    """Build an app on a fresh copy of the bootstrapped demo database."""
    counter = iter(range(1000))

    def build(**overrides: Any) -> Any:
        target = tmp_path / f"demo{next(counter)}.db"
        shutil.copyfile(_demo_db_template, target)
        config: dict[str, Any] = {
            "LOWLEND_DEMO": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}",
        }
        config.update(overrides)
        return make_app(**config)

    return build


@pytest.fixture
def demo_app(make_demo_app: Callable[..., Any]) -> Any:
    """An app on a copy of the bootstrapped demo database (CSRF on)."""
    return make_demo_app()
