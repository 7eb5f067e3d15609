"""The item screens: list / show / edit (validate, diff, publish) / add, one per kind.

:func:`item_view_class` makes one :class:`ConfigItemsView` subclass per
:class:`~lowlend.web.config_admin.kinds.Kind` at boot (endpoint
``ConfigItemsView_<code>``, URL ``/config/<route>/``, view-menu ``<code>``). Every
method maps to a roles.yaml action (FAB permission ``can_<action>``): ``list``,
``show``, ``edit`` (validate, diff and publish too) and ``add`` (kinds with
``can_add``).
"""

from __future__ import annotations

import builtins
import logging
from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy.exc import SQLAlchemyError

from lowlend.services.config_store import UnknownVersion
from lowlend.web import registry_hooks
from lowlend.web.config_admin import editing
from lowlend.web.config_admin.forms import AddForm, EditForm
from lowlend.web.config_admin.i18n import _, _l
from lowlend.web.config_admin.kinds import CODE_RE, Kind
from lowlend.web.config_admin.listing import Row
from lowlend.web.config_admin.pages import can, numbered, tabs, view_endpoint
from lowlend.web.config_admin.publishing import (
    flash_unchanged,
    pending_restart,
    publish_bundle,
    store,
)

log = logging.getLogger(__name__)

#: FAB method → roles.yaml action of the item screens
ITEM_METHOD_ACTIONS = {"list": "list", "show": "show", "edit": "edit", "add": "add"}

RESTART_NOTE = _l(
    "A new entity kind or a new field of an entity takes effect after the web service "
    "(every web worker) is restarted: its screens and forms are created at start-up. "
    "Labels, rules, products and dictionaries take effect at once."
)
"""Shown on the screens of kinds with ``restart_note`` (config-declared entities)."""


