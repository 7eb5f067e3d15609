"""Attachment store: the ``attachments`` table and the encrypted, content-addressed files.

* One :class:`Attachment` row per uploaded file (original name, size, content type,
  SHA-256 of the plain bytes, who/when) and, once the record that uses it is saved,
  the record it belongs to (``entity`` = view code, ``record_id``, ``field`` = field
  code; product custom fields of applications are ``custom.<code>``).
* The bytes live on disk under :class:`FileStore` ``root`` at ``<sha[:2]>/<sha>``,
  written atomically (temporary file in the same directory, ``fsync``, ``os.replace``);
  equal contents are stored once. Files are encrypted at rest with Fernet under a key
  derived from the master key by the **same HKDF-SHA256 scheme** as identity numbers
  (:func:`lowlend.persistence.keys.derived_fernet`), with its own ``info``
  label (key separation). Without a master key files are stored in clear (a warning is
  logged at boot); the one-line header of each file says which.
* **Writes follow the transaction** (:func:`stage`, :func:`install_session_events`):
  rows are added to the caller's session; the bytes are written only in
  ``before_commit``; uploads of a form that are not linked to a record by then are
  deleted from the session (a form that failed validation leaves nothing behind); when
  the transaction ends without committing, the files it created are removed again.

No Flask here: the web layer passes the session and the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from lowlend.persistence.db import db
from lowlend.persistence.keys import derived_fernet

log = logging.getLogger(__name__)

__all__ = [
    "Attachment",
    "AttachmentCipher",
    "FileStore",
    "install_session_events",
    "link",
    "stage",
]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Attachment(db.Model):  # type: ignore[name-defined,misc]
    """An uploaded file; ``entity``/``record_id``/``field`` are set once a record uses it."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column(sa.Integer)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    created_by: Mapped[int | None] = mapped_column(sa.Integer)  # ab_user.id, no DB-level FK
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow)
    entity: Mapped[str | None] = mapped_column(sa.String(50))
    record_id: Mapped[int | None] = mapped_column(sa.Integer)
    field: Mapped[str | None] = mapped_column(sa.String(100))

    __table_args__ = (
        sa.Index("ix_attachments_record", "entity", "record_id"),
        sa.Index("ix_attachments_sha256", "sha256"),
    )

    def as_metadata(self) -> dict[str, Any]:
        """The object stored in a file field's JSON list."""
        return {
            "id": self.id,
            "name": self.file_name,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
        }


# -- encryption ---------------------------------------------------------------------------


class AttachmentCipher:
    """Fernet for attachment bytes: the master key's derived key of purpose
    :attr:`HKDF_INFO` (:func:`lowlend.persistence.keys.derived_fernet`, the scheme of
    the identity numbers too)."""

    HKDF_INFO = b"lowlend:attachments:v1"

    def __init__(self, master_key: str | bytes) -> None:
        self._fernet = derived_fernet(master_key, self.HKDF_INFO)

    def encrypt_bytes(self, data: bytes) -> bytes:
        token: bytes = self._fernet.encrypt(data)
        return token

    def decrypt_bytes(self, token: bytes) -> bytes:
        from cryptography.fernet import InvalidToken

        try:
            plain: bytes = self._fernet.decrypt(token)
        except InvalidToken:
            raise ValueError("the attachment cannot be decrypted with this master key") from None
        return plain


_ENCRYPTED = b"LLATT1 fernet\n"
_PLAIN = b"LLATT1 plain\n"


