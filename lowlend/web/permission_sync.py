"""Make FAB's permission tables match the registry: :func:`sync_permissions`.

The pure model is :mod:`lowlend.services.permissions`: ``desired_permissions``
(every permission-view-menu of one configuration version) and ``role_grants``
(which of them each roles.yaml role holds). This module applies it to the FAB
security tables through the real security manager's models, in **one**
transaction (FAB's ``add_permission_view_menu`` / ``add_permission_role`` commit
row by row and swallow errors; a sync that dies half way must not leave half a
role behind).

What lowlend manages — and therefore may remove — is decided by a naming rule
(:func:`lowlend.services.permissions.is_managed`): permissions ``can_<action>`` /
``menu_access`` on view-menus named by configuration codes (``loans``,
``vehicle_collateral``, ``product:consumer_emi``, menu item codes). FAB's own
permissions (``can_list`` on ``UserDBModelView``, ``menu_access`` on ``Security``,
...) never match, so they are never touched.

One sync:

* adds every desired permission-view-menu that is missing;
* removes managed permission-view-menus that are not desired any more, except
  those a view registered in this process declares (FAB's own ``add_permissions``
  would re-create them at the next boot);
* for each role of roles.yaml (FAB role name = role code; ``admin`` →
  ``AUTH_ROLE_ADMIN``): creates the role if missing, grants what ``role_grants``
  says and revokes its other *managed* grants; unmanaged grants (FAB built-ins
  such as the demo baseline "reset my password") stay. The admin role only gains.
* marks each role it manages with the grant :data:`ROLE_MARKER`; a marked role that
  roles.yaml no longer declares loses its managed grants (a removed role must not
  keep its access), but is **never deleted**; roles created in FAB's screens (not
  marked) are left alone, and roles of ``FAB_ROLES`` (built-in, not in the
  database) are skipped.

It is idempotent: a second run reports no change. Call it

* whenever a worker finds a newly published version: :func:`init_app` (by
  ``create_app``) makes it a listener of :mod:`lowlend.web.registry_hooks`;

* at boot of ``lowlend demo`` / ``lowlend run`` (after the schema and the shipped
  configuration exist): :func:`sync_at_boot`;
* after every publish (config UI, ``lowlend config publish``, rollback):
  :func:`after_publish` — once, by the publishing process, after the publish
  committed (web workers run with ``FAB_UPDATE_PERMS=False``);
* from ``flask fab security-cleanup`` (see :mod:`lowlend.web.security`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import IntegrityError, OperationalError

from lowlend.services.permissions import (
    ADMIN_ROLE,
    MENU_ACCESS,
    Permission,
    desired_permissions,
    is_managed,
    role_grants,
)
from lowlend.web import registry_hooks
from lowlend.web.fab import appbuilder_of

log = logging.getLogger(__name__)


class Change(NamedTuple):
    """One change: a permission-view-menu (``role is None``) or a role grant."""

    role: str | None
    permission: str
    view_menu: str

    def __str__(self) -> str:
        what = f"{self.permission} on {self.view_menu}"
        return what if self.role is None else f"{self.role}: {what}"


@dataclass(frozen=True)
class SyncReport:
    """What one :func:`sync_permissions` changed."""

    added: frozenset[Change] = field(default_factory=frozenset)
    removed: frozenset[Change] = field(default_factory=frozenset)
    roles_created: frozenset[str] = field(default_factory=frozenset)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.roles_created)

    def __bool__(self) -> bool:
        return self.changed

    def summary(self) -> str:
        pvm_add = sum(1 for c in self.added if c.role is None)
        pvm_del = sum(1 for c in self.removed if c.role is None)
        return (
            f"permissions +{pvm_add}/-{pvm_del}, grants "
            f"+{len(self.added) - pvm_add}/-{len(self.removed) - pvm_del}, "
            f"roles created {len(self.roles_created)}"
        )


#: Marker grant on every role the sync manages (a role of roles.yaml, now or before).
#: Not ``is_managed`` itself; shown in FAB's role screen as "lowlend_managed_role on lowlend".
ROLE_MARKER: Permission = ("lowlend_managed_role", "lowlend")


def fab_role_name(role_code: str, admin_role: str) -> str:
    """FAB role name of a roles.yaml role code (the code; ``admin`` → ``AUTH_ROLE_ADMIN``)."""
    return admin_role if role_code == ADMIN_ROLE else role_code


def view_declared_permissions(appbuilder: Any) -> set[Permission]:
    """Permission-view-menus that views/menus registered in this process declare."""
    declared: set[Permission] = set()
    for baseview in getattr(appbuilder, "baseviews", ()) or ():
        name = getattr(baseview, "class_permission_name", None)
        for perm in getattr(baseview, "base_permissions", None) or ():
            if name:
                declared.add((str(perm), str(name)))
    menu = getattr(appbuilder, "menu", None)
    for item in getattr(menu, "menu", None) or ():  # FAB's boot-time items only
        stack = [item]
        while stack:
            node = stack.pop()
            if node.name != "-":
                declared.add((MENU_ACCESS, str(node.name)))
            stack.extend(getattr(node, "childs", None) or ())
    return declared


def _admin_role_name(appbuilder: Any) -> str:
    app = getattr(appbuilder, "app", None)
    config = app.config if app is not None else (current_app.config if has_app_context() else {})
    return str(config.get("AUTH_ROLE_ADMIN", "admin"))


def _sync_once(appbuilder: Any, registry: Any) -> SyncReport:
    sm = appbuilder.sm
    session = sm.session
    Perm, ViewMenu, PV, Role = (
        sm.permission_model,
        sm.viewmenu_model,
        sm.permissionview_model,
        sm.role_model,
    )
    admin_name = _admin_role_name(appbuilder)
    desired = desired_permissions(registry)
    grants = role_grants(registry, admin_roles=(ADMIN_ROLE,))
    protected = view_declared_permissions(appbuilder)

    added: set[Change] = set()
    removed: set[Change] = set()
    roles_created: set[str] = set()

    perms = {p.name: p for p in session.query(Perm).all()}
    views = {v.name: v for v in session.query(ViewMenu).all()}
    pvms: dict[Permission, Any] = {}
    for pv in session.query(PV).all():
        if pv.permission is not None and pv.view_menu is not None:
            pvms[(pv.permission.name, pv.view_menu.name)] = pv

    # 1. missing permission-view-menus
    for perm_name, view_name in sorted(desired - set(pvms)):
        perm = perms.get(perm_name)
        if perm is None:
            perm = perms[perm_name] = Perm(name=perm_name)
            session.add(perm)
        view = views.get(view_name)
        if view is None:
            view = views[view_name] = ViewMenu(name=view_name)
            session.add(view)
        pv = PV(permission=perm, view_menu=view)
        session.add(pv)
        pvms[(perm_name, view_name)] = pv
        added.add(Change(None, perm_name, view_name))

    # 2. obsolete managed permission-view-menus
    obsolete = {
        key: pv
        for key, pv in pvms.items()
        if key not in desired and key not in protected and is_managed(*key)
    }
    if obsolete:
        obsolete_ids = {id(pv) for pv in obsolete.values()}
        for role in session.query(Role).all():
            for pv in [p for p in role.permissions if id(p) in obsolete_ids]:
                role.permissions.remove(pv)
                removed.add(Change(role.name, pv.permission.name, pv.view_menu.name))
        session.flush()
        for (perm_name, view_name), pv in sorted(obsolete.items()):
            session.delete(pv)
            del pvms[(perm_name, view_name)]
            removed.add(Change(None, perm_name, view_name))
        session.flush()
        used_views = {k[1] for k in pvms}
        used_perms = {k[0] for k in pvms}
        for perm_name, view_name in obsolete:
            if view_name not in used_views and view_name in views:
                session.delete(views.pop(view_name))
                used_views.add(view_name)  # delete once
            if perm_name not in used_perms and perm_name in perms:
                session.delete(perms.pop(perm_name))
                used_perms.add(perm_name)

    # 3. role grants
    marker = pvms.get(ROLE_MARKER)
    if marker is None:
        perm = perms.get(ROLE_MARKER[0]) or Perm(name=ROLE_MARKER[0])
        view = views.get(ROLE_MARKER[1]) or ViewMenu(name=ROLE_MARKER[1])
        marker = pvms[ROLE_MARKER] = PV(permission=perm, view_menu=view)
        session.add(marker)
    builtin = set(getattr(sm, "builtin_roles", {}) or {})
    roles = {r.name: r for r in session.query(Role).all()}
    configured = {fab_role_name(code, admin_name) for code in grants}
    for code, wanted in sorted(grants.items()):
        name = fab_role_name(code, admin_name)
        if name in builtin:
            log.info("lowlend permission sync: role %s is a FAB_ROLES built-in; skipped", name)
            continue
        role = roles.get(name)
        if role is None:
            role = roles[name] = Role(name=name)
            session.add(role)
            roles_created.add(name)
        have = {
            (pv.permission.name, pv.view_menu.name): pv
            for pv in role.permissions
            if pv.permission is not None and pv.view_menu is not None
        }
        if ROLE_MARKER not in have:
            role.permissions.append(marker)
        for key in sorted(wanted - set(have)):
            role.permissions.append(pvms[key])
            added.add(Change(name, *key))
        if name == admin_name:
            continue  # the administrator only gains
        for key, pv in sorted(have.items()):
            if key not in wanted and is_managed(*key):
                role.permissions.remove(pv)
                removed.add(Change(name, *key))
    # 4. roles lowlend managed that roles.yaml no longer declares: managed grants go,
    #    the role (and its users, and FAB grants) stay. Roles made in FAB's screens
    #    (no marker) are left alone.
    for name, role in sorted(roles.items()):
        if name in configured or name == admin_name or name in builtin:
            continue
        if not any(pv is marker for pv in role.permissions):
            continue
        for pv in list(role.permissions):
            if pv.permission is None or pv.view_menu is None:
                continue
            grant = (pv.permission.name, pv.view_menu.name)
            if is_managed(*grant):
                role.permissions.remove(pv)
                removed.add(Change(name, *grant))
    session.commit()
    return SyncReport(frozenset(added), frozenset(removed), frozenset(roles_created))


def sync_permissions(appbuilder: Any, registry: Any, *, retries: int = 2) -> SyncReport:
    """Make the FAB permission tables match ``registry`` (idempotent, one transaction).

    ``registry`` ``None``: nothing to sync (empty report). A concurrent sync in
    another process (unique-constraint race) is retried.
    """
    if registry is None:
        log.info("lowlend permission sync: no registry; nothing synced")
        return SyncReport()
    session = appbuilder.sm.session
    for attempt in range(retries + 1):
        try:
            report = _sync_once(appbuilder, registry)
        except (IntegrityError, OperationalError):
            session.rollback()
            if attempt >= retries:
                raise
            log.warning("lowlend permission sync: concurrent change, retrying", exc_info=True)
            continue
        except Exception:
            session.rollback()
            raise
        if report:
            log.info("lowlend permission sync: %s", report.summary())
        return report
    raise AssertionError("unreachable")  # pragma: no cover


def init_app(app: Flask) -> None:
    """Sync ``app``'s permissions whenever a request or task finds a newly published
    version (:func:`lowlend.web.registry_hooks.on_new_version`)."""

    def sync(registry: Any) -> None:
        sync_permissions(appbuilder_of(app), registry)

    registry_hooks.on_new_version(app, sync)


def sync_at_boot(app: Flask, registry: Any = None) -> SyncReport:
    """Boot-time sync (``lowlend demo`` / ``lowlend run``) for the current registry."""
    with app.app_context():
        reg = registry if registry is not None else registry_hooks.current_registry()
        return sync_permissions(appbuilder_of(app), reg)


def after_publish(app: Flask, registry: Any) -> SyncReport:
    """Hook for the config UI / CLI publish and rollback: call after the publish commit.

    Syncs the FAB permissions to the published ``registry`` (``None``: the current
    one) and marks the registry provider stale so this process re-reads it.
    """
    with app.app_context():
        prov = registry_hooks.provider()
        if prov is not None:
            try:
                prov.check()
            except Exception:
                log.debug("lowlend: registry freshness check failed", exc_info=True)
        reg = registry if registry is not None else registry_hooks.current_registry()
        return sync_permissions(appbuilder_of(app), reg)


def managed_view_menus(registry: Any) -> set[str]:
    """View-menu names the current configuration needs (security clean-up keeps them)."""
    if registry is None:
        return {ROLE_MARKER[1]}
    return {view for _perm, view in desired_permissions(registry)} | {ROLE_MARKER[1]}


def grants_by_role(appbuilder: Any, role_names: Iterable[str]) -> Mapping[str, frozenset[Permission]]:
    """The managed permission-view-menus each named FAB role holds now (for tests/reports)."""
    sm = appbuilder.sm
    out: dict[str, frozenset[Permission]] = {}
    for name in role_names:
        role = sm.find_role(name)
        if role is None:
            continue
        out[name] = frozenset(
            (pv.permission.name, pv.view_menu.name)
            for pv in role.permissions
            if pv.permission is not None and is_managed(pv.permission.name, pv.view_menu.name)
        )
    return out
