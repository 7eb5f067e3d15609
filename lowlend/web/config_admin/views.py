"""The configuration screens (FAB ``BaseView`` subclasses, registered at boot).

One :class:`ConfigItemsView` per :class:`~lowlend.web.config_admin.kinds.Kind`
(``/config/<kind>/``) and :class:`ConfigVersionsView` (``/config/versions/``).
Their ``class_permission_name`` is the menu item code, and every method maps to
an action of the roles.yaml vocabulary (FAB permission ``can_<action>``):

=========================  ==========================================  ==========
view-menu                  URL                                         action
=========================  ==========================================  ==========
``<kind>``                 ``GET /config/<kind>/``                     ``list``
``<kind>``                 ``GET /config/<kind>/show/<code>``          ``show``
``<kind>``                 ``GET|POST /config/<kind>/edit/<code>``     ``edit``
                           (validate, diff, publish)
``<kind>``                 ``GET|POST /config/<kind>/add``             ``add``
``config_versions``        ``GET /config/versions/``                   ``list``
``config_versions``        ``GET /config/versions/show/<n>``,          ``show``
                           ``GET /config/versions/diff?a=&b=``
``config_versions``        ``GET|POST /config/versions/rollback/<n>``  ``approve``
=========================  ==========================================  ==========

Kinds: ``products``, ``fee_schedules``, ``approval_chains``,
``notification_templates`` (no ``add``), ``regions`` (compliance regions).

Publishing (edit/add) and rollback go through
:class:`lowlend.services.config_store.ConfigStore` with the signed-in user as
author, then :func:`lowlend.web.permission_sync.after_publish` (new products get
their ``can_apply`` permissions, the registry provider re-reads the version).
"""

from __future__ import annotations

import builtins
import logging
from typing import Any, ClassVar

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from lowlend.web import registry_hooks
from lowlend.web.config_admin import editing
from lowlend.web.config_admin.i18n import _, code_label
from lowlend.web.config_admin.kinds import CODE_RE, KINDS, Kind

log = logging.getLogger(__name__)

VERSIONS_CODE = "config_versions"

#: FAB method → roles.yaml action of the item screens
ITEM_METHOD_ACTIONS = {"list": "list", "show": "show", "edit": "edit", "add": "add"}
#: FAB method → roles.yaml action of the versions screen
VERSION_METHOD_ACTIONS = {"list": "list", "show": "show", "diff": "show", "rollback": "approve"}


# -- forms (Flask-WTF: the CSRF token is checked on every POST) -------------------------
class EditForm(FlaskForm):
    content = TextAreaField()
    comment = StringField(validators=[Optional(), Length(max=500)])
    base = HiddenField()


class AddForm(EditForm):
    code = StringField(validators=[Optional(), Length(max=50)])


class RollbackForm(FlaskForm):
    comment = StringField(validators=[Optional(), Length(max=500)])


# -- helpers ---------------------------------------------------------------------------
def store() -> Any:
    from lowlend.services.config_store import ConfigStore

    factory = current_app.extensions.get(registry_hooks.UOW_FACTORY_KEY)
    if factory is None:
        abort(503)
    return ConfigStore(factory)


def username() -> str:
    user = getattr(g, "user", None)
    return str(getattr(user, "username", "") or "unknown")


def locale_key() -> str:
    from lowlend.web.menu import current_locale_key

    return current_locale_key()


def label_of(spec: Any) -> str:
    from lowlend.web.menu import label_text

    return label_text(getattr(spec, "label", None), locale_key())


def can(action: str, view_menu: str) -> bool:
    return bool(current_app.appbuilder.sm.has_access(f"can_{action}", view_menu))