class ConfigItemsView(BaseView):
    """List / show / edit / add the items of one kind (subclassed per kind at boot)."""

    kind: Kind
    default_view = "list"
    method_permission_name: ClassVar[dict[str, str]] = ITEM_METHOD_ACTIONS
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_edit", "can_add"]

    # -- pages --------------------------------------------------------------------------
    @expose("/")
    @has_access
    def list(self) -> Any:
        """The items of the current configuration with their labels."""
        current = store().current()
        registry = registry_hooks.current_registry() if current is not None else None
        files = current.files if current is not None else {}
        rows = self.kind.rows(self.kind, registry, files)
        return self.render_template(
            "config_admin/items.html",
            rows=rows,
            targets=self.kind.codes_in(files),
            version=current,
            may_edit=can("edit", self.kind.code),
            may_add=self.kind.can_add and can("add", self.kind.code),
            may_show=can("show", self.kind.code),
            row_links=self.row_links(rows),
            **self._common(str(self.kind.title), registry),
        )

    @expose("/show/<code>")
    @has_access
    def show(self, code: str) -> Any:
        """The item's file(s) in the current published bundle."""
        current = self._current_or_redirect()
        if current is None:
            return redirect(url_for(f"{self.endpoint}.list"))
        keys = self.kind.item_keys(current.files, code)
        if not keys:
            return self._unknown(code)
        registry = registry_hooks.current_registry()
        return self.render_template(
            "config_admin/show.html",
            code=code,
            label=self.kind.item_label(registry, code),
            files=[{"key": k, "lines": numbered(current.files[k], set())} for k in keys],
            version=current,
            may_edit=can("edit", self.kind.code),
            **self._common(f"{self.kind.title} · {code}", registry),
        )

    @expose("/edit/<code>", methods=["GET", "POST"])
    @has_access
    def edit(self, code: str) -> Any:
        """The YAML editor of one of the item's files (``?file=<bundle key>``)."""
        current = self._current_or_redirect()
        if current is None:
            return redirect(url_for(f"{self.endpoint}.list"))
        keys = self.kind.item_keys(current.files, code)
        key = request.values.get("file") or (keys[0] if keys else "")
        if not keys or key not in keys:
            return self._unknown(code)
        form = EditForm()
        if request.method == "GET":
            form.content.data = current.files[key]
            form.base.data = str(current.number)
        return self._editor(form, current, code, key, keys, is_new=False)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self) -> Any:
        """A new item: code (= file name) and YAML (``?from=<code>`` copies an item)."""
        if not self.kind.can_add:
            abort(404)
        current = self._current_or_redirect()
        if current is None:
            return redirect(url_for(f"{self.endpoint}.list"))
        form = AddForm()
        if request.method == "GET":
            form.base.data = str(current.number)
            source = request.args.get("from")
            if source and self.kind.main_key(source) in current.files:
                form.content.data = current.files[self.kind.main_key(source)]
        code = (form.code.data or "").strip()
        key = self.kind.main_key(code) if code else ""
        return self._editor(form, current, code, key, [key] if key else [], is_new=True)

    # -- the editor: validate / diff / publish ----------------------------------------
    def _editor(
        self, form: Any, current: Any, code: str, key: str, keys: builtins.list[str], is_new: bool
    ) -> Any:
        op = request.form.get("op", "") if request.method == "POST" else ""
        validation: editing.Validation | None = None
        diffs: list[editing.FileDiff] | None = None
        form_errors: list[str] = []
        text = editing.normalise(form.content.data or "")
        if request.method == "POST":
            if not form.validate():
                for name, messages in form.errors.items():
                    form_errors += [f"{name}: {m}" for m in messages]
            if is_new:
                form_errors += self._new_code_errors(code, key, current)
            if not form_errors:
                conflict = conflict_message(form.base.data, current, key)
                if conflict:
                    form_errors.append(conflict)
            if not form_errors:
                files = editing.working_bundle(current.files, key, text)
                if op in ("validate", "publish"):
                    validation = editing.validate(files)
                if op == "diff":
                    diffs = editing.file_diffs(
                        current.files, files, f"v{current.number}", "working"
                    )
                if op == "publish" and validation is not None and validation.ok:
                    response = self._publish(files, form, validation, code)
                    if response is not None:
                        return response
        marked = validation.lines_in(key) if validation is not None else set()
        return self.render_template(
            "config_admin/edit.html",
            form=form,
            code=code,
            key=key,
            keys=keys,
            is_new=is_new,
            version=current,
            validation=validation,
            problems=validation.problems_in(key) if validation is not None else [],
            other_problems=validation.other_problems(key) if validation is not None else [],
            lines=numbered(text, marked) if validation is not None else [],
            diffs=diffs,
            form_errors=form_errors,
            op=op,
            **self._common(f"{self.kind.title} · {code or '+'}", None),
        )

    def _new_code_errors(self, code: str, key: str, current: Any) -> builtins.list[str]:
        if not code or not CODE_RE.match(code):
            return [_("Invalid code: use letters, digits, '_' or '-', starting with a letter.")]
        if key in current.files:
            return [_("An item with code %(code)s already exists.", code=code)]
        return []

    def _publish(
        self,
        files: dict[str, str],
        form: Any,
        validation: Any,
        code: str,
        next_url: str | None = None,
    ) -> Any:
        """Publish a validated bundle; a redirect (to the item, or ``next_url``) or ``None``."""
        from lowlend.services.config_store import ConfigStoreError

        try:
            result = publish_bundle(files, (form.comment.data or "").strip(), validation.registry)
        except ConfigStoreError as exc:
            flash(_("Publishing failed: %(error)s", error=str(exc)), "danger")
            return None
        if result.created:
            flash(
                _("Published configuration version %(number)s.", number=result.version.number),
                "success",
            )
            if self.kind.restart_note:
                flash_pending_restart(validation.registry)
        else:
            flash_unchanged(result)
        return redirect(next_url or url_for(f"{self.endpoint}.show", code=code))

    # -- helpers ------------------------------------------------------------------------
    def row_links(self, rows: builtins.list[Row]) -> dict[str, builtins.list[dict[str, str]]]:
        """Extra buttons per list row (row code → links); none by default."""
        return {}

    def _common(self, title: str, registry: Any) -> dict[str, Any]:
        """Template variables of every page of this screen."""
        note = self.kind.restart_note
        return {
            "kind": self.kind,
            "title": title,
            "tabs": tabs(self.kind.code),
            "endpoint": self.endpoint,
            "restart_note": str(RESTART_NOTE) if note else None,
            "pending": pending_restart(registry) if note and registry is not None else {},
        }

    def _current_or_redirect(self) -> Any:
        current = store().current()
        if current is None:
            flash(_("No configuration has been published yet."), "warning")
        return current

    def _unknown(self, code: str) -> Any:
        flash(_("Unknown configuration item: %(code)s", code=code), "danger")
        return redirect(url_for(f"{self.endpoint}.list"))


def conflict_message(base: Any, current: Any, key: str) -> str | None:
    """The file ``key`` changed in a publish made after the editor was opened on ``base``."""
    try:
        base_number = int(base or current.number)
    except ValueError:
        base_number = current.number
    if base_number == current.number:
        return None
    try:
        old = store().get(base_number)
    except UnknownVersion:  # a base number that was never published: treat as changed
        old = None
    except SQLAlchemyError:
        log.warning("lowlend: config version %s unreadable; asking to reload", base_number, exc_info=True)
        old = None
    if old is None or old.files.get(key) != current.files.get(key):
        return _(
            "The file changed since you opened it (now version %(number)s): reload and edit again.",
            number=current.number,
        )
    return None


def flash_pending_restart(registry: Any) -> None:
    """Warn that published entities/fields wait for a restart of the web service."""
    pending = pending_restart(registry)
    if not pending:
        return
    items = "; ".join(
        f"{code} ({', '.join(fields)})" if fields else code for code, fields in pending.items()
    )
    flash(
        _(
            "Restart the web service to use these new entities or fields: %(items)s",
            items=items,
        ),
        "warning",
    )


def item_view_class(
    kind: Kind, base: type[ConfigItemsView] = ConfigItemsView
) -> type[ConfigItemsView]:
    """The screen class of ``kind`` (endpoint ``ConfigItemsView_<code>``), derived from ``base``."""
    return type(
        view_endpoint(kind),
        (base,),
        {
            "kind": kind,
            "route_base": f"/config/{kind.route}",
            "class_permission_name": kind.code,
            "base_permissions": ["can_list", "can_show", "can_edit"]
            + (["can_add"] if kind.can_add else []),
        },
    )
