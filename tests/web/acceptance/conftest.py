"""Apps built from the small fixture configuration ``tests/fixtures/mini_config``.

Every module of this package builds **one** app per database backend (module scope):
on a copy of a SQLite database bootstrapped once per session, or on a fresh
PostgreSQL schema when ``LOWLEND_TEST_DATABASE_URL`` is set. The bootstrap is what ``lowlend demo`` does, minus the demo data set (which
belongs to the shipped configuration): schema, the fixture configuration published
as version 1 (``CONFIG_DIR`` = the fixture), permissions synced from the fixture's
``roles.yaml``, one user per standard role. A second app is then built on the same
database, so that the config-declared entities of the published registry are
registered at boot (as after a restart), and a small organisation is added:

``HQ ─┬─ A`` (the staff of every demo user, the records every role may see)
``    └─ B`` (a loan and its records that a department-A collector must not see)

Expectations come from the fixture's YAML through :func:`mini_registry` (the real
spec loader), not from lists in the tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MINI_CONFIG = FIXTURES / "mini_config"
MINI_TEMPLATES = FIXTURES / "notification_templates"

PASSWORD = "lowlend-demo"
FAST_HASH = "pbkdf2:sha256:1000"


def mini_bundle() -> dict[str, str]:
    """The fixture configuration as a bundle (``config/<rel>`` + ``templates/<rel>``)."""
    from lowlend.spec import read_bundle

    return read_bundle(MINI_CONFIG, MINI_TEMPLATES)


_REGISTRY: list[Any] = []


def mini_registry() -> Any:
    """The SpecRegistry of the fixture configuration (real loader; cached)."""
    from lowlend.spec import load_bundle

    if not _REGISTRY:
        _REGISTRY.append(load_bundle(mini_bundle()))
    return _REGISTRY[0]


@contextmanager
def _database(kind: str, base: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{base / 'mini.db'}"
        return
    root = sys.modules.get("conftest")  # tests/conftest.py: shares its PostgreSQL bookkeeping
    fresh = getattr(root, "_fresh_pg_schema", None)
    if fresh is None:  # pragma: no cover - imported under another name
        from tests.conftest import _fresh_pg_schema as fresh
    with fresh() as url:
        yield url


def app_config(url: str, base: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "LOWLEND_DEMO": True,
        "INSTANCE_DIR": base / "instance",
        "SQLALCHEMY_DATABASE_URI": url,
        "FAB_PASSWORD_HASH_METHOD": FAST_HASH,
        "CONFIG_DIR": MINI_CONFIG,
        "NOTIFICATION_TEMPLATES_DIR": MINI_TEMPLATES,
        "WTF_CSRF_ENABLED": False,
    }
    config.update(overrides)
    return config


def _dispose(app: Any) -> None:
    from lowlend.persistence.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def build_mini_app(url: str, base: Path) -> Any:
    """Bootstrap the fixture configuration on ``url``; return the (second) app."""
    from lowlend.app import create_app
    from lowlend.web.bootstrap import (
        create_schema,
        ensure_demo_users,
        publish_shipped_config,
        sync_permissions,
    )

    first = create_app(app_config(url, base))
    create_schema(first)
    status = publish_shipped_config(first)
    assert status == "published version 1", status
    _dispose(first)
    app = create_app(app_config(url, base))  # boots with the published registry
    sync_permissions(app)
    ensure_demo_users(app)
    return app


def _sample_value(registry: Any, field: Any, customer_id: int) -> Any:
    """A valid value of a config entity field (by kind), ``None`` for other kinds."""
    kind = getattr(field.kind, "value", field.kind)
    if kind == "enum":
        return registry.dictionaries[field.dictionary].items[0].code
    if kind == "money":
        return Decimal("100.00")
    if kind == "text":
        return f"样例{field.code}"
    if kind == "date":
        return dt.date(2026, 1, 2)
    if kind == "reference" and field.reference == "customers":
        return customer_id
    return None


def _organisation(app: Any) -> SimpleNamespace:
    """Departments HQ/A/B, one staff record per demo user (all in A, one collector in B),
    a customer, application, loan, installment and transaction in A and in B, and one
    record of every config entity on each loan."""
    from lowlend.persistence.db import db
    from lowlend.persistence.entity_tables import entity_model
    from lowlend.persistence.lending_models import (
        ApprovalDelegation,
        ApprovalTask,
        CreditLine,
        StaffAbsence,
    )
    from lowlend.persistence.models import (
        Application,
        ConfigVersion,
        Customer,
        CustomerRelation,
        Department,
        Installment,
        Loan,
        Staff,
        Transaction,
    )
    from lowlend.web.bootstrap import DEMO_USERS

    registry = mini_registry()
    with app.app_context():
        s = db.session
        sm = app.appbuilder.sm
        hq = Department(code="M-HQ", name="总部")
        s.add(hq)
        s.flush()
        a = Department(code="M-A", name="业务一部", parent_id=hq.id)
        b = Department(code="M-B", name="业务二部", parent_id=hq.id)
        s.add_all([a, b])
        s.flush()
        users = {u.username: sm.find_user(username=u.username) for u in DEMO_USERS}
        staff = {}
        for username, user in users.items():
            st = Staff(employee_no=f"M-{username}", name=username, department_id=a.id,
                       user_id=user.id)
            s.add(st)
            staff[username] = st
        staff["collector_b"] = Staff(employee_no="M-collector-b", name="collector_b",
                                     department_id=b.id)
        s.add(staff["collector_b"])
        s.flush()
        version = s.query(ConfigVersion).order_by(ConfigVersion.id.desc()).first()
        product = sorted(registry.products)[0]

        def records(dept: Any, owner: Any, key: str, principal: str) -> dict[str, Any]:
            customer = Customer(name=f"客户{key}", id_type="resident_id",
                                id_number_hash=f"mini-hash-{key}", department_id=dept.id,
                                owner_staff_id=owner.id)
            s.add(customer)
            s.flush()
            application = Application(customer_id=customer.id, product_code=product,
                                      config_version_id=version.id, amount=Decimal(principal),
                                      term=6, rate=Decimal("0.100000"), status="draft",
                                      department_id=dept.id, owner_staff_id=owner.id)
            s.add(application)
            s.flush()
            loan = Loan(customer_id=customer.id, application_id=application.id,
                        product_code=product, config_version_id=version.id,
                        principal=Decimal(principal), annual_rate=Decimal("0.100000"),
                        status="overdue", dpd=5, department_id=dept.id,
                        owner_staff_id=owner.id)
            s.add(loan)
            s.flush()
            installment = Installment(loan_id=loan.id, seq=1, due_date=dt.date(2026, 1, 1),
                                    principal=Decimal("100.00"), status="overdue")
            transaction = Transaction(loan_id=loan.id, type="repayment",
                                      value_date=dt.date(2026, 1, 1), amount=Decimal("1.00"))
            task = ApprovalTask(application_id=application.id, round=1, chain_code="c",
                                step_code="review", stage=0, role="business_manager",
                                status="open", department_id=dept.id)
            line = CreditLine(customer_id=customer.id, application_id=application.id,
                              product_code=product, config_version_id=version.id,
                              credit_limit=Decimal(principal), annual_rate=Decimal("0.100000"),
                              starts_on=dt.date(2026, 1, 1), expires_on=dt.date(2027, 1, 1),
                              department_id=dept.id, owner_staff_id=owner.id)
            s.add_all([installment, transaction, task, line])
            out = {"customers": customer, "applications": application, "loans": loan,
                   "installments": installment, "transactions": transaction,
                   "approval_tasks": task, "credit_lines": line}
            for code, spec in registry.entities.items():
                model = entity_model(spec)
                row = model(parent_id=loan.id, department_id=dept.id)
                for field in spec.fields:
                    value = _sample_value(registry, field, customer.id)
                    if value is not None:
                        setattr(row, field.code, value)
                if spec.owner_field:
                    setattr(row, spec.owner_field, owner.name)
                s.add(row)
                out[code] = row
            s.flush()
            return out

        in_a = records(a, staff["collector"], "A", "11111.00")
        in_b = records(b, staff["collector_b"], "B", "22222.00")
        # a relation per side, owned by its customer (customer_relations are scoped by it)
        for side, other, kind in ((in_a, in_b, "household"), (in_b, in_a, "guarantor_of")):
            side["customer_relations"] = CustomerRelation(
                customer_id=side["customers"].id, related_customer_id=other["customers"].id,
                kind=kind)
            s.add(side["customer_relations"])
        # staff absences and approval delegations, one per side (scoped by their staff)
        for side, owner, other in ((in_a, staff["collector"], staff["manager"]),
                                   (in_b, staff["collector_b"], staff["collector"])):
            side["staff_absences"] = StaffAbsence(staff_id=owner.id, starts_on=dt.date(2026, 1, 1),
                                                  ends_on=dt.date(2026, 1, 5), reason="年假")
            side["approval_delegations"] = ApprovalDelegation(
                delegator_staff_id=owner.id, delegate_staff_id=other.id,
                starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 5))
            s.add_all([side["staff_absences"], side["approval_delegations"]])
        s.flush()
        s.commit()
        data = SimpleNamespace(
            depts={"hq": hq.id, "a": a.id, "b": b.id},
            staff={k: v.id for k, v in staff.items()},
            a={k: v.id for k, v in in_a.items()},
            b={k: v.id for k, v in in_b.items()},
            principals={"a": "11111.00", "b": "22222.00"},
            product=product,
        )
        data.a["departments"] = a.id
        data.a["staff"] = staff["collector"].id
        s.remove()
    return data


@pytest.fixture(scope="session")
def _mini_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One bootstrapped SQLite database (and its organisation) per session; modules get
    copies (the bootstrap is most of a module's cost)."""
    base = tmp_path_factory.mktemp("mini-template")
    app = build_mini_app(f"sqlite:///{base / 'mini.db'}", base)
    org = _organisation(app)
    _dispose(app)
    return base, org


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def mini(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``SimpleNamespace(app, org, registry, backend)``: an app on the fixture configuration
    (SQLite: a copy of the session's template database; PostgreSQL: a fresh schema)."""
    from lowlend.app import create_app

    base = tmp_path_factory.mktemp(f"mini-{request.param}")
    if request.param == "sqlite":
        template, org = request.getfixturevalue("_mini_sqlite_template")
        shutil.copyfile(template / "mini.db", base / "mini.db")
        url = f"sqlite:///{base / 'mini.db'}"
        app = create_app(app_config(url, template))  # same instance dir: same secrets
        yield SimpleNamespace(app=app, org=org, registry=mini_registry(), backend="sqlite",
                              url=url, base=base)
        _dispose(app)
    else:
        with _database(request.param, base) as url:
            app = build_mini_app(url, base)
            org = _organisation(app)
            yield SimpleNamespace(app=app, org=org, registry=mini_registry(),
                                  backend=request.param, url=url, base=base)
            _dispose(app)
    shutil.rmtree(base, ignore_errors=True)


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """Log in through the real form (CSRF is off in these apps)."""
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, (username, response.get_data(as_text=True)[:300])
    return response


@pytest.fixture(scope="module")
def clients(mini: Any) -> dict[str, Any]:
    """One logged-in test client per demo user (username → client)."""
    from lowlend.web.bootstrap import DEMO_USERS

    out = {}
    for user in DEMO_USERS:
        client = mini.app.test_client()
        login(client, user.username)
        out[user.username] = client
    return out