def tabs(active: str) -> list[dict[str, Any]]:
    """The config screens the user may list (tabs on every config page)."""
    out = []
    for kind in KINDS:
        if can("list", kind.code):
            out.append(
                {
                    "code": kind.code,
                    "title": str(kind.title),
                    "url": url_for(f"{view_endpoint(kind)}.list"),
                    "active": kind.code == active,
                }
            )
    if can("list", VERSIONS_CODE):
        out.append(
            {
                "code": VERSIONS_CODE,
                "title": _("Configuration versions"),
                "url": url_for("ConfigVersionsView.list"),
                "active": active == VERSIONS_CODE,
            }
        )
    return out


def view_endpoint(kind: Kind) -> str:
    return f"ConfigItemsView_{kind.code}"


def numbered(text: str, marked: set[int]) -> list[dict[str, Any]]:
    return [
        {"no": i, "text": line, "error": i in marked}
        for i, line in enumerate((text or "").split("\n"), start=1)
    ][: max(1, len((text or "").rstrip("\n").split("\n")))]


def publish_bundle(
    files: dict[str, str], comment: str, registry: Any = None, *, action: str = "publish"
) -> Any:
    """Publish ``files`` as the signed-in user; sync permissions; returns the result.

    ``action`` names the operation (``publish``, ``rollback``) in the log.
    """
    from lowlend.web.permission_sync import after_publish

    result = store().publish(files, author=username(), comment=comment)
    if result.created:
        try:
            after_publish(current_app._get_current_object(), registry)  # type: ignore[attr-defined]
        except Exception:  # the version is stored; the next request's check syncs again
            log.exception("lowlend config admin: permission sync after %s failed", action)
    return result


def flash_unchanged(result: Any) -> None:
    """Flash that publishing stored nothing new (the bundle is the current version)."""
    flash(
        _(
            "Nothing changed: version %(number)s is already current.",
            number=result.version.number,
        ),
        "info",
    )


