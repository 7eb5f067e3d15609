"""Done-when 1 (the permission matrix) against the fixture configuration.

For every standard role of the fixture's ``roles.yaml`` and every generated endpoint
(web list/show/add/edit/delete/export, REST list/_info/get/post/put/delete; and the
list page of every configuration screen registered at boot), a user
of that role — logged in through the real form — is let through exactly when
``roles.yaml`` grants the action, and refused otherwise. Expectations are read from
the YAML (``RoleSpec.permissions``, ``*`` = every code / every action), never from
FAB's tables, so a sync bug cannot hide itself. One test per role; every wrong cell
is reported with role, endpoint and action.

Records used for show/edit lie in department A and are owned by the collector, so
that every role's data scope (own / department / department_tree / all) includes
them: a refusal there can only come from permissions. Delete and PUT target a
missing id (``404`` when allowed), POST an empty body (``400``/``422`` when allowed),
so nothing is changed (an allowed web delete of a missing id redirects back to the
list with a flash; refusals are 403 on both surfaces).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lowlend.web.bootstrap import DEMO_USERS

MISSING_ID = 987654
WILDCARD = "*"


def granted(role: Any, code: str, action: str) -> bool:
    """What roles.yaml says: ``action`` on ``code`` (or on ``*``; ``*`` = all actions)."""
    for key in (code, WILDCARD):
        actions = role.permissions.get(key)
        if actions is not None and (action in actions or WILDCARD in actions):
            return True
    return False


@dataclass(frozen=True)
class Probe:
    """One endpoint call: ``surface`` web/rest, roles.yaml ``action``."""

    surface: str
    action: str
    method: str
    path: str
    allowed: tuple[int, ...]  # statuses of an allowed call


def probes(code: str, desc: Any, record_id: int) -> Iterator[Probe]:
    yield Probe("web", "list", "GET", f"/{code}/list/", (200,))
    yield Probe("web", "show", "GET", f"/{code}/show/{record_id}", (200,))
    yield Probe("web", "export", "GET", f"/{code}/export/?format=csv", (200,))
    yield Probe("rest", "list", "GET", f"/api/v1/{code}/", (200,))
    yield Probe("rest", "list", "GET", f"/api/v1/{code}/_info", (200,))
    yield Probe("rest", "show", "GET", f"/api/v1/{code}/{record_id}", (200,))
    if desc.read_only:
        return
    yield Probe("web", "add", "GET", f"/{code}/add", (200,))
    yield Probe("web", "edit", "GET", f"/{code}/edit/{record_id}", (200,))
    # FAB flashes "not found" and redirects back (never to the login page)
    yield Probe("web", "delete", "POST", f"/{code}/delete/{MISSING_ID}", (302, 404))
    yield Probe("rest", "add", "POST", f"/api/v1/{code}/", (400, 422))
    yield Probe("rest", "edit", "PUT", f"/api/v1/{code}/{MISSING_ID}", (404,))
    yield Probe("rest", "delete", "DELETE", f"/api/v1/{code}/{MISSING_ID}", (404,))


def refused(probe: Probe, response: Any) -> bool:
    """FAB's refusal of a signed-in user: 403 on web (``has_access``) and REST (``protect``).

    A redirect to the login page would mean the session was lost: never a valid answer.
    """
    return response.status_code == 403


def _call(client: Any, probe: Probe) -> Any:
    if probe.method == "GET":
        return client.get(probe.path)
    if probe.method == "POST" and probe.surface == "web":
        return client.post(probe.path, data={})
    return client.open(probe.path, method=probe.method, json={})


@pytest.fixture(scope="module")
def records(mini: Any, clients: dict[str, Any]) -> dict[str, int]:
    """Per generated code the id of a department-A record (audit_log: one audit row,
    made by an edit through the REST API as admin)."""
    ids = dict(mini.org.a)
    code = sorted(mini.registry.entities)[0]
    edit = clients["admin"].put(f"/api/v1/{code}/{ids[code]}", json={})
    assert edit.status_code == 200, edit.get_data(as_text=True)[:300]
    body = clients["admin"].get("/api/v1/audit_log/").get_json()
    assert body["ids"], body
    ids["audit_log"] = body["ids"][0]
    return ids


def config_screens(app: Any) -> list[Any]:
    """The configuration screens registered at boot (lowlend.web.config_admin)."""
    return [
        bv for bv in app.appbuilder.baseviews
        if type(bv).__module__.startswith("lowlend.web.config_admin")
        and getattr(bv, "class_permission_name", None)
        and getattr(bv, "default_view", None) == "list"
    ]


ROLE_USERS = {user.role: user.username for user in DEMO_USERS}


def _role_codes(mini: Any) -> list[str]:
    return sorted(mini.registry.roles)


def test_every_role_of_roles_yaml_has_a_user(mini: Any) -> None:
    assert set(_role_codes(mini)) <= set(ROLE_USERS), sorted(set(_role_codes(mini)) - set(ROLE_USERS))
    # the fixture's four roles under test, and their distinct scopes, stay what they are
    roles = mini.registry.roles
    assert {roles[r].data_scope["*"].value for r in ("admin", "business_manager", "collector",
                                                     "auditor")} == {"all", "department_tree",
                                                                     "own"}
    assert roles["collector"].data_scope["loans"].value == "department"


@pytest.mark.parametrize(
    "role", ["admin", "business_manager", "risk_officer", "finance", "collector", "auditor"]
)
def test_permission_matrix_matches_roles_yaml(
    mini: Any, clients: dict[str, Any], records: dict[str, int], role: str
) -> None:
    if role not in mini.registry.roles:
        pytest.skip(f"the fixture's roles.yaml has no role {role}")
    spec = mini.registry.roles[role]
    client = clients[ROLE_USERS[role]]
    generated = mini.app.extensions["lowlend_generic"]
    wrong: list[str] = []
    checked = allowed_count = 0
    for code, desc in sorted(generated.items()):
        for probe in probes(code, desc, records[code]):
            expected = granted(spec, code, probe.action)
            response = _call(client, probe)
            checked += 1
            allowed_count += expected
            if response.status_code >= 500:
                wrong.append(f"{role} {probe.surface} {probe.action} {probe.method} {probe.path}: "
                             f"server error {response.status_code}")
            elif expected and (
                response.status_code not in probe.allowed or refused(probe, response)
            ):
                wrong.append(
                    f"{role} {probe.surface} {probe.action} {probe.method} {probe.path}: "
                    f"roles.yaml grants it, got {response.status_code} "
                    f"(expected {probe.allowed}) {response.headers.get('Location', '')}"
                )
            elif not expected and not refused(probe, response):
                wrong.append(
                    f"{role} {probe.surface} {probe.action} {probe.method} {probe.path}: "
                    f"roles.yaml does not grant it, got {response.status_code}"
                )
    # the configuration screens (derived from the registered views, whatever their number)
    for view in config_screens(mini.app):
        code = view.class_permission_name
        probe = Probe("web", "list", "GET", f"{view.route_base}/", (200,))
        expected = granted(spec, code, "list")
        response = _call(client, probe)
        checked += 1
        allowed_count += expected
        if expected != (response.status_code == 200) or (
            not expected and not refused(probe, response)
        ):
            wrong.append(f"{role} config screen list GET {probe.path} (view-menu {code}): "
                         f"roles.yaml {'grants' if expected else 'does not grant'} it, "
                         f"got {response.status_code}")
    assert checked > 50, checked
    assert not wrong, f"{len(wrong)} of {checked} cells differ from roles.yaml:\n" + "\n".join(wrong)
    if role == "admin":
        assert allowed_count == checked
    else:
        assert 0 < allowed_count < checked, (role, allowed_count, checked)


def test_stable_cells(mini: Any, clients: dict[str, Any], records: dict[str, int]) -> None:
    """A few cells spelled out (catch a renamed action or view code)."""
    collector, manager, auditor = clients["collector"], clients["manager"], clients["auditor"]
    assert collector.get("/customers/list/").status_code == 403  # show only
    assert collector.get(f"/customers/show/{records['customers']}").status_code == 200
    assert manager.get("/customers/list/").status_code == 200
    assert manager.get("/api/v1/pledge_item/_info").status_code == 200
    assert auditor.get("/api/v1/pledge_item/_info").status_code == 200
    assert auditor.post("/api/v1/pledge_item/", json={}).status_code == 403
    assert collector.get("/api/v1/pledge_item/").status_code == 403


def _menu(client: Any) -> dict[str, set[str]]:
    data = client.get("/api/v1/menu/").get_json()["result"]
    return {
        e["name"]: {c["name"] for c in e.get("childs", ()) if isinstance(c, dict)}
        for e in data
        if isinstance(e, dict)
    }


def test_menu_of_each_role_matches_roles_yaml(mini: Any, clients: dict[str, Any]) -> None:
    """Each role sees exactly the menus.yaml items its ``menus`` list names (categories
    without a visible item are hidden); the admin sees all."""
    wrong = []
    for role, spec in sorted(mini.registry.roles.items()):
        menu = _menu(clients[ROLE_USERS[role]])
        for category in mini.registry.menus:
            items = {i.code for i in category.items}
            wanted = items if (WILDCARD in spec.menus) else items & set(spec.menus)
            shown = {n for n in menu.get(category.code, set()) if not n.startswith("apply_")}
            if shown != wanted:
                wrong.append(f"{role} / {category.code}: shows {sorted(shown)}, "
                             f"roles.yaml grants {sorted(wanted)}")
            if not wanted and category.code in menu and category.code != "loans":
                wrong.append(f"{role}: empty category {category.code} shown")
    assert not wrong, "\n".join(wrong)
