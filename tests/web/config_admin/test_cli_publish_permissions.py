"""``lowlend config publish`` gives the roles the new version's permissions at once.

On a copy of the demo database (admin tables and roles exist), a new product is
published from the command line: the publishing process itself creates the product's
``can_apply`` permission and grants it to the roles roles.yaml names — no admin
request is needed first. On a database without the admin's tables, the CLI says
that the sync waits for the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner, Result

from lowlend.cli.config_cmd import config_group
from tests.config_fixtures import ConfigCopy
from tests.web.conftest import TEST_MASTER_KEY

NEW = "consumer_emi_plus"


def _publish(seed: ConfigCopy, url: str) -> Result:
    env = {"LOWLEND_DATABASE_URL": url, "LOWLEND_TEMPLATES_DIR": None,
           "LOWLEND_SECRET_KEY": "cli-secret", "LOWLEND_MASTER_KEY": TEST_MASTER_KEY}
    return CliRunner().invoke(config_group, ["publish", "--author", "ops", "-m", "new product"],
                              obj={"config_dir": str(seed.config)}, env=env)


def _apply_grants(url: str, product: str) -> set[str]:
    """Roles holding ``can_apply`` on ``product:<product>``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT r.name FROM ab_permission_view pv "
                "JOIN ab_permission p ON p.id = pv.permission_id "
                "JOIN ab_view_menu v ON v.id = pv.view_menu_id "
                "JOIN ab_permission_view_role pvr ON pvr.permission_view_id = pv.id "
                "JOIN ab_role r ON r.id = pvr.role_id "
                "WHERE p.name = 'can_apply' AND v.name = :menu"
            ), {"menu": f"product:{product}"}).all()
    finally:
        engine.dispose()
    return {row[0] for row in rows}


def test_cli_publish_syncs_the_new_products_permissions(
    make_demo_app: Callable[..., Any], tmp_path: Path
) -> None:
    app = make_demo_app()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = _apply_grants(url, "consumer_emi")
    assert before and not _apply_grants(url, NEW)
    seed = ConfigCopy.make(tmp_path)
    text = seed.read("products/consumer_emi.yaml").replace("code: consumer_emi", f"code: {NEW}", 1)
    seed.write(f"products/{NEW}.yaml", text)
    result = _publish(seed, url)
    assert result.exit_code == 0, result.output
    assert "published version 2" in result.stdout
    assert "permissions synced:" in result.stdout
    assert _apply_grants(url, NEW) == before  # the same roles as the product it copies


def test_cli_publish_without_admin_tables_says_the_sync_waits(tmp_path: Path) -> None:
    seed = ConfigCopy.make(tmp_path)
    result = _publish(seed, f"sqlite:///{tmp_path / 'bare.db'}")
    assert result.exit_code == 0, result.output
    assert "published version 1" in result.stdout
    assert "no admin tables yet" in result.stderr
