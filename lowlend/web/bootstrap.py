"""Schema creation, permission sync and the demo roles/users (``lowlend demo`` / ``run``).

All functions are idempotent and run inside ``app.app_context()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from lowlend.web import registry_hooks
from lowlend.web.backend import backend_of
from lowlend.web.fab import appbuilder_of, security_manager

log = logging.getLogger(__name__)

DEMO_PASSWORD = "lowlend-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str


# Roles are the codes of roles.yaml; ``admin`` is FAB's AUTH_ROLE_ADMIN.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", "Admin", "Demo"),
    DemoUser("manager", "business_manager", "Manager", "Demo"),
    DemoUser("risk", "risk_officer", "Risk", "Demo"),
    DemoUser("finance", "finance", "Finance", "Demo"),
    DemoUser("collector", "collector", "Collector", "Demo"),
    DemoUser("auditor", "auditor", "Auditor", "Demo"),
)

# What every signed-in demo user may do before roles.yaml grants are synced:
# see their own profile, change their own password, read their menu (menu API).
BASELINE_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("can_get", "MenuApi"),
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
)


def create_schema(app: Flask) -> str:
    """Create or upgrade the schema; returns ``"alembic"`` or ``"create_all"``.

    lowlend's tables come from the Alembic migrations; FAB's security tables and
    built-in roles from FAB.
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        from pathlib import Path

        Path(url[len("sqlite:///") :].split("?")[0]).parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        backend_of(app).upgrade_schema(url)
        sm = security_manager(app)
        # FAB's own tables (if missing) + built-in Admin/Public roles; ignores FAB_CREATE_DB.
        sm._create_db()
        backend_of(app).records.commit()
    return "alembic"


def sync_permissions(app: Flask) -> Any:
    """Create the permissions of every registered view, then sync roles.yaml's grants.

    Returns the :class:`~lowlend.web.permission_sync.SyncReport` of the role sync.
    """
    from lowlend.web.permission_sync import sync_at_boot

    with app.app_context():
        appbuilder_of(app).add_permissions(update_perms=True)
    return sync_at_boot(app)


def ensure_demo_users(app: Flask, password: str = DEMO_PASSWORD) -> list[tuple[str, str, bool]]:
    """Create the demo roles and users; returns ``(username, role, created)`` rows."""
    rows: list[tuple[str, str, bool]] = []
    with app.app_context():
        sm = security_manager(app)
        admin_role = app.config.get("AUTH_ROLE_ADMIN", "Admin")
        for user in DEMO_USERS:
            role_name = admin_role if user.role == "admin" else user.role
            role = sm.find_role(role_name) or sm.add_role(role_name)
            if role is None:
                raise RuntimeError(f"could not create role {role_name!r}")
            if role_name != admin_role:
                for perm_name, view in BASELINE_PERMISSIONS:
                    pvm = sm.find_permission_view_menu(perm_name, view)
                    if pvm is not None and pvm not in role.permissions:
                        sm.add_permission_role(role, pvm)
            existing = sm.find_user(username=user.username)
            if existing is not None:
                rows.append((user.username, role_name, False))
                continue
            created = sm.add_user(
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
                email=f"{user.username}@demo.lowlend.invalid",
                role=role,
                password=password,
            )
            if not created:
                raise RuntimeError(f"could not create demo user {user.username!r}")
            rows.append((user.username, role_name, True))
    return rows


def load_demo_data(app: Flask, loans: int | None = None, seed: int | None = None) -> str:
    """Load the demo data set (or a synthetic portfolio of ``loans`` loans) idempotently.

    Runs after the shipped configuration is published; staff records are linked to
    the demo users. Returns a one-line summary for the CLI.
    """
    persistence = backend_of(app)
    with app.app_context():
        sm = security_manager(app)
        user_ids = {}
        for user in DEMO_USERS:
            found = sm.find_user(username=user.username)
            if found is not None:
                user_ids[user.username] = found.id
        try:
            summary = persistence.load_demo(
                persistence.session,
                loans=200 if loans is None else loans,
                seed=7 if seed is None else seed,
                user_ids=user_ids,
                master_key=app.config.get("MASTER_KEY"),
                pepper=app.config.get("LOWLEND_ID_PEPPER"),
            )
        except LookupError as exc:  # nothing published (the shipped config did not validate)
            return f"not loaded: {exc}"
        finally:
            persistence.session.remove()
    return str(summary.describe())


def publish_shipped_config(app: Flask) -> str:
    """Publish ``CONFIG_DIR`` + notification templates when nothing is published yet.

    Only on first start: later changes go through ``lowlend config publish``, so an
    admin's published configuration is never overwritten by the demo. Returns a
    one-line status for the CLI; never raises (the admin must start even while
    the shipped configuration does not validate).
    """
    from lowlend.spec import read_bundle

    store = registry_hooks.config_store(app)
    if store is None:
        return "not available (no registry provider)"
    try:
        current = store.current()
        if current is not None:
            return f"version {current.number} already published"
        templates = app.config.get("NOTIFICATION_TEMPLATES_DIR")
        files = read_bundle(Path(app.config["CONFIG_DIR"]), Path(templates) if templates else None)
        result = store.publish(files, author="lowlend-demo", comment="shipped configuration (demo)")
        return f"published version {result.version.number}"
    except Exception as exc:
        log.warning("lowlend demo: publishing the shipped configuration failed: %s", exc)
        errors = getattr(exc, "errors", None)
        detail = "; ".join(str(e) for e in list(errors)[:3]) if errors else str(exc)
        return f"NOT published: {type(exc).__name__}: {detail}"[:2000]


def bootstrap_demo(app: Flask, loans: int | None = None, seed: int | None = None) -> dict[str, Any]:
    """Everything ``lowlend demo`` does, idempotently."""
    how = create_schema(app)
    config = publish_shipped_config(app)
    permissions = sync_permissions(app)
    users = ensure_demo_users(app)
    data = load_demo_data(app, loans=loans, seed=seed)
    return {"schema": how, "config": config, "permissions": permissions, "users": users,
            "demo_data": data}
