"""create_app: no import-time side effects, several apps per process, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_appbuilder.security.sqla.manager import SecurityManager

from lowlend.app import ConfigurationError, create_app, load_config
from lowlend.web.menu import RegistryMenu
from lowlend.web.security import LowlendSecurityManager


def test_two_apps_in_one_process(tmp_path: Path) -> None:
    a = create_app({"SECRET_KEY": "a", "MASTER_KEY": "ka",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"})
    b = create_app({"SECRET_KEY": "b", "MASTER_KEY": "kb",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}"})
    assert a is not b
    assert a.appbuilder is not b.appbuilder
    assert a.extensions["appbuilder"] is a.appbuilder
    assert isinstance(a.appbuilder.sm, LowlendSecurityManager)
    assert isinstance(a.appbuilder.sm, SecurityManager)
    assert isinstance(a.appbuilder.menu, RegistryMenu)
    assert a.extensions["babel"].instance is not b.extensions["babel"].instance
    assert a.extensions["celery"] is not b.extensions["celery"]
    assert a.config["SECRET_KEY"] == "a" and b.config["SECRET_KEY"] == "b"
    # both serve, each on its own database
    for app in (a, b):
        assert app.test_client().get("/health").status_code == 200


def test_create_app_needs_no_database(tmp_path: Path) -> None:
    """Boot works while the database is unreachable and creates no tables."""
    broken = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    app = create_app({"SECRET_KEY": "x", "MASTER_KEY": "k", "SQLALCHEMY_DATABASE_URI": broken})
    assert app.appbuilder is not None
    db_file = tmp_path / "empty.db"
    create_app({"SECRET_KEY": "x", "MASTER_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}"})
    if db_file.exists():  # a registry read may open it, but nothing is created
        import sqlite3

        with sqlite3.connect(db_file) as conn:
            assert conn.execute("select count(*) from sqlite_master").fetchone()[0] == 0


def test_secret_key_required_outside_demo_mode() -> None:
    with pytest.raises(ConfigurationError, match="LOWLEND_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_master_key_required_outside_demo_mode() -> None:
    """Personal data and attachments are encrypted under it: no silent clear-text mode."""
    with pytest.raises(ConfigurationError, match="LOWLEND_MASTER_KEY"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_demo_mode_generates_and_persists_secrets(tmp_path: Path) -> None:
    instance = tmp_path / "inst"
    first = create_app({"LOWLEND_DEMO": True, "INSTANCE_DIR": instance})
    second = create_app({"LOWLEND_DEMO": True, "INSTANCE_DIR": instance})
    assert first.config["SECRET_KEY"] and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["MASTER_KEY"] == second.config["MASTER_KEY"]
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o077 == 0
    # the SQLite file follows the overridden instance dir
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance.resolve() / 'lowlend.db'}"


def test_environment_is_read_per_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWLEND_SECRET_KEY", "from-env")
    monkeypatch.setenv("LOWLEND_DATABASE_URL", "sqlite:///:memory:")
    cfg = load_config()
    assert cfg["SECRET_KEY"] == "from-env"
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"
    assert cfg["CELERY_BROKER_URL"] is None


def test_override_object_and_defaults() -> None:
    class Override:
        SECRET_KEY = "obj"
        MASTER_KEY = "obj-master"
        APP_NAME = "Acme"
        lowercase_is_ignored = True

    app = create_app(Override)
    assert app.config["APP_NAME"] == "Acme"
    assert "lowercase_is_ignored" not in app.config
    assert app.config["FAB_UPDATE_PERMS"] is False
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
