"""The version history screen (``/config/versions/``, view-menu ``config_versions``).

* ``GET /config/versions/`` — history (``list``);
* ``GET /config/versions/show/<n>`` and ``GET /config/versions/diff?a=&b=`` (``show``);
* ``GET|POST /config/versions/rollback/<n>`` — confirmation, then rollback (``approve``).

A rollback re-publishes version N's bundle as a new version (author = the user),
then :func:`lowlend.web.permission_sync.after_publish`.
"""

from __future__ import annotations

import builtins
from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from lowlend.web.config_admin import editing
from lowlend.web.config_admin.forms import RollbackForm
from lowlend.web.config_admin.i18n import _
from lowlend.web.config_admin.pages import VERSIONS_CODE, can, numbered, tabs
from lowlend.web.config_admin.publishing import flash_unchanged, publish_bundle, store

#: FAB method → roles.yaml action of the versions screen
VERSION_METHOD_ACTIONS = {"list": "list", "show": "show", "diff": "show", "rollback": "approve"}


class ConfigVersionsView(BaseView):
    """History, show, diff between two versions, rollback (``config_versions``)."""

    route_base = "/config/versions"
    class_permission_name = VERSIONS_CODE
    default_view = "list"
    method_permission_name = VERSION_METHOD_ACTIONS
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_approve"]

    @expose("/")
    @has_access
    def list(self) -> Any:
        """The history: number, author, time (UTC), hash, comment, current marker."""
        history = list(reversed(store().history()))
        current = store().current()
        return self.render_template(
            "config_admin/versions.html",
            title=_("Configuration versions"),
            tabs=tabs(VERSIONS_CODE),
            versions=history,
            current_number=current.number if current is not None else None,
            may_show=can("show", VERSIONS_CODE),
            may_rollback=can("approve", VERSIONS_CODE),
        )

    @expose("/show/<int:number>")
    @has_access
    def show(self, number: int) -> Any:
        """Version ``number``: its files and the diff from the previous version."""
        record = self._get(number)
        if record is None:
            return redirect(url_for(".list"))
        current = store().current()
        diffs = self._parse_diff(record.diff_from_previous)
        return self.render_template(
            "config_admin/version_show.html",
            title=f"{_('Configuration versions')} · v{record.number}",
            tabs=tabs(VERSIONS_CODE),
            record=record,
            is_current=current is not None and current.number == record.number,
            files=[
                {"key": k, "lines": numbered(record.files[k], set())} for k in sorted(record.files)
            ],
            diffs=diffs,
            may_rollback=can("approve", VERSIONS_CODE),
        )

    @expose("/diff")
    @has_access
    def diff(self) -> Any:
        """The diff between versions ``a`` and ``b`` (query arguments)."""
        history = store().history()
        numbers = [v.number for v in history]
        current = store().current()
        try:
            a = int(request.args.get("a") or (numbers[-2] if len(numbers) > 1 else 0) or 0)
            b = int(request.args.get("b") or (current.number if current is not None else 0))
        except ValueError:
            a = b = 0
        diffs: list[editing.FileDiff] | None = None
        if a and b:
            old, new = self._get(a), self._get(b)
            if old is None or new is None:
                return redirect(url_for(".list"))
            diffs = editing.file_diffs(old.files, new.files, f"v{a}", f"v{b}")
        return self.render_template(
            "config_admin/version_diff.html",
            title=f"{_('Configuration versions')} · diff",
            tabs=tabs(VERSIONS_CODE),
            numbers=list(reversed(numbers)),
            a=a,
            b=b,
            diffs=diffs,
        )

    @expose("/rollback/<int:number>", methods=["GET", "POST"])
    @has_access
    def rollback(self, number: int) -> Any:
        """GET: confirmation with the diff; POST (CSRF): re-publish version ``number``."""
        from lowlend.services.config_store import ConfigStoreError

        record = self._get(number)
        if record is None:
            return redirect(url_for(".list"))
        current = store().current()
        form = RollbackForm()
        if request.method == "POST":
            if not form.validate():
                abort(400)
            comment = (form.comment.data or "").strip() or None
            try:
                target = store().get(number)
                result = publish_bundle(
                    target.files, comment or f"rollback to {number}", action="rollback"
                )
            except ConfigStoreError as exc:
                flash(_("Publishing failed: %(error)s", error=str(exc)), "danger")
                return redirect(url_for(".list"))
            if result.created:
                flash(
                    _(
                        "Rolled back to version %(target)s as version %(number)s.",
                        target=number,
                        number=result.version.number,
                    ),
                    "success",
                )
            else:
                flash_unchanged(result)
            return redirect(url_for(".list"))
        diffs = (
            editing.file_diffs(current.files, record.files, f"v{current.number}", f"v{number}")
            if current is not None
            else []
        )
        return self.render_template(
            "config_admin/rollback.html",
            title=f"{_('Configuration versions')} · rollback v{number}",
            tabs=tabs(VERSIONS_CODE),
            record=record,
            current=current,
            form=form,
            diffs=diffs,
        )

    # -- helpers ------------------------------------------------------------------------
    def _get(self, number: int) -> Any:
        from lowlend.services.config_store import UnknownVersion

        try:
            return store().get(number)
        except UnknownVersion:
            flash(_("Unknown configuration version: %(number)s", number=number), "danger")
            return None

    @staticmethod
    def _parse_diff(text: str) -> builtins.list[editing.FileDiff]:
        """Split a stored multi-file unified diff into per-file blocks."""
        blocks: list[list[str]] = []
        for line in (text or "").splitlines():
            if line.startswith("--- ") or not blocks:
                if (
                    line.startswith("--- ")
                    and blocks
                    and blocks[-1]
                    and blocks[-1][-1].startswith("--- ")
                ):
                    blocks[-1].append(line)
                    continue
                blocks.append([])
            blocks[-1].append(line)
        out = []
        for lines in blocks:
            name = next((ln[4:] for ln in lines if ln.startswith("+++ ")), "")
            key = name.split("/", 1)[1] if "/" in name else name
            text_block = "\n".join(lines)
            out.append(
                editing.FileDiff(key, text_block, [(editing._classify(ln), ln) for ln in lines])
            )
        return out
