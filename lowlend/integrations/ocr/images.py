"""Checking and decoding uploaded images before OCR: every bad input is an
:class:`~lowlend.integrations.ocr.model.OcrError` with a stable code, never a traceback.

Checks, in order: empty file (``ocr_empty_file``), file size (``ocr_file_too_large``),
an image at all (``ocr_not_an_image``), a format we read (``ocr_unsupported_format``),
pixel dimensions read from the header *before* decoding (``ocr_image_too_large`` —
a decompression bomb is refused without being decoded — and ``ocr_image_too_small``),
then the decoding itself (``ocr_corrupt_image`` for a damaged or truncated file).

The decoded image is turned upright by its EXIF orientation and scaled down so that
its long side is at most :attr:`ImageLimits.work_side` pixels.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from lowlend.integrations.ocr.model import OcrError

__all__ = ["DEFAULT_LIMITS", "ImageLimits", "format_bytes", "load_image"]

#: formats read (Pillow format names); anything else is ``ocr_unsupported_format``
FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP", "BMP", "TIFF", "MPO"})

_STRICT = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decode with Pillow refusing truncated or damaged data. Pillow's switch for that is
    process-wide (``ImageFile.LOAD_TRUNCATED_IMAGES``) and another library may turn it on
    for good (WeasyPrint does, on import, for the contract PDFs): it is held off while
    an upload is decoded, then put back."""
    with _STRICT:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before

# first bytes of the formats we read: a file that starts like one of them but cannot
# be decoded is damaged (ocr_corrupt_image), anything else is not an image at all
_SIGNATURES: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"BM",  # BMP
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
)


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """Limits on uploaded images.

    :ivar max_bytes: largest file accepted (default 10 MiB).
    :ivar max_pixels: largest width × height accepted (default 50 megapixels).
    :ivar min_side: smallest short side in pixels (smaller cards cannot be read).
    :ivar work_side: long side the image is scaled down to before OCR.
    """

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 50_000_000
    min_side: int = 200
    work_side: int = 2000


DEFAULT_LIMITS = ImageLimits()


def format_bytes(size: int) -> str:
    """``10 MiB``, ``512 KiB``, ``800 bytes``.

    >>> format_bytes(10 * 1024 * 1024), format_bytes(1536), format_bytes(12)
    ('10 MiB', '1.5 KiB', '12 bytes')
    """
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with transparent parts on white (not the black Pillow would give)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(data: bytes, side: str = "front", limits: ImageLimits = DEFAULT_LIMITS) -> Image.Image:
    """Check ``data`` and decode it into an upright RGB image (scaled down if large).

    :param side: ``"front"`` or ``"back"``, named in the error.
    :raises OcrError: with the codes listed in the module documentation.
    """
    if not data:
        raise OcrError("ocr_empty_file", side)
    if len(data) > limits.max_bytes:
        raise OcrError("ocr_file_too_large", side, max=format_bytes(limits.max_bytes))
    try:
        with warnings.catch_warnings():  # our own pixel limit applies, not Pillow's warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise OcrError(
            "ocr_image_too_large", side, width="?", height="?", max_pixels=limits.max_pixels
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError):
        code = "ocr_corrupt_image" if _looks_like_image(data) else "ocr_not_an_image"
        raise OcrError(code, side) from None
    if image.format not in FORMATS:
        raise OcrError("ocr_unsupported_format", side, format=image.format or "?")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise OcrError(
            "ocr_image_too_large", side, width=width, height=height, max_pixels=limits.max_pixels
        )
    if min(width, height) < limits.min_side:
        raise OcrError(
            "ocr_image_too_small", side, width=width, height=height, min_side=limits.min_side
        )
    try:
        if image.format == "JPEG":  # decode large JPEGs at a reduced scale directly
            image.draft("RGB", (limits.work_side, limits.work_side))
        with _strict_decoding():
            image.load()
        image = ImageOps.exif_transpose(image) or image
        image = _flatten(image)
    except (OSError, SyntaxError, ValueError, TypeError, Image.DecompressionBombError, EOFError):
        raise OcrError("ocr_corrupt_image", side) from None
    if max(image.size) > limits.work_side:
        image.thumbnail((limits.work_side, limits.work_side), Image.Resampling.LANCZOS)
    return image