# -- the item screens ------------------------------------------------------------------
class ConfigItemsView(BaseView):
    """List / show / edit / add the items of one kind (subclassed per kind at boot)."""

    kind: Kind
    default_view = "list"
    method_permission_name = ITEM_METHOD_ACTIONS
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_edit", "can_add"]

    # -- pages --------------------------------------------------------------------------
    @expose("/")
    @has_access
    def list(self) -> Any:
        current = store().current()
        registry = registry_hooks.current_registry() if current is not None else None
        files = current.files if current is not None else {}
        specs = self.kind.specs(registry)
        items = []
        for code in sorted(set(specs) | set(self.kind.codes_in(files))):
            spec = specs.get(code)
            items.append(
                {
                    "code": code,
                    "label": label_of(spec) if spec is not None else "",
                    "files": self.kind.item_keys(files, code),
                    "details": self.details(spec),
                }
            )
        return self.render_template(
            "config_admin/items.html",
            kind=self.kind,
            title=str(self.kind.title),
            tabs=tabs(self.kind.code),
            items=items,
            version=current,
            endpoint=self.endpoint,
            may_edit=can("edit", self.kind.code),
            may_add=self.kind.can_add and can("add", self.kind.code),
            may_show=can("show", self.kind.code),
        )

    @expose("/show/<code>")
    @has_access
    def show(self, code: str) -> Any:
        current = self._current_or_redirect()
        if current is None:
            return redirect(url_for(f"{self.endpoint}.list"))
        keys = self.kind.item_keys(current.files, code)
        if not keys:
            flash(_("Unknown configuration item: %(code)s", code=code), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        spec = self.kind.specs(registry_hooks.current_registry()).get(code)
        return self.render_template(
            "config_admin/show.html",
            kind=self.kind,
            title=f"{self.kind.title} · {code}",
            tabs=tabs(self.kind.code),
            code=code,
            label=label_of(spec) if spec is not None else "",
            files=[{"key": k, "lines": numbered(current.files[k], set())} for k in keys],
            version=current,
            endpoint=self.endpoint,
            may_edit=can("edit", self.kind.code),
        )

    @expose("/edit/<code>", methods=["GET", "POST"])
    @has_access
    def edit(self, code: str) -> Any:
        current = self._current_or_redirect()
        if current is None:
            return redirect(url_for(f"{self.endpoint}.list"))
        keys = self.kind.item_keys(current.files, code)
        key = request.values.get("file") or (keys[0] if keys else "")
        if not keys or key not in keys:
            flash(_("Unknown configuration item: %(code)s", code=code), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        form = EditForm()
        if request.method == "GET":
            form.content.data = current.files[key]
            form.base.data = str(current.number)
        return self._editor(form, current, code, key, keys, is_new=False)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self) -> Any:
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
                conflict = self._conflict(form, current, key, is_new)
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
            kind=self.kind,
            title=f"{self.kind.title} · {code or '+'}",
            tabs=tabs(self.kind.code),
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
            endpoint=self.endpoint,
            op=op,
        )

    def _new_code_errors(self, code: str, key: str, current: Any) -> builtins.list[str]:
        if not code or not CODE_RE.match(code):
            return [_("Invalid code: use letters, digits, '_' or '-', starting with a letter.")]
        if key in current.files:
            return [_("An item with code %(code)s already exists.", code=code)]
        return []

    def _conflict(self, form: Any, current: Any, key: str, is_new: bool) -> str | None:
        """The file changed in a publish made after the editor was opened."""
        try:
            base_number = int(form.base.data or current.number)
        except ValueError:
            base_number = current.number
        if base_number == current.number:
            return None
        try:
            base = store().get(base_number)
        except Exception:
            base = None
        if base is None or base.files.get(key) != current.files.get(key):
            return _(
                "The file changed since you opened it (now version %(number)s): "
                "reload and edit again.",
                number=current.number,
            )
        return None

    def _publish(self, files: dict[str, str], form: Any, validation: Any, code: str) -> Any:
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
        else:
            flash_unchanged(result)
        return redirect(url_for(f"{self.endpoint}.show", code=code))

    # -- helpers ------------------------------------------------------------------------
    def _current_or_redirect(self) -> Any:
        current = store().current()
        if current is None:
            flash(_("No configuration has been published yet."), "warning")
        return current

    @staticmethod
    def details(spec: Any) -> str:
        """One short line about an item, codes shown as their labels.

        Products: loan kind · region · currency · repayment method · frequency; regions:
        currency · the region inherited from; templates: channels; chains: steps.
        """
        if spec is None:
            return ""
        registry = registry_hooks.current_registry()
        parts = [code_label("loan_kind", getattr(spec, "kind", None))]
        parts.append(region_label(registry, getattr(spec, "region", None)))
        parts.append(str(getattr(spec, "currency", None) or ""))
        parts.append(code_label("amortization", getattr(spec, "amortization", None)))
        repayment = getattr(spec, "repayment", None)
        parts.append(code_label("frequency", getattr(repayment, "frequency", None)))
        parts.append(region_label(registry, getattr(spec, "inherits", None)))
        channels = getattr(spec, "channels", None)
        if channels:
            parts.append(", ".join(code_label("channel", c) for c in channels))
        steps = getattr(spec, "steps", None)
        if steps:
            parts.append(" → ".join(label_of(s) or str(getattr(s, "code", s)) for s in steps))
        return " · ".join(p for p in parts if p)


def region_label(registry: Any, code: Any) -> str:
    """A compliance region code as the region's label (the code if unknown)."""
    if not code:
        return ""
    regions = getattr(registry, "regions", None) or {}
    spec = regions.get(str(code))
    return (label_of(spec) if spec is not None else "") or str(code)


def item_view_class(kind: Kind) -> type[ConfigItemsView]:
    """The screen class of ``kind`` (endpoint ``ConfigItemsView_<code>``)."""
    return type(
        view_endpoint(kind),
        (ConfigItemsView,),
        {
            "kind": kind,
            "route_base": f"/config/{kind.route}",
            "class_permission_name": kind.code,
            "base_permissions": ["can_list", "can_show", "can_edit"]
            + (["can_add"] if kind.can_add else []),
        },
    )


# -- versions --------------------------------------------------------------------------
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
