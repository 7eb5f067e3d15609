"""Pure rules of file attachments (the ``file`` field kind): limits, types, names.

No Flask, no SQLAlchemy: the web form, the REST upload and any importer call
:func:`check_upload` with the bytes they received and show its
:class:`~lowlend.services.custom_fields.FieldMessage` objects next to the field.

* **Size**: at most :data:`DEFAULT_MAX_SIZE` (10 MiB) per file unless the
  deployment sets another limit (``LOWLEND_ATTACHMENT_MAX_SIZE``); empty files
  are refused.
* **Type**: decided by the file name's extension (:data:`DEFAULT_TYPES`, the
  browser's ``Content-Type`` is not trusted); for formats with a fixed signature
  (images, PDF, Office) the first bytes must match it, so a renamed executable
  is refused.
* **Names**: :func:`safe_file_name` keeps the visible name (Chinese included)
  but drops directories, control and path characters.

>>> safe_file_name("../../etc/发票 2026?.pdf")
'发票 2026_.pdf'
>>> [m.code for m in check_upload("a.exe", b"MZ...", AttachmentPolicy())]
['file_type']
>>> check_upload("scan.PDF", b"%PDF-1.7 ...", AttachmentPolicy())
[]
>>> print(content_disposition("发票.pdf"))
attachment; filename="_.pdf"; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import quote

from lowlend.services.custom_fields import FieldMessage

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_TYPES",
    "METADATA_KEYS",
    "AttachmentPolicy",
    "check_upload",
    "content_disposition",
    "content_type_for",
    "format_size",
    "metadata",
    "safe_file_name",
]

DEFAULT_MAX_SIZE: Final[int] = 10 * 1024 * 1024
"""Largest accepted file (bytes): 10 MiB."""

#: extension (lower case, no dot) → content type served on download
DEFAULT_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "gif": "image/gif",
        "webp": "image/webp",
        "pdf": "application/pdf",
        "doc": "application/msword",
        "xls": "application/vnd.ms-excel",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "txt": "text/plain",
        "csv": "text/csv",
    }
)

#: extension → accepted leading bytes (formats without a signature are not checked)
_SIGNATURES: Final[Mapping[str, tuple[bytes, ...]]] = MappingProxyType(
    {
        "jpg": (b"\xff\xd8\xff",),
        "jpeg": (b"\xff\xd8\xff",),
        "png": (b"\x89PNG\r\n\x1a\n",),
        "gif": (b"GIF87a", b"GIF89a"),
        "webp": (b"RIFF",),
        "pdf": (b"%PDF-",),
        "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
        "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
        "docx": (b"PK\x03\x04",),
        "xlsx": (b"PK\x03\x04",),
    }
)

METADATA_KEYS: Final[tuple[str, ...]] = ("id", "name", "size", "content_type", "sha256")
"""Keys of the stored value of a file field (one object per attachment)."""

MAX_NAME_LENGTH: Final[int] = 200


@dataclass(frozen=True, slots=True)
class AttachmentPolicy:
    """What uploads are accepted.

    :param max_size: largest file in bytes.
    :param types: extension → content type of the accepted formats.
    """

    max_size: int = DEFAULT_MAX_SIZE
    types: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TYPES)

    @property
    def extensions(self) -> tuple[str, ...]:
        """The accepted extensions, sorted (for messages and the ``accept`` attribute)."""
        return tuple(sorted(self.types))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_file_name(name: str | None) -> str:
    """A file name safe to store and to send back: no directories, no control or
    path characters (replaced by ``_``), NFC-normalised, at most 200 characters
    (the extension is kept); ``"file"`` when nothing is left."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).strip().strip(".").strip()
    if not text:
        return "file"
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_NAME_LENGTH]
    return text


def _extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def content_type_for(name: str, policy: AttachmentPolicy | None = None) -> str:
    """The content type of an accepted file name (``application/octet-stream`` otherwise)."""
    types = (policy or AttachmentPolicy()).types
    return types.get(_extension(name), "application/octet-stream")


def format_size(size: int) -> str:
    """A byte count for people: ``"512 B"``, ``"1.5 KiB"``, ``"10.0 MiB"``.

    >>> format_size(512), format_size(1536), format_size(10 * 1024 * 1024)
    ('512 B', '1.5 KiB', '10.0 MiB')
    """
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def check_upload(name: str | None, data: bytes, policy: AttachmentPolicy) -> list[FieldMessage]:
    """Problems of one uploaded file (empty list: accepted).

    ``data`` may be truncated to ``policy.max_size + 1`` bytes by the caller (so a
    huge upload is never read whole): a longer ``data`` means "too large".

    Codes: ``file_empty``, ``file_too_large`` (``name``, ``max``), ``file_type``
    (``name``, ``allowed``), ``file_content`` (``name``: the bytes are not of the
    type the extension names).
    """
    shown = safe_file_name(name)
    if not data:
        return [FieldMessage("file_empty", {"name": shown})]
    if len(data) > policy.max_size:
        return [FieldMessage("file_too_large", {"name": shown, "max": format_size(policy.max_size)})]
    ext = _extension(shown)
    if ext not in policy.types:
        return [FieldMessage("file_type", {"name": shown, "allowed": ", ".join(policy.extensions)})]
    signatures = _SIGNATURES.get(ext)
    if signatures and not any(data.startswith(s) for s in signatures):
        return [FieldMessage("file_content", {"name": shown})]
    return []


def metadata(
    attachment_id: int, name: str, size: int, content_type: str, sha256: str
) -> dict[str, Any]:
    """The stored form of one attachment in a file field's JSON list."""
    return {
        "id": int(attachment_id),
        "name": name,
        "size": int(size),
        "content_type": content_type,
        "sha256": sha256,
    }


def content_disposition(name: str, inline: bool = False) -> str:
    """A ``Content-Disposition`` header value for ``name`` (RFC 6266 / RFC 5987).

    ASCII fallback ``filename`` (non-ASCII characters become ``_``) plus
    ``filename*=UTF-8''…`` with the real, percent-encoded name.
    """
    safe = safe_file_name(name)
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in safe)
    if any(ord(c) >= 127 for c in safe):
        # one "_" per run of non-ASCII characters keeps the fallback readable
        fallback = re.sub(r"_{2,}", "_", fallback)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"