class FileStore:
    """Content-addressed attachment files under ``root`` (see the module doc).

    >>> import tempfile
    >>> store = FileStore(tempfile.mkdtemp(), "k" * 44)
    >>> sha = hashlib.sha256(b"hello").hexdigest()
    >>> store.write(sha, b"hello"), store.write(sha, b"hello")
    (True, False)
    >>> store.read(sha), b"hello" in store.path(sha).read_bytes()
    (b'hello', False)
    """

    def __init__(self, root: str | os.PathLike[str], master_key: str | bytes | None) -> None:
        self.root = Path(root)
        self._cipher = AttachmentCipher(master_key) if master_key else None

    @property
    def encrypted(self) -> bool:
        return self._cipher is not None

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def write(self, sha256: str, data: bytes) -> bool:
        """Store ``data`` (whose digest is ``sha256``); ``False`` when already stored."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("the data does not match its SHA-256")
        target = self.path(sha256)
        if target.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        body = (
            _ENCRYPTED + self._cipher.encrypt_bytes(data)
            if self._cipher is not None
            else _PLAIN + data
        )
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def read(self, sha256: str) -> bytes:
        """The plain bytes of a stored file.

        :raises FileNotFoundError: nothing stored under that digest.
        :raises ValueError: encrypted without a master key, or tampered with.
        """
        body = self.path(sha256).read_bytes()
        if body.startswith(_PLAIN):
            data = body[len(_PLAIN) :]
        elif body.startswith(_ENCRYPTED):
            if self._cipher is None:
                raise ValueError("the attachment is encrypted and no master key is set")
            data = self._cipher.decrypt_bytes(body[len(_ENCRYPTED) :])
        else:
            raise ValueError("not an attachment file")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("the attachment file does not match its SHA-256")
        return data

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


# -- writes that follow the transaction ---------------------------------------------------

_INFO_KEY = "lowlend_attachments"


@dataclass
class _Pending:
    staged: list[tuple[Attachment, bytes, bool, FileStore]] = field(default_factory=list)
    links: list[tuple[list[int], Any, str, str]] = field(default_factory=list)
    written: list[tuple[FileStore, str]] = field(default_factory=list)


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_INFO_KEY)
    if pending is None:
        pending = session.info[_INFO_KEY] = _Pending()
    return pending  # type: ignore[no-any-return]


def stage(
    session: Session,
    store: FileStore,
    *,
    name: str,
    content_type: str,
    data: bytes,
    created_by: int | None,
    standalone: bool = False,
) -> Attachment:
    """Add an attachment row (flushed: it has an id) whose bytes are written at commit.

    :param standalone: keep it even if no record links it before the commit (REST
        upload); otherwise an unlinked upload is dropped at commit (a failed form).
    """
    attachment = Attachment(
        sha256=hashlib.sha256(data).hexdigest(),
        file_name=name,
        size=len(data),
        content_type=content_type,
        created_by=created_by,
    )
    session.add(attachment)
    session.flush()
    _pending(session).staged.append((attachment, data, standalone, store))
    return attachment


def link(session: Session, ids: Iterable[int], item: Any, entity: str, field_code: str) -> None:
    """At commit, mark the attachments ``ids`` as belonging to ``item`` (its id is read
    then, so it may still be unsaved now). Already linked attachments keep their link."""
    _pending(session).links.append((list(ids), item, entity, field_code))


def _before_commit(session: Session) -> None:
    pending = session.info.get(_INFO_KEY)
    if pending is None or (not pending.staged and not pending.links):
        return
    linked: set[int] = set()
    for ids, item, entity, field_code in pending.links:
        if not ids:
            continue
        if getattr(item, "id", None) is None:
            session.flush()
        state = sa.inspect(item, raiseerr=False)
        if getattr(item, "id", None) is None or (state is not None and state.deleted):
            continue
        rows = session.scalars(sa.select(Attachment).where(Attachment.id.in_(ids))).all()
        for row in rows:
            if row.entity is None:
                row.entity, row.record_id, row.field = entity, int(item.id), field_code
            linked.add(row.id)
    pending.links.clear()
    for attachment, data, standalone, store in pending.staged:
        if not standalone and attachment.id not in linked:
            if attachment in session:
                session.delete(attachment)  # an upload of a form that was not saved
            continue
        if store.write(attachment.sha256, data):
            pending.written.append((store, attachment.sha256))
    pending.staged.clear()


def _after_commit(session: Session) -> None:
    pending = session.info.get(_INFO_KEY)
    if pending is not None:
        pending.written.clear()  # committed: the files stay


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if getattr(transaction, "parent", None) is not None or getattr(transaction, "nested", False):
        return  # a SAVEPOINT or inner transaction: the outer one decides
    pending = session.info.pop(_INFO_KEY, None)
    if pending is None:
        return
    for store, sha in pending.written:  # written in before_commit but never committed
        try:
            store.remove(sha)  # only files this transaction created
        except OSError:  # pragma: no cover - best effort
            log.warning("could not remove attachment file %s", sha)


_EVENTS = (
    ("before_commit", _before_commit),
    ("after_commit", _after_commit),
    ("after_transaction_end", _after_transaction_end),
)


def install_session_events() -> None:
    """Listen to every ORM session's commit/rollback (idempotent; called at boot)."""
    for name, handler in _EVENTS:
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)

