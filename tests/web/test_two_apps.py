"""Two apps in one process with different configurations keep their own state.

The demo app (the shipped configuration) and an app on the test fixture configuration
are built in one process, one after the other; each still sees its own published
registry, its own generated views (config entities), its own registry provider and its
own PII columns in audit images — nothing is process-wide.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.web.acceptance.conftest import _dispose, build_mini_app

ACCOUNT = "6222020200112233445"


def _masked_account(app: Any) -> Any:
    """An audit image's ``bank_account`` as the app shows it to someone without PII rights:
    a PII column of the demo's ``entrusting_parties`` only."""
    from lowlend.web.generic.audit_format import masked_image

    with app.test_request_context("/"):
        return masked_image("*", {"bank_account": ACCOUNT}, False)["bank_account"]


def _state(app: Any) -> tuple[set[str], set[str], Any]:
    from lowlend.web import registry_hooks
    from lowlend.web.generic.extension import descriptors_of

    with app.app_context():
        registry = registry_hooks.current_registry()
        assert registry is not None
        views = {code for code, d in descriptors_of(app).items() if d.config_entity}
        return set(registry.products), views, registry_hooks.provider()


def test_two_apps_in_one_process_do_not_share_configuration(
    make_demo_app: Callable[..., Any], tmp_path: Path
) -> None:
    demo = make_demo_app()
    demo_products, demo_views, demo_provider = _state(demo)
    mini = build_mini_app(f"sqlite:///{tmp_path / 'mini.db'}", tmp_path)
    try:
        mini_products, mini_views, mini_provider = _state(mini)
        assert "consumer_emi" in demo_products and "mini_cash" in mini_products
        assert not demo_products & mini_products
        assert demo_views != mini_views
        assert demo_provider is not mini_provider
        # building the second app changed nothing the first one sees
        assert _state(demo)[:2] == (demo_products, demo_views)
        with demo.test_client() as client:
            assert client.get("/health").status_code == 200
        assert _state(mini)[:2] == (mini_products, mini_views)
        assert _masked_account(demo) != ACCOUNT  # masked where the column is PII
        assert _masked_account(mini) == ACCOUNT  # and only there
    finally:
        _dispose(mini)
