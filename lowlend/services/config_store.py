"""Versioned configuration store: publish, history, diff, rollback, export, import.

Published bundles are immutable versions numbered 1, 2, 3, ...; one row points at
the current version and carries a counter that workers compare to notice a new
publish (see :mod:`lowlend.services.registry_provider`). Each use case runs in
one unit of work and commits once.

Typical use (the adapters come from :mod:`lowlend.persistence.wiring`)::

    store = ConfigStore(uow_factory)
    result = store.publish(read_bundle(config_dir, templates_dir), author="alice")
    store.rollback(1, author="alice")
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path

from lowlend.services.ports import (
    Bundle,
    BundleValidator,
    ConfigVersionInfo,
    ConfigVersionRecord,
    DocumentCodec,
    NewConfigVersion,
    SpecRegistryLike,
    UnitOfWorkFactory,
)

EXPORT_FORMAT = "lowlend-config-bundle"
"""Marker written in every export file (key ``format``)."""

EXPORT_FORMAT_VERSION = 1
"""Version of the export file layout (key ``format_version``)."""


class ConfigStoreError(Exception):
    """Base of the errors of the config store; ``str(error)`` is a user-facing message."""


class InvalidConfig(ConfigStoreError):
    """The bundle does not validate; nothing was stored.

    :ivar errors: one line per problem, ``FILE:LINE: key.path: message``.
    """

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(f"configuration is invalid ({count} error{'s' if count != 1 else ''})")


class UnknownVersion(ConfigStoreError):
    """No stored configuration version has this number."""

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"unknown config version {number}")


class NoPublishedConfig(ConfigStoreError):
    """Nothing has been published yet."""

    def __init__(self) -> None:
        super().__init__("no configuration has been published yet (run: lowlend config publish)")


class BundleFileError(ConfigStoreError):
    """An export file cannot be read, parsed or written."""


@dataclass(frozen=True)
class PublishResult:
    """Outcome of :meth:`ConfigStore.publish`.

    :ivar version: the new version, or the current one when nothing changed.
    :ivar created: ``False`` when the bundle equals the current version (no-op).
    :ivar version_counter: the change counter after the publish.
    """

    version: ConfigVersionInfo
    created: bool
    version_counter: int


class JsonCodec:
    """The built-in export codec (JSON, which YAML readers also accept)."""

    def dumps(self, document: Mapping[str, object]) -> str:
        """Serialise ``document`` as indented JSON."""
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def loads(self, text: str) -> object:
        """Parse JSON text."""
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(str(exc)) from exc


def _default_validator(files: Bundle) -> SpecRegistryLike:
    """:func:`lowlend.spec.load_bundle`, imported when first needed."""
    spec = importlib.import_module("lowlend.spec")
    registry: SpecRegistryLike = spec.load_bundle(dict(files))
    return registry


def to_jsonable(value: object) -> object:
    """Turn frozen spec objects into JSON-compatible data (money/rates as strings).

    >>> import datetime, decimal
    >>> to_jsonable({"rate": decimal.Decimal("0.18"), "on": datetime.date(2026, 1, 2), "n": (1,)})
    {'rate': '0.18', 'on': '2026-01-02', 'n': [1]}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    source = getattr(value, "source", None)  # e.g. a compiled expression
    return source if isinstance(source, str) else str(value)


def product_snapshots(registry: SpecRegistryLike) -> dict[str, dict[str, object]]:
    """JSON snapshots of the registry's product specs, by product code (``{}`` if none)."""
    products = getattr(registry, "products", None)
    if not isinstance(products, Mapping):
        return {}
    snapshots: dict[str, dict[str, object]] = {}
    for code, spec in products.items():
        data = to_jsonable(spec)
        snapshots[str(code)] = data if isinstance(data, dict) else {"value": data}
    return snapshots


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def bundle_diff(old: Bundle, new: Bundle, old_label: str = "a", new_label: str = "b") -> str:
    """Return a unified diff, file by file, between two bundles ("" when equal).

    >>> print(bundle_diff({"config/x.yaml": "a: 1\\n"}, {"config/x.yaml": "a: 2\\n"}), end="")
    --- a/config/x.yaml
    +++ b/config/x.yaml
    @@ -1 +1 @@
    -a: 1
    +a: 2
    """
    chunks: list[str] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        lines = difflib.unified_diff(
            _lines(before),
            _lines(after),
            fromfile=f"{old_label}/{name}" if before is not None else "/dev/null",
            tofile=f"{new_label}/{name}" if after is not None else "/dev/null",
        )
        chunks.append("".join(lines))
    return "".join(chunks)


