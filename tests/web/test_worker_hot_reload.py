"""A Celery worker sees a configuration published by another process without a restart.

The worker app and the publishing app are two separately built apps on one database
(as a web worker and a Celery worker are two processes). The worker consumes tasks
from a real Redis broker in a worker thread (``celery.contrib.testing.worker``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pet_loan_bundle(app: Any) -> dict[str, str]:
    from lowlend.spec.loader import read_bundle

    files = read_bundle(
        Path(app.config["CONFIG_DIR"]), Path(app.config["NOTIFICATION_TEMPLATES_DIR"])
    )
    source = files["config/products/consumer_emi.yaml"]
    files["config/products/pet_loan.yaml"] = source.replace(
        "code: consumer_emi", "code: pet_loan", 1
    )
    return files


def test_worker_task_sees_a_product_published_elsewhere(
    postgres_url: str, redis_url: str, make_app: Any
) -> None:
    from celery.contrib.testing.worker import start_worker

    from lowlend.persistence.wiring import open_config_store
    from lowlend.web import registry_hooks
    from lowlend.web.bootstrap import bootstrap_demo

    publisher = make_app(SQLALCHEMY_DATABASE_URI=postgres_url, LOWLEND_DEMO=True)
    bootstrap_demo(publisher)  # publishes the seed configuration (version 1)
    worker_app = make_app(
        SQLALCHEMY_DATABASE_URI=postgres_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
    )
    celery = worker_app.extensions["celery"]

    @celery.task(name="tests.web.product_codes")
    def product_codes() -> list[str]:
        registry = registry_hooks.current_registry()
        return sorted(registry.products) if registry is not None else []

    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        before = product_codes.delay().get(timeout=30)
        assert "consumer_emi" in before and "pet_loan" not in before
        with open_config_store(postgres_url, create_schema=False) as store:
            first = store.current().number
            store.publish(_pet_loan_bundle(publisher), author="test", comment="add pet_loan")
        assert "pet_loan" in product_codes.delay().get(timeout=30)
        with open_config_store(postgres_url, create_schema=False) as store:
            store.rollback(first, author="test")
        assert "pet_loan" not in product_codes.delay().get(timeout=30)
