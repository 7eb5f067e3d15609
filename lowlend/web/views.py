"""The landing page (dashboard) of the admin: ``FAB_INDEX_VIEW``.

The to-do tiles count rows **in the current user's data scope**
(:func:`lowlend.web.datamodel.scoped_count`: a collector sees the overdue loans
he owns, an administrator all of them); :mod:`lowlend.services.dashboard`
decides which tiles show, in which order, how urgent they are and which list
they link to. A tile links to its list only when the user may list it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from lowlend.web.backend import backend
from lowlend.web.fab import security_manager

log = logging.getLogger(__name__)

DEFAULT_COMPANY_NAME = _l("lowlend demo micro-loan company")

#: tile code → label
TILE_LABELS: dict[str, Any] = {
    "applications_pending": _l("Applications awaiting approval"),
    "loans_to_disburse": _l("Loans awaiting disbursement"),
    "loans_overdue": _l("Overdue loans"),
    "installments_due_soon": _l("Installments due in the next 7 days"),
    "installments_overdue": _l("Overdue installments"),
    "collection_cases": _l("Open collection cases"),
    "warnings": _l("Open early warnings"),
}

#: optional tiles: tile code → table names that may hold them (counted when one exists)
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "collection_cases": ("collection_cases",),
    "warnings": ("early_warnings", "warnings"),
}

#: FAB list filter index of "equal" for string columns (``_flt_3_<column>=<value>``)
STRING_EQUAL_FILTER = 3


@dataclass(frozen=True)
class TodoCard:
    """One dashboard tile: a label, an icon and a count (``None`` = not available)."""

    code: str
    label: Any
    icon: str
    count: int | None = None
    url: str | None = None
    level: str = "default"


# -- counting (web: needs the database and the request's principal) ----------------------
def business_date() -> dt.date:
    """``LOWLEND_BUSINESS_DATE`` if configured, else the day after the last EOD, else today."""
    from lowlend.services.dashboard import business_date_after

    configured = current_app.config.get("LOWLEND_BUSINESS_DATE")
    if configured:
        return (
            configured
            if isinstance(configured, dt.date)
            else dt.date.fromisoformat(str(configured))
        )
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone_name = str(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    try:
        today = dt.datetime.now(ZoneInfo(zone_name)).date()
    except (ZoneInfoNotFoundError, ValueError) as exc:
        log.warning(
            "lowlend: BABEL_DEFAULT_TIMEZONE %r is not a known time zone (%s); "
            "using the server's local date",
            zone_name,
            exc,
        )
        today = dt.date.today()
    last = backend().dashboard.last_closed_business_date()
    return business_date_after(last, today)


def todo_counts(user: Any = None) -> dict[str, int | None]:
    """Tile code → count of rows in the user's data scope (``None``: could not count).

    ``user``: a FAB user, a Principal, or ``None`` for the current request's user.
    """
    from lowlend.services import dashboard
    from lowlend.services.data_scope import Principal
    from lowlend.web import registry_hooks
    from lowlend.web.datamodel import owner_field, scope_of
    from lowlend.web.user_context import current_principal, principal_for_user

    found = backend()
    queries = found.dashboard
    if isinstance(user, Principal):
        principal = user
    elif user is None:
        principal = current_principal()
    else:
        principal = principal_for_user(user, found.session)
    if not principal.authenticated:
        return {}
    registry = registry_hooks.current_registry()
    counts: dict[str, int | None] = {}

    try:
        today = business_date()
    except Exception:
        log.exception("lowlend: business date unavailable")
        found.records.rollback()
        today = dt.date.today()
    window = dashboard.due_window(today)
    for tile in dashboard.TILES:
        model = queries.tile_model(tile.code, OPTIONAL_TABLES.get(tile.code, ()))
        if model is None:
            continue
        try:
            counts[tile.code] = queries.count_tile(
                tile.code, model, scope_of(principal, tile.entity, registry), principal,
                owner_field=owner_field(registry, tile.entity), today=today, window=window,
            )
        except Exception:
            log.exception("lowlend: dashboard count %s failed", tile.code)
            found.records.rollback()
            counts[tile.code] = None
    return counts


def _tile_url(view: str, filters: dict[str, str]) -> str | None:
    """The list a tile links to, ``None`` when the user may not list it or it does not exist."""
    from lowlend.web.menu import resolve_view_url

    if not security_manager().has_access("can_list", view):
        return None
    url = resolve_view_url(view)
    if url is None:
        log.debug("lowlend: dashboard tile view %s is not registered: no link", view)
        return None
    if filters:
        query = {f"_flt_{STRING_EQUAL_FILTER}_{col}": value for col, value in filters.items()}
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    return url


def todo_cards() -> list[TodoCard]:
    """The dashboard's to-do tiles for the current user (placeholders when uncounted)."""
    from lowlend.services import dashboard

    counts: dict[str, int | None] = {}
    try:
        counts = todo_counts(getattr(g, "user", None))
    except Exception:  # a broken counter must not break the landing page
        log.exception("lowlend: dashboard todo counts failed")
    cards = []
    for tile in dashboard.todo_tiles(counts):
        try:
            url = _tile_url(tile.view, dict(tile.filters))
        except SQLAlchemyError:  # the permission look-up failed: a tile without a link
            log.exception("lowlend: dashboard tile %s: permission check failed", tile.code)
            security_manager().session.rollback()
            url = None
        cards.append(
            TodoCard(
                tile.code,
                TILE_LABELS.get(tile.code, tile.code),
                tile.icon,
                tile.count,
                url,
                tile.level,
            )
        )
    return cards


def company_name() -> Any:
    """``COMPANY_NAME`` from the config, else a translated default."""
    return current_app.config.get("COMPANY_NAME") or DEFAULT_COMPANY_NAME


class LowlendIndexView(IndexView):
    """Landing page: company name, to-do tiles counted in the user's data scope."""

    index_template = "config_admin/dashboard_index.html"

    @expose("/")
    def index(self):  # type: ignore[no-untyped-def]
        self.update_redirect()
        user = getattr(g, "user", None)
        signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            company_name=company_name(),
            cards=todo_cards() if signed_in else [],
        )