def _lines(text: str | None) -> list[str]:
    if text is None:
        return []
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


class ConfigStore:
    """Use cases of the versioned configuration store.

    :param uow_factory: creates one unit of work per use case.
    :param validator: builds a registry from a bundle or raises an exception with
        ``.errors``; defaults to :func:`lowlend.spec.load_bundle`.
    :param clock: returns the current time (UTC) — injectable for tests.
    :param codecs: export/import codecs by file suffix (``".yaml"``...); JSON is the
        built-in default for any other suffix.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        validator: BundleValidator | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
        codecs: Mapping[str, DocumentCodec] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._validator: BundleValidator = validator or _default_validator
        self._clock = clock
        self._codecs: dict[str, DocumentCodec] = {".json": JsonCodec()}
        self._codecs.update(codecs or {})

    # -- validation -----------------------------------------------------------------

    def validate(self, files: Bundle) -> SpecRegistryLike:
        """Validate a bundle and return its registry.

        :raises InvalidConfig: with every error, ``FILE:LINE: key.path: message``.
        """
        try:
            return self._validator(files)
        except ConfigStoreError:
            raise
        except Exception as exc:
            errors = getattr(exc, "errors", None)
            if errors is None:
                raise
            raise InvalidConfig([str(error) for error in errors] or [str(exc)]) from exc

    # -- commands -------------------------------------------------------------------

    def publish(self, files: Bundle, author: str, comment: str = "") -> PublishResult:
        """Validate and store ``files`` as the new current version (one transaction).

        Invalid bundles raise :class:`InvalidConfig` and store nothing. A bundle whose
        content hash equals the current version's is a no-op (``created=False``).
        Concurrent publishers are serialised by a lock on the state row, so numbers
        are consecutive and never duplicated.
        """
        registry = self.validate(files)
        content_hash = registry.content_hash
        bundle = {str(k): str(v) for k, v in registry.files.items()} or dict(files)
        with self._uow_factory() as uow:
            repo = uow.config_versions
            state = repo.lock_state()
            current = (
                repo.get(state.current_version_id) if state.current_version_id is not None else None
            )
            if current is not None and current.content_hash == content_hash:
                return PublishResult(current.info, False, state.version_counter)
            number = repo.max_number() + 1
            previous_files: Bundle = current.files if current is not None else {}
            previous_label = f"v{current.number}" if current is not None else "empty"
            now = self._clock()
            info = repo.add(
                NewConfigVersion(
                    number=number,
                    content_hash=content_hash,
                    files=bundle,
                    author=author,
                    created_at=now,
                    comment=comment,
                    diff_from_previous=bundle_diff(
                        previous_files, bundle, previous_label, f"v{number}"
                    ),
                )
            )
            uow.published_products.add_snapshots(info.id, product_snapshots(registry))
            counter = state.version_counter + 1
            repo.set_current(info.id, counter, now)
            uow.commit()
        return PublishResult(info, True, counter)

    def rollback(self, number: int, author: str, comment: str | None = None) -> PublishResult:
        """Re-publish version ``number``'s bundle as a new version ("rollback to N").

        :raises UnknownVersion: when no such version exists.
        """
        target = self.get(number)
        return self.publish(target.files, author, comment or f"rollback to {number}")

    def export(self, path: str | Path, number: int | None = None) -> ConfigVersionRecord:
        """Write version ``number`` (default: the current one) to one file.

        The file (JSON, or YAML for ``.yaml``/``.yml`` when a YAML codec is plugged
        in) holds ``format``, ``format_version``, ``version``, ``content_hash``,
        ``author``, ``created_at``, ``comment`` and ``files``.

        :raises UnknownVersion: no such version.
        :raises NoPublishedConfig: no ``number`` given and nothing published yet.
        :raises BundleFileError: the file cannot be written.
        """
        record = self.get(number) if number is not None else self.current()
        if record is None:
            raise NoPublishedConfig()
        document = {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "version": record.number,
            "content_hash": record.content_hash,
            "author": record.author,
            "created_at": record.created_at.isoformat(),
            "comment": record.comment,
            "files": dict(sorted(record.files.items())),
        }
        target = Path(path)
        try:
            target.write_text(self._codec(target).dumps(document), encoding="utf-8")
        except OSError as exc:
            raise BundleFileError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return record

    def read_export(self, path: str | Path) -> Bundle:
        """Read and check an export file; return its bundle.

        :raises BundleFileError: unreadable file, bad syntax or not a lowlend export.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise BundleFileError(f"cannot read {source}: {reason or exc}") from exc
        try:
            document = self._codec(source).loads(text)
        except ValueError as exc:
            raise BundleFileError(f"{source}: not a valid export file: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
            raise BundleFileError(f"{source}: not a lowlend config export (format marker missing)")
        if document.get("format_version") != EXPORT_FORMAT_VERSION:
            raise BundleFileError(
                f"{source}: unsupported export format_version {document.get('format_version')!r}"
            )
        files = document.get("files")
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise BundleFileError(f"{source}: 'files' must map file names to text")
        return files

    def import_(self, path: str | Path, author: str, comment: str | None = None) -> PublishResult:
        """Read an export file, validate it and publish it as a new version.

        :raises BundleFileError: the file cannot be used.
        :raises InvalidConfig: the bundle does not validate (nothing stored).
        """
        files = self.read_export(path)
        return self.publish(files, author, comment or f"import from {Path(path).name}")

    # -- queries --------------------------------------------------------------------

    def current(self) -> ConfigVersionRecord | None:
        """Return the current version (``None`` before the first publish)."""
        with self._uow_factory() as uow:
            repo = uow.config_versions
            state = repo.read_state()
            if state.current_version_id is None:
                return None
            return repo.get(state.current_version_id)

    def current_number(self) -> int | None:
        """Number of the current version (``None`` before the first publish), without
        reading its files: cheap enough for a health check."""
        with self._uow_factory() as uow:
            repo = uow.config_versions
            state = repo.read_state()
            if state.current_version_id is None:
                return None
            return repo.number_of(state.current_version_id)

    def product_snapshot(self, code: str, version_id: int) -> Mapping[str, object] | None:
        """Return product ``code``'s spec (JSON) as published in version id ``version_id``."""
        with self._uow_factory() as uow:
            return uow.published_products.snapshot(code, version_id)

    def version_counter(self) -> int:
        """Return the change counter (increases on every publish)."""
        with self._uow_factory() as uow:
            return uow.config_versions.read_state().version_counter

    def get(self, number: int) -> ConfigVersionRecord:
        """Return version ``number``.

        :raises UnknownVersion: when no such version exists.
        """
        with self._uow_factory() as uow:
            record = uow.config_versions.get_by_number(number)
        if record is None:
            raise UnknownVersion(number)
        return record

    def history(self) -> list[ConfigVersionInfo]:
        """Return every version, oldest first (status ``published`` marks the current one)."""
        with self._uow_factory() as uow:
            return list(uow.config_versions.list_versions())

    def diff(self, a: int, b: int | None = None) -> str:
        """Unified diff, file by file, from version ``a`` to ``b`` (default: current).

        :raises UnknownVersion: when a version does not exist.
        """
        old = self.get(a)
        if b is None:
            new = self.current()
            if new is None:
                raise NoPublishedConfig()
        else:
            new = self.get(b)
        return bundle_diff(old.files, new.files, f"v{old.number}", f"v{new.number}")

    def diff_against(self, files: Bundle, number: int | None = None) -> str:
        """Unified diff from version ``number`` (default: current, or empty) to ``files``."""
        base = self.get(number) if number is not None else self.current()
        base_files: Bundle = base.files if base is not None else {}
        label = f"v{base.number}" if base is not None else "empty"
        return bundle_diff(base_files, files, label, "working")

    # -- helpers --------------------------------------------------------------------

    def _codec(self, path: Path) -> DocumentCodec:
        return self._codecs.get(path.suffix.lower(), self._codecs[".json"])
