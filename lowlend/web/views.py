"""The landing page (dashboard) of the admin: ``FAB_INDEX_VIEW``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

DEFAULT_COMPANY_NAME = _l("lowlend demo micro-loan company")


@dataclass(frozen=True)
class TodoCard:
    """One dashboard tile: a label, an icon and a count (``None`` = not available yet)."""

    code: str
    label: Any
    icon: str
    count: int | None = None
    url: str | None = None


def todo_cards() -> list[TodoCard]:
    """The dashboard's to-do tiles.

    Hook: when a service module ``lowlend.services.dashboard`` exposes
    ``todo_counts(user) -> Mapping[str, int]`` (keys as the codes below), its
    numbers are shown; until then every tile shows a placeholder.
    """
    cards = [
        TodoCard("applications_pending", _l("Applications awaiting approval"), "fa-inbox"),
        TodoCard("loans_to_disburse", _l("Loans awaiting disbursement"), "fa-money"),
        TodoCard("installments_overdue", _l("Overdue installments"), "fa-exclamation-triangle"),
        TodoCard("collection_tasks", _l("Open collection tasks"), "fa-phone"),
    ]
    counts: dict[str, int] = {}
    try:
        from flask import g

        from lowlend.services import dashboard  # type: ignore[attr-defined]

        counts = dict(dashboard.todo_counts(getattr(g, "user", None)))
    except ImportError:
        pass
    except Exception:  # a broken counter must not break the landing page
        log.exception("lowlend: dashboard todo counts failed")
    return [TodoCard(c.code, c.label, c.icon, counts.get(c.code), c.url) for c in cards]


def company_name() -> Any:
    """``COMPANY_NAME`` from the config, else a translated default."""
    return current_app.config.get("COMPANY_NAME") or DEFAULT_COMPANY_NAME


class LowlendIndexView(IndexView):
    """Landing page: company name, to-do tiles (placeholders until services exist)."""

    index_template = "lowlend/index.html"

    @expose("/")
    def index(self):  # type: ignore[no-untyped-def]
        self.update_redirect()
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            company_name=company_name(),
            cards=todo_cards(),
        )
